"""The confirm button of the request page's offers block when the helper fails a safeguarding rule
now: the row says which, a failed gate asks for the reason of the exception (kept as typed when it is
missing, the message next to the field), a failed police certificate offers no confirming at all;
with htmx the answer carries every state region, without it the page or a 303."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ki_match.extensions import db
from ki_match.helpers.models import HelperKind
from ki_match.requests.models import Assignment, FillMode, Offer, OfferStatus, RequestStatus
from tests.desk.test_request_workspace import state
from tests.factories import offer_to
from tests.support import htmx_headers, outbox


def body(response) -> str:
    return response.get_data(as_text=True)


def assignments() -> int:
    return db.session.scalar(select(func.count()).select_from(Assignment))


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def said_yes(tuesday_request, available_helper):
    """An accepted offer of Basma R., whose declaration was taken back after she was asked."""

    def make(**request_columns):
        request = tuesday_request(status=RequestStatus.OFFERED, **request_columns)
        helper = available_helper(display_name="Basma R.")
        helper.kind = HelperKind.SPRACHLOTSE
        offer = offer_to(request, helper, OfferStatus.ACCEPTED)
        helper.confidentiality_signed_on = None
        db.session.commit()
        return offer

    return make


def url(offer) -> str:
    return f"/requests/offers/{offer.id}/confirm"


def test_the_row_warns_and_asks_for_the_reason_before_confirming(client, desk, said_yes):
    offer = said_yes()
    page = body(client.get(f"/requests/{offer.request_id}"))
    assert f'id="confirm-gates-{offer.id}"' in page and "Schweigepflichterklärung fehlt" in page
    assert f'name="confirm-{offer.id}-reason"' in page and "Trotzdem bestätigen" in page
    assert f'id="confirm-{offer.id}"' not in page  # no plain button beside it


def test_a_missing_reason_answers_422_with_the_message_next_to_the_field(client, desk, said_yes):
    offer = said_yes()
    response = client.post(
        url(offer), data={f"confirm-{offer.id}-reason": "  "}, headers=htmx_headers("offers")
    )
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    found = state(response, "offers")
    html = found["offers"].html
    assert f'<p class="field-error" id="confirm-{offer.id}-reason-error">Bitte geben Sie einen Grund' in html
    assert assignments() == 0

    # Without htmx (the plain button of a page read before the declaration was taken back): the page.
    response = client.post(url(offer))
    assert response.status_code == 422 and "<html" in body(response)
    assert "Bitte geben Sie einen Grund für die Ausnahme an." in body(response)


def test_too_long_a_reason_is_kept_as_typed_with_its_message(client, desk, said_yes):
    offer = said_yes()
    typed = "x" * 301
    response = client.post(
        url(offer), data={f"confirm-{offer.id}-reason": typed}, headers=htmx_headers("offers")
    )
    assert response.status_code == 422
    html = body(response)
    assert "Bitte höchstens 300 Zeichen." in html and f"{typed}</textarea>" in html
    assert assignments() == 0


def test_with_a_reason_she_is_confirmed_and_the_history_says_why(client, desk, said_yes):
    offer = said_yes()
    data = {f"confirm-{offer.id}-reason": "Erklärung liegt im Büro"}
    response = client.post(url(offer), data=data, headers=htmx_headers("offers"))
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "offers-changed"
    found = state(response, "offers")
    assert "Basma R. ist bestätigt." in found["offers"].html
    assert (
        "Ausnahme: Schweigepflichterklärung fehlt. Grund: Erklärung liegt im Büro"
        in found["request-history"].html
    )
    assert assignments() == 1


def test_without_htmx_a_confirmation_with_a_reason_goes_back_to_the_request(client, desk, said_yes):
    offer = said_yes()
    response = client.post(url(offer), data={f"confirm-{offer.id}-reason": "liegt im Büro"})
    assert response.status_code == 303 and assignments() == 1


def test_an_expired_police_certificate_offers_no_confirming_and_is_refused(client, desk, said_yes):
    offer = said_yes(protects_vulnerable=True)
    offer.helper.confidentiality_signed_on = date.today()
    offer.helper.police_certificate_seen_on = date(2020, 11, 3)
    db.session.commit()
    page = body(client.get(f"/requests/{offer.request_id}"))
    refused = (
        "<bdi>Basma R.</bdi> kann nicht bestätigt werden: <bdi>Führungszeugnis abgelaufen am 3.11.2025</bdi>"
    )
    assert refused in page and "Trotzdem bestätigen" not in page and f'id="confirm-{offer.id}"' not in page

    response = client.post(
        url(offer), data={f"confirm-{offer.id}-reason": "war oft da"}, headers=htmx_headers("offers")
    )
    assert response.status_code == 409
    assert refused in state(response, "offers")["offers"].html
    assert assignments() == 0


# --- the helper's side of a first-to-accept request --------------------------------------------


@pytest.fixture
def first_offer(tuesday_request, available_helper, auth):
    """Amina, logged in, asked for a first-to-accept request; ``fails`` her declaration or certificate."""

    def make(fails: str):
        request = tuesday_request(
            status=RequestStatus.OFFERED,
            fill_mode=FillMode.FIRST_TO_ACCEPT,
            protects_vulnerable=fails == "police",
        )
        amina = available_helper(display_name="Amina K.")
        amina.police_certificate_seen_on = date(2020, 11, 3) if fails == "police" else date.today()
        amina.confidentiality_signed_on = None if fails == "declaration" else date.today()
        db.session.commit()
        assert auth.login(amina.user.email).status_code == 303
        return offer_to(request, amina)

    return make


def test_her_yes_held_back_reads_like_any_yes_the_centre_confirms(client, first_offer, coordinator):
    offer = first_offer("declaration")
    response = client.post(f"/offers/{offer.id}/accept", headers=htmx_headers(f"offer-card-{offer.id}"))
    html = body(response)
    assert response.status_code == 200
    assert "Danke! Sie haben zugesagt. Das Integrationszentrum bestätigt den Einsatz." in html
    assert "Schweigepflicht" not in html  # the coordinator's business, not hers
    assert f'id="take-back-{offer.id}"' in html and assignments() == 0
    assert outbox("offer_accepted", to=coordinator.email)


def test_her_yes_without_a_valid_certificate_is_refused_with_the_reason(client, first_offer):
    offer = first_offer("police")
    response = client.post(f"/offers/{offer.id}/accept", headers=htmx_headers(f"offer-card-{offer.id}"))
    html = body(response)
    assert response.status_code == 409
    assert (
        "Für diese Anfrage ist ein gültiges Führungszeugnis nötig (Führungszeugnis abgelaufen am 3.11.2025)"
        in html
    )
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING and assignments() == 0


def test_a_phone_yes_held_back_tells_the_coordinator_what_to_do(
    client, desk, tuesday_request, available_helper
):
    request = tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT)
    offer = offer_to(request, available_helper(display_name="Basma R.", checked=False))
    data = {f"phone-{offer.id}-answer": "accept", f"phone-{offer.id}-note": ""}
    response = client.post(
        f"/requests/offers/{offer.id}/phone-answer", data=data, headers=htmx_headers("offers")
    )
    found = state(response, "offers")
    assert "Basma R. hat telefonisch zugesagt. Nicht automatisch bestätigt" in found["offers"].html
    assert f'name="confirm-{offer.id}-reason"' in found["offers"].html  # her row asks for the reason now
    assert "nicht automatisch bestätigt: Schweigepflichterklärung fehlt" in found["request-history"].html
    assert assignments() == 0
