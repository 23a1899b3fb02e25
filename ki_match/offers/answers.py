"""The helper answers an offer: yes, no, or taking back a yes not yet confirmed.

The same rules for every way in: the inbox, the one-tap link in the e-mail,
deleting one's account, and a coordinator recording the answer the helper gave
by phone or in person (``record_answer``): a yes or a no goes through ``_accept``
or ``_decline_pending`` whoever gives it, so overlap, seats, first-to-accept and
"too late" are the same rules under the same lock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.matching.engine import Failure
from ki_match.matching.services import safeguarding_failures
from ki_match.offers.confirming import confirm_locked, never_confirmed
from ki_match.offers.rules import (
    locked_offer,
    refuse,
    too_late,
    why_helper_cannot_accept,
    why_helper_cannot_be_confirmed,
)
from ki_match.requests import lifecycle
from ki_match.requests.events import OfferAccepted, OfferDeclined
from ki_match.requests.models import Assignment, FillMode, HelpRequest, Offer, OfferStatus


class Answer(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class AcceptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the coordinator confirms next
    CONFIRMED = "confirmed"  # first to accept: the assignment is theirs
    HELD = "held"  # first to accept, but a safeguarding gate fails: the coordinator decides


@dataclass(frozen=True)
class OnBehalf:
    """A coordinator records the answer a helper gave by phone or in person: the coordinator is the
    actor of record, the audit names the helper and the channel (whether there is a note, never
    its words: the audit holds no personal data), the history shows the note."""

    coordinator: User
    note: str | None = None
    channel: str = "phone"

    def detail(self, helper_user: User) -> dict:
        """What the audit record keeps besides actor and subject."""
        return {"on_behalf_of": helper_user.id, "channel": self.channel, "with_note": self.note is not None}

    def history_note(self, helper_user: User, answer: Answer) -> str:
        said = (
            _l("%(name)s hat telefonisch zugesagt", name=helper_user.display_name)
            if answer == Answer.ACCEPT
            else _l("%(name)s hat telefonisch abgesagt", name=helper_user.display_name)
        )
        return f"{said} ({self.note})" if self.note else str(said)


def _own_locked_offer(offer_id: int, helper_user: User) -> tuple[Offer, HelpRequest]:
    offer, request = locked_offer(offer_id)
    if offer.helper.user_id != helper_user.id:
        refuse(_l("Diese Anfrage ist nicht an Sie gerichtet."))
    return offer, request


def accept_offer(offer_id: int, helper_user: User, *, announce: bool = True) -> AcceptOutcome:
    """A yes; refused, before anything else is said about the offer, while the helper may not be
    matched (their consent withdrawn, say): that is what they can change. ``announce=False``: the
    caller tells the coordinators itself (several dates of a series in one mail)."""
    offer, request = _own_locked_offer(offer_id, helper_user)
    return _accept(offer, request, helper_user, announce=announce)


def decline_offer(offer_id: int, helper_user: User, reason: str | None = None) -> None:
    offer, request = _own_locked_offer(offer_id, helper_user)
    _decline_pending(offer, request, helper_user, reason)


def record_answer(
    offer_id: int, coordinator: User, answer: Answer, note: str | None = None
) -> AcceptOutcome | None:
    """A coordinator records the helper's yes or no given by phone or in person; the outcome of a
    yes as for the helper's own tap, None for a no.

    Only for a helper of the request's own KI, by a coordinator of that KI: another KI's helper
    (the shared pool) answers in the app or to their own KI, whose coordinators know them; the
    request page does not offer it for them."""
    offer, request = locked_offer(offer_id)
    if coordinator.ki_id != request.ki_id or offer.helper.ki_id != request.ki_id:
        refuse(_l("Antworten kann nur die Koordination des KIs der helfenden Person eintragen."))
    on_behalf = OnBehalf(coordinator, (note or "").strip()[:300] or None)
    helper_user = offer.helper.user
    if answer == Answer.ACCEPT:
        return _accept(offer, request, helper_user, on_behalf)
    _decline_pending(offer, request, helper_user, on_behalf.note, on_behalf)
    return None


def answer_recordable(offer: Offer) -> bool:
    """Whether the request page offers to record this offer's answer (read without a lock; the
    rules say it again under it): a pending offer of a helper of the request's own KI, in time."""
    request = offer.request
    return (
        offer.status == OfferStatus.PENDING
        and offer.helper.ki_id == request.ki_id
        and too_late(offer, request) is None
    )


def _accept(
    offer: Offer,
    request: HelpRequest,
    helper_user: User,
    on_behalf: OnBehalf | None = None,
    *,
    announce: bool = True,
) -> AcceptOutcome:
    """The one way a yes is given, under the request's lock the caller holds."""
    actor = on_behalf.coordinator if on_behalf else helper_user
    unmatchable = why_helper_cannot_be_confirmed(offer) if on_behalf else why_helper_cannot_accept(offer)
    if unmatchable:
        refuse(unmatchable)
    if offer.status == OfferStatus.ACCEPTED:
        db.session.rollback()
        return AcceptOutcome.ACCEPTED
    if offer.status == OfferStatus.DECLINED:
        refuse(
            _l("%(name)s hat diese Anfrage bereits abgelehnt.", name=helper_user.display_name)
            if on_behalf
            else _l("Sie haben diese Anfrage bereits abgelehnt.")
        )
    reason = too_late(offer, request)
    if reason:
        refuse(reason)
    first = request.fill_mode == FillMode.FIRST_TO_ACCEPT
    gates = _gates_for_first_yes(offer, request, helper_user, on_behalf) if first else []
    offer.status = OfferStatus.ACCEPTED
    offer.answered_at = utcnow()
    _record_answer("offer.accepted", offer, request, helper_user, on_behalf, Answer.ACCEPT)
    if first and not gates:
        confirm_locked(offer, request, actor=actor)
        db.session.commit()
        return AcceptOutcome.CONFIRMED
    if gates:
        held = _l(
            "Zusage von %(name)s nicht automatisch bestätigt: %(reasons)s",
            name=helper_user.display_name,
            reasons="; ".join(failure.reason for failure in gates),
        )
        lifecycle.remark(request, actor, held)
    if announce:
        publish(OfferAccepted(request=request, actor=actor, offer=offer))
    db.session.commit()
    return AcceptOutcome.HELD if gates else AcceptOutcome.ACCEPTED


def _gates_for_first_yes(
    offer: Offer, request: HelpRequest, helper_user: User, on_behalf: OnBehalf | None
) -> list[Failure]:
    """The safeguarding rules a first yes fails: a missing police certificate refuses the yes (it
    could never be confirmed), any other gate holds it back for the coordinator, who confirms
    it with a reason or not (``confirming.confirm_offer``)."""
    failures = safeguarding_failures(request, offer.helper)
    police = never_confirmed(failures)
    if police is None:
        return failures
    if on_behalf:
        refuse(
            _l(
                "%(name)s kann nicht bestätigt werden: %(reason)s",
                name=helper_user.display_name,
                reason=police.reason,
            )
        )
    refuse(
        _l(
            "Für diese Anfrage ist ein gültiges Führungszeugnis nötig (%(reason)s). Bitte wenden Sie "
            "sich an Ihr Integrationszentrum.",
            reason=police.reason,
        )
    )


def _decline_pending(
    offer: Offer,
    request: HelpRequest,
    helper_user: User,
    reason: str | None,
    on_behalf: OnBehalf | None = None,
) -> None:
    """The one way a no is given to a pending offer, under the request's lock the caller holds."""
    if offer.status == OfferStatus.DECLINED:
        db.session.rollback()
        return
    if offer.status != OfferStatus.PENDING:
        refuse(_l("Diese Anfrage ist nicht mehr offen."))
    offer.decline_reason = (reason or "").strip()[:300] or None
    _decline(offer, request, helper_user, retracted=False, on_behalf=on_behalf)


def _record_answer(
    action: str,
    offer: Offer,
    request: HelpRequest,
    helper_user: User,
    on_behalf: OnBehalf | None,
    answer: Answer,
) -> None:
    """The audit record of an answer; one given on the helper's behalf also goes into the history."""
    if on_behalf is None:
        record(action, actor=helper_user, subject=offer)
        return
    record(action, actor=on_behalf.coordinator, subject=offer, **on_behalf.detail(helper_user))
    lifecycle.remark(request, on_behalf.coordinator, on_behalf.history_note(helper_user, answer))


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


def _decline(
    offer: Offer,
    request: HelpRequest,
    helper_user: User,
    *,
    retracted: bool,
    on_behalf: OnBehalf | None = None,
) -> None:
    offer.status = OfferStatus.DECLINED
    offer.answered_at = utcnow()
    action = "offer.retracted" if retracted else "offer.declined"
    _record_answer(action, offer, request, helper_user, on_behalf, Answer.DECLINE)
    actor = on_behalf.coordinator if on_behalf else helper_user
    publish(OfferDeclined(request=request, actor=actor, offer=offer, retracted=retracted))
    db.session.commit()
