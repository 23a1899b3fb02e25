"""The helper answers an offer: yes, no, or taking back a yes not yet confirmed.

The same rules for every way in: the inbox, the one-tap link in the e-mail,
and (on the helper's behalf) deleting one's account.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.offers.confirming import confirm_locked
from ki_match.offers.rules import locked_offer, refuse, too_late, why_helper_cannot_accept
from ki_match.requests.events import OfferAccepted, OfferDeclined
from ki_match.requests.models import Assignment, FillMode, HelpRequest, Offer, OfferStatus


class Answer(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class AcceptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the coordinator confirms next
    CONFIRMED = "confirmed"  # first to accept: the assignment is theirs


def _own_locked_offer(offer_id: int, helper_user: User) -> tuple[Offer, HelpRequest]:
    offer, request = locked_offer(offer_id)
    if offer.helper.user_id != helper_user.id:
        refuse(_l("Diese Anfrage ist nicht an Sie gerichtet."))
    return offer, request


def accept_offer(offer_id: int, helper_user: User) -> AcceptOutcome:
    """A yes; refused, before anything else is said about the offer, while the helper may not be
    matched (their consent withdrawn, say): that is what they can change."""
    offer, request = _own_locked_offer(offer_id, helper_user)
    unmatchable = why_helper_cannot_accept(offer)
    if unmatchable:
        refuse(unmatchable)
    if offer.status == OfferStatus.ACCEPTED:
        db.session.rollback()
        return AcceptOutcome.ACCEPTED
    if offer.status == OfferStatus.DECLINED:
        refuse(_l("Sie haben diese Anfrage bereits abgelehnt."))
    reason = too_late(offer, request)
    if reason:
        refuse(reason)
    offer.status = OfferStatus.ACCEPTED
    offer.answered_at = utcnow()
    record("offer.accepted", actor=helper_user, subject=offer)
    if request.fill_mode == FillMode.FIRST_TO_ACCEPT:
        confirm_locked(offer, request, actor=helper_user)
        db.session.commit()
        return AcceptOutcome.CONFIRMED
    publish(OfferAccepted(request=request, actor=helper_user, offer=offer))
    db.session.commit()
    return AcceptOutcome.ACCEPTED


def decline_offer(offer_id: int, helper_user: User, reason: str | None = None) -> None:
    offer, request = _own_locked_offer(offer_id, helper_user)
    if offer.status == OfferStatus.DECLINED:
        db.session.rollback()
        return
    if offer.status != OfferStatus.PENDING:
        refuse(_l("Diese Anfrage ist nicht mehr offen."))
    offer.decline_reason = (reason or "").strip()[:300] or None
    _decline(offer, request, helper_user, retracted=False)


def retract_acceptance(offer_id: int, helper_user: User) -> None:
    """Take back a yes the coordinator has not confirmed yet: the offer counts as declined,
    so it can no longer be confirmed, and the coordinators hear of it."""
    offer, request = _own_locked_offer(offer_id, helper_user)
    confirmed = db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id))
    if offer.status != OfferStatus.ACCEPTED or confirmed is not None:
        refuse(_l("Diese Zusage kann nicht mehr zurückgenommen werden."))
    _decline(offer, request, helper_user, retracted=True)


def take_back_acceptance(offer_id: int, helper_user: User) -> None:
    """The helper takes back a yes the KI has not confirmed yet, in the inbox: the offer waits for
    an answer again (a yes once more is possible while the request is open), it can no longer
    be confirmed, and the coordinators hear of it. Under the request's lock, so it and a
    coordinator's confirmation never both happen: whichever comes second is refused."""
    offer, request = _own_locked_offer(offer_id, helper_user)
    confirmed = db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id))
    if offer.status != OfferStatus.ACCEPTED or confirmed is not None:
        refuse(_l("Diese Zusage kann nicht mehr zurückgenommen werden."))
    offer.status = OfferStatus.PENDING
    offer.answered_at = None
    record("offer.taken_back", actor=helper_user, subject=offer)
    publish(OfferDeclined(request=request, actor=helper_user, offer=offer, retracted=True))
    db.session.commit()


def _decline(offer: Offer, request: HelpRequest, helper_user: User, *, retracted: bool) -> None:
    offer.status = OfferStatus.DECLINED
    offer.answered_at = utcnow()
    record("offer.retracted" if retracted else "offer.declined", actor=helper_user, subject=offer)
    publish(OfferDeclined(request=request, actor=helper_user, offer=offer, retracted=retracted))
    db.session.commit()
