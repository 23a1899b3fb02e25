"""Requests and assignments for the calendar and privacy tests.

``booked`` writes an assignment straight into the tables, for any date (the
offer rules refuse appointments in the past); ``confirmed_through_rules``
goes through offer → accept → confirm like the app does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.offers.answers import accept_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.conftest import language, town


def make_request(
    ki,
    coordinator,
    *,
    starts_at: datetime | None = None,
    minutes: int = 90,
    kind: RequestKind = RequestKind.ACCOMPANIMENT,
    due_on: date | None = None,
    status: RequestStatus = RequestStatus.OPEN,
    **fields,
) -> HelpRequest:
    if kind == RequestKind.WRITTEN:
        starts_at, minutes = None, None
        due_on = due_on or (utcnow() + timedelta(days=5)).date()
    elif starts_at is None:
        starts_at = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    request = HelpRequest(
        ki_id=ki.id,
        kind=kind,
        status=status,
        language_id=fields.pop("language_id", None) or language("ar").id,
        min_level=3,
        starts_at=starts_at,
        duration_minutes=minutes,
        due_on=due_on,
        town_id=town("Brakel").id,
        place=fields.pop("place", "Jobcenter Brakel, Am Markt 1"),
        client_ref=fields.pop("client_ref", "Familie A-17"),
        created_by_id=coordinator.id,
        **fields,
    )
    db.session.add(request)
    db.session.commit()
    return request


def booked(
    request: HelpRequest, helper, *, status=AssignmentStatus.CONFIRMED, seat: int = 1, **fields
) -> Assignment:
    """An offer the helper accepted and the assignment it became, written directly."""
    offer = Offer(
        request_id=request.id, helper_id=helper.id, status=OfferStatus.ACCEPTED, answered_at=utcnow()
    )
    db.session.add(offer)
    db.session.flush()
    ends = request.starts_at + timedelta(minutes=request.duration_minutes) if request.starts_at else None
    assignment = Assignment(
        request_id=request.id,
        helper_id=helper.id,
        offer_id=offer.id,
        seat=seat,
        status=status,
        starts_at=request.starts_at,
        ends_at=ends,
        confirmed_by_id=request.created_by_id,
        **fields,
    )
    db.session.add(assignment)
    if request.status in (RequestStatus.OPEN, RequestStatus.OFFERED):
        transition(request, RequestStatus.FILLED)
    db.session.commit()
    return assignment


def offer_to(request: HelpRequest, helper, status=OfferStatus.PENDING) -> Offer:
    offer = Offer(request_id=request.id, helper_id=helper.id, status=status)
    db.session.add(offer)
    db.session.commit()
    return offer


def confirmed_through_rules(request: HelpRequest, helper, coordinator) -> Assignment:
    offer = offer_to(request, helper)
    accept_offer(offer.id, helper.user)
    return confirm_offer(offer.id, coordinator)
