"""Every SELECT about helper profiles."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki


def matchable_filter() -> ColumnElement[bool]:
    """``ki_match.helpers.services.is_matchable`` as a WHERE clause on ``HelperProfile``.

    Self-contained (the user is checked in a correlated EXISTS), so matching and
    the directory can add it to any query over helper profiles without a join.
    """
    return and_(
        HelperProfile.approved_at.is_not(None),
        HelperProfile.consent_given_at.is_not(None),
        exists().where(
            User.id == HelperProfile.user_id,
            User.active.is_(True),
            User.deleted_at.is_(None),
            User.email_verified_at.is_not(None),
        ),
    )


def profile_of(user: User) -> HelperProfile | None:
    return db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user.id))


def awaiting_approval(ki: Ki) -> list[HelperProfile]:
    """Verified helpers not yet approved, oldest first."""
    return list(
        db.session.scalars(
            select(HelperProfile)
            .join(User, User.id == HelperProfile.user_id)
            .where(
                HelperProfile.ki_id == ki.id,
                HelperProfile.approved_at.is_(None),
                User.active.is_(True),
                User.email_verified_at.is_not(None),
            )
            .options(
                selectinload(HelperProfile.user),
                selectinload(HelperProfile.home_town),
                selectinload(HelperProfile.languages).selectinload(HelperLanguage.language),
            )
            .order_by(HelperProfile.created_at)
        )
    )


def count_awaiting_approval(ki: Ki) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(
            HelperProfile.ki_id == ki.id,
            HelperProfile.approved_at.is_(None),
            User.active.is_(True),
            User.email_verified_at.is_not(None),
        )
    )


def profile_in_ki(ki: Ki, profile_id: int) -> HelperProfile | None:
    return db.session.scalar(
        select(HelperProfile).where(HelperProfile.id == profile_id, HelperProfile.ki_id == ki.id)
    )
