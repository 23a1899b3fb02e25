"""Every SELECT about requests, offers and assignments."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ki_match.db import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki, Organisation
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)


def status_counts(ki: Ki) -> dict[RequestStatus, int]:
    rows = db.session.execute(
        select(HelpRequest.status, func.count())
        .where(HelpRequest.ki_id == ki.id)
        .group_by(HelpRequest.status)
    )
    counts = dict.fromkeys(RequestStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def open_soon_count(ki: Ki, within: timedelta = timedelta(hours=48)) -> int:
    """Requests starting within ``within`` that still have nobody confirmed."""
    now = utcnow()
    return db.session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.ki_id == ki.id,
            HelpRequest.status.in_([RequestStatus.OPEN, RequestStatus.OFFERED]),
            HelpRequest.starts_at >= now,
            HelpRequest.starts_at < now + within,
        )
    )


def unanswered_offer_count(ki: Ki) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Offer)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .where(HelpRequest.ki_id == ki.id, Offer.status == OfferStatus.PENDING)
    )


def hours_awaiting_approval_count(ki: Ki) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(
            HelpRequest.ki_id == ki.id,
            Assignment.reported_at.is_not(None),
            Assignment.approved_at.is_(None),
        )
    )


def requests_of_organisation(organisation: Organisation, limit: int = 20) -> list[HelpRequest]:
    return list(
        db.session.scalars(
            select(HelpRequest)
            .where(
                HelpRequest.ki_id == organisation.ki_id,
                HelpRequest.organisation_id == organisation.id,
            )
            .options(selectinload(HelpRequest.language), selectinload(HelpRequest.town))
            .order_by(HelpRequest.created_at.desc())
            .limit(limit)
        )
    )


def pending_offer_count(profile: HelperProfile) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(Offer.helper_id == profile.id, Offer.status == OfferStatus.PENDING)
    )


def upcoming_assignments(profile: HelperProfile, limit: int = 5) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(
                Assignment.helper_id == profile.id,
                Assignment.status == AssignmentStatus.CONFIRMED,
                Assignment.starts_at >= utcnow(),
            )
            .options(
                selectinload(Assignment.request).selectinload(HelpRequest.language),
                selectinload(Assignment.request).selectinload(HelpRequest.town),
            )
            .order_by(Assignment.starts_at)
            .limit(limit)
        )
    )
