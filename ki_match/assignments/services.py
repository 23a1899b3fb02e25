"""Rules for a confirmed assignment: the helper gives it back, reports hours (for a helper the KI
manages, a coordinator enters them); a coordinator approves them. There is no four-eyes rule on
approval: a coordinator may approve hours she entered herself, as she approves any report."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.audit.services import record
from ki_match.clock import BERLIN, utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.orgs.settings import settings_for
from ki_match.requests import lifecycle
from ki_match.requests.events import AssignmentWithdrawn, HoursApproved, HoursReported
from ki_match.requests.locks import lock_request
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, TravelTicket


class AssignmentError(lifecycle.RequestError):
    """The action cannot happen (any more); the message says why, in plain words."""


def _refuse(message) -> None:
    db.session.rollback()
    raise AssignmentError(message)


def withdrawable(assignment: Assignment) -> bool:
    """A confirmed assignment can be given back until it begins (written ones: while confirmed)."""
    return assignment.status == AssignmentStatus.CONFIRMED and (
        assignment.starts_at is None or assignment.starts_at > utcnow()
    )


def reportable(assignment: Assignment) -> bool:
    """Hours can be reported once the assignment has begun, and changed until they are approved."""
    return (
        assignment.status in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED)
        and assignment.approved_at is None
        and (assignment.starts_at is None or assignment.starts_at <= utcnow())
    )


def shows_place(assignment: Assignment) -> bool:
    """The exact place and the client reference are for the helper who is actually going."""
    return assignment.status in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED)


def withdraw_assignment(assignment_id: int, helper_user: User, reason: str) -> None:
    """The helper cannot come after all: the seat frees and the request reopens."""
    request_id = db.session.scalar(select(Assignment.request_id).where(Assignment.id == assignment_id))
    request = lock_request(request_id)
    assignment = db.session.get(Assignment, assignment_id, populate_existing=True)
    if assignment.helper.user_id != helper_user.id:
        _refuse(_l("Dieser Einsatz gehört nicht Ihnen."))
    if assignment.status != AssignmentStatus.CONFIRMED:
        _refuse(_l("Dieser Einsatz ist nicht mehr bestätigt."))
    if assignment.starts_at is not None and assignment.starts_at <= utcnow():
        _refuse(_l("Der Einsatz hat schon begonnen. Bitte rufen Sie das Integrationszentrum an."))
    withdraw(assignment, request, helper_user, reason, note=_l("Helfer*in hat abgesagt"))
    db.session.commit()


def late_cancel_hours(request: HelpRequest) -> int:
    """Hours before an assignment of ``request`` inside which giving it back is late: the KI's
    ``late_cancel_hours`` setting (``LATE_CANCEL_HOURS`` by default)."""
    return settings_for(request.ki).late_cancel_hours


def is_late(assignment: Assignment, now: datetime | None = None) -> bool:
    """Whether giving it back now is a "kurzfristige Absage": it leaves the KI less than its
    ``late_cancel_hours`` to find someone (a written translation: its due day within that time).
    Every coordinator of the KI hears of it at once, not only the one responsible for the request."""
    now = now or utcnow()
    window = timedelta(hours=late_cancel_hours(assignment.request))
    if assignment.starts_at is not None:
        return assignment.starts_at - now < window
    due_on = assignment.request.due_on
    return due_on is not None and due_on <= (now + window).astimezone(BERLIN).date()


def withdraw(
    assignment: Assignment,
    request: HelpRequest,
    actor: User,
    withdraw_reason: str,
    *,
    note,
    released: bool = False,
    **audit,
) -> None:
    """The seat frees (the caller holds the request's lock and commits): a filled request
    reopens, and its coordinators hear of it — all of them when it is late (``is_late``), which
    the assignment, the request's history and the audit keep as a "kurzfristige Absage". The
    offers and answers of the request stay as they were: whoever was asked before still counts.

    ``released``: a coordinator took the helper off (``offers.series_restaff``); never late, since
    the helper did not cancel, and the coordinators are not told what one of them did."""
    late = not released and is_late(assignment)
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.withdraw_reason = withdraw_reason.strip()[:300]
    assignment.withdrawn_late = late
    record("assignment.withdrawn", actor=actor, subject=assignment, late=late, **audit)
    if late:
        note = _l("Kurzfristige Absage: %(note)s", note=note)
    lifecycle.seat_freed(request, actor, note)
    publish(
        AssignmentWithdrawn(request=request, actor=actor, assignment=assignment, late=late, released=released)
    )


def hours_enterable(assignment: Assignment) -> bool:
    """Whether the request page and the task list offer a coordinator to enter the hours: the
    helper is one the KI manages (she has no account to report them) and they are still open
    (``reportable``). Read without a lock; ``report_hours`` says it again under it."""
    helper = assignment.helper
    return helper.user.is_managed and helper.ki_id == assignment.request.ki_id and reportable(assignment)


def _may_report(assignment: Assignment, actor: User) -> bool:
    """The helper herself; for a helper the KI manages, a coordinator or admin of her KI."""
    helper = assignment.helper
    if actor.id == helper.user_id:
        return True
    return (
        helper.user.is_managed
        and actor.role in (Role.COORDINATOR, Role.ADMIN)
        and actor.ki_id == helper.ki_id == assignment.request.ki_id
    )


def report_hours(
    assignment: Assignment,
    actor: User,
    *,
    minutes: int,
    travel_km: int,
    note: str | None,
    ticket_cents: int | None = None,
    ticket_note: str | None = None,
) -> None:
    """The hours and kilometres of an assignment that has begun, changeable until approved.

    A ticket ("Ticket statt Kilometer", ``ticket_cents``) stands instead of kilometres: the
    kilometres are then 0, and a ticket reported before goes when kilometres come instead.

    The helper reports her own. For a helper the KI manages (``User.managed_by_ki_since``) a
    coordinator or admin of her KI enters what she said on the phone: the same rules, the
    coordinator as the actor of record and ``on_behalf_of`` in the audit (never the note's words).
    ``HoursReported`` closes the task that asked for them (``notifications.tasks``)."""
    assignment, request = lifecycle.locked_assignment(assignment.id)
    helper_user = assignment.helper.user
    if not _may_report(assignment, actor):
        _refuse(_l("Dieser Einsatz gehört nicht Ihnen."))
    if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED):
        _refuse(_l("Für diesen Einsatz können keine Stunden gemeldet werden."))
    if assignment.approved_at is not None:
        _refuse(_l("Die Angaben sind schon bestätigt und können nicht mehr geändert werden."))
    if assignment.starts_at is not None and assignment.starts_at > utcnow():
        _refuse(_l("Stunden können erst nach dem Einsatz gemeldet werden."))
    assignment.actual_minutes = minutes
    assignment.travel_km = 0 if ticket_cents else travel_km
    _set_ticket(assignment, ticket_cents, ticket_note)
    assignment.report_note = (note or "").strip()[:500] or None
    assignment.reported_at = utcnow()
    assignment.status = AssignmentStatus.COMPLETED
    on_behalf = {} if actor.id == helper_user.id else {"on_behalf_of": helper_user.id}
    record("assignment.reported", actor=actor, subject=assignment, **on_behalf)
    publish(HoursReported(request=request, actor=actor, assignment=assignment))
    db.session.commit()


def _set_ticket(assignment: Assignment, cents: int | None, note: str | None) -> None:
    if not cents:
        assignment.ticket = None
        return
    ticket = assignment.ticket or TravelTicket()
    ticket.cents, ticket.note = cents, (note or "").strip()[:200] or None
    assignment.ticket = ticket


def approve_report(assignment_id: int, coordinator: User) -> Assignment:
    """The reported hours and kilometres are right; from now on the helper cannot change them."""
    assignment, request = lifecycle.locked_assignment(assignment_id)
    if assignment.reported_at is None:
        _refuse(_l("Für diesen Einsatz sind noch keine Stunden gemeldet."))
    if assignment.approved_at is not None:
        _refuse(_l("Diese Angaben sind schon bestätigt."))
    if assignment.status != AssignmentStatus.COMPLETED:
        _refuse(_l("Dieser Einsatz ist nicht erledigt."))
    assignment.approved_at = utcnow()
    assignment.approved_by_id = coordinator.id
    record("assignment.approved", actor=coordinator, subject=assignment, request_id=request.id)
    publish(HoursApproved(request=request, actor=coordinator, assignment=assignment))
    db.session.commit()
    return assignment
