"""Offers and assignments: answering, confirming, withdrawing, reporting.

These are the rules that must hold under concurrency. Every change that takes
or frees a seat of a request first takes the request's lock
(``lock_request``); the database backs it with a unique seat per request and
an overlap guard per helper, so even a path that forgot the lock cannot
double-book anyone. Losing a race is an ``OfferError`` with a plain message,
never a 500.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import set_active
from ki_match.audit.services import record
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import is_matchable
from ki_match.initiatives.notify import Change, tell_about_cancel, tell_requester
from ki_match.outbox.queue import queue_mail
from ki_match.requests.models import (
    HOLDING_STATES,
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from ki_match.requests.services import ACCEPTING, can_transition, lock_request, transition
from ki_match.urls import public_url


class OfferError(Exception):
    """The action cannot happen (any more); the message says why, in plain words."""


class Answer(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class AcceptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the coordinator confirms next
    CONFIRMED = "confirmed"  # first to accept: the assignment is theirs


def ends_at(request: HelpRequest):
    if request.starts_at is None or request.duration_minutes is None:
        return None
    return request.starts_at + timedelta(minutes=request.duration_minutes)


def holding_count(request_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.request_id == request_id, Assignment.status.in_(HOLDING_STATES))
    )


def _free_seat(request: HelpRequest) -> int | None:
    taken = set(
        db.session.scalars(
            select(Assignment.seat).where(
                Assignment.request_id == request.id, Assignment.status.in_(HOLDING_STATES)
            )
        )
    )
    for seat in range(1, request.helpers_needed + 1):
        if seat not in taken:
            return seat
    return None


def _locked_offer(offer_id: int) -> tuple[Offer, HelpRequest]:
    request_id = db.session.scalar(select(Offer.request_id).where(Offer.id == offer_id))
    request = lock_request(request_id)
    offer = db.session.scalar(
        select(Offer).where(Offer.id == offer_id).execution_options(populate_existing=True)
    )
    return offer, request


def _too_late(offer: Offer, request: HelpRequest) -> str | None:
    """Why this offer can no longer be accepted, or None."""
    # A full request withdraws the other offers; "filled" is the truer reason then.
    if request.status in (RequestStatus.FILLED, RequestStatus.COMPLETED):
        return str(_l("Diese Anfrage ist inzwischen schon besetzt. Danke für Ihre Bereitschaft!"))
    if offer.status == OfferStatus.WITHDRAWN or request.status == RequestStatus.CANCELLED:
        return str(_l("Diese Anfrage wurde zurückgezogen. Sie müssen nichts weiter tun."))
    if offer.status == OfferStatus.EXPIRED or (offer.expires_at and offer.expires_at <= utcnow()):
        return str(_l("Diese Anfrage ist abgelaufen."))
    if request.status not in ACCEPTING:
        return str(_l("Diese Anfrage ist nicht mehr offen."))
    if _is_over(request):
        return str(_l("Der Termin ist schon vorbei."))
    return None


def _is_over(request: HelpRequest) -> bool:
    """An appointment that has begun, or a translation whose due date has passed, needs no one new."""
    if request.starts_at is not None:
        return request.starts_at <= utcnow()
    if request.due_on is not None:
        return request.due_on < utcnow().astimezone(BERLIN).date()
    return False


def why_closed(offer: Offer) -> str | None:
    """Why the helper can no longer answer this offer, in plain words; None while they can.

    Read without a lock, for pages; ``accept_offer``/``decline_offer`` check again under it.
    """
    if offer.status == OfferStatus.ACCEPTED:
        return str(_l("Sie haben diese Anfrage bereits zugesagt."))
    if offer.status == OfferStatus.DECLINED:
        return str(_l("Sie haben diese Anfrage bereits abgelehnt."))
    return _too_late(offer, offer.request)


# --- the helper answers --------------------------------------------------------------------


def accept_offer(offer_id: int, helper_user: User) -> AcceptOutcome:
    offer, request = _locked_offer(offer_id)
    if offer.helper.user_id != helper_user.id:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage ist nicht an Sie gerichtet."))
    if offer.status == OfferStatus.ACCEPTED:
        db.session.rollback()
        return AcceptOutcome.ACCEPTED
    if offer.status == OfferStatus.DECLINED:
        db.session.rollback()
        raise OfferError(_l("Sie haben diese Anfrage bereits abgelehnt."))
    reason = _too_late(offer, request)
    if reason:
        db.session.rollback()
        raise OfferError(reason)
    offer.status = OfferStatus.ACCEPTED
    offer.answered_at = utcnow()
    record("offer.accepted", actor=helper_user, subject=offer)
    if request.fill_mode == FillMode.FIRST_TO_ACCEPT:
        _confirm_locked(offer, request, actor=helper_user)
        db.session.commit()
        return AcceptOutcome.CONFIRMED
    _notify_coordinators(
        request,
        kind="offer_accepted",
        key=f"offer-accepted:{offer.id}",
        subject=_l("Zusage für Anfrage #%(id)s", id=request.id),
        template="emails/offer_answered",
        offer=offer,
    )
    db.session.commit()
    return AcceptOutcome.ACCEPTED


def decline_offer(offer_id: int, helper_user: User, reason: str | None = None) -> None:
    offer, request = _locked_offer(offer_id)
    if offer.helper.user_id != helper_user.id:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage ist nicht an Sie gerichtet."))
    if offer.status == OfferStatus.DECLINED:
        db.session.rollback()
        return
    if offer.status != OfferStatus.PENDING:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage ist nicht mehr offen."))
    offer.decline_reason = (reason or "").strip()[:300] or None
    _decline(offer, request, helper_user, action="offer.declined", key=f"offer-declined:{offer.id}")


def retract_acceptance(offer_id: int, helper_user: User) -> None:
    """Take back a yes the coordinator has not confirmed yet: the offer counts as declined,
    so it can no longer be confirmed, and the coordinators hear of it."""
    offer, request = _locked_offer(offer_id)
    if offer.helper.user_id != helper_user.id:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage ist nicht an Sie gerichtet."))
    confirmed = db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id))
    if offer.status != OfferStatus.ACCEPTED or confirmed is not None:
        db.session.rollback()
        raise OfferError(_l("Diese Zusage kann nicht mehr zurückgenommen werden."))
    _decline(offer, request, helper_user, action="offer.retracted", key=f"offer-retracted:{offer.id}")


def _decline(offer: Offer, request: HelpRequest, helper_user: User, *, action: str, key: str) -> None:
    """A no from the helper (first answer or a yes taken back): recorded, coordinators told."""
    offer.status = OfferStatus.DECLINED
    offer.answered_at = utcnow()
    record(action, actor=helper_user, subject=offer)
    _notify_coordinators(
        request,
        kind="offer_declined",
        key=key,
        subject=_l("Absage für Anfrage #%(id)s", id=request.id),
        template="emails/offer_answered",
        offer=offer,
    )
    db.session.commit()


# --- the coordinator confirms --------------------------------------------------------------


def confirm_offer(offer_id: int, coordinator: User) -> Assignment:
    """Make an accepted offer an assignment; the request fills when all seats are taken."""
    offer, request = _locked_offer(offer_id)
    if db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id)) is not None:
        db.session.rollback()
        raise OfferError(_l("Diese Person ist für diese Anfrage schon bestätigt."))
    # Checked before the offer's own state: the other offers of a request that just filled
    # were withdrawn with it, and "filled" is what the losing coordinator needs to hear.
    if request.status in (RequestStatus.FILLED, RequestStatus.COMPLETED):
        db.session.rollback()
        raise OfferError(_l("Die Anfrage ist inzwischen besetzt: jemand anderes wurde schon bestätigt."))
    if offer.status != OfferStatus.ACCEPTED:
        db.session.rollback()
        raise OfferError(_l("Nur zugesagte Anfragen können bestätigt werden."))
    if request.status not in ACCEPTING:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage ist nicht mehr offen."))
    assignment = _confirm_locked(offer, request, actor=coordinator)
    db.session.commit()
    return assignment


def _confirm_locked(offer: Offer, request: HelpRequest, actor: User) -> Assignment:
    seat = _free_seat(request)
    if seat is None:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage ist inzwischen schon besetzt. Danke für Ihre Bereitschaft!"))
    assignment = Assignment(
        request_id=request.id,
        helper_id=offer.helper_id,
        offer_id=offer.id,
        seat=seat,
        starts_at=request.starts_at,
        ends_at=ends_at(request),
        confirmed_by_id=actor.id,
    )
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        if "helper_time" in str(error.orig):
            raise OfferError(
                _l("Diese Person hat zu dieser Zeit schon einen anderen bestätigten Einsatz.")
            ) from error
        raise OfferError(
            _l("Diese Anfrage ist inzwischen schon besetzt. Danke für Ihre Bereitschaft!")
        ) from error
    record("assignment.confirmed", actor=actor, subject=assignment, request_id=request.id)
    _mail_helper(
        offer.helper,
        kind="assignment_confirmed",
        key=f"confirmed:{assignment.id}",
        subject=_l("Ihr Einsatz ist bestätigt"),
        template="emails/assignment_confirmed",
        request=request,
        assignment=assignment,
    )
    if holding_count(request.id) >= request.helpers_needed:
        transition(request, RequestStatus.FILLED, actor=actor)
        tell_requester(request, Change.FILLED, actor=actor, key=str(assignment.id))
        _withdraw_open_offers(request, actor)
    elif request.status == RequestStatus.OPEN:
        transition(request, RequestStatus.OFFERED, actor=actor)
    return assignment


def _withdraw_open_offers(request: HelpRequest, actor: User) -> None:
    """Once a request is full, nobody else should still be waiting for an answer."""
    open_offers = db.session.scalars(
        select(Offer).where(
            Offer.request_id == request.id,
            Offer.status.in_([OfferStatus.PENDING, OfferStatus.ACCEPTED]),
            Offer.id.not_in(
                select(Assignment.offer_id).where(
                    Assignment.request_id == request.id, Assignment.offer_id.is_not(None)
                )
            ),
        )
    ).all()
    for offer in open_offers:
        offer.status = OfferStatus.WITHDRAWN
        offer.answered_at = offer.answered_at or utcnow()
        record("offer.withdrawn", actor=actor, subject=offer, reason="filled")
        _mail_helper(
            offer.helper,
            kind="offer_withdrawn",
            key=f"withdrawn:{offer.id}",
            subject=_l("Anfrage ist bereits besetzt"),
            template="emails/offer_withdrawn",
            request=request,
        )


# --- after confirmation --------------------------------------------------------------------


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


def withdraw_assignment(assignment_id: int, helper_user: User, reason: str) -> None:
    """The helper cannot come after all: the seat frees and the request reopens."""
    request_id = db.session.scalar(select(Assignment.request_id).where(Assignment.id == assignment_id))
    request = lock_request(request_id)
    assignment = db.session.get(Assignment, assignment_id, populate_existing=True)
    if assignment.helper.user_id != helper_user.id:
        db.session.rollback()
        raise OfferError(_l("Dieser Einsatz gehört nicht Ihnen."))
    if assignment.status != AssignmentStatus.CONFIRMED:
        db.session.rollback()
        raise OfferError(_l("Dieser Einsatz ist nicht mehr bestätigt."))
    if assignment.starts_at is not None and assignment.starts_at <= utcnow():
        db.session.rollback()
        raise OfferError(_l("Der Einsatz hat schon begonnen. Bitte rufen Sie das Integrationszentrum an."))
    _withdraw(assignment, request, helper_user, reason, note=_l("Helfer*in hat abgesagt"))
    db.session.commit()


def _withdraw(
    assignment: Assignment, request: HelpRequest, actor: User, withdraw_reason: str, *, note, **audit
) -> None:
    """The seat frees: a filled request reopens and its coordinators are told."""
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.withdraw_reason = withdraw_reason.strip()[:300]
    record("assignment.withdrawn", actor=actor, subject=assignment, **audit)
    if request.status == RequestStatus.FILLED:
        transition(request, RequestStatus.OPEN, actor=actor, note=str(note))
    _notify_coordinators(
        request,
        kind="assignment_withdrawn",
        key=f"assignment-withdrawn:{assignment.id}",
        subject=_l("Absage für einen bestätigten Einsatz (Anfrage #%(id)s)", id=request.id),
        template="emails/assignment_withdrawn",
        assignment=assignment,
    )


def report_hours(
    assignment: Assignment, helper_user: User, *, minutes: int, travel_km: int, note: str | None
) -> None:
    if assignment.helper.user_id != helper_user.id:
        raise OfferError(_l("Dieser Einsatz gehört nicht Ihnen."))
    if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED):
        raise OfferError(_l("Für diesen Einsatz können keine Stunden gemeldet werden."))
    if assignment.approved_at is not None:
        raise OfferError(_l("Die Angaben sind schon bestätigt und können nicht mehr geändert werden."))
    if assignment.starts_at is not None and assignment.starts_at > utcnow():
        raise OfferError(_l("Stunden können erst nach dem Einsatz gemeldet werden."))
    assignment.actual_minutes = minutes
    assignment.travel_km = travel_km
    assignment.report_note = (note or "").strip()[:500] or None
    assignment.reported_at = utcnow()
    assignment.status = AssignmentStatus.COMPLETED
    record("assignment.reported", actor=helper_user, subject=assignment)
    db.session.commit()


# --- one-tap answers from e-mail -----------------------------------------------------------

ANSWER_LINK_MAX_AGE = timedelta(days=14)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="offer-answer")


def answer_token(offer: Offer, answer: Answer) -> str:
    """A signed link token for one answer to one offer.

    It needs no login; it is single-use because answering ends the offer's
    pending state, and it expires with the offer or after 14 days.
    """
    return _serializer().dumps({"offer": offer.id, "helper": offer.helper_id, "answer": answer.value})


def answer_url(offer: Offer, answer: Answer) -> str:
    return public_url("offers.answer_by_link", token=answer_token(offer, answer))


def offer_from_token(token: str) -> tuple[Offer, Answer] | None:
    try:
        data = _serializer().loads(token, max_age=int(ANSWER_LINK_MAX_AGE.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    offer = db.session.get(Offer, data.get("offer"))
    if offer is None or offer.helper_id != data.get("helper"):
        return None
    try:
        return offer, Answer(data.get("answer"))
    except ValueError:
        return None


# --- notifications -------------------------------------------------------------------------


def send_offer_mail(offer: Offer) -> None:
    """Queue the offer e-mail with its one-tap answer links, in the caller's transaction.

    Once per offer (the outbox key is the offer): a reminder would need its own kind.
    The mail names town and time, never the exact place or the client reference.
    """
    helper = offer.helper
    with force_locale(helper.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        queue_mail(
            kind="offer",
            to=helper.user.email,
            subject=str(_l("Anfrage: Können Sie helfen?")),
            template="emails/offer",
            key=f"offer:{offer.id}",
            ki_id=helper.ki_id,
            recipient=helper.user,
            request=offer.request,
            offer=offer,
            accept_url=answer_url(offer, Answer.ACCEPT),
            decline_url=answer_url(offer, Answer.DECLINE),
            link=public_url("offers.inbox"),
        )


def coordinators_for(request: HelpRequest) -> list[User]:
    """Who hears about a request: its creator if still a coordinator, else every coordinator."""
    creator = db.session.get(User, request.created_by_id) if request.created_by_id else None
    if creator is not None and creator.active and creator.role in (Role.COORDINATOR, Role.ADMIN):
        return [creator]
    return list(
        db.session.scalars(
            select(User).where(
                User.ki_id == request.ki_id, User.role == Role.COORDINATOR, User.active.is_(True)
            )
        )
    )


def request_link(request: HelpRequest) -> str:
    """The request's page for coordinators (the start page while no request page exists)."""
    if "requests.show" in current_app.view_functions:
        return public_url("requests.show", request_id=request.id)
    return public_url("core.index")


def _notify_coordinators(request: HelpRequest, *, kind: str, key: str, subject, template: str, **context):
    link = context.pop("link", None) or request_link(request)
    for coordinator in coordinators_for(request):
        queue_mail(
            kind=kind,
            to=coordinator.email,
            subject=subject,
            template=template,
            key=f"{key}:{coordinator.id}",
            ki_id=request.ki_id,
            recipient=coordinator,
            request=request,
            link=link,
            **context,
        )


def _mail_helper(helper: HelperProfile, *, kind: str, key: str, subject, template: str, **context):
    # In the helper's own interface language: many read German as a second language.
    link = context.pop("link", None) or public_url("core.index")
    with force_locale(helper.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        queue_mail(
            kind=kind,
            to=helper.user.email,
            subject=subject,
            template=template,
            key=key,
            ki_id=helper.ki_id,
            recipient=helper.user,
            link=link,
            **context,
        )


# --- the coordinator's side: sending, withdrawing, moving, ending ----------------------------


@dataclass
class SendResult:
    """What ``send_offers`` did with each person ticked."""

    sent: list[Offer] = field(default_factory=list)
    already_offered: list[HelperProfile] = field(default_factory=list)
    not_allowed: list[HelperProfile] = field(default_factory=list)


def _lock_existing(request_id: int) -> HelpRequest:
    request = lock_request(request_id)
    if request is None:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage gibt es nicht (mehr)."))
    return request


def _name(profile: HelperProfile) -> str:
    return profile.user.display_name


def send_offers(
    request_id: int, helper_ids, coordinator: User, expires_in: timedelta | None = None
) -> SendResult:
    """Ask each of these helpers of the request's KI whether they can help.

    Near misses may be asked too (the coordinator decided to ask anyway), but
    never someone who may not receive offers at all (inactive, not approved,
    consent withdrawn). Whoever already has an offer for this request is
    skipped, so a double click or two coordinators at once send nothing twice:
    the request's lock serialises them and the unique (request, helper) pair
    backs it in the database.
    """
    wanted = {int(helper_id) for helper_id in helper_ids}
    if not wanted:
        raise OfferError(_l("Bitte wählen Sie mindestens eine Person aus."))
    request = _lock_existing(request_id)
    if request.status not in ACCEPTING:
        db.session.rollback()
        raise OfferError(_l("Für diese Anfrage werden keine Helfenden mehr gesucht."))
    if _is_over(request):
        db.session.rollback()
        raise OfferError(_l("Der Termin ist schon vorbei."))
    profiles = db.session.scalars(
        select(HelperProfile)
        .where(HelperProfile.id.in_(wanted), HelperProfile.ki_id == request.ki_id)
        .options(selectinload(HelperProfile.user))
    ).all()
    asked = set(
        db.session.scalars(
            select(Offer.helper_id).where(Offer.request_id == request.id, Offer.helper_id.in_(wanted))
        )
    )
    result = SendResult()
    expires_at = None
    if expires_in is not None:
        expires_at = utcnow() + expires_in
        if request.starts_at is not None:
            expires_at = min(expires_at, request.starts_at)
    for profile in sorted(profiles, key=lambda p: (_name(p).casefold(), p.id)):
        if profile.id in asked:
            result.already_offered.append(profile)
        elif not is_matchable(profile):
            result.not_allowed.append(profile)
        else:
            offer = Offer(
                request_id=request.id,
                helper_id=profile.id,
                sent_by_id=coordinator.id,
                expires_at=expires_at,
            )
            db.session.add(offer)
            result.sent.append(offer)
    if not result.sent:
        db.session.rollback()
        return result
    db.session.flush()
    for offer in result.sent:
        record("offer.sent", actor=coordinator, subject=offer, request_id=request.id)
        send_offer_mail(offer)
    if request.status == RequestStatus.OPEN:
        transition(request, RequestStatus.OFFERED, actor=coordinator)
    db.session.commit()
    return result


def withdraw_offer(offer_id: int, coordinator: User) -> Offer:
    """The coordinator no longer asks this helper: a pending or accepted offer ends, the helper is told."""
    offer, request = _locked_offer(offer_id)
    if db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id)) is not None:
        db.session.rollback()
        raise OfferError(
            _l("Diese Person ist schon bestätigt. Wenn sie nicht kommen soll, sagen Sie die Anfrage ab.")
        )
    if offer.status not in (OfferStatus.PENDING, OfferStatus.ACCEPTED):
        db.session.rollback()
        raise OfferError(
            _l("Diese Anfrage an die Person ist schon beendet und kann nicht zurückgezogen werden.")
        )
    offer.status = OfferStatus.WITHDRAWN
    offer.answered_at = offer.answered_at or utcnow()
    record("offer.withdrawn", actor=coordinator, subject=offer, reason="coordinator")
    db.session.flush()
    if request.status == RequestStatus.OFFERED and not _offers_out(request):
        transition(request, RequestStatus.OPEN, actor=coordinator, note=str(_l("Keine Anfrage mehr offen")))
    _mail_helper(
        offer.helper,
        kind="offer_withdrawn",
        key=f"withdrawn:{offer.id}",
        subject=_l("Anfrage zurückgezogen"),
        template="emails/offer_retracted",
        request=request,
    )
    db.session.commit()
    return offer


# Requests that can move to another time: someone is still being looked for, or is confirmed.
RESCHEDULABLE = frozenset({RequestStatus.OPEN, RequestStatus.OFFERED, RequestStatus.FILLED})
# Rules of matching that a new time can break for someone already asked or confirmed.
TIME_RULES = frozenset({"absent", "slot", "busy"})


@dataclass
class RescheduleResult:
    changed: bool
    # (helper name, reason) for everyone asked or confirmed who does not fit the new time by
    # their own plan; they are told of the new time and can answer or give the assignment back.
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _when(request: HelpRequest) -> dict:
    return {
        "starts_at": request.starts_at,
        "duration_minutes": request.duration_minutes,
        "due_on": request.due_on,
    }


def reschedule(
    request_id: int,
    new_start,
    new_duration: int | None,
    coordinator: User,
    *,
    new_due_on=None,
) -> RescheduleResult:
    """Move a request to another time (a written one to another due date).

    Confirmed assignments move with it; the database refuses a new time that
    overlaps another confirmed assignment of one of the helpers, and the
    message names that helper. Offers still waiting stay open; a yes given for
    the old time is asked again (it goes back to waiting). Everyone asked or
    confirmed is told of the new time.
    """
    request = _lock_existing(request_id)
    if request.status not in RESCHEDULABLE:
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage kann nicht mehr verschoben werden."))
    now = utcnow()
    if request.kind == RequestKind.WRITTEN:
        if new_due_on is None:
            db.session.rollback()
            raise OfferError(_l("Bitte geben Sie an, bis wann die Übersetzung fertig sein soll."))
        if new_due_on < now.astimezone(BERLIN).date():
            db.session.rollback()
            raise OfferError(_l("Das Datum liegt in der Vergangenheit. Bitte ein künftiges Datum wählen."))
        new_start, new_duration = None, None
    else:
        if new_start is None or new_duration is None:
            db.session.rollback()
            raise OfferError(_l("Bitte geben Sie Datum, Uhrzeit und Dauer an."))
        if new_start <= now:
            db.session.rollback()
            raise OfferError(_l("Die neue Zeit liegt in der Vergangenheit."))
        if not 15 <= new_duration <= 720:
            db.session.rollback()
            raise OfferError(_l("Bitte zwischen 15 Minuten und 12 Stunden (720 Minuten) angeben."))
        new_due_on = None
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.request_id == request.id, Assignment.status.in_(HOLDING_STATES))
        .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
    ).all()
    if any(assignment.status != AssignmentStatus.CONFIRMED for assignment in assignments):
        db.session.rollback()
        raise OfferError(_l("Der Einsatz hat schon stattgefunden und kann nicht mehr verschoben werden."))
    before = _when(request)
    request.starts_at, request.duration_minutes, request.due_on = new_start, new_duration, new_due_on
    if _when(request) == before:
        db.session.rollback()
        return RescheduleResult(changed=False)
    new_end = ends_at(request)
    for assignment in assignments:
        name = _name(assignment.helper)
        assignment.starts_at, assignment.ends_at = new_start, new_end
        try:
            db.session.flush()
        except IntegrityError as error:
            db.session.rollback()
            if "helper_time" in str(error.orig):
                raise OfferError(
                    _l(
                        "%(name)s hat zur neuen Zeit schon einen anderen bestätigten Einsatz. "
                        "Bitte wählen Sie eine andere Zeit.",
                        name=name,
                    )
                ) from error
            raise OfferError(_l("Die neue Zeit konnte nicht gespeichert werden.")) from error
    db.session.flush()

    open_offers = db.session.scalars(
        select(Offer)
        .where(
            Offer.request_id == request.id,
            Offer.status.in_([OfferStatus.PENDING, OfferStatus.ACCEPTED]),
            Offer.id.not_in(
                select(Assignment.offer_id).where(
                    Assignment.request_id == request.id, Assignment.offer_id.is_not(None)
                )
            ),
        )
        .options(selectinload(Offer.helper).selectinload(HelperProfile.user))
    ).all()
    stamp = now.isoformat()
    old = SimpleNamespace(**before)
    asked_again = 0
    for offer in open_offers:
        again = offer.status == OfferStatus.ACCEPTED
        if again:
            # The yes was for the old time; confirming it for another would book someone unasked.
            offer.status = OfferStatus.PENDING
            offer.answered_at = None
            asked_again += 1
        _mail_helper(
            offer.helper,
            kind="request_rescheduled",
            key=f"rescheduled:offer:{offer.id}:{stamp}",
            subject=_l("Neuer Termin für eine Anfrage an Sie"),
            template="emails/request_rescheduled",
            request=request,
            old=old,
            confirmed=False,
            answer_again=again,
            link=public_url("offers.inbox"),
        )
    for assignment in assignments:
        _mail_helper(
            assignment.helper,
            kind="request_rescheduled",
            key=f"rescheduled:assignment:{assignment.id}:{stamp}",
            subject=_l("Ihr Einsatz hat einen neuen Termin"),
            template="emails/request_rescheduled",
            request=request,
            old=old,
            confirmed=True,
            answer_again=False,
            link=public_url("offers.assignment", assignment_id=assignment.id),
        )
    tell_requester(request, Change.RESCHEDULED, actor=coordinator, key=stamp)
    warnings = _time_warnings(
        request, [offer.helper for offer in open_offers] + [a.helper for a in assignments]
    )
    record(
        "request.rescheduled",
        actor=coordinator,
        subject=request,
        offers_told=len(open_offers),
        offers_asked_again=asked_again,
        assignments_moved=len(assignments),
        warnings=len(warnings),
    )
    db.session.commit()
    return RescheduleResult(changed=True, warnings=warnings)


def _time_warnings(request: HelpRequest, helpers: list[HelperProfile]) -> list[tuple[str, str]]:
    """Who no longer fits the request's time by their own week plan, absences or other assignments."""
    from ki_match.matching.services import why_not  # matching imports this module

    warnings = []
    for helper in helpers:
        for failure in why_not(request, helper):
            if failure.rule in TIME_RULES:
                warnings.append((_name(helper), failure.reason))
    return warnings


def cancel_request(request_id: int, coordinator: User, reason: str) -> HelpRequest:
    """Call the request off: open offers are withdrawn, confirmed assignments cancelled (their
    seats free), and everyone asked or confirmed is told, with the reason."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise OfferError(_l("Bitte geben Sie einen Grund an."))
    request = _lock_existing(request_id)
    if not can_transition(request.status, RequestStatus.CANCELLED):
        db.session.rollback()
        raise OfferError(_l("Diese Anfrage kann nicht mehr abgesagt werden."))
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.request_id == request.id, Assignment.status.in_(HOLDING_STATES))
        .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
    ).all()
    if any(assignment.status != AssignmentStatus.CONFIRMED for assignment in assignments):
        db.session.rollback()
        raise OfferError(
            _l(
                "Der Einsatz hat schon stattgefunden. Markieren Sie ihn als erledigt oder als nicht erschienen."
            )
        )
    open_offers = db.session.scalars(
        select(Offer)
        .where(
            Offer.request_id == request.id,
            Offer.status.in_([OfferStatus.PENDING, OfferStatus.ACCEPTED]),
            Offer.id.not_in(
                select(Assignment.offer_id).where(
                    Assignment.request_id == request.id, Assignment.offer_id.is_not(None)
                )
            ),
        )
        .options(selectinload(Offer.helper).selectinload(HelperProfile.user))
    ).all()
    for offer in open_offers:
        offer.status = OfferStatus.WITHDRAWN
        offer.answered_at = offer.answered_at or utcnow()
        record("offer.withdrawn", actor=coordinator, subject=offer, reason="cancelled")
        _mail_helper(
            offer.helper,
            kind="request_cancelled",
            key=f"cancelled:offer:{offer.id}",
            subject=_l("Anfrage abgesagt"),
            template="emails/request_cancelled",
            request=request,
            reason=reason,
            confirmed=False,
        )
    for assignment in assignments:
        assignment.status = AssignmentStatus.CANCELLED
        record("assignment.cancelled", actor=coordinator, subject=assignment)
        _mail_helper(
            assignment.helper,
            kind="request_cancelled",
            key=f"cancelled:assignment:{assignment.id}",
            subject=_l("Ihr Einsatz ist abgesagt"),
            template="emails/request_cancelled",
            request=request,
            reason=reason,
            confirmed=True,
        )
    transition(request, RequestStatus.CANCELLED, actor=coordinator, note=reason)
    record(
        "request.cancelled",
        actor=coordinator,
        subject=request,
        offers_withdrawn=len(open_offers),
        assignments_cancelled=len(assignments),
    )
    tell_about_cancel(request, coordinator, reason)
    db.session.commit()
    return request


def mark_completed(request_id: int, coordinator: User, now=None) -> HelpRequest:
    """The appointment took place: a filled request is done, and its confirmed helpers are
    asked to report their hours (those who already did stay as they are)."""
    now = now or utcnow()
    request = _lock_existing(request_id)
    if request.status != RequestStatus.FILLED:
        db.session.rollback()
        raise OfferError(_l("Nur besetzte Anfragen können als erledigt markiert werden."))
    if request.starts_at is not None and request.starts_at > now:
        db.session.rollback()
        raise OfferError(_l("Der Termin liegt noch in der Zukunft."))
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.request_id == request.id, Assignment.status == AssignmentStatus.CONFIRMED)
        .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
    ).all()
    for assignment in assignments:
        assignment.status = AssignmentStatus.COMPLETED
        record("assignment.completed", actor=coordinator, subject=assignment)
        if assignment.reported_at is None:
            _mail_helper(
                assignment.helper,
                kind="report_hours",
                key=f"report-hours:{assignment.id}",
                subject=_l("Bitte melden Sie Ihre Stunden"),
                template="emails/report_hours",
                request=request,
                link=public_url("offers.assignment", assignment_id=assignment.id),
            )
    transition(request, RequestStatus.COMPLETED, actor=coordinator)
    tell_requester(request, Change.COMPLETED, actor=coordinator, key="once")
    db.session.commit()
    return request


def _locked_assignment(assignment_id: int) -> tuple[Assignment, HelpRequest]:
    request_id = db.session.scalar(select(Assignment.request_id).where(Assignment.id == assignment_id))
    if request_id is None:
        raise OfferError(_l("Diesen Einsatz gibt es nicht (mehr)."))
    request = _lock_existing(request_id)
    assignment = db.session.get(Assignment, assignment_id, populate_existing=True)
    return assignment, request


def mark_no_show(assignment_id: int, coordinator: User, now=None) -> Assignment:
    """The helper did not come. Not once they reported hours: then it is a matter for a phone call."""
    now = now or utcnow()
    assignment, request = _locked_assignment(assignment_id)
    if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED):
        db.session.rollback()
        raise OfferError(_l("Dieser Einsatz ist nicht bestätigt."))
    if assignment.reported_at is not None:
        db.session.rollback()
        raise OfferError(
            _l("Die Person hat für diesen Einsatz schon Stunden gemeldet. Bitte klären Sie das mit ihr.")
        )
    if assignment.starts_at is not None and assignment.starts_at > now:
        db.session.rollback()
        raise OfferError(_l("Der Einsatz hat noch nicht begonnen."))
    assignment.status = AssignmentStatus.NO_SHOW
    record("assignment.no_show", actor=coordinator, subject=assignment, request_id=request.id)
    _mail_helper(
        assignment.helper,
        kind="assignment_no_show",
        key=f"no-show:{assignment.id}",
        subject=_l("Einsatz als nicht erschienen vermerkt"),
        template="emails/assignment_no_show",
        request=request,
        link=public_url("offers.assignment", assignment_id=assignment.id),
    )
    db.session.commit()
    return assignment


def approve_report(assignment_id: int, coordinator: User) -> Assignment:
    """The reported hours and kilometres are right; from now on the helper cannot change them."""
    assignment, request = _locked_assignment(assignment_id)
    if assignment.reported_at is None:
        db.session.rollback()
        raise OfferError(_l("Für diesen Einsatz sind noch keine Stunden gemeldet."))
    if assignment.approved_at is not None:
        db.session.rollback()
        raise OfferError(_l("Diese Angaben sind schon bestätigt."))
    if assignment.status != AssignmentStatus.COMPLETED:
        db.session.rollback()
        raise OfferError(_l("Dieser Einsatz ist nicht erledigt."))
    assignment.approved_at = utcnow()
    assignment.approved_by_id = coordinator.id
    record("assignment.approved", actor=coordinator, subject=assignment, request_id=request.id)
    _mail_helper(
        assignment.helper,
        kind="report_approved",
        key=f"report-approved:{assignment.id}",
        subject=_l("Ihre Stunden sind bestätigt"),
        template="emails/report_approved",
        request=request,
        assignment=assignment,
        link=public_url("offers.assignment", assignment_id=assignment.id),
    )
    db.session.commit()
    return assignment


@dataclass
class UnfilledResult:
    unfilled: int = 0
    offers_expired: int = 0


def _over_at(request: HelpRequest, now) -> bool:
    if request.starts_at is not None:
        return request.starts_at <= now
    if request.due_on is not None:
        return request.due_on < now.astimezone(BERLIN).date()
    return False


def mark_unfilled(now=None) -> UnfilledResult:
    """Requests whose time passed while still seeking helpers become unfilled; their pending
    offers expire, and so do offers past their answer deadline. Safe to run again and again
    (the cron job): what is done is not found a second time."""
    now = now or utcnow()
    today = now.astimezone(BERLIN).date()
    result = UnfilledResult()
    over = db.session.scalars(
        select(HelpRequest.id)
        .where(
            HelpRequest.status.in_(ACCEPTING),
            or_(
                HelpRequest.starts_at <= now,
                and_(HelpRequest.starts_at.is_(None), HelpRequest.due_on < today),
            ),
        )
        .order_by(HelpRequest.id)
    ).all()
    for request_id in over:
        request = lock_request(request_id)
        # Looked at again under the lock: a coordinator may have moved or filled it meanwhile.
        if request.status not in ACCEPTING or not _over_at(request, now):
            db.session.rollback()
            continue
        if holding_count(request.id) >= request.helpers_needed:
            db.session.rollback()
            continue
        pending = db.session.scalars(
            select(Offer).where(Offer.request_id == request.id, Offer.status == OfferStatus.PENDING)
        ).all()
        for offer in pending:
            offer.status = OfferStatus.EXPIRED
        transition(request, RequestStatus.UNFILLED, note=str(_l("Termin verstrichen, niemand bestätigt")))
        tell_requester(request, Change.UNFILLED, key=now.isoformat())
        record("request.unfilled", subject=request, offers_expired=len(pending))
        _notify_coordinators(
            request,
            kind="request_unfilled",
            key=f"unfilled:{request.id}:{now.isoformat()}",
            subject=_l("Anfrage #%(id)s blieb unbesetzt", id=request.id),
            template="emails/request_unfilled",
        )
        db.session.commit()
        result.unfilled += 1
        result.offers_expired += len(pending)
    # Offers past their own answer deadline, on requests still running.
    expired = db.session.execute(
        update(Offer)
        .where(Offer.status == OfferStatus.PENDING, Offer.expires_at.is_not(None), Offer.expires_at <= now)
        .values(status=OfferStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if expired:
        record("offers.expired", count=expired)
    db.session.commit()
    result.offers_expired += expired
    return result


# --- a helper leaves: deactivated by the coordinators ----------------------------------------


@dataclass
class FreedCommitments:
    """What ending a helper's commitments changed, for the coordinator's message."""

    offers_withdrawn: int = 0
    reopened: list[HelpRequest] = field(default_factory=list)  # requests whose confirmed seat is free again


def _offers_out(request: HelpRequest) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Offer)
            .where(
                Offer.request_id == request.id, Offer.status.in_((OfferStatus.PENDING, OfferStatus.ACCEPTED))
            )
        )
        > 0
    )


def _lock_requests_in_transaction(request_ids: list[int]) -> None:
    """``lock_request`` for several requests inside the caller's transaction (it does not commit).

    The locks are taken in id order, so two such changes cannot deadlock each other.
    """
    if not request_ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(request_ids))
            .values(id=HelpRequest.id)
            .execution_options(synchronize_session=False)
        )
    else:
        db.session.execute(
            select(HelpRequest.id)
            .where(HelpRequest.id.in_(request_ids))
            .order_by(HelpRequest.id)
            .with_for_update()
        )


def end_commitments(profile: HelperProfile, actor: User, reason: str) -> FreedCommitments:
    """A helper who is deactivated keeps nothing open: no offer waits for them, no seat is theirs.

    Offers still out are withdrawn; confirmed assignments that have not begun are withdrawn with
    ``reason`` and their request reopens, so a coordinator sees at once what to fill again (every
    coordinator is told by e-mail). Past assignments stay as history. The requests concerned are
    locked first; the caller commits together with the deactivation.
    """
    result = FreedCommitments()
    now = utcnow()
    open_offer = and_(
        Offer.helper_id == profile.id, Offer.status.in_((OfferStatus.PENDING, OfferStatus.ACCEPTED))
    )
    upcoming = and_(
        Assignment.helper_id == profile.id,
        Assignment.status == AssignmentStatus.CONFIRMED,
        or_(Assignment.starts_at.is_(None), Assignment.starts_at > now),
    )
    concerned = db.session.scalars(
        select(Offer.request_id).where(open_offer).union(select(Assignment.request_id).where(upcoming))
    ).all()
    _lock_requests_in_transaction(sorted(set(concerned)))
    db.session.expire_all()  # read again under the locks: an answer may have come in meanwhile
    offers = db.session.scalars(
        select(Offer)
        .outerjoin(Assignment, Assignment.offer_id == Offer.id)
        .where(open_offer, Assignment.id.is_(None))
        .execution_options(populate_existing=True)
    ).all()
    for offer in offers:
        offer.status = OfferStatus.WITHDRAWN
        offer.answered_at = offer.answered_at or now
        record("offer.withdrawn", actor=actor, subject=offer, reason="helper_deactivated")
        result.offers_withdrawn += 1
    assignments = db.session.scalars(
        select(Assignment)
        .where(upcoming)
        .order_by(Assignment.request_id)
        .execution_options(populate_existing=True)
    ).all()
    for assignment in assignments:
        _withdraw(
            assignment,
            assignment.request,
            actor,
            reason,
            note=_l("Helfer*in deaktiviert"),
            reason="helper_deactivated",
        )
        result.reopened.append(assignment.request)
    db.session.flush()
    for offer in offers:
        request = offer.request
        if request.status == RequestStatus.OFFERED and not _offers_out(request):
            transition(request, RequestStatus.OPEN, actor=actor, note=str(_l("Keine Anfrage mehr offen")))
    return result


def set_account_active(user: User, active: bool, by: User) -> FreedCommitments:
    """Activate or deactivate an account; a deactivated helper's open commitments end with it."""
    freed = FreedCommitments()
    if not active and user.role == Role.HELPER and user.active:
        profile = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user.id))
        if profile is not None and user.id != by.id:
            freed = end_commitments(profile, by, str(_l("Konto deaktiviert")))
    set_active(user, active, by)  # commits, together with the above
    return freed
