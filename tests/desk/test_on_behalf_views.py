"""The desk's routes for acting for a helper: an answer given by phone, a direct booking
(ki_match.desk.on_behalf), with and without htmx, with bad input, for other KIs and other roles."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.requests.models import Assignment, FillMode, Offer, OfferStatus, RequestStatus
from tests import factories
from tests.factories import offer_to
from tests.support import htmx_headers


def body(response) -> str:
    return response.get_data(as_text=True)


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Offer)),
        db.session.scalar(select(func.count()).select_from(Assignment)),
    )


@pytest.fixture
def desk(coordinator, auth):
    """The coordinator, logged in with the test client."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def amina(available_helper):
    return available_helper(display_name="Amina K.")


@pytest.fixture
def asked(tuesday_request, amina):
    return offer_to(tuesday_request(status=RequestStatus.OFFERED), amina)


def answer_url(offer) -> str:
    return f"/requests/offers/{offer.id}/phone-answer"


def book_url(request, helper) -> str:
    return f"/requests/{request.id}/book/{helper.id}"


def fields(offer, answer="accept", note="") -> dict:
    return {f"phone-{offer.id}-answer": answer, f"phone-{offer.id}-note": note}


# --- an answer given by phone ---------------------------------------------------------------------


def test_the_offers_row_links_to_the_phone_answer_and_htmx_loads_the_form(client, desk, asked):
    page = body(client.get(f"/requests/{asked.request_id}"))
    assert f'id="phone-answer-{asked.id}"' in page and "Antwort vom Telefon eintragen" in page

    response = client.get(answer_url(asked), headers=htmx_headers(f"phone-answer-{asked.id}"))
    html = body(response)
    assert response.status_code == 200 and "<html" not in html
    assert f'<form id="phone-answer-{asked.id}"' in html and 'hx-target="#offers"' in html
    assert "hat telefonisch zugesagt" in html and "hat telefonisch abgesagt" in html

    page = body(client.get(answer_url(asked)))
    assert "<html" in page and "<h1>Antwort vom Telefon eintragen</h1>" in page and "hx-post" not in page


def test_a_phone_yes_without_htmx_goes_back_to_the_request_with_a_flash(client, desk, asked):
    response = client.post(answer_url(asked), data=fields(asked, note="am Telefon"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{asked.request_id}#offers")
    page = body(client.get(response.headers["Location"]))
    assert "Eingetragen: Amina K. hat telefonisch zugesagt." in page
    # the history names the coordinator and what she recorded
    history = page.split('id="history-heading"')[1]
    assert desk.display_name in history and "Amina K. hat telefonisch zugesagt (am Telefon)" in history
    assert db.session.get(Offer, asked.id).status == OfferStatus.ACCEPTED


def test_a_phone_no_with_htmx_answers_with_the_offers_block(client, desk, asked):
    response = client.post(
        answer_url(asked), data=fields(asked, "decline", "krank"), headers=htmx_headers("offers")
    )
    html = body(response).strip()
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "offers-changed"
    assert (
        html.startswith('<section id="offers"') and "Eingetragen: Amina K. hat telefonisch abgesagt." in html
    )
    assert "Grund: <bdi>krank</bdi>" in html and f'id="phone-answer-{asked.id}"' not in html


def test_a_phone_yes_in_first_to_accept_says_it_is_confirmed(client, desk, tuesday_request, amina):
    offer = offer_to(tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT), amina)
    html = body(client.post(answer_url(offer), data=fields(offer), headers=htmx_headers("offers")))
    assert "hat telefonisch zugesagt und ist bestätigt" in html
    assert counts() == (1, 1)


def test_a_phone_answer_without_a_choice_keeps_the_note_next_to_the_error(client, desk, asked):
    response = client.post(answer_url(asked), data=fields(asked, answer="", note="ruft zurück"))
    html = body(response)
    assert response.status_code == 422 and "<html" in html
    assert "Bitte wählen Sie: zugesagt oder abgesagt." in html and "ruft zurück</textarea>" in html

    headers = htmx_headers("offers")
    response = client.post(
        answer_url(asked), data=fields(asked, answer="vielleicht", note="x" * 301), headers=headers
    )
    html = body(response)
    assert response.status_code == 422 and "<html" not in html
    assert response.headers["HX-Retarget"] == f"#phone-answer-{asked.id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert "Bitte höchstens 300 Zeichen." in html
    assert db.session.get(Offer, asked.id).status == OfferStatus.PENDING


def test_a_phone_answer_the_rules_refuse_says_why_in_the_offers_block(client, desk, asked):
    asked.status = OfferStatus.WITHDRAWN
    db.session.commit()
    response = client.post(answer_url(asked), data=fields(asked), headers=htmx_headers("offers"))
    assert response.status_code == 409 and "zurückgezogen" in body(response)
    # the form is not offered for an offer no longer open
    response = client.get(answer_url(asked))
    assert response.status_code == 303


def test_no_phone_answer_for_another_kis_helper(client, desk, tuesday_request, ki):
    other_ki = factories.other_ki()
    factories.sharing(ki, other_ki)
    guest = factories.in_pool(factories.make_helper(ki=other_ki))
    offer = offer_to(tuesday_request(status=RequestStatus.OFFERED), guest)
    assert f'id="phone-answer-{offer.id}"' not in body(client.get(f"/requests/{offer.request_id}"))
    assert client.get(answer_url(offer)).status_code == 404
    assert client.post(answer_url(offer), data=fields(offer)).status_code == 404
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_another_kis_coordinator_finds_neither_route(client, auth, create_user, asked, amina):
    stranger = create_user(Role.COORDINATOR, ki=factories.other_ki())
    auth.login(stranger.email)
    before = counts()
    assert client.get(answer_url(asked)).status_code == 404
    assert client.post(answer_url(asked), data=fields(asked)).status_code == 404
    request = db.session.get(Offer, asked.id).request
    assert client.get(book_url(request, amina)).status_code == 404
    assert client.post(book_url(request, amina), data={"reason": "x"}).status_code == 404
    assert counts() == before
    assert db.session.get(Offer, asked.id).status == OfferStatus.PENDING


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_are_refused(client, login_as, asked, amina, role):
    login_as(role)
    before = counts()
    request = db.session.get(Offer, asked.id).request
    for method, url in (
        ("GET", answer_url(asked)),
        ("POST", answer_url(asked)),
        ("GET", book_url(request, amina)),
        ("POST", book_url(request, amina)),
    ):
        assert client.open(url, method=method, data=fields(asked)).status_code == 403, url
    assert counts() == before


def test_the_helper_herself_cannot_record_an_answer_for_her_own_offer(client, auth, asked, amina):
    auth.login(amina.user.email)
    assert client.post(answer_url(asked), data=fields(asked)).status_code == 403
    assert db.session.get(Offer, asked.id).status == OfferStatus.PENDING


# --- booking directly -----------------------------------------------------------------------------


def test_the_candidate_list_links_to_direct_booking(client, desk, tuesday_request, amina, available_helper):
    request = tuesday_request()
    carla = available_helper(display_name="Carla M.", slots=((3, time(9), time(13)),))
    page = body(client.get(f"/requests/{request.id}"))
    assert f'href="{book_url(request, amina)}"' in page
    assert f'href="{book_url(request, carla)}"' in page and "Direkt einplanen (mit Ausnahme)" in page
    # someone asked already is answered on the offers block instead; who said no can be booked
    offer_to(request, amina)
    offer_to(request, carla, OfferStatus.DECLINED)
    page = body(client.get(f"/requests/{request.id}"))
    assert f'href="{book_url(request, amina)}"' not in page
    assert f'href="{book_url(request, carla)}"' not in page  # two rules now: the week plan and her no
    bilal = available_helper(display_name="Bilal S.")
    offer_to(request, bilal, OfferStatus.DECLINED)
    page = body(client.get(f"/requests/{request.id}"))
    assert f'href="{book_url(request, bilal)}"' in page


def test_booking_a_candidate_without_htmx(client, desk, tuesday_request, amina):
    request = tuesday_request()
    page = body(client.get(book_url(request, amina)))
    assert "<h1>Amina K. direkt einplanen</h1>" in page and "Ausnahme" not in page
    response = client.post(book_url(request, amina), data={"reason": ""})
    assert response.status_code == 303
    page = body(client.get(response.headers["Location"]))
    assert "Amina K. ist direkt eingeplant." in page and "Amina K. direkt eingeplant" in page
    assert counts() == (1, 1)


def test_a_near_miss_needs_a_reason_next_to_its_field(client, desk, tuesday_request, available_helper):
    request = tuesday_request()
    carla = available_helper(display_name="Carla M.", slots=((3, time(9), time(13)),))
    page = body(client.get(book_url(request, carla)))
    assert "Ausnahme:" in page and "laut Wochenplan keine Zeit" in page and "Grund für die Ausnahme" in page

    response = client.post(book_url(request, carla), data={"reason": "  "})
    html = body(response)
    assert response.status_code == 422
    assert 'id="reason-error">Bitte geben Sie einen Grund für die Ausnahme an.' in html
    assert counts() == (0, 0)

    response = client.post(
        book_url(request, carla), data={"reason": "kennt die Familie"}, headers=htmx_headers("offers")
    )
    html = body(response)
    assert response.status_code == 200 and "Carla M. ist direkt eingeplant." in html
    assert counts() == (1, 1)
    history = body(client.get(f"/requests/{request.id}")).split('id="history-heading"')[1]
    assert "Ausnahme: hat zu dieser Zeit laut Wochenplan keine Zeit. Grund: kennt die Familie" in history


def test_a_booking_the_rules_refuse_says_why(client, desk, tuesday_request, amina, coordinator):
    request = tuesday_request(status=RequestStatus.CANCELLED)
    response = client.post(book_url(request, amina), data={"reason": "x"}, headers=htmx_headers("offers"))
    assert response.status_code == 409 and "keine Helfenden mehr" in body(response)
    # someone who fails a rule that is never set aside: back to the request with the reason
    blocked = tuesday_request()
    amina.consent_given_at = None
    db.session.commit()
    response = client.get(book_url(blocked, amina))
    assert response.status_code == 303
    assert "Einwilligung" in body(client.get(response.headers["Location"]))
    assert counts() == (0, 0)


def test_booking_another_kis_helper_is_not_found(client, desk, tuesday_request):
    guest = factories.make_helper(ki=factories.other_ki())
    request = tuesday_request()
    assert client.get(book_url(request, guest)).status_code == 404
    assert client.post(book_url(request, guest), data={"reason": "x"}).status_code == 404
    assert counts() == (0, 0)
