"""The coordinator asks helpers: sending offers for a request, and withdrawing one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import round_up_to_quarter_hour, utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.queries import pool_filter
from ki_match.helpers.services import is_matchable
from ki_match.matching.engine import IN_PERSON, Kind
from ki_match.matching.services import lacks_police_certificate, why_not
from ki_match.offers.rules import OfferError, locked_offer, refuse
from ki_match.requests import lifecycle
from ki_match.requests.events import OffersSent, OfferWithdrawn
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus


@dataclass
class SendResult:
    """What ``send_offers`` did with each person ticked."""

    sent: list[Offer] = field(default_factory=list)
    already_offered: list[HelperProfile] = field(default_factory=list)
    not_allowed: list[HelperProfile] = field(default_factory=list)


def send_offers(
    request_id: int, helper_ids, coordinator: User, expires_in: timedelta | None = None
) -> SendResult:
    """Ask each of these helpers of the request's KI (or, through the shared pool, of another
    KI) whether they can help.

    Near misses may be asked too (the coordinator decided to ask anyway), but
    never someone who may not receive offers at all (inactive, not approved,
    consent withdrawn), nor for children or vulnerable people someone without a
    valid police certificate. Whoever already has an offer for this request is
    skipped, so a double click or two coordinators at once send nothing twice:
    the request's lock serialises them and the unique (request, helper) pair
    backs it in the database.
    """
    wanted = {int(helper_id) for helper_id in helper_ids}
    if not wanted:
        raise OfferError(_l("Bitte wählen Sie mindestens eine Person aus."))
    request = lifecycle.lock_existing(request_id)
    if request.status not in lifecycle.ACCEPTING:
        refuse(_l("Für diese Anfrage werden keine Helfenden mehr gesucht."))
    if request.is_over():
        refuse(_l("Der Termin ist schon vorbei."))
    expires_at = None
    if expires_in is not None:
        # A time people read: "bis 18:00", never "bis 17:54".
        expires_at = round_up_to_quarter_hour(utcnow() + expires_in)
        if request.starts_at is not None:
            expires_at = min(expires_at, request.starts_at)
    result = write_offers(request, wanted, coordinator, expires_at)
    if not result.sent:
        db.session.rollback()
        return result
    db.session.commit()
    return result


def write_offers(
    request: HelpRequest, wanted: set[int], coordinator: User, expires_at=None, *, announce: bool = True
) -> SendResult:
    """The offers of ``send_offers`` for a request still looking for people: the caller holds the
    request's lock, has checked that it still looks for people, and commits (``send_offers``, or
    the follow-up after a late cancellation, ``offers.late_refill``). ``announce=False``: the
    caller tells the helpers itself (``offers.series_offers``: one mail for many dates)."""
    profiles = db.session.scalars(
        select(HelperProfile)
        .where(HelperProfile.id.in_(wanted), _askable(request))
        .options(selectinload(HelperProfile.user))
    ).all()
    asked = set(
        db.session.scalars(
            select(Offer.helper_id).where(Offer.request_id == request.id, Offer.helper_id.in_(wanted))
        )
    )
    result = SendResult()
    for profile in sorted(profiles, key=lambda p: (p.user.display_name.casefold(), p.id)):
        if profile.id in asked:
            result.already_offered.append(profile)
        elif (
            not is_matchable(profile)
            or lacks_police_certificate(request, profile)
            or (profile.ki_id != request.ki_id and why_not(request, profile))
        ):
            # Another KI's helper is asked only as a full candidate (README "Shared pool"); nobody
            # without a valid police certificate for children or vulnerable people (``NEVER_ASKED``).
            result.not_allowed.append(profile)
        else:
            offer = Offer(
                request_id=request.id, helper_id=profile.id, sent_by_id=coordinator.id, expires_at=expires_at
            )
            db.session.add(offer)
            result.sent.append(offer)
    if not result.sent:
        return result
    db.session.flush()
    for offer in result.sent:
        record("offer.sent", actor=coordinator, subject=offer, request_id=request.id)
    if announce:
        publish(OffersSent(request=request, actor=coordinator, offers=result.sent))
    lifecycle.mark_offered(request, coordinator)
    return result


def _askable(request: HelpRequest):
    """Whom this request's KI may ask at all: its own helpers and, when it shares its pool, other
    sharing KIs' helpers who agreed to be asked for this kind of request."""
    own = HelperProfile.ki_id == request.ki_id
    if not request.ki.shares_pool:
        return own
    return or_(own, pool_filter(request.ki_id, Kind(request.kind.value) in IN_PERSON))


def withdraw_offer(offer_id: int, coordinator: User) -> Offer:
    """The coordinator no longer asks this helper: a pending or accepted offer ends, the helper is told."""
    offer, request = locked_offer(offer_id)
    if db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id)) is not None:
        refuse(_l("Diese Person ist schon bestätigt. Wenn sie nicht kommen soll, sagen Sie die Anfrage ab."))
    if offer.status not in (OfferStatus.PENDING, OfferStatus.ACCEPTED):
        refuse(_l("Diese Anfrage an die Person ist schon beendet und kann nicht zurückgezogen werden."))
    offer.status = OfferStatus.WITHDRAWN
    offer.answered_at = offer.answered_at or utcnow()
    record("offer.withdrawn", actor=coordinator, subject=offer, reason="coordinator")
    lifecycle.offers_ended(request, coordinator)
    publish(OfferWithdrawn(request=request, actor=coordinator, offer=offer))
    db.session.commit()
    return offer
