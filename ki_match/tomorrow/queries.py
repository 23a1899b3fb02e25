"""Every SELECT of the day-before check: what the job asks and flags, what coordinators see."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.orgs.queries import in_active_ki
from ki_match.outbox.preferences import NotificationPreference, category_of
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, RequestKind
from ki_match.tomorrow.models import DayBeforeCheck

# The question opens on the day before, so nothing further ahead than two days can be due.
LOOK_AHEAD = timedelta(days=2, hours=1)

_ASKED_ABOUT_THIS_START = (
    select(DayBeforeCheck.id)
    .where(DayBeforeCheck.assignment_id == Assignment.id, DayBeforeCheck.starts_at == Assignment.starts_at)
    .exists()
)
# The question still stands: the assignment is confirmed at the start it was asked about.
_STILL_STANDS = and_(
    Assignment.id == DayBeforeCheck.assignment_id,
    Assignment.status == AssignmentStatus.CONFIRMED,
    Assignment.starts_at == DayBeforeCheck.starts_at,
)


# She switched the question's mail category off ("Erinnerung vor einem Einsatz"): she is not asked,
# so no missing answer is flagged for her either.
_SWITCHED_OFF = (
    select(NotificationPreference.user_id)
    .where(
        NotificationPreference.user_id == HelperProfile.user_id,
        NotificationPreference.category == category_of("day_before").key,
        NotificationPreference.email.is_(False),
    )
    .exists()
)


def not_yet_asked(now: datetime) -> list[tuple[Assignment, int]]:
    """Confirmed appointments of the coming two days whose helper was not asked about their start
    and wants to be, with their request's KI (``services.askable`` decides which are due)."""
    return db.session.execute(
        select(Assignment, HelpRequest.ki_id)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .join(HelperProfile, HelperProfile.id == Assignment.helper_id)
        .where(
            ~_SWITCHED_OFF,
            Assignment.status == AssignmentStatus.CONFIRMED,
            Assignment.starts_at > now,
            Assignment.starts_at <= now + LOOK_AHEAD,
            HelpRequest.kind != RequestKind.WRITTEN,
            ~_ASKED_ABOUT_THIS_START,
            in_active_ki(HelpRequest.ki_id),
        )
        .order_by(Assignment.starts_at, Assignment.id)
        .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
    ).all()


def unanswered(now: datetime) -> list[DayBeforeCheck]:
    """Questions without an answer and not flagged yet, whose assignment still stands and lies
    ahead; a helper the KI manages was asked through a coordinator's call (her task), not a link."""
    return db.session.scalars(
        select(DayBeforeCheck)
        .join(Assignment, _STILL_STANDS)
        .join(HelperProfile, HelperProfile.id == Assignment.helper_id)
        .join(User, User.id == HelperProfile.user_id)
        .where(
            DayBeforeCheck.confirmed_at.is_(None),
            DayBeforeCheck.declined_at.is_(None),
            DayBeforeCheck.flagged_at.is_(None),
            DayBeforeCheck.starts_at > now,
            User.managed_by_ki_since.is_(None),
            in_active_ki(DayBeforeCheck.ki_id),
        )
        .order_by(DayBeforeCheck.starts_at, DayBeforeCheck.id)
    ).all()


def without_answer_for_tomorrow(ki: Ki, now: datetime) -> list[DayBeforeCheck]:
    """The coordinators' tile "Keine Rückmeldung für morgen": flagged, still unanswered, and the
    assignment still stands and has not begun."""
    return db.session.scalars(
        select(DayBeforeCheck)
        .join(Assignment, _STILL_STANDS)
        .where(
            DayBeforeCheck.ki_id == ki.id,
            DayBeforeCheck.flagged_at.is_not(None),
            DayBeforeCheck.confirmed_at.is_(None),
            DayBeforeCheck.declined_at.is_(None),
            DayBeforeCheck.starts_at > now,
        )
        .order_by(DayBeforeCheck.starts_at, DayBeforeCheck.id)
        .options(
            selectinload(DayBeforeCheck.assignment)
            .selectinload(Assignment.helper)
            .selectinload(HelperProfile.user),
            selectinload(DayBeforeCheck.assignment).selectinload(Assignment.request),
        )
    ).all()


def current_checks(assignments: list[Assignment]) -> dict[int, DayBeforeCheck]:
    """Each assignment's question about its present start, by assignment id (the request page)."""
    ids = [a.id for a in assignments if a.starts_at is not None]
    if not ids:
        return {}
    starts = {a.id: a.starts_at for a in assignments}
    checks = db.session.scalars(select(DayBeforeCheck).where(DayBeforeCheck.assignment_id.in_(ids)))
    return {check.assignment_id: check for check in checks if check.starts_at == starts[check.assignment_id]}
