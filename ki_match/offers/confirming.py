"""An accepted offer becomes an assignment: by the coordinator, or at once where the first yes wins."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.matching.engine import NEVER_ASKED, Failure
from ki_match.matching.services import safeguarding_failures
from ki_match.offers.rules import (
    OfferError,
    ReasonNeeded,
    locked_offer,
    refuse,
    why_helper_cannot_be_confirmed,
)
from ki_match.requests import lifecycle, queries
from ki_match.requests.events import AssignmentConfirmed
from ki_match.requests.models import (
    HOLDING_STATES,
    Assignment,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)

FILLED_ALREADY = _l("Diese Anfrage ist inzwischen schon besetzt. Danke für Ihre Bereitschaft!")
REASON_NEEDED = _l("Bitte geben Sie einen Grund für die Ausnahme an.")


def never_confirmed(failures: list[Failure]) -> Failure | None:
    """The failure no reason sets aside (the police certificate), if any."""
    return next((failure for failure in failures if failure.rule in NEVER_ASKED), None)


def confirm_offer(
    offer_id: int, coordinator: User, reason: str | None = None, *, tell_helper: bool = True
) -> Assignment:
    """Make an accepted offer an assignment; the request fills when all seats are taken.

    A helper who may no longer be matched is refused first, with the reason: a yes they gave
    before withdrawing their consent or being deactivated has been withdrawn with it, and
    "withdrawn" alone would not tell the coordinator why. The safeguarding rules are checked again
    (``matching.services.safeguarding_failures``: a declaration
    taken back, a certificate run out, a flag set since the offer went out, an offer sent to a near
    miss): a missing police certificate always refuses, any other failed gate unless
    the coordinator gives a ``reason`` for the exception (kept in the request's history; the audit
    says which rules were set aside and that there was a reason, never its words).
    ``tell_helper=False``: the caller tells her itself (several dates of a series in one mail)."""
    offer, request = locked_offer(offer_id)
    unmatchable = why_helper_cannot_be_confirmed(offer)
    if unmatchable:
        refuse(unmatchable)
    if db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id)) is not None:
        refuse(_l("Diese Person ist für diese Anfrage schon bestätigt."))
    # Checked before the offer's own state: the other offers of a request that just filled
    # were withdrawn with it, and "filled" is what the losing coordinator needs to hear.
    if request.status in (RequestStatus.FILLED, RequestStatus.COMPLETED):
        refuse(_l("Die Anfrage ist inzwischen besetzt: jemand anderes wurde schon bestätigt."))
    if offer.status != OfferStatus.ACCEPTED:
        refuse(_l("Nur zugesagte Anfragen können bestätigt werden."))
    if request.status not in lifecycle.ACCEPTING:
        refuse(_l("Diese Anfrage ist nicht mehr offen."))
    overridden = _set_aside(offer, request, coordinator, reason)
    assignment = confirm_locked(
        offer, request, actor=coordinator, overridden=overridden, tell_helper=tell_helper
    )
    db.session.commit()
    return assignment


def _set_aside(offer: Offer, request: HelpRequest, coordinator: User, reason: str | None) -> list[str]:
    """The safeguarding rules this confirmation sets aside, with the reason written to the history;
    refuses a missing police certificate, and any other failed gate without a reason."""
    failures = safeguarding_failures(request, offer.helper)
    if not failures:
        return []
    name = offer.helper.user.display_name
    police = never_confirmed(failures)
    if police is not None:
        refuse(_l("%(name)s kann nicht bestätigt werden: %(reason)s", name=name, reason=police.reason))
    reason = (reason or "").strip()[:300] or None
    if reason is None:
        db.session.rollback()
        raise ReasonNeeded(REASON_NEEDED)
    note = _l(
        "%(name)s bestätigt, Ausnahme: %(rules)s. Grund: %(reason)s",
        name=name,
        rules="; ".join(failure.reason for failure in failures),
        reason=reason,
    )
    lifecycle.remark(request, coordinator, note)
    return [failure.rule for failure in failures]


def _free_seat(request: HelpRequest) -> int | None:
    taken = set(
        db.session.scalars(
            select(Assignment.seat).where(
                Assignment.request_id == request.id, Assignment.status.in_(HOLDING_STATES)
            )
        )
    )
    return next((seat for seat in range(1, request.helpers_needed + 1) if seat not in taken), None)


def _seat(offer: Offer, request: HelpRequest, actor: User) -> Assignment:
    """The assignment on a free seat; the database refuses a double booking, said here in words."""
    seat = _free_seat(request)
    if seat is None:
        refuse(FILLED_ALREADY)
    # Locks are taken request first, then helper: two confirmations of one helper for two
    # requests queue here instead of deadlocking on the database's overlap check.
    db.session.execute(select(HelperProfile.id).where(HelperProfile.id == offer.helper_id).with_for_update())
    assignment = Assignment(
        request_id=request.id,
        helper_id=offer.helper_id,
        offer_id=offer.id,
        seat=seat,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
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
        raise OfferError(FILLED_ALREADY) from error
    return assignment


def confirm_locked(
    offer: Offer,
    request: HelpRequest,
    actor: User,
    overridden: list[str] | None = None,
    *,
    tell_helper: bool = True,
) -> Assignment:
    """Confirm ``offer`` of ``request``, whose lock the caller holds; the caller commits.

    The callers (``confirm_offer``, ``answers.accept_offer`` for first-to-accept, and
    ``booking``) have refused a helper who may not be matched already, and checked the
    safeguarding rules, under the same lock, each in the words of whoever acted. ``overridden``:
    the safeguarding rules the coordinator set aside with a reason (the audit names them)."""
    assignment = _seat(offer, request, actor)
    detail = {"override": ", ".join(overridden), "with_reason": True} if overridden else {}
    record("assignment.confirmed", actor=actor, subject=assignment, request_id=request.id, **detail)
    withdrawn = []
    filled = is_full(request, queries.holding_count(request.id))
    if filled:
        lifecycle.mark_filled(request, actor)
        withdrawn = _withdraw_the_others(request, actor)
    else:
        lifecycle.mark_offered(request, actor)
    publish(
        AssignmentConfirmed(
            request=request,
            actor=actor,
            assignment=assignment,
            filled=filled,
            withdrawn=withdrawn,
            tell_helper=tell_helper,
        )
    )
    return assignment


def is_full(request: HelpRequest, holding: int) -> bool:
    """Every seat taken once ``holding`` helpers hold one: the request fills."""
    return holding >= request.helpers_needed


def withdrawn_by_confirming(request: HelpRequest, holding: int, others_out: int) -> int:
    """How many of the ``others_out`` offers still out (pending, or accepted and not confirmed)
    confirming one more helper withdraws: all of them once that fills the request, else none.
    Said to the coordinator before confirming."""
    return others_out if is_full(request, holding + 1) else 0


def _withdraw_the_others(request: HelpRequest, actor: User) -> list[Offer]:
    """Once a request is full, nobody else should still be waiting for an answer."""
    others = queries.open_offers(request)
    for offer in others:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, offer.answered_at or utcnow()
        record("offer.withdrawn", actor=actor, subject=offer, reason="filled")
    return others
