"""Every SELECT behind the helper's inbox and assignments, always scoped to one KI and one helper."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from ki_match.accounts.models import User
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.lifecycle import ACCEPTING
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus
from ki_match.requests.queries import helper_rows

# Answered offers are history; the inbox shows the latest ones, not years of them.
ANSWERED_SHOWN = 50


def _offers(ki: Ki, profile: HelperProfile):
    # The request joined in (the inbox sorts and filters by it), its details loaded with it.
    return helper_rows(Offer, ki, profile, contains_eager)


def own_offer(ki: Ki, profile: HelperProfile, offer_id: int) -> Offer | None:
    return db.session.scalar(_offers(ki, profile).where(Offer.id == offer_id))


def inbox_offers(ki: Ki, profile: HelperProfile) -> tuple[list[Offer], list[Offer]]:
    """(pending, answered) offers to this helper, newest first."""
    newest_first = (Offer.created_at.desc(), Offer.id.desc())
    pending = db.session.scalars(
        _offers(ki, profile).where(Offer.status == OfferStatus.PENDING).order_by(*newest_first)
    ).all()
    answered = db.session.scalars(
        _offers(ki, profile)
        .where(Offer.status != OfferStatus.PENDING)
        .order_by(*newest_first)
        .limit(ANSWERED_SHOWN)
    ).all()
    return list(pending), list(answered)


def assignment_ids_by_offer(offer_ids: list[int]) -> dict[int, int]:
    """Which of these offers became an assignment (any status), offer id → assignment id."""
    if not offer_ids:
        return {}
    rows = db.session.execute(
        select(Assignment.offer_id, Assignment.id).where(Assignment.offer_id.in_(offer_ids))
    )
    return dict(rows.all())


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
            HelpRequest.ki_id == ki.id,
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
