"""Every SELECT about assignments: the helper's own, a request's, a helper's history, reports to approve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Load, selectinload

from ki_match.accounts.models import User
from ki_match.assignments.models import Feedback, Outcome, Side, SignOff
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.lifecycle import ACCEPTING
from ki_match.requests.models import (
    HOLDING_STATES,
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
)
from ki_match.requests.queries import helper_rows, request_details

PAST_ASSIGNMENTS_SHOWN = 100


def _assignments(ki: Ki, profile: HelperProfile):
    return helper_rows(Assignment, ki, profile, selectinload)


def own_assignment(ki: Ki, profile: HelperProfile, assignment_id: int) -> Assignment | None:
    return db.session.scalar(_assignments(ki, profile).where(Assignment.id == assignment_id))


def _is_ahead(starts_at=Assignment.starts_at):
    """Its time is still to come: the appointment, or a written translation's due day."""
    now = utcnow()
    today = now.astimezone(BERLIN).date()
    return or_(starts_at > now, and_(starts_at.is_(None), HelpRequest.due_on >= today))


def _is_upcoming():
    return and_(Assignment.status == AssignmentStatus.CONFIRMED, _is_ahead())


# An offer the helper said yes to, which the KI has not confirmed (nor turned down) yet.
_BECAME_ASSIGNMENT = select(Assignment.id).where(Assignment.offer_id == Offer.id).exists()
AWAITING_CONFIRMATION = and_(Offer.status == OfferStatus.ACCEPTED, ~_BECAME_ASSIGNMENT)


@dataclass
class MyAssignments:
    """A helper's assignments as "Meine Einsätze" groups them (``standing`` says each one's state)."""

    upcoming: list[Assignment]  # confirmed, still ahead, soonest first
    waiting: list[Offer]  # said yes, the KI has not confirmed yet, soonest first
    called_off: list[Assignment]  # ahead, but given back or called off
    past: list[Assignment]  # their time has passed, latest first


def assignments_of(ki: Ki, profile: HelperProfile) -> MyAssignments:
    soonest = (Assignment.starts_at.asc().nulls_last(), HelpRequest.due_on, Assignment.id)
    ahead = _is_ahead()
    upcoming = db.session.scalars(_assignments(ki, profile).where(_is_upcoming()).order_by(*soonest))
    called_off = db.session.scalars(
        _assignments(ki, profile)
        .where(ahead, Assignment.status.in_([AssignmentStatus.CANCELLED, AssignmentStatus.WITHDRAWN]))
        .order_by(*soonest)
    )
    past = db.session.scalars(
        _assignments(ki, profile)
        .where(~ahead)
        .order_by(Assignment.starts_at.desc().nulls_last(), HelpRequest.due_on.desc(), Assignment.id.desc())
        .limit(PAST_ASSIGNMENTS_SHOWN)
    )
    waiting = db.session.scalars(
        helper_rows(Offer, ki, profile, selectinload)
        .where(AWAITING_CONFIRMATION, _is_ahead(HelpRequest.starts_at))
        .order_by(HelpRequest.starts_at.asc().nulls_last(), HelpRequest.due_on, Offer.id)
    )
    return MyAssignments(list(upcoming), list(waiting), list(called_off), list(past))


def _awaiting_approval(ki_id) -> tuple:
    return (HelpRequest.ki_id == ki_id, Assignment.reported_at.is_not(None), Assignment.approved_at.is_(None))


def reports_awaiting_approval(ki: Ki) -> list[Assignment]:
    """Reported hours and kilometres the coordinators have not approved yet, oldest report first.

    The same rows the dashboard counts (``hours_awaiting_approval_count``).
    """
    return db.session.scalars(
        select(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*_awaiting_approval(ki.id))
        .options(
            selectinload(Assignment.helper).selectinload(HelperProfile.user),
            *request_details(selectinload(Assignment.request)),
        )
        .order_by(Assignment.reported_at, Assignment.id)
    ).all()


def upcoming_assignments(profile: HelperProfile, limit: int = 5) -> list[Assignment]:
    """The start page's next assignments: the first of "Meine Einsätze"'s upcoming ones."""
    return db.session.scalars(
        select(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(Assignment.helper_id == profile.id, _is_upcoming())
        .options(
            selectinload(Assignment.request).selectinload(HelpRequest.language),
            selectinload(Assignment.request).selectinload(HelpRequest.town),
        )
        .order_by(Assignment.starts_at.asc().nulls_last(), HelpRequest.due_on, Assignment.id)
        .limit(limit)
    ).all()


def hours_awaiting_approval_count(ki_id):
    """How many reports wait for approval (``reports_awaiting_approval``), as a subquery the
    dashboard counts along with the rest; ``ki_id`` a number or a bind parameter."""
    return (
        select(func.count())
        .select_from(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*_awaiting_approval(ki_id))
        .correlate(None)
        .scalar_subquery()
    )


# --- a helper's record, for the coordinators


def assignment_history(profile: HelperProfile, limit: int = 100):
    """The helper's assignments, latest first, with their requests: her KI's and, through the shared
    pool, other KIs' (whose requests the page shows only by date, kind, language and KI)."""
    return db.session.scalars(
        select(Assignment)
        .where(Assignment.helper_id == profile.id)
        .options(
            selectinload(Assignment.request).selectinload(HelpRequest.language),
            selectinload(Assignment.request).selectinload(HelpRequest.town),
            selectinload(Assignment.request).selectinload(HelpRequest.ki),
        )
        .order_by(Assignment.confirmed_at.desc(), Assignment.id.desc())
        .limit(limit)
    ).all()


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


def assignments_by_pair(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Assignment]:
    """(request id, helper id) → that helper's assignment to that request, for each pair that has
    one (a task names a request and a helper, not the assignment); one SELECT."""
    if not pairs:
        return {}
    rows = db.session.scalars(
        select(Assignment)
        .where(or_(*(and_(Assignment.request_id == r, Assignment.helper_id == h) for r, h in pairs)))
        .options(
            selectinload(Assignment.request), selectinload(Assignment.helper).selectinload(HelperProfile.user)
        )
    )
    return {(row.request_id, row.helper_id): row for row in rows}


def late_cancellations(ki: Ki, limit: int = 20) -> list[HelpRequest]:
    """The dashboard's "Kurzfristige Absagen": upcoming requests that a late withdrawal
    (``Assignment.withdrawn_late``) re-opened and that nobody has taken again yet, soonest first."""
    withdrawn_late = select(Assignment.id).where(
        Assignment.request_id == HelpRequest.id, Assignment.withdrawn_late.is_(True)
    )
    return db.session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.ki_id == ki.id,
            HelpRequest.status.in_(ACCEPTING),
            _is_ahead(HelpRequest.starts_at),
            withdrawn_late.exists(),
        )
        .options(*request_details(Load(HelpRequest)))
        .order_by(HelpRequest.starts_at.is_(None), HelpRequest.starts_at, HelpRequest.due_on, HelpRequest.id)
        .limit(limit)
    ).all()


# --- sign-offs ------------------------------------------------------------------------------


def signoff_of(assignment_id: int) -> SignOff | None:
    return db.session.scalar(select(SignOff).where(SignOff.assignment_id == assignment_id))


def signoffs_of(assignment_ids) -> dict[int, SignOff]:
    """assignment id → its sign-off, for a page of rows in one statement."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(SignOff).where(SignOff.assignment_id.in_(ids)))
    return {row.assignment_id: row for row in rows}


def _awaiting_signoff(ki_id: int, now: datetime):
    """Begun, due (confirmed or reported), hours not approved, and no sign-off yet."""
    signed = select(SignOff.id).where(SignOff.assignment_id == Assignment.id).exists()
    return (
        HelpRequest.ki_id == ki_id,
        Assignment.status.in_((AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED)),
        Assignment.approved_at.is_(None),
        or_(Assignment.starts_at.is_(None), Assignment.starts_at <= now),
        ~signed,
    )


AWAITING_SIGNOFF_SHOWN = 100


def awaiting_signoff(ki: Ki, now: datetime | None = None) -> list[Assignment]:
    """The KI's assignments whose requester has not said yet whether they took place, oldest first."""
    request = selectinload(Assignment.request)
    return db.session.scalars(
        select(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*_awaiting_signoff(ki.id, now or utcnow()))
        .options(
            selectinload(Assignment.helper).selectinload(HelperProfile.user),
            *request_details(request),
            request.joinedload(HelpRequest.organisation),
        )
        .order_by(Assignment.starts_at.asc().nulls_first(), Assignment.id)
        .limit(AWAITING_SIGNOFF_SHOWN)
    ).all()


def _absence_not_handled(ki_id):
    """A requester said the helper did not come, and no coordinator has marked it handled yet."""
    return (
        HelpRequest.ki_id == ki_id,
        SignOff.outcome == Outcome.HELPER_ABSENT,
        SignOff.handled_at.is_(None),
    )


def absences_to_handle(ki: Ki) -> list[SignOff]:
    """The start page's "Nicht erschienen": each not handled yet, the oldest report first."""
    assignment = selectinload(SignOff.assignment)
    request = assignment.selectinload(Assignment.request)
    return db.session.scalars(
        select(SignOff)
        .join(Assignment, Assignment.id == SignOff.assignment_id)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*_absence_not_handled(ki.id))
        .options(
            assignment.selectinload(Assignment.helper).selectinload(HelperProfile.user),
            *request_details(request),
            request.joinedload(HelpRequest.organisation),
            selectinload(SignOff.signed_by),
        )
        .order_by(SignOff.signed_at, SignOff.id)
    ).all()


def absences_to_handle_count(ki_id):
    """How many ``absences_to_handle`` lists, as a subquery the dashboard counts along with the
    rest; ``ki_id`` a number or a bind parameter."""
    return (
        select(func.count())
        .select_from(SignOff)
        .join(Assignment, Assignment.id == SignOff.assignment_id)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*_absence_not_handled(ki_id))
        .correlate(None)
        .scalar_subquery()
    )


# --- feedback -------------------------------------------------------------------------------


def feedback_of(assignment_id: int, side: Side) -> Feedback | None:
    return db.session.scalar(
        select(Feedback).where(Feedback.assignment_id == assignment_id, Feedback.side == side)
    )


def feedback_on(assignment_ids) -> list[Feedback]:
    """Both sides' feedback on these assignments (the coordinators' view)."""
    ids = list(assignment_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Feedback)
            .where(Feedback.assignment_id.in_(ids))
            .order_by(Feedback.assignment_id, Feedback.side)
        )
    )


def requester_feedback_authors(assignment_ids) -> dict[int, User]:
    """assignment id → who wrote its requester feedback (who asked for a call back), with their
    organisation; one SELECT."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Feedback)
        .where(Feedback.assignment_id.in_(ids), Feedback.side == Side.REQUESTER)
        .options(selectinload(Feedback.author).selectinload(User.organisation))
    )
    return {row.assignment_id: row.author for row in rows if row.author is not None}
