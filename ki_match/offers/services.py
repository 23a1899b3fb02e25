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
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ki_match.accounts.models import Role, User
from ki_match.audit.services import record
from ki_match.db import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.notifications.services import queue_mail
from ki_match.requests.models import (
    HOLDING_STATES,
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)
from ki_match.requests.services import ACCEPTING, lock_request, transition
from ki_match.urls import public_url

BERLIN = ZoneInfo("Europe/Berlin")


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
    offer.status = OfferStatus.DECLINED
    offer.decline_reason = (reason or "").strip()[:300] or None
    offer.answered_at = utcnow()
    record("offer.declined", actor=helper_user, subject=offer)
    _notify_coordinators(
        request,
        kind="offer_declined",
        key=f"offer-declined:{offer.id}",
        subject=_l("Absage für Anfrage #%(id)s", id=request.id),
        template="emails/offer_answered",
        offer=offer,
    )
    db.session.commit()


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
    offer.status = OfferStatus.DECLINED
    offer.answered_at = utcnow()
    record("offer.retracted", actor=helper_user, subject=offer)
    _notify_coordinators(
        request,
        kind="offer_declined",
        key=f"offer-retracted:{offer.id}",
        subject=_l("Absage für Anfrage #%(id)s", id=request.id),
        template="emails/offer_answered",
        offer=offer,
    )
    db.session.commit()


# --- the coordinator confirms --------------------------------------------------------------


def confirm_offer(offer_id: int, coordinator: User) -> Assignment:
    """Make an accepted offer an assignment; the request fills when all seats are taken."""
    offer, request = _locked_offer(offer_id)
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
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.withdraw_reason = reason.strip()[:300]
    record("assignment.withdrawn", actor=helper_user, subject=assignment)
    if request.status == RequestStatus.FILLED:
        transition(request, RequestStatus.OPEN, actor=helper_user, note=str(_l("Helfer*in hat abgesagt")))
    _notify_coordinators(
        request,
        kind="assignment_withdrawn",
        key=f"assignment-withdrawn:{assignment.id}",
        subject=_l("Absage für einen bestätigten Einsatz (Anfrage #%(id)s)", id=request.id),
        template="emails/assignment_withdrawn",
        assignment=assignment,
    )
    db.session.commit()


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


def _notify_coordinators(request: HelpRequest, *, kind: str, key: str, subject, template: str, **context):
    for coordinator in coordinators_for(request):
        queue_mail(
            kind=kind,
            to=coordinator.email,
            subject=str(subject),
            template=template,
            key=f"{key}:{coordinator.id}",
            ki_id=request.ki_id,
            recipient=coordinator,
            request=request,
            link=public_url("core.index"),
            **context,
        )


def _mail_helper(helper: HelperProfile, *, kind: str, key: str, subject, template: str, **context):
    queue_mail(
        kind=kind,
        to=helper.user.email,
        subject=str(subject),
        template=template,
        key=key,
        ki_id=helper.ki_id,
        recipient=helper.user,
        link=public_url("core.index"),
        **context,
    )
