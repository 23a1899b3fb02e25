"""Every SELECT about helper profiles."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.db import Page, folded, page_number
from ki_match.extensions import db
from ki_match.helpers.models import HelperKind, HelperLanguage, HelperProfile, helper_town
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
            or_(User.email_verified_at.is_not(None), User.managed_by_ki_since.is_not(None)),
        ),
    )


def pool_filter(asking_ki_id, in_person: bool, *, in_sharing=None) -> ColumnElement[bool]:
    """Helpers another KI (``asking_ki_id``, a number or a bound parameter) may ask through the
    shared pool, as a WHERE clause on ``HelperProfile``: of another KI that shares, and agreed to
    be asked for this kind — in person (then only with a travel distance, the one reach that
    counts across KIs) or at a distance. Never a helper her KI manages (``helpers.managed``):
    another KI could not reach her, as only her own KI's coordinators call her. Whether the asking
    KI shares is the caller's to check; so is ``matchable_filter``. ``in_sharing``: the condition
    that her KI shares, if the caller has read the sharing KIs (``sharing_kis``: matching gives
    them as a list, so the planner has one table fewer to join); else a subquery."""
    consent = HelperProfile.pool_in_person_ok if in_person else HelperProfile.pool_remote_ok
    if in_sharing is None:
        in_sharing = HelperProfile.ki_id.in_(sharing_kis())
    return and_(
        HelperProfile.ki_id != asking_ki_id,
        consent.is_(True),
        *((HelperProfile.max_travel_km.is_not(None),) if in_person else ()),
        in_sharing,
        ~exists().where(User.id == HelperProfile.user_id, User.managed_by_ki_since.is_not(None)),
    )


def sharing_kis():
    """The KIs that share their pool (a select of their ids)."""
    return select(Ki.id).where(Ki.shares_pool.is_(True))


def profile_of(user: User) -> HelperProfile | None:
    return db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user.id))


def _awaiting(ki_id, *columns):
    """The KI's verified, active helpers not yet approved (joined with their account); ``ki_id`` a
    number or a bind parameter."""
    return (
        select(*columns)
        .join(User, User.id == HelperProfile.user_id)
        .where(
            HelperProfile.ki_id == ki_id,
            HelperProfile.approved_at.is_(None),
            User.active.is_(True),
            User.email_verified_at.is_not(None),
        )
    )


def awaiting_approval(ki: Ki) -> list[HelperProfile]:
    """Verified helpers not yet approved, oldest first."""
    return db.session.scalars(
        _awaiting(ki.id, HelperProfile)
        .options(
            selectinload(HelperProfile.user),
            selectinload(HelperProfile.home_town),
            selectinload(HelperProfile.languages).selectinload(HelperLanguage.language),
        )
        .order_by(HelperProfile.created_at)
    ).all()


def awaiting_approval_count(ki_id):
    """How many helpers wait for approval, as a subquery the dashboard counts along with the rest."""
    return _awaiting(ki_id, func.count(HelperProfile.id)).correlate(None).scalar_subquery()


# --- the coordinators' list of helpers ------------------------------------------------------

PAGE_SIZE = 25


def qualified_condition() -> ColumnElement[bool]:
    """A qualified Sprachlotsin or Sprachlotse: the matching engine's "qualified" rule (a request
    that needs one) and the reports' count of them read it here."""
    return and_(
        HelperProfile.kind == HelperKind.SPRACHLOTSE, HelperProfile.qualification_completed_on.is_not(None)
    )


class HelperState(enum.StrEnum):
    ALL = "all"
    APPROVED = "approved"
    PENDING = "pending"
    INACTIVE = "inactive"


@dataclass
class HelperFilters:
    state: HelperState = HelperState.ALL
    language_id: int | None = None
    town_id: int | None = None
    text: str | None = None
    page: int = 1


def _state_condition(state: HelperState):
    if state == HelperState.APPROVED:
        return and_(HelperProfile.approved_at.is_not(None), User.active.is_(True))
    if state == HelperState.PENDING:
        return and_(HelperProfile.approved_at.is_(None), User.active.is_(True))
    if state == HelperState.INACTIVE:
        return User.active.is_(False)
    return None


def helper_page(ki: Ki, filters: HelperFilters) -> Page:
    """The KI's helpers (deleted accounts left out) by name, filtered, one page at a time."""
    conditions = [HelperProfile.ki_id == ki.id, User.deleted_at.is_(None)]
    state = _state_condition(filters.state)
    if state is not None:
        conditions.append(state)
    if filters.language_id:
        conditions.append(
            exists().where(
                HelperLanguage.helper_id == HelperProfile.id,
                HelperLanguage.language_id == filters.language_id,
            )
        )
    if filters.town_id:
        serves = exists().where(
            helper_town.c.helper_id == HelperProfile.id, helper_town.c.town_id == filters.town_id
        )
        conditions.append(or_(HelperProfile.home_town_id == filters.town_id, serves))
    text = (filters.text or "").strip().lower()
    if text:
        # folded(): case-insensitive for ä/Ä too, on SQLite as on PostgreSQL
        conditions.append(folded(User.display_name).contains(text, autoescape=True))
    base = select(HelperProfile).join(User, User.id == HelperProfile.user_id).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page, pages = page_number(total, filters.page, PAGE_SIZE)
    profiles = db.session.scalars(
        base.options(
            selectinload(HelperProfile.user),
            selectinload(HelperProfile.home_town),
            selectinload(HelperProfile.languages).selectinload(HelperLanguage.language),
        )
        .order_by(User.display_name, HelperProfile.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return Page(list(profiles), total, page, pages)
