"""Every SELECT behind the helper's inbox and assignments, always scoped to one KI and one helper."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from ki_match.accounts.models import User
from ki_match.assignments.queries import AWAITING_CONFIRMATION
from ki_match.clock import BERLIN, utcnow
from ki_match.db import Page, page_number
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.lifecycle import ACCEPTING
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus
from ki_match.requests.queries import helper_rows, own_helper

# Answered offers are history: the inbox shows them a page at a time, newest first.
DONE_PAGE_SIZE = 10


def _offers(ki: Ki, profile: HelperProfile):
    # The request joined in (the inbox sorts and filters by it), its details loaded with it.
    return helper_rows(Offer, ki, profile, contains_eager)


def own_offer(ki: Ki, profile: HelperProfile, offer_id: int) -> Offer | None:
    return db.session.scalar(_offers(ki, profile).where(Offer.id == offer_id))


_NEWEST_FIRST = (Offer.created_at.desc(), Offer.id.desc())
_DONE = and_(Offer.status != OfferStatus.PENDING, ~AWAITING_CONFIRMATION)


def pending_offers(ki: Ki, profile: HelperProfile) -> list[Offer]:
    """Offers the helper has not answered, newest first (whether they still can is ``rules.why_closed``)."""
    return list(
        db.session.scalars(
            _offers(ki, profile).where(Offer.status == OfferStatus.PENDING).order_by(*_NEWEST_FIRST)
        )
    )


def waiting_offers(ki: Ki, profile: HelperProfile) -> list[Offer]:
    """Accepted offers the KI has not yet confirmed, newest first."""
    return list(
        db.session.scalars(_offers(ki, profile).where(AWAITING_CONFIRMATION).order_by(*_NEWEST_FIRST))
    )


def done_offers(ki: Ki, profile: HelperProfile, wanted_page: int) -> Page:
    """One page of the answered offers that need nothing more from anyone, newest first."""
    total = db.session.scalar(
        select(func.count()).select_from(Offer).where(Offer.helper_id.in_(own_helper(ki, profile)), _DONE)
    )
    page, pages = page_number(total, wanted_page, DONE_PAGE_SIZE)
    offers = db.session.scalars(
        _offers(ki, profile)
        .where(_DONE)
        .order_by(*_NEWEST_FIRST)
        .limit(DONE_PAGE_SIZE)
        .offset((page - 1) * DONE_PAGE_SIZE)
    )
    return Page(list(offers), total, page, pages)


def assignments_by_offer(offer_ids: list[int]) -> dict[int, Assignment]:
    """What these offers became (any status), by offer id."""
    if not offer_ids:
        return {}
    found = db.session.scalars(select(Assignment).where(Assignment.offer_id.in_(offer_ids)))
    return {assignment.offer_id: assignment for assignment in found}


def open_offer_count(ki: Ki, user: User) -> int:
    """Pending offers the helper can still answer (the test of ``services.why_closed``), in one query."""
    now = utcnow()
    today = now.astimezone(BERLIN).date()
    return db.session.scalar(
        select(func.count())
        .select_from(Offer)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .join(HelperProfile, HelperProfile.id == Offer.helper_id)
        .where(
            HelperProfile.user_id == user.id,
            HelperProfile.ki_id == ki.id,
            Offer.status == OfferStatus.PENDING,
            or_(Offer.expires_at.is_(None), Offer.expires_at > now),
            HelpRequest.status.in_(ACCEPTING),
            or_(
                HelpRequest.starts_at > now,
                and_(
                    HelpRequest.starts_at.is_(None),
                    or_(HelpRequest.due_on.is_(None), HelpRequest.due_on >= today),
                ),
            ),
        )
    )


# --- the coordinator's view of one request -------------------------------------------------


def pending_offer_count(profile: HelperProfile) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(Offer.helper_id == profile.id, Offer.status == OfferStatus.PENDING)
    )


def offer_counts(profile: HelperProfile) -> dict[str, int]:
    """How the helper answered the offers sent to them: status value → count."""
    rows = db.session.execute(
        select(Offer.status, func.count()).where(Offer.helper_id == profile.id).group_by(Offer.status)
    )
    return {status.value: count for status, count in rows}
