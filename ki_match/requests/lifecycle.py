"""A request's life, from the first form to its end: every status change goes through ``TRANSITIONS``.

    (new) → draft | open | submitted
    submitted → open (taken over) | draft | declined | cancelled
    draft → open | cancelled
    open ⇄ offered → filled → completed;  open/offered → unfilled (date passed, nobody)
    filled → open/offered (a confirmed helper gave the seat back);  … → cancelled

``transition`` is the one door: it checks the table, writes the status history
(who, when, why) and the audit event; setting ``HelpRequest.status`` on a stored
request any other way raises. The changes people make — create, edit, submit,
take over, decline, reschedule, cancel, complete, no-show, and the unfilled
run — are the functions below. Whoever must hear of a change is not decided
here: each change publishes its event (``ki_match.requests.events``) and
``ki_match.notifications`` answers it in the same transaction.

Concurrency: every change to seats or offers of a request first takes the
request's lock (``requests.locks``), so two people acting at once are served one
after the other; the database backs it (one holding assignment per seat, no
overlapping time per helper).

Why so long: every change of a request's status is here, on purpose, so that the
table and everything that moves along it are read in one place. What they use is
kept elsewhere: the form's data (``data.py``), the locks (``locks.py``), the reads
(``queries.py``) and who hears of it (``ki_match.notifications``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import local_today, utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests import events, queries
from ki_match.requests.data import RequestData, apply
from ki_match.requests.locks import lock_request
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)

S = RequestStatus

# Where a request may go from each status; ``None`` is a request being made.
TRANSITIONS: dict[RequestStatus | None, frozenset[RequestStatus]] = {
    None: frozenset({S.DRAFT, S.OPEN, S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.OPEN, S.DRAFT, S.DECLINED, S.CANCELLED}),
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.OFFERED, S.FILLED, S.CANCELLED, S.UNFILLED}),
    S.OFFERED: frozenset({S.OPEN, S.FILLED, S.CANCELLED, S.UNFILLED}),
    S.FILLED: frozenset({S.OPEN, S.OFFERED, S.COMPLETED, S.CANCELLED}),
    S.UNFILLED: frozenset({S.OPEN, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.DECLINED: frozenset(),
}

# Requests in these states can still take helpers.
ACCEPTING = frozenset({S.OPEN, S.OFFERED})
# Changing a request in these states touches no confirmed seat; once someone is confirmed,
# a new time is a reschedule (offers and assignments moved and told), not an edit.
EDITABLE = frozenset({S.SUBMITTED, S.DRAFT, S.OPEN, S.OFFERED})
# Requests that can move to another time: someone is still being looked for, or is confirmed.
RESCHEDULABLE = frozenset({S.OPEN, S.OFFERED, S.FILLED})
OPEN_OFFER = (OfferStatus.PENDING, OfferStatus.ACCEPTED)


class RequestError(Exception):
    """The change cannot happen (any more); the message says why, in plain words."""


class TransitionError(RequestError):
    """The transition table does not allow this move."""


def can_transition(current: RequestStatus | None, target: RequestStatus) -> bool:
    return target in TRANSITIONS[current]


# --- the one door -------------------------------------------------------------------------------


@event.listens_for(HelpRequest.status, "set")
def _status_only_through_the_door(request: HelpRequest, value, old, initiator) -> None:
    """A stored request's status changes only in ``transition``, which leaves a trail."""
    if request.__dict__.get("_status_by_transition") is value or not inspect(request).persistent:
        return
    raise TransitionError(f"status of request {request.id} set outside requests.lifecycle.transition")


def _history(request: HelpRequest, source, target: RequestStatus, actor, note=None) -> None:
    db.session.add(
        RequestStatusChange(
            request_id=request.id,
            from_status=source,
            to_status=target,
            actor_id=getattr(actor, "id", None),
            note=note,
        )
    )


def transition(request: HelpRequest, target: RequestStatus, actor=None, note: str | None = None) -> None:
    """Move ``request`` to ``target`` and record who did it; refuses a move the table does not allow."""
    if request.status == target:
        return
    if not can_transition(request.status, target):
        raise TransitionError(
            _l(
                "Eine Anfrage mit Status „%(current)s“ kann nicht auf „%(target)s“ gesetzt werden.",
                current=request.status.value,
                target=target.value,
            )
        )
    _history(request, request.status, target, actor, note)
    record(
        "request.status",
        actor=actor,
        subject=request,
        from_status=request.status.value,
        to_status=target.value,
    )
    request._status_by_transition = target
    request.status = target


def _begin(ki: Ki, data: RequestData, status: RequestStatus, actor, **fields) -> HelpRequest:
    """A new request in its first status (the table's ``None`` row), with its first history entry."""
    if not can_transition(None, status):
        raise TransitionError(f"a request cannot begin as {status.value}")
    data = data.relevant()
    request = HelpRequest(
        ki_id=ki.id, kind=data.kind, status=status, created_by_id=getattr(actor, "id", None)
    )
    apply(request, data)
    for name, value in fields.items():
        setattr(request, name, value)
    db.session.add(request)
    db.session.flush()
    _history(request, None, status, actor)
    return request


# --- under the lock --------------------------------------------------------------------------------------


def lock_existing(request_id: int) -> HelpRequest:
    request = lock_request(request_id)
    if request is None:
        db.session.rollback()
        raise RequestError(_l("Diese Anfrage gibt es nicht (mehr)."))
    return request


def _refuse(message) -> None:
    db.session.rollback()
    raise RequestError(message)


# --- status changes the offers and assignments rules cause ------------------------------


def mark_offered(request: HelpRequest, actor) -> None:
    """Someone was asked (or confirmed while more seats are free)."""
    if request.status == S.OPEN:
        transition(request, S.OFFERED, actor=actor)


def mark_filled(request: HelpRequest, actor) -> None:
    transition(request, S.FILLED, actor=actor)


def remark(request: HelpRequest, actor, note) -> None:
    """A line in the request's history that changes no status (its status stays on both sides):
    something a person did for the request that its history must show, such as an answer taken
    by phone or a direct booking. The note is cut to the history's 300 characters."""
    _history(request, request.status, request.status, actor, str(note)[:300])


def seat_freed(request: HelpRequest, actor, note) -> None:
    """A confirmed helper gave their seat back: a filled request looks for someone again."""
    if request.status == S.FILLED:
        transition(request, S.OPEN, actor=actor, note=str(note))


def offers_ended(request: HelpRequest, actor) -> None:
    """An offer was withdrawn: with nobody left to answer, an offered request is open again."""
    db.session.flush()
    if request.status == S.OFFERED and not queries.any_offer_out(request):
        transition(request, S.OPEN, actor=actor, note=str(_l("Keine Anfrage mehr offen")))


# --- made by a coordinator, or sent in by an initiative ---------------------------------------------


def create(ki: Ki, data: RequestData, actor, *, open_now: bool) -> HelpRequest:
    """A coordinator's new request, as a draft or open."""
    request = _begin(ki, data, S.OPEN if open_now else S.DRAFT, actor)
    record(
        "request.created", actor=actor, subject=request, status=request.status.value, kind=request.kind.value
    )
    return request


def is_editable(request: HelpRequest) -> bool:
    return request.status in EDITABLE


def edit(request: HelpRequest, data: RequestData, actor, *, open_now: bool) -> list[str]:
    """Change a request nobody is confirmed for yet (the names of the fields that changed); opens a
    draft, or takes over an initiative's request, if asked to. Offers already sent are not
    re-checked: moving a request with offers or seats is a reschedule, which tells the helpers."""
    if not is_editable(request):
        raise TransitionError(
            _l(
                "Eine Anfrage mit Status „%(status)s“ kann nicht mehr bearbeitet werden.",
                status=request.status.value,
            )
        )
    changed = apply(request, data.relevant())
    if changed:
        record("request.updated", actor=actor, subject=request, fields=sorted(changed))
    if open_now and request.status in (S.DRAFT, S.SUBMITTED):
        was_submitted = request.status == S.SUBMITTED
        transition(request, S.OPEN, actor)
        if was_submitted:
            publish(events.TakenOver(request=request, actor=actor))
    return changed


def submit(
    ki: Ki,
    data: RequestData,
    member: User,
    *,
    urgent: bool,
    urgent_reason: str | None,
    whole_series: bool = False,
) -> HelpRequest:
    """An initiative member's request, waiting for the coordinators as ``submitted``.

    The form has checked the values and the lead time; whether the member may
    submit at all (their organisation can be deactivated while the form is open)
    is the caller's check. ``whole_series`` (here and below): one date of a series
    sent in or decided at once, which the series' own event announces.
    """
    request = _begin(
        ki,
        data,
        S.SUBMITTED,
        member,
        requested_by_id=member.id,
        organisation_id=member.organisation_id,
        urgent=urgent,
        urgent_reason=((urgent_reason or "").strip()[:300] or None) if urgent else None,
    )
    record("request.submitted", actor=member, subject=request, kind=request.kind.value, urgent=urgent)
    publish(events.Submitted(request=request, actor=member, whole_series=whole_series))
    return request


def locked_submitted(request_id: int) -> HelpRequest:
    """A submitted request under its lock; refused once someone decided about it."""
    request = lock_request(request_id)
    if request is None:
        _refuse(_l("Diese Anfrage gibt es nicht."))
    if request.status != S.SUBMITTED:
        _refuse(_l("Über diese Anfrage ist schon entschieden worden."))
    return request


def take_over(request_id: int, coordinator: User, *, whole_series: bool = False) -> HelpRequest:
    """Take a submitted request into matching: it opens like a coordinator's own request."""
    request = locked_submitted(request_id)
    transition(request, S.OPEN, actor=coordinator, note=str(_l("in die Vermittlung übernommen")))
    publish(events.TakenOver(request=request, actor=coordinator, whole_series=whole_series))
    db.session.commit()
    return request


def decline_submitted(
    request_id: int, coordinator: User, reason: str, *, whole_series: bool = False
) -> HelpRequest:
    """Turn a submitted request down; the organisation hears the reason."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise RequestError(_l("Bitte geben Sie einen Grund an."))
    request = locked_submitted(request_id)
    transition(request, S.DECLINED, actor=coordinator, note=reason)
    publish(
        events.SubmittedDeclined(request=request, actor=coordinator, reason=reason, whole_series=whole_series)
    )
    db.session.commit()
    return request


# --- another time -------------------------------------------------------------------------------


@dataclass
class Rescheduled:
    changed: bool
    # Everyone asked or confirmed, who may no longer fit the new time by their own week plan.
    helpers: list[HelperProfile]


def _new_time(request: HelpRequest, new_start, new_duration, new_due_on, now: datetime):
    """The checked new (start, duration, due date) for the request's kind."""
    if request.kind == RequestKind.WRITTEN:
        if new_due_on is None:
            _refuse(_l("Bitte geben Sie an, bis wann die Übersetzung fertig sein soll."))
        if new_due_on < local_today(now):
            _refuse(_l("Das Datum liegt in der Vergangenheit. Bitte ein künftiges Datum wählen."))
        return None, None, new_due_on
    if new_start is None or new_duration is None:
        _refuse(_l("Bitte geben Sie Datum, Uhrzeit und Dauer an."))
    if new_start <= now:
        _refuse(_l("Die neue Zeit liegt in der Vergangenheit."))
    if not 15 <= new_duration <= 720:
        _refuse(_l("Bitte zwischen 15 Minuten und 12 Stunden (720 Minuten) angeben."))
    return new_start, new_duration, None


def _move_assignments(assignments: list[Assignment], request: HelpRequest) -> None:
    """Confirmed assignments move with the request; the database refuses an overlap, named here."""
    for assignment in assignments:
        name = assignment.helper.user.display_name
        assignment.starts_at, assignment.ends_at = request.starts_at, request.ends_at
        try:
            db.session.flush()
        except IntegrityError as error:
            db.session.rollback()
            if "helper_time" in str(error.orig):
                raise RequestError(
                    _l(
                        "%(name)s hat zur neuen Zeit schon einen anderen bestätigten Einsatz. "
                        "Bitte wählen Sie eine andere Zeit.",
                        name=name,
                    )
                ) from error
            raise RequestError(_l("Die neue Zeit konnte nicht gespeichert werden.")) from error


def reschedule(
    request_id: int, new_start, new_duration: int | None, coordinator: User, *, new_due_on=None
) -> Rescheduled:
    """Move a request to another time (a written one to another due date).

    Confirmed assignments move with it. Offers still waiting stay open; a yes
    given for the old time goes back to waiting, since confirming it for another
    time would book someone unasked. Everyone asked or confirmed is told.
    """
    request = lock_existing(request_id)
    if request.status not in RESCHEDULABLE:
        _refuse(_l("Diese Anfrage kann nicht mehr verschoben werden."))
    now = utcnow()
    new_start, new_duration, new_due_on = _new_time(request, new_start, new_duration, new_due_on, now)
    assignments = queries.holding_assignments(request.id)
    if any(assignment.status != AssignmentStatus.CONFIRMED for assignment in assignments):
        _refuse(_l("Der Einsatz hat schon stattgefunden und kann nicht mehr verschoben werden."))
    old = events.Schedule(request.starts_at, request.duration_minutes, request.due_on)
    request.starts_at, request.duration_minutes, request.due_on = new_start, new_duration, new_due_on
    if events.Schedule(new_start, new_duration, new_due_on) == old:
        db.session.rollback()
        return Rescheduled(changed=False, helpers=[])
    _move_assignments(assignments, request)
    waiting = queries.open_offers(request)
    asked_again = frozenset(offer.id for offer in waiting if offer.status == OfferStatus.ACCEPTED)
    for offer in waiting:
        if offer.id in asked_again:
            offer.status, offer.answered_at = OfferStatus.PENDING, None
    publish(
        events.Rescheduled(
            request=request,
            actor=coordinator,
            old=old,
            offers=waiting,
            asked_again=asked_again,
            assignments=assignments,
            at=now,
        )
    )
    record(
        "request.rescheduled",
        actor=coordinator,
        subject=request,
        offers_told=len(waiting),
        offers_asked_again=len(asked_again),
        assignments_moved=len(assignments),
    )
    helpers = [offer.helper for offer in waiting] + [assignment.helper for assignment in assignments]
    db.session.commit()
    return Rescheduled(changed=True, helpers=helpers)


# --- the end ------------------------------------------------------------------------------------


def cancel(request_id: int, actor: User, reason: str, *, whole_series: bool = False) -> HelpRequest:
    """Call the request off: offers still out are withdrawn, confirmed assignments cancelled (their
    seats free), and everyone asked or confirmed is told, with the reason. An initiative member
    calling off their own request goes through here as well."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise RequestError(_l("Bitte geben Sie einen Grund an."))
    request = lock_existing(request_id)
    if not can_transition(request.status, S.CANCELLED):
        _refuse(_l("Diese Anfrage kann nicht mehr abgesagt werden."))
    assignments = queries.holding_assignments(request.id)
    if any(assignment.status != AssignmentStatus.CONFIRMED for assignment in assignments):
        _refuse(
            _l(
                "Der Einsatz hat schon stattgefunden. Markieren Sie ihn als erledigt oder als nicht erschienen."
            )
        )
    withdrawn = queries.open_offers(request)
    for offer in withdrawn:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, offer.answered_at or utcnow()
        record("offer.withdrawn", actor=actor, subject=offer, reason="cancelled")
    for assignment in assignments:
        assignment.status = AssignmentStatus.CANCELLED
        record("assignment.cancelled", actor=actor, subject=assignment)
    transition(request, S.CANCELLED, actor=actor, note=reason)
    record(
        "request.cancelled",
        actor=actor,
        subject=request,
        offers_withdrawn=len(withdrawn),
        assignments_cancelled=len(assignments),
    )
    publish(
        events.Cancelled(
            request=request,
            actor=actor,
            reason=reason,
            offers=withdrawn,
            assignments=assignments,
            whole_series=whole_series,
        )
    )
    db.session.commit()
    return request


def complete(request_id: int, coordinator: User, now: datetime | None = None) -> HelpRequest:
    """The appointment took place: a filled request is done, and its confirmed helpers are asked to
    report their hours (those who already did stay as they are)."""
    now = now or utcnow()
    request = lock_existing(request_id)
    if request.status != S.FILLED:
        _refuse(_l("Nur besetzte Anfragen können als erledigt markiert werden."))
    if request.starts_at is not None and request.starts_at > now:
        _refuse(_l("Der Termin liegt noch in der Zukunft."))
    done = [
        assignment
        for assignment in queries.holding_assignments(request.id)
        if assignment.status == AssignmentStatus.CONFIRMED
    ]
    for assignment in done:
        assignment.status = AssignmentStatus.COMPLETED
        record("assignment.completed", actor=coordinator, subject=assignment)
    transition(request, S.COMPLETED, actor=coordinator)
    publish(events.Completed(request=request, actor=coordinator, assignments=done))
    db.session.commit()
    return request


def locked_assignment(assignment_id: int) -> tuple[Assignment, HelpRequest]:
    """An assignment and its request, under the request's lock."""
    request_id = db.session.scalar(select(Assignment.request_id).where(Assignment.id == assignment_id))
    if request_id is None:
        raise RequestError(_l("Diesen Einsatz gibt es nicht (mehr)."))
    request = lock_existing(request_id)
    return db.session.get(Assignment, assignment_id, populate_existing=True), request


def no_show(assignment_id: int, coordinator: User, now: datetime | None = None) -> Assignment:
    """The helper did not come. Not once they reported hours: then it is a matter for a phone call."""
    now = now or utcnow()
    assignment, request = locked_assignment(assignment_id)
    if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED):
        _refuse(_l("Dieser Einsatz ist nicht bestätigt."))
    if assignment.reported_at is not None:
        _refuse(_l("Die Person hat für diesen Einsatz schon Stunden gemeldet. Bitte klären Sie das mit ihr."))
    if assignment.starts_at is not None and assignment.starts_at > now:
        _refuse(_l("Der Einsatz hat noch nicht begonnen."))
    assignment.status = AssignmentStatus.NO_SHOW
    record("assignment.no_show", actor=coordinator, subject=assignment, request_id=request.id)
    publish(events.NoShow(request=request, actor=coordinator, assignment=assignment))
    db.session.commit()
    return assignment


@dataclass
class UnfilledResult:
    unfilled: int = 0
    offers_expired: int = 0


def _passed_while_seeking(now: datetime) -> list[int]:
    return db.session.scalars(
        select(HelpRequest.id)
        .where(
            HelpRequest.status.in_(ACCEPTING),
            or_(
                HelpRequest.starts_at <= now,
                and_(HelpRequest.starts_at.is_(None), HelpRequest.due_on < local_today(now)),
            ),
        )
        .order_by(HelpRequest.id)
    ).all()


def _mark_unfilled(request_id: int, now: datetime) -> int | None:
    """One request whose time passed; the number of its offers that expired, or None if it was
    moved or filled meanwhile (looked at again under the lock)."""
    request = lock_request(request_id)
    if (
        request.status not in ACCEPTING
        or not request.is_over(now)
        or queries.holding_count(request.id) >= request.helpers_needed
    ):
        db.session.rollback()
        return None
    pending = db.session.scalars(
        select(Offer).where(Offer.request_id == request.id, Offer.status == OfferStatus.PENDING)
    ).all()
    for offer in pending:
        offer.status = OfferStatus.EXPIRED
    transition(request, S.UNFILLED, note=str(_l("Termin verstrichen, niemand bestätigt")))
    record("request.unfilled", subject=request, offers_expired=len(pending))
    publish(events.Unfilled(request=request, actor=None, at=now))
    db.session.commit()
    return len(pending)


def mark_unfilled(now: datetime | None = None) -> UnfilledResult:
    """Requests whose time passed while still seeking helpers become unfilled; their pending offers
    expire, and so do offers past their answer deadline. Safe to run again and again (the cron
    job): what is done is not found a second time."""
    now = now or utcnow()
    result = UnfilledResult()
    for request_id in _passed_while_seeking(now):
        expired = _mark_unfilled(request_id, now)
        if expired is not None:
            result.unfilled += 1
            result.offers_expired += expired
    overdue = db.session.execute(
        update(Offer)
        .where(Offer.status == OfferStatus.PENDING, Offer.expires_at.is_not(None), Offer.expires_at <= now)
        .values(status=OfferStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if overdue:
        record("offers.expired", count=overdue)
    db.session.commit()
    result.offers_expired += overdue
    return result
