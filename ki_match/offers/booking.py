"""The coordinator books a helper directly onto a request, without an offer round.

The helper said yes on the phone before anyone sent an offer: the booking writes
the offer as accepted (answered on the helper's behalf) and confirms it through
``confirming.confirm_locked``, so seats, the request's status, withdrawing the
other offers once it is full, the events and the mails are exactly those of a
confirmation. Under the request's lock like every change of its seats.

Who may be booked: a helper of the request's own KI (another KI's helper is asked
through the shared pool and answers there) without an offer out for this request
(that one is answered on the offers block instead); an offer that is over
(declined, expired, withdrawn) becomes the booking's. A full candidate is booked
as is. A near miss, who fails exactly one rule of the list, only with an override
and its reason, kept in the audit and the request's history. Some rules are never
overridden: a helper who may not be matched at all (inactive, not approved, no
consent), a request no longer seeking or without a free seat, a clash with a
confirmed assignment, and a missing or expired police certificate for children or
vulnerable people. The KI's other gates (confidentiality declaration, basic
training) may be set aside like any near miss, with a reason.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.matching.engine import NEVER_ASKED, Candidate, Failure
from ki_match.matching.services import why_not
from ki_match.offers.confirming import REASON_NEEDED, confirm_locked
from ki_match.offers.rules import (
    OfferError,
    ReasonNeeded,
    profile_now,
    refuse,
    why_profile_cannot_be_confirmed,
)
from ki_match.requests import lifecycle
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus

# An earlier offer in these states may be answered again by a booking.
OVER = (OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN)
# Rules of the matching engine no reason can set aside (the police certificate among them).
NEVER_OVERRIDDEN = frozenset({"active", "approved", "consent", "pool", "busy"}) | NEVER_ASKED


def override_for(request: HelpRequest, profile: HelperProfile) -> Failure | None:
    """The one rule booking ``profile`` would set aside (None: a full candidate); refuses anyone
    who fails a rule that is never set aside, or more than one rule. Read without a lock for the
    booking page; ``book_directly`` asks again under it."""
    failures = why_not(request, profile)
    name = profile.user.display_name
    fixed = [failure for failure in failures if failure.rule in NEVER_OVERRIDDEN]
    if fixed:
        raise OfferError(
            _l("%(name)s kann nicht eingeplant werden: %(reason)s", name=name, reason=fixed[0].reason)
        )
    if len(failures) > 1:
        raise OfferError(
            _l(
                "%(name)s scheitert an mehr als einer Bedingung (%(reasons)s) und kann nicht direkt "
                "eingeplant werden.",
                name=name,
                reasons="; ".join(failure.reason for failure in failures),
            )
        )
    return failures[0] if failures else None


def can_book(request: HelpRequest, candidate: Candidate, offer_status: OfferStatus | None = None) -> bool:
    """Whether the request's candidate list offers "Direkt einplanen" for this entry (read without
    a lock; ``book_directly`` checks everything again under it): an own KI's candidate or a near
    miss whose one failed rule may be set aside, while the request is seeking, with no offer out
    (``offer_status``: of the request's offer to them, if any)."""
    if request.status not in lifecycle.ACCEPTING or request.is_over():
        return False
    if offer_status is not None and offer_status not in OVER:
        return False
    if candidate.helper.ki_id not in (None, request.ki_id):
        return False
    failures = candidate.failures
    return len(failures) <= 1 and not any(failure.rule in NEVER_OVERRIDDEN for failure in failures)


def _bookable(request: HelpRequest, profile: HelperProfile | None) -> HelperProfile:
    if profile is None or profile.ki_id != request.ki_id:
        refuse(_l("Direkt einplanen lassen sich nur Helfende des eigenen KIs."))
    unmatchable = why_profile_cannot_be_confirmed(profile)
    if unmatchable:
        refuse(unmatchable)
    if request.status not in lifecycle.ACCEPTING:
        refuse(_l("Für diese Anfrage werden keine Helfenden mehr gesucht."))
    if request.is_over():
        refuse(_l("Der Termin ist schon vorbei."))
    return profile


def _offer_to_book(request: HelpRequest, profile: HelperProfile, coordinator: User) -> Offer:
    """The accepted offer the assignment is made from: a new one, or the helper's earlier offer
    for this request that is over (declined, expired, withdrawn) answered again by phone. An
    offer still waiting or accepted is answered or confirmed on the offers block instead."""
    held = db.session.scalar(
        select(Assignment.id).where(Assignment.request_id == request.id, Assignment.helper_id == profile.id)
    )
    if held is not None:
        refuse(_l("%(name)s war für diese Anfrage schon eingeplant.", name=profile.user.display_name))
    offer = db.session.scalar(
        select(Offer)
        .where(Offer.request_id == request.id, Offer.helper_id == profile.id)
        .execution_options(populate_existing=True)
    )
    if offer is not None and offer.status not in OVER:
        refuse(
            _l(
                "%(name)s wurde für diese Anfrage schon angefragt. Tragen Sie die Antwort bei den "
                "angefragten Helfenden ein.",
                name=profile.user.display_name,
            )
        )
    if offer is None:
        offer = Offer(request_id=request.id, helper_id=profile.id, sent_by_id=coordinator.id)
        db.session.add(offer)
    offer.status, offer.answered_at = OfferStatus.ACCEPTED, utcnow()
    db.session.flush()
    return offer


def book_directly(
    request_id: int, helper_id: int, coordinator: User, reason: str | None = None
) -> Assignment:
    """Book the helper onto a free seat of the request; ``reason`` is required for a near miss."""
    request = lifecycle.lock_existing(request_id)
    if coordinator.ki_id != request.ki_id:
        refuse(_l("Diese Anfrage gehört zu einem anderen KI."))
    profile = _bookable(request, profile_now(helper_id))
    try:
        override = override_for(request, profile)
    except OfferError as error:
        refuse(str(error))
    reason = (reason or "").strip()[:300] or None
    if override is not None and reason is None:
        db.session.rollback()
        raise ReasonNeeded(REASON_NEEDED)
    offer = _offer_to_book(request, profile, coordinator)
    record(
        "offer.booked_directly",
        actor=coordinator,
        subject=offer,
        on_behalf_of=profile.user_id,
        channel="direct",
        override=override.rule if override else None,
        # The reason's words go to the history (purged with the request), not the audit.
        with_reason=reason is not None,
    )
    lifecycle.remark(request, coordinator, _history_note(profile, override, reason))
    assignment = confirm_locked(offer, request, actor=coordinator)
    db.session.commit()
    return assignment


def _history_note(profile: HelperProfile, override: Failure | None, reason: str | None) -> str:
    name = profile.user.display_name
    if override is None:
        said = str(_l("%(name)s direkt eingeplant", name=name))
        return f"{said} ({reason})" if reason else said
    return str(
        _l(
            "%(name)s direkt eingeplant, Ausnahme: %(rule)s. Grund: %(reason)s",
            name=name,
            rule=override.reason,
            reason=reason,
        )
    )
