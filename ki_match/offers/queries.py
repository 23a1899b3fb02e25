"""Every SELECT behind the helper's inbox and assignments, always scoped to one KI and one helper."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ki_match.accounts.models import User
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, Offer, OfferStatus
from ki_match.requests.services import ACCEPTING

# Answered offers are history; the inbox shows the latest ones, not years of them.
ANSWERED_SHOWN = 50
PAST_ASSIGNMENTS_SHOWN = 100


def _request_details(path):
    """Everything a card shows about a request, loaded in a fixed number of queries: one row
    each joined in, the alternative languages in one more statement."""
    return (
        path.joinedload(HelpRequest.language),
        path.selectinload(HelpRequest.alt_languages),
        path.joinedload(HelpRequest.topic),
        path.joinedload(HelpRequest.town),
    )


def _offers(ki: Ki, profile: HelperProfile):
    return (
        select(Offer)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .where(Offer.helper_id == profile.id, HelpRequest.ki_id == ki.id)
        .options(*_request_details(contains_eager(Offer.request)))
    )


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


def _assignments(ki: Ki, profile: HelperProfile):
    return (
        select(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(Assignment.helper_id == profile.id, HelpRequest.ki_id == ki.id)
        .options(*_request_details(selectinload(Assignment.request)))
    )


def own_assignment(ki: Ki, profile: HelperProfile, assignment_id: int) -> Assignment | None:
    return db.session.scalar(_assignments(ki, profile).where(Assignment.id == assignment_id))


def _is_upcoming():
    now = utcnow()
    today = now.astimezone(BERLIN).date()
    return and_(
        Assignment.status == AssignmentStatus.CONFIRMED,
        or_(
            Assignment.starts_at > now,
            and_(Assignment.starts_at.is_(None), HelpRequest.due_on >= today),
        ),
    )


def assignments_of(ki: Ki, profile: HelperProfile) -> tuple[list[Assignment], list[Assignment]]:
    """(upcoming, past): confirmed ones still ahead, soonest first; everything else, latest first."""
    upcoming = _is_upcoming()
    ahead = db.session.scalars(
        _assignments(ki, profile)
        .where(upcoming)
        .order_by(Assignment.starts_at.asc().nulls_last(), HelpRequest.due_on, Assignment.id)
    ).all()
    behind = db.session.scalars(
        _assignments(ki, profile)
        .where(~upcoming)
        .order_by(Assignment.starts_at.desc().nulls_last(), HelpRequest.due_on.desc(), Assignment.id.desc())
        .limit(PAST_ASSIGNMENTS_SHOWN)
    ).all()
    return list(ahead), list(behind)


# --- the coordinator's view of one request -------------------------------------------------


def offer_in_ki(ki: Ki, offer_id: int) -> Offer | None:
    return db.session.scalar(
        select(Offer)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .where(Offer.id == offer_id, HelpRequest.ki_id == ki.id)
    )


def assignment_in_ki(ki: Ki, assignment_id: int) -> Assignment | None:
    return db.session.scalar(
        select(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(Assignment.id == assignment_id, HelpRequest.ki_id == ki.id)
    )


def offers_for_request(request: HelpRequest) -> list[Offer]:
    """Every offer sent for the request, oldest first, with the helper's name loaded."""
    return list(
        db.session.scalars(
            select(Offer)
            .where(Offer.request_id == request.id)
            .options(selectinload(Offer.helper).selectinload(HelperProfile.user))
            .order_by(Offer.created_at, Offer.id)
        )
    )


def assignments_for_request(request: HelpRequest) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.request_id == request.id)
            .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
            .order_by(Assignment.seat, Assignment.id)
        )
    )


def reports_awaiting_approval(ki: Ki) -> list[Assignment]:
    """Reported hours and kilometres the coordinators have not approved yet, oldest report first.

    The same rows the dashboard counts (``requests.queries.hours_awaiting_approval_count``).
    """
    return list(
        db.session.scalars(
            select(Assignment)
            .join(HelpRequest, HelpRequest.id == Assignment.request_id)
            .where(
                HelpRequest.ki_id == ki.id,
                Assignment.reported_at.is_not(None),
                Assignment.approved_at.is_(None),
            )
            .options(
                selectinload(Assignment.helper).selectinload(HelperProfile.user),
                *_request_details(selectinload(Assignment.request)),
            )
            .order_by(Assignment.reported_at, Assignment.id)
        )
    )
