"""Requests, offers and assignments for request tests (the fixtures of tests/conftest.py make people)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.confirming import confirm_offer
from ki_match.orgs.models import Ki
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.conftest import language, town

PLACE = "Jobcenter Brakel, Am Markt 1, Zimmer 204"
CLIENT_REF = "Familie A-17"


def make_request(
    *,
    starts_in: timedelta | None = timedelta(days=3),
    minutes: int | None = 90,
    needed: int = 1,
    mode: FillMode = FillMode.COORDINATOR_CONFIRMS,
    kind: RequestKind = RequestKind.ACCOMPANIMENT,
    where: str | None = "Brakel",
    lang: str = "ar",
    created_by: User | None = None,
    ki: Ki | None = None,
    **fields,
) -> HelpRequest:
    ki = ki or db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
    request = HelpRequest(
        ki_id=ki.id,
        kind=kind,
        status=fields.pop("status", RequestStatus.OPEN),
        language_id=language(lang).id,
        min_level=3,
        starts_at=(utcnow() + starts_in).replace(second=0, microsecond=0) if starts_in is not None else None,
        duration_minutes=minutes if starts_in is not None else None,
        town_id=town(where).id if where else None,
        place=fields.pop("place", PLACE),
        client_ref=fields.pop("client_ref", CLIENT_REF),
        helpers_needed=needed,
        fill_mode=mode,
        created_by_id=created_by.id if created_by else None,
        **fields,
    )
    db.session.add(request)
    db.session.commit()
    return request


def offer_to(request: HelpRequest, helper: HelperProfile, status=OfferStatus.PENDING, **fields) -> Offer:
    offer = Offer(request_id=request.id, helper_id=helper.id, status=status, **fields)
    db.session.add(offer)
    db.session.commit()
    return offer


def assignment_for(request: HelpRequest, helper: HelperProfile, coordinator: User) -> Assignment:
    """Confirmed through the real rules: an accepted offer, then the coordinator confirms."""
    offer = offer_to(request, helper, OfferStatus.ACCEPTED)
    return confirm_offer(offer.id, coordinator)


def move_into_past(assignment: Assignment, days: int = 1) -> Assignment:
    """Let an assignment (and its request) have happened already, as reporting hours needs."""
    starts = (utcnow() - timedelta(days=days)).replace(second=0, microsecond=0)
    request = assignment.request
    request.starts_at = starts
    assignment.starts_at = starts
    assignment.ends_at = starts + timedelta(minutes=request.duration_minutes or 60)
    db.session.commit()
    return assignment


def set_status(assignment: Assignment, status: AssignmentStatus) -> Assignment:
    assignment.status = status
    db.session.commit()
    return assignment
