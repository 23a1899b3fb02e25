"""The safeguarding gates when a coordinator acts anyway: a missing declaration or training may be set
aside with a reason (booking directly), a missing or expired police certificate never — neither by
booking nor by sending an offer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ki_match.extensions import db
from ki_match.offers.booking import ReasonNeeded, book_directly
from ki_match.offers.rules import OfferError
from ki_match.offers.sending import send_offers
from ki_match.requests.models import Assignment, Offer, RequestStatusChange
from tests.support import audit_events


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("check", "rule", "reason"),
    [
        ("confidentiality_signed_on", "confidentiality", "Schweigepflichterklärung fehlt"),
        ("qualification_completed_on", "training", "Basisqualifizierung fehlt"),
    ],
)
def test_a_missing_gate_check_is_set_aside_only_with_a_reason(
    tuesday_request, available_helper, coordinator, check, rule, reason
):
    request = tuesday_request()
    helper = available_helper(display_name="Basma R.")
    setattr(helper, check, None)
    db.session.commit()
    with pytest.raises(ReasonNeeded):
        book_directly(request.id, helper.id, coordinator, "")
    assert count(Assignment) == 0

    book_directly(request.id, helper.id, coordinator, "Erklärung liegt im Büro, noch nicht erfasst")

    [event] = audit_events("offer.booked_directly")
    assert event.detail["override"] == rule
    notes = db.session.scalars(select(RequestStatusChange.note).where(RequestStatusChange.note.is_not(None)))
    assert f"Ausnahme: {reason}. Grund: Erklärung liegt im Büro" in " ".join(notes)


@pytest.mark.parametrize("seen_on", [None, date(2000, 1, 1)])
def test_the_police_certificate_is_never_set_aside(tuesday_request, available_helper, coordinator, seen_on):
    request = tuesday_request(protects_vulnerable=True)
    helper = available_helper(display_name="Basma R.")
    helper.police_certificate_seen_on = seen_on
    db.session.commit()
    with pytest.raises(OfferError, match="kann nicht eingeplant werden: (kein )?Führungszeugnis"):
        book_directly(request.id, helper.id, coordinator, "war schon oft da")
    result = send_offers(request.id, [helper.id], coordinator)
    assert result.sent == [] and [profile.id for profile in result.not_allowed] == [helper.id]
    assert count(Assignment) == 0 and count(Offer) == 0


def test_with_a_valid_certificate_she_is_asked_and_booked(tuesday_request, available_helper, coordinator):
    request = tuesday_request(protects_vulnerable=True)
    helper = available_helper(display_name="Amina K.")
    helper.police_certificate_seen_on = date.today()
    db.session.commit()
    assert len(send_offers(request.id, [helper.id], coordinator).sent) == 1


def test_a_near_miss_for_a_gate_may_still_be_sent_an_offer(tuesday_request, available_helper, coordinator):
    request = tuesday_request()
    helper = available_helper(display_name="Basma R.", checked=False)
    helper.confidentiality_signed_on = date(2026, 1, 1)
    db.session.commit()
    assert len(send_offers(request.id, [helper.id], coordinator).sent) == 1
