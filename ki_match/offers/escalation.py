"""Automatic follow-up ("Automatisch nachfassen"), run by ``flask --app app requests escalate``.

A coordinator may set on a request: if nobody has said yes ``escalate_after_hours``
hours after the newest offer, ask the next candidates in rank order, up to
``escalate_limit`` more people in all. One step asks everyone still allowed at
once (up to what is left of the limit); a further step follows only when the
first found fewer candidates than the limit allowed and again nobody said yes.

A step waits while a yes is waiting for the coordinator's confirmation, and
stops once the request no longer looks for people. The candidates are those of
the request page (``matching.services.match``), minus anyone asked before; the
offers go out through ``offers.sending.send_offers``, so mails, outbox and the
request's lock are the usual ones.

Each step is a row of ``escalation_step``, shown on the request page. The step
is written under the request's lock before the offers go out (so a crash
between the two asks fewer people, never more than the limit) and counts as
the newest activity: running again at the same moment finds nothing due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ki_match.accounts.models import Role, User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.matching.services import match
from ki_match.offers.rules import OfferError
from ki_match.offers.sending import send_offers
from ki_match.orgs.queries import in_active_ki
from ki_match.requests.lifecycle import ACCEPTING
from ki_match.requests.locks import lock_request
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus
from ki_match.requests.queries import holding_count, responsible_coordinators


class EscalationStep(db.Model):
    """One automatic follow-up of a request: when, and how many people were asked (0: nobody left)."""

    __tablename__ = "escalation_step"
    __table_args__ = (
        UniqueConstraint("request_id", "waited_since"),
        CheckConstraint("offers_sent >= 0", name="offers_sent_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The newest offer or step this one followed up on: one step per wait, even with two runs at once.
    waited_since: Mapped[datetime]
    offers_sent: Mapped[int]


@dataclass
class Plan:
    waited_since: datetime
    helper_ids: list[int]


def steps_for(request: HelpRequest) -> list[EscalationStep]:
    """The request's follow-up steps, oldest first (for the request page)."""
    if request.id is None:
        return []
    return db.session.scalars(
        select(EscalationStep).where(EscalationStep.request_id == request.id).order_by(EscalationStep.at)
    ).all()


def _yes_waiting(request: HelpRequest) -> bool:
    """Someone said yes and the coordinator has not confirmed them yet."""
    confirmed = select(Assignment.offer_id).where(
        Assignment.request_id == request.id, Assignment.offer_id.is_not(None)
    )
    return (
        db.session.scalar(
            select(Offer.id)
            .where(
                Offer.request_id == request.id,
                Offer.status == OfferStatus.ACCEPTED,
                Offer.id.not_in(confirmed),
            )
            .limit(1)
        )
        is not None
    )


def plan(request: HelpRequest, now: datetime) -> Plan | None:
    """What a follow-up of ``request`` at ``now`` would do; None when nothing is due."""
    if request.escalate_after_hours is None or request.escalate_limit is None:
        return None
    if request.status not in ACCEPTING or request.is_over(now):
        return None
    if holding_count(request.id) >= request.helpers_needed or _yes_waiting(request):
        return None
    newest_offer = db.session.scalar(select(func.max(Offer.created_at)).where(Offer.request_id == request.id))
    if newest_offer is None:  # the coordinator has not asked anyone yet: nothing to follow up
        return None
    steps = steps_for(request)
    waited_since = max([newest_offer, *(step.at for step in steps)])
    if waited_since + timedelta(hours=request.escalate_after_hours) > now:
        return None
    left = request.escalate_limit - sum(step.offers_sent for step in steps)
    if left <= 0:
        return None
    asked = set(db.session.scalars(select(Offer.helper_id).where(Offer.request_id == request.id)))
    helper_ids = [c.helper.id for c in match(request).candidates if c.helper.id not in asked][:left]
    if not helper_ids and steps and steps[-1].offers_sent == 0:
        return None  # "nobody left" is said once, not after every wait
    return Plan(waited_since, helper_ids)


def sender_for(request: HelpRequest) -> User | None:
    """Whom the offers are sent in the name of: who sent the newest offer, else who hears of the request."""
    sender_id = db.session.scalar(
        select(Offer.sent_by_id)
        .where(Offer.request_id == request.id, Offer.sent_by_id.is_not(None))
        .order_by(Offer.created_at.desc(), Offer.id.desc())
        .limit(1)
    )
    sender = db.session.get(User, sender_id) if sender_id else None
    if sender is not None and sender.active and sender.role in (Role.COORDINATOR, Role.ADMIN):
        return sender
    others = responsible_coordinators(request)
    return others[0] if others else None


def escalate_request(request_id: int, now: datetime) -> EscalationStep | None:
    """Follow up on one request if it is due; the step taken, or None."""
    request = lock_request(request_id)
    found = plan(request, now) if request is not None else None
    sender = sender_for(request) if found is not None and found.helper_ids else None
    if found is None or (found.helper_ids and sender is None):
        db.session.rollback()
        return None
    step = EscalationStep(
        request_id=request.id, at=now, waited_since=found.waited_since, offers_sent=len(found.helper_ids)
    )
    db.session.add(step)
    # No actor: the offers go out in the coordinator's name, but nobody clicked.
    record("request.followed_up", subject=request, planned=len(found.helper_ids))
    try:
        db.session.commit()
    except IntegrityError:  # another run took this step a moment ago
        db.session.rollback()
        return None
    if not found.helper_ids:
        return step
    step_id = step.id
    try:
        result = send_offers(request_id, found.helper_ids, sender)
    except OfferError:
        # Filled or called off in the meantime: nobody was asked, so there was no step.
        db.session.rollback()
        db.session.delete(db.session.get(EscalationStep, step_id))
        db.session.commit()
        return None
    step = db.session.get(EscalationStep, step_id)
    step.offers_sent = len(result.sent)
    db.session.commit()
    return step


def due_request_ids() -> list[int]:
    """Requests with follow-up switched on that still look for people and have offers out."""
    return db.session.scalars(
        select(HelpRequest.id)
        .where(
            HelpRequest.status.in_(ACCEPTING),
            HelpRequest.escalate_after_hours.is_not(None),
            in_active_ki(HelpRequest.ki_id),
            select(Offer.id).where(Offer.request_id == HelpRequest.id).exists(),
        )
        .order_by(HelpRequest.id)
    ).all()


def escalate(now: datetime | None = None) -> list[EscalationStep]:
    """Every follow-up due at ``now``. Safe to run again and again: what is done is not due twice."""
    now = now or utcnow()
    steps = []
    for request_id in due_request_ids():
        step = escalate_request(request_id, now)
        if step is not None:
            steps.append(step)
    return steps
