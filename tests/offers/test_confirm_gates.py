"""The safeguarding rules checked again when a yes becomes an assignment: between asking and
confirming a declaration can be taken back, a certificate run out, a flag set, or the offer went to
a near miss. A failed gate is confirmed only with a reason (history; the audit names the rule and
that there was a reason), a failed police certificate never; first-to-accept holds such a yes for
the coordinator instead of confirming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from ki_match.extensions import db
from ki_match.helpers.models import HelperKind
from ki_match.offers.answers import AcceptOutcome, Answer, accept_offer, record_answer
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.rules import OfferError, ReasonNeeded
from ki_match.requests.models import (
    Assignment,
    FillMode,
    Offer,
    OfferStatus,
    RequestStatus,
    RequestStatusChange,
)
from tests.factories import offer_to
from tests.support import audit_events

REASON = "Erklärung liegt im Büro, noch nicht erfasst"


@dataclass(frozen=True)
class Gate:
    """How a helper who was fine when asked fails one safeguarding rule by the time of confirming."""

    rule: str
    said: str  # the engine's reason, as the coordinator reads it
    request: dict  # the request's columns
    helper: dict  # the helper's columns changed after the offer went out

    def __str__(self) -> str:
        return self.rule


GATES = [
    Gate("confidentiality", "Schweigepflichterklärung fehlt", {}, {"confidentiality_signed_on": None}),
    Gate("training", "Basisqualifizierung fehlt", {}, {"qualification_completed_on": None}),
    Gate(
        "qualified",
        "keine abgeschlossene Sprachlotsen-Qualifizierung",
        {"qualified_required": True},
        {"kind": HelperKind.VOLUNTEER},
    ),
]
POLICE = Gate(
    "police_certificate",
    "Führungszeugnis abgelaufen am 3.11.2025",
    {"protects_vulnerable": True},
    {"police_certificate_seen_on": date(2020, 11, 3)},
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def notes() -> str:
    return " ".join(
        db.session.scalars(select(RequestStatusChange.note).where(RequestStatusChange.note.is_not(None)))
    )


@pytest.fixture
def failing(tuesday_request, available_helper):
    """(request, helper, offer) for ``gate``: the helper was asked as a full candidate, then fails it."""

    def make(gate: Gate, *, accepted: bool = True, **request_columns):
        request = tuesday_request(**gate.request, **request_columns)
        helper = available_helper(display_name="Basma R.")
        helper.kind, helper.police_certificate_seen_on = HelperKind.SPRACHLOTSE, date.today()
        db.session.commit()
        offer = offer_to(request, helper, OfferStatus.ACCEPTED if accepted else OfferStatus.PENDING)
        for column, value in gate.helper.items():
            setattr(helper, column, value)
        db.session.commit()
        return request, helper, offer

    return make


@pytest.mark.parametrize("gate", GATES, ids=str)
def test_a_failed_gate_is_refused_without_a_reason_and_confirmed_with_one(failing, coordinator, gate):
    _request, _helper, offer = failing(gate)
    for no_reason in (None, "   "):
        with pytest.raises(ReasonNeeded, match="Bitte geben Sie einen Grund für die Ausnahme an."):
            confirm_offer(offer.id, coordinator, no_reason)
    assert count(Assignment) == 0
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED

    confirm_offer(offer.id, coordinator, REASON)

    assert count(Assignment) == 1
    [event] = audit_events("assignment.confirmed")
    assert event.detail["override"] == gate.rule and event.detail["with_reason"] is True
    assert REASON not in str(event.detail)  # the audit keeps no free text
    assert f"Basma R. bestätigt, Ausnahme: {gate.said}. Grund: {REASON}" in notes()


@pytest.mark.parametrize("reason", [None, REASON])
def test_a_failed_police_certificate_is_never_confirmed(failing, coordinator, reason):
    _request, _helper, offer = failing(POLICE)
    with pytest.raises(OfferError, match=f"Basma R. kann nicht bestätigt werden: {POLICE.said}") as refused:
        confirm_offer(offer.id, coordinator, reason)
    assert not isinstance(refused.value, ReasonNeeded)
    assert count(Assignment) == 0 and REASON not in notes()


def test_every_failed_gate_is_named_and_set_aside_with_one_reason(failing, coordinator):
    _request, helper, offer = failing(GATES[0])
    helper.qualification_completed_on = None
    db.session.commit()
    confirm_offer(offer.id, coordinator, REASON)
    [event] = audit_events("assignment.confirmed")
    assert event.detail["override"] == "confidentiality, training"
    assert "Ausnahme: Schweigepflichterklärung fehlt; Basisqualifizierung fehlt." in notes()


def test_a_full_candidate_is_confirmed_without_a_reason_and_no_exception(failing, coordinator):
    _request, helper, offer = failing(Gate("none", "", {}, {}))
    confirm_offer(offer.id, coordinator)
    [event] = audit_events("assignment.confirmed")
    assert "override" not in event.detail and "Ausnahme" not in notes()


# --- first to accept ------------------------------------------------------------------------------

FIRST = {"fill_mode": FillMode.FIRST_TO_ACCEPT, "status": RequestStatus.OFFERED}


@pytest.mark.parametrize("gate", GATES, ids=str)
def test_a_first_yes_failing_a_gate_waits_for_the_coordinator(failing, coordinator, gate):
    request, helper, offer = failing(gate, accepted=False, **FIRST)
    assert accept_offer(offer.id, helper.user) == AcceptOutcome.HELD
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED
    assert count(Assignment) == 0 and request.status == RequestStatus.OFFERED
    assert f"Zusage von Basma R. nicht automatisch bestätigt: {gate.said}" in notes()

    with pytest.raises(ReasonNeeded):
        confirm_offer(offer.id, coordinator)
    confirm_offer(offer.id, coordinator, REASON)
    db.session.expire_all()
    assert count(Assignment) == 1 and request.status == RequestStatus.FILLED


def test_a_first_yes_of_a_full_candidate_is_still_confirmed_at_once(failing):
    _request, helper, offer = failing(Gate("none", "", {}, {}), accepted=False, **FIRST)
    assert accept_offer(offer.id, helper.user) == AcceptOutcome.CONFIRMED
    assert count(Assignment) == 1


def test_a_first_yes_without_a_valid_police_certificate_is_refused(failing):
    _request, helper, offer = failing(POLICE, accepted=False, **FIRST)
    with pytest.raises(OfferError, match=f"gültiges Führungszeugnis nötig \\({POLICE.said}\\)"):
        accept_offer(offer.id, helper.user)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING and count(Assignment) == 0


def test_a_phone_yes_goes_the_same_way(failing, coordinator):
    _request, _helper, offer = failing(GATES[0], accepted=False, **FIRST)
    assert record_answer(offer.id, coordinator, Answer.ACCEPT, "am Telefon") == AcceptOutcome.HELD
    assert count(Assignment) == 0

    _request, _helper, refused = failing(POLICE, accepted=False, **FIRST)
    with pytest.raises(OfferError, match=f"Basma R. kann nicht bestätigt werden: {POLICE.said}"):
        record_answer(refused.id, coordinator, Answer.ACCEPT)
    db.session.expire_all()
    assert db.session.get(Offer, refused.id).status == OfferStatus.PENDING
