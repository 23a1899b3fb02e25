"""Every SELECT about helper profiles."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.clock import BERLIN
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile, helper_town
from ki_match.orgs.models import Ki
from ki_match.requests.models import HOLDING_STATES, Assignment, HelpRequest, Offer
from ki_match.requests.queries import folded


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


# --- the coordinators' list of helpers ------------------------------------------------------

PAGE_SIZE = 25


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


@dataclass
class HelperPage:
    profiles: list[HelperProfile]
    total: int
    page: int
    pages: int


def _state_condition(state: HelperState):
    if state == HelperState.APPROVED:
        return and_(HelperProfile.approved_at.is_not(None), User.active.is_(True))
    if state == HelperState.PENDING:
        return and_(HelperProfile.approved_at.is_(None), User.active.is_(True))
    if state == HelperState.INACTIVE:
        return User.active.is_(False)
    return None


def helper_page(ki: Ki, filters: HelperFilters) -> HelperPage:
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
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, filters.page), pages)
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
    return HelperPage(list(profiles), total, page, pages)


def assignment_history(profile: HelperProfile, limit: int = 100):
    """The helper's assignments, latest first, with their requests."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(HelpRequest, HelpRequest.id == Assignment.request_id)
            .where(Assignment.helper_id == profile.id, HelpRequest.ki_id == profile.ki_id)
            .options(
                selectinload(Assignment.request).selectinload(HelpRequest.language),
                selectinload(Assignment.request).selectinload(HelpRequest.town),
            )
            .order_by(Assignment.confirmed_at.desc(), Assignment.id.desc())
            .limit(limit)
        )
    )


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly_load(profile: HelperProfile, now: datetime, months: int = 12) -> list[tuple[date, int]]:
    """(first day of the month, assignments that month) for the last ``months`` months, oldest first.

    Counts what holds a seat (confirmed, completed, no-show) by its local start;
    a written translation, which has no start, by when it was confirmed.
    """
    today = now.astimezone(BERLIN).date()
    firsts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    since = datetime(firsts[0].year, firsts[0].month, 1, tzinfo=BERLIN)
    moments = db.session.scalars(
        select(func.coalesce(Assignment.starts_at, Assignment.confirmed_at)).where(
            Assignment.helper_id == profile.id,
            Assignment.status.in_(HOLDING_STATES),
            func.coalesce(Assignment.starts_at, Assignment.confirmed_at) >= since,
        )
    ).all()
    counts = dict.fromkeys(firsts, 0)
    for moment in moments:
        local = moment.astimezone(BERLIN).date().replace(day=1)
        if local in counts:
            counts[local] += 1
    return list(counts.items())


def offer_counts(profile: HelperProfile) -> dict[str, int]:
    """How the helper answered the offers sent to them: status value → count."""
    rows = db.session.execute(
        select(Offer.status, func.count()).where(Offer.helper_id == profile.id).group_by(Offer.status)
    )
    return {status.value: count for status, count in rows}
