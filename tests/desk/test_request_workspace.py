"""The request page stays true: every action on it answers with the block it targets and every other
region that shows the request's state (badge and buttons, facts, offers, lifecycle, organisation's
panel, history) out of band, each in its new state; the confirm button says beforehand which offers
it withdraws; opening a request sends the focus to its candidates."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import BERLIN
from ki_match.desk.request_page import STATE_REGIONS
from ki_match.extensions import db
from ki_match.offers.confirming import withdrawn_by_confirming
from ki_match.requests.models import FillMode, HelpRequest, Offer, OfferStatus, RequestStatus
from tests.desk.test_requests_views import form_data
from tests.factories import assignment_for, make_request, move_into_past, offer_to
from tests.support import htmx_headers, regions

IDS = [block.replace("_", "-") for block in STATE_REGIONS if block != "flash_cleared"]


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return db.session.get(User, coordinator.id)


@pytest.fixture
def helper(create_helper):
    return partial(create_helper, consented=True)


def state(response, target: str) -> dict:
    """The answer's regions, after checking it is the target's block with every other region out of
    band and the page's load messages emptied."""
    html = body(response)
    assert "<html" not in html
    found = regions(html)
    assert next(iter(found)) == target and not found[target].oob
    for region in IDS:
        assert region in found, region
        assert found[region].oob == (region != target), region
    assert '<div id="flash" hx-swap-oob="innerHTML"></div>' in html
    return found


def badge(found) -> str:
    head = found["request-head"].html
    return head.split('class="status-badge')[1].split(">")[1].split("<")[0]


def editable(found) -> bool:
    return ">Bearbeiten</a>" in found["request-head"].html


def last_history_line(found) -> str:
    return found["request-history"].html.split("<tr>")[-1]


def test_confirming_the_last_seat_answers_with_the_whole_new_state(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    amina, bilal = helper(display_name="Amina Haddad"), helper(display_name="Bilal Omar")
    first = offer_to(request, amina, OfferStatus.ACCEPTED)
    offer_to(request, bilal)
    before = regions(body(client.get(f"/requests/{request.id}/offers", headers=htmx_headers("offers"))))
    assert badge(before) == "angefragt" and editable(before)

    response = client.post(f"/requests/offers/{first.id}/confirm", headers=htmx_headers("offers"))
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "offers-changed"  # the candidates reload themselves
    found = state(response, "offers")
    assert badge(found) == "besetzt" and not editable(found)
    assert "angefragt → besetzt" in last_history_line(found)
    assert "Amina Haddad ist bestätigt." in found["offers"].html
    assert "Bilal Omar" in found["offers"].html and "zurückgezogen" in found["offers"].html
    assert "Nach dem Termin können Sie" in found["request-lifecycle"].html


def test_sending_and_withdrawing_offers_move_badge_and_history_with_the_offers(client, desk, helper):
    request = make_request()
    amina = helper(display_name="Amina Haddad")
    response = client.post(
        f"/requests/{request.id}/offers", data={"helper_ids": [amina.id]}, headers=htmx_headers("offers")
    )
    found = state(response, "offers")
    assert badge(found) == "angefragt" and editable(found)
    assert "offen → angefragt" in last_history_line(found)
    assert "Amina Haddad" in found["offers"].html

    offer = db.session.scalar(select(Offer).where(Offer.request_id == request.id))
    found = state(
        client.post(f"/requests/offers/{offer.id}/withdraw", headers=htmx_headers("offers")), "offers"
    )
    assert badge(found) == "offen"
    assert "angefragt → offen" in last_history_line(found)


def test_a_refused_action_still_shows_the_true_state(client, desk, helper, create_user):
    request = make_request()
    first = offer_to(request, helper(), OfferStatus.ACCEPTED)
    second = offer_to(request, helper(), OfferStatus.ACCEPTED)
    assignment_for(request, helper(), create_user(Role.COORDINATOR))  # another coordinator filled it
    response = client.post(f"/requests/offers/{second.id}/confirm", headers=htmx_headers("offers"))
    assert response.status_code == 409 and "HX-Trigger" not in response.headers
    found = state(response, "offers")
    assert badge(found) == "besetzt" and not editable(found)
    assert first.id  # both offers were withdrawn with the filling


def test_no_show_and_completing_update_badge_history_and_offers(client, desk, helper):
    request = make_request()
    assignment = assignment_for(request, helper(display_name="Amina Haddad"), desk)
    move_into_past(assignment)
    found = state(
        client.post(f"/requests/assignments/{assignment.id}/no-show", headers=htmx_headers("offers")),
        "offers",
    )
    assert "nicht erschienen" in found["offers"].html

    response = client.post(f"/requests/{request.id}/complete", headers=htmx_headers("request-lifecycle"))
    found = state(response, "request-lifecycle")
    assert badge(found) == "erledigt" and not editable(found)
    assert "besetzt → erledigt" in last_history_line(found)
    assert 'role="status"' in found["request-lifecycle"].html and "Die Anfrage ist erledigt." in body(
        response
    )


def test_cancelling_answers_in_place_with_everything_called_off(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    offer_to(request, helper(display_name="Amina Haddad"))
    response = client.post(
        f"/requests/{request.id}/cancel",
        data={"cancel-reason": "Termin entfällt"},
        headers=htmx_headers("request-lifecycle"),
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "offers-changed"
    found = state(response, "request-lifecycle")
    assert "Die Anfrage ist abgesagt." in found["request-lifecycle"].html
    assert "data-focus-after-swap" in found["request-lifecycle"].html
    assert badge(found) == "abgesagt" and not editable(found)
    assert "angefragt → abgesagt" in last_history_line(found) and "Termin entfällt" in last_history_line(
        found
    )
    assert "zurückgezogen" in found["offers"].html


def test_rescheduling_moves_the_time_in_head_and_facts(client, desk):
    request = make_request()
    new_start = request.starts_at + timedelta(days=1)
    local = new_start.astimezone(BERLIN)
    response = client.post(
        f"/requests/{request.id}/reschedule",
        data={
            "reschedule-day": local.date().isoformat(),
            "reschedule-start": local.strftime("%H:%M"),
            "reschedule-duration_minutes": "60",
        },
        headers=htmx_headers("request-lifecycle"),
    )
    found = state(response, "request-lifecycle")
    assert "60 Min." in found["request-head"].html and "60 Min." in found["request-facts"].html
    assert "neue Termin ist gespeichert" in found["request-lifecycle"].html


def test_a_refused_form_keeps_what_was_typed_and_changes_nothing(client, desk):
    request = make_request()
    response = client.post(
        f"/requests/{request.id}/cancel",
        data={"cancel-reason": ""},
        headers=htmx_headers("request-lifecycle"),
    )
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    found = state(response, "request-lifecycle")
    assert badge(found) == "offen" and "Bitte geben Sie einen Grund an." in found["request-lifecycle"].html


def test_taking_over_an_organisations_request_opens_it_and_moves_on_to_the_candidates(
    client, desk, create_user
):
    member = create_user(Role.INITIATIVE)
    request = make_request(status=RequestStatus.SUBMITTED, organisation_id=member.organisation_id)
    response = client.post(
        f"/requests/{request.id}/submitted/accept", headers=htmx_headers("submitted-actions")
    )
    found = state(response, "submitted-actions")
    assert badge(found) == "offen" and editable(found)
    assert "eingereicht → offen" in last_history_line(found)
    assert 'data-focus-target="candidates-heading"' in found["submitted-actions"].html
    assert response.headers["HX-Trigger"] == "offers-changed"


def test_the_offers_refresh_brings_the_state_along_without_reloading_the_candidates(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    offer_to(request, helper())
    response = client.get(f"/requests/{request.id}/offers", headers=htmx_headers("offers"))
    state(response, "offers")
    assert "HX-Trigger" not in response.headers


def test_regions_say_what_they_show_so_unchanged_ones_stay(client, desk):
    request = make_request()
    page = body(client.get(f"/requests/{request.id}"))
    assert page.count('id="flash"') == 1 and "hx-swap-oob" not in page
    for region in IDS:
        assert f'id="{region}"' in page, region
    keys = {
        region: found.attrs.get("data-oob-key")
        for region, found in regions(_regions_of(client, request)).items()
    }
    assert all(
        keys[region]
        for region in ("request-head", "request-lifecycle", "submitted-actions", "request-history")
    )
    db.session.get(HelpRequest, request.id).duration_minutes = 45
    db.session.commit()
    moved = {
        region: found.attrs.get("data-oob-key")
        for region, found in regions(_regions_of(client, request)).items()
    }
    assert (
        moved["request-head"] != keys["request-head"]
        and moved["request-lifecycle"] != keys["request-lifecycle"]
    )
    assert moved["request-history"] == keys["request-history"]


def _regions_of(client, request) -> str:
    return body(client.get(f"/requests/{request.id}/offers", headers=htmx_headers("offers")))


# --- confirming says beforehand what it withdraws ---------------------------------------------


@pytest.mark.parametrize(
    ("needed", "holding", "others", "withdrawn"),
    [(1, 0, 2, 2), (1, 0, 0, 0), (2, 0, 3, 0), (2, 1, 3, 3), (3, 1, 1, 0)],
)
def test_confirming_withdraws_the_others_only_when_it_fills_the_request(needed, holding, others, withdrawn):
    assert withdrawn_by_confirming(HelpRequest(helpers_needed=needed), holding, others) == withdrawn


def test_the_confirm_button_says_how_many_offers_it_withdraws(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    accepted = offer_to(request, helper(), OfferStatus.ACCEPTED)
    offer_to(request, helper())
    offer_to(request, helper(), OfferStatus.ACCEPTED)
    offer_to(request, helper(), OfferStatus.DECLINED)  # not out any more: not withdrawn
    html = body(client.get(f"/requests/{request.id}"))
    warning = "Damit ist die Anfrage besetzt: 2 weitere Anfragen werden zurückgezogen."
    assert f'<p class="hint confirm-warning" id="confirm-warning-{accepted.id}">{warning}</p>' in html
    assert 'hx-confirm="' in html and f"bestätigen? {warning}" in html
    assert f'aria-describedby="offer-row-o{accepted.id} confirm-warning-{accepted.id}"' in html

    two_seats = make_request(status=RequestStatus.OFFERED, needed=2)
    offer_to(two_seats, helper(), OfferStatus.ACCEPTED)
    offer_to(two_seats, helper())
    html = body(client.get(f"/requests/{two_seats.id}"))
    assert "confirm-warning" not in html and "hx-confirm" not in html


def test_one_other_offer_is_said_in_the_singular(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    offer_to(request, helper(), OfferStatus.ACCEPTED)
    offer_to(request, helper())
    html = body(client.get(f"/requests/{request.id}"))
    assert "Damit ist die Anfrage besetzt: eine weitere Anfrage wird zurückgezogen." in html


# --- opening a request ------------------------------------------------------------------------


def test_opening_a_draft_from_its_form_leads_to_the_candidates(client, desk):
    draft = make_request(status=RequestStatus.DRAFT)
    kept = client.post(f"/requests/{draft.id}/edit", data=form_data(intent="draft"))
    assert kept.headers["Location"] == f"/requests/{draft.id}"
    opened = client.post(f"/requests/{draft.id}/edit", data=form_data(intent="open"))
    assert opened.headers["Location"] == f"/requests/{draft.id}#candidates-heading"
    # the heading takes the focus there (static/js/app.js focuses a target with tabindex="-1")
    assert '<h2 id="candidates-heading" tabindex="-1">' in body(client.get(opened.headers["Location"]))
    saved_again = client.post(f"/requests/{draft.id}/edit", data=form_data(intent="save"))
    assert saved_again.headers["Location"] == f"/requests/{draft.id}"


# --- acting for a helper: a phone answer and a direct booking answer with the whole state ----------


def _phone_answer(client, offer, answer: str, note: str = ""):
    data = {f"phone-{offer.id}-answer": answer, f"phone-{offer.id}-note": note}
    return client.post(f"/requests/offers/{offer.id}/phone-answer", data=data, headers=htmx_headers("offers"))


REMARK = "Vermerk, Status unverändert"


def history_cells(line: str) -> list[str]:
    """The cells of one history row, as text: when, status, who, note."""
    return [cell.split(">", 1)[1] for cell in line.replace("</th>", "</td>").split("</td>")[:-1]]


def remark_then_change(found) -> tuple[list[str], str]:
    """The last two history lines: the remark (status, who, note), then the status change after it."""
    *_, remark, change = found["request-history"].html.split("<tr>")
    return history_cells(remark)[1:], history_cells(change)[1]


def test_a_phone_yes_that_confirms_shows_the_request_filled_everywhere(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED, mode=FillMode.FIRST_TO_ACCEPT)
    amina, bilal = helper(display_name="Amina Haddad"), helper(display_name="Bilal Omar")
    offer = offer_to(request, amina)
    offer_to(request, bilal)
    before = regions(_regions_of(client, request))
    assert badge(before) == "angefragt" and editable(before)
    assert f'id="phone-answer-{offer.id}"' in before["offers"].html

    response = _phone_answer(client, offer, "accept", "ruft morgen an")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "offers-changed"
    found = state(response, "offers")
    assert badge(found) == "besetzt" and not editable(found)
    offers = found["offers"].html
    assert "Eingetragen: Amina Haddad hat telefonisch zugesagt und ist bestätigt." in offers
    assert "bestätigt am" in offers and "1 von 1 Plätzen besetzt." in offers
    assert 'id="phone-answer-' not in offers  # nobody left to answer: Bilal's offer is withdrawn
    assert "Nach dem Termin können Sie" in found["request-lifecycle"].html
    # two lines: the remark with what was said, then the confirmation that filled the request
    remark, filled = remark_then_change(found)
    assert remark == [REMARK, desk.display_name, "Amina Haddad hat telefonisch zugesagt (ruft morgen an)"]
    assert filled == "angefragt → besetzt"
    assert "angefragt → angefragt" not in found["request-history"].html


def test_a_phone_no_answers_with_its_remark_and_the_status_it_leaves(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    offer = offer_to(request, helper(display_name="Amina Haddad"))

    found = state(_phone_answer(client, offer, "decline", "krank"), "offers")
    # a no changes no status, as the helper's own no does not
    assert badge(found) == "angefragt" and editable(found)
    offers = found["offers"].html
    assert (
        "Eingetragen: Amina Haddad hat telefonisch abgesagt." in offers
        and "Grund: <bdi>krank</bdi>" in offers
    )
    assert f'id="phone-answer-{offer.id}"' not in offers and "abgelehnt" in offers
    cells = history_cells(last_history_line(found))
    assert cells[1:] == [
        REMARK,
        desk.display_name,
        "Amina Haddad hat telefonisch abgesagt (krank)",
    ]


def test_a_phone_yes_awaiting_confirmation_changes_no_status(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    offer = offer_to(request, helper(display_name="Amina Haddad"))

    found = state(_phone_answer(client, offer, "accept"), "offers")
    assert badge(found) == "angefragt" and editable(found)
    assert f'id="confirm-{offer.id}"' in found["offers"].html
    cells = history_cells(last_history_line(found))
    assert cells[1:] == [
        REMARK,
        desk.display_name,
        "Amina Haddad hat telefonisch zugesagt",
    ]


def test_a_direct_booking_shows_the_request_filled_with_its_remark(
    client, desk, tuesday_request, available_helper
):
    request = tuesday_request()
    amina = available_helper(display_name="Amina Haddad")
    response = client.post(
        f"/requests/{request.id}/book/{amina.id}", data={"reason": ""}, headers=htmx_headers("offers")
    )
    found = state(response, "offers")
    assert badge(found) == "besetzt" and not editable(found)
    assert "Amina Haddad ist direkt eingeplant." in found["offers"].html
    remark, filled = remark_then_change(found)
    assert remark == [REMARK, desk.display_name, "Amina Haddad direkt eingeplant"]
    assert filled == "offen → besetzt"


def test_the_phone_answer_form_pauses_the_poll_and_can_be_cancelled(client, desk, helper):
    request = make_request(status=RequestStatus.OFFERED)
    offer = offer_to(request, helper(display_name="Amina Haddad"))
    html = body(
        client.get(
            f"/requests/offers/{offer.id}/phone-answer", headers=htmx_headers(f"phone-answer-{offer.id}")
        )
    )
    form = html.strip().split(">", 1)[0]
    assert form.startswith(f'<form id="phone-answer-{offer.id}"') and "data-pauses-poll" in form
    cancel = html.split(">Abbrechen</a>")[0].rsplit("<a ", 1)[1]
    assert f'href="/requests/{request.id}#offers"' in cancel
    assert f'hx-get="/requests/{request.id}/offers"' in cancel and 'hx-target="#offers"' in cancel
    assert f'data-focus-after-swap-id="phone-answer-{offer.id}"' in cancel
    # what the cancel asks for puts the link back in place
    found = state(client.get(f"/requests/{request.id}/offers", headers=htmx_headers("offers")), "offers")
    assert f'<a class="button" id="phone-answer-{offer.id}"' in found["offers"].html
    # without JavaScript the page has its own way back, and the poll is not paused by the page's form
    page = body(client.get(f"/requests/offers/{offer.id}/phone-answer"))
    assert "data-pauses-poll" not in page and ">Abbrechen</a>" not in page and "Zurück zur Anfrage" in page
