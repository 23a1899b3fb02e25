"""The coordinators' requester feedback on the KI's own request (ki_match.desk.signoff_actions):
the request page offers it beside the sign-off, htmx answers with the offers block, bad input is
422 with the text kept, and an organisation's request is its member's to judge."""

from __future__ import annotations

import pytest

from ki_match.accounts.models import Role
from ki_match.assignments.models import Mood, Side
from ki_match.assignments.queries import feedback_of
from tests.factories import booked, make_request, move_into_past
from tests.support import htmx_headers

HOW = "Ruhiger Termin, die Lehrerin war zufrieden."


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def own(coordinator, create_helper):
    return move_into_past(
        booked(make_request(created_by=coordinator), create_helper(display_name="Amal Haddad"))
    )


def url(assignment) -> str:
    return f"/requests/assignments/{assignment.id}/feedback"


def fields(assignment, mood="good", text=HOW, callback=False) -> dict:
    prefix = f"feedback-{assignment.id}"
    data = {f"{prefix}-mood": mood, f"{prefix}-body": text}
    if callback:
        data[f"{prefix}-callback"] = "y"
    return data


def test_the_request_page_offers_it_for_the_kis_own_request(client, desk, own):
    page = body(client.get(f"/requests/{own.request_id}"))
    assert f'action="{url(own)}"' in page
    assert "Bitte rufen Sie uns an" in page


def test_not_before_the_assignment_has_begun(client, desk, coordinator, create_helper):
    ahead = booked(make_request(created_by=coordinator), create_helper())
    assert f'action="{url(ahead)}"' not in body(client.get(f"/requests/{ahead.request_id}"))


def test_with_htmx_the_offers_block_answers_and_shows_it(client, desk, own):
    response = client.post(url(own), data=fields(own, callback=True), headers=htmx_headers("offers"))
    assert response.status_code == 200
    page = body(response)
    assert 'id="offers"' in page and "Das Integrationszentrum ruft Sie zurück." in page
    assert HOW in page
    feedback = feedback_of(own.id, Side.REQUESTER)
    assert (feedback.mood, feedback.body, feedback.callback, feedback.author_id) == (
        Mood.GOOD,
        HOW,
        True,
        desk.id,
    )


def test_without_javascript_back_to_the_request_page(client, desk, own):
    response = client.post(url(own), data=fields(own))
    assert response.status_code == 303 and f"/requests/{own.request_id}" in response.location
    assert feedback_of(own.id, Side.REQUESTER).body == HOW


def test_bad_input_is_422_next_to_the_field_and_kept(client, desk, own):
    text = "z" * 501
    response = client.post(
        url(own), data=fields(own, mood="super", text=text), headers=htmx_headers("offers")
    )
    assert response.status_code == 422
    assert "Bitte wählen Sie eine der Möglichkeiten." in body(response) and text in body(response)
    assert feedback_of(own.id, Side.REQUESTER) is None


def test_an_organisations_request_is_its_members_to_judge(client, desk, create_user, create_helper):
    member = create_user(Role.INITIATIVE)
    request = make_request(created_by=desk, organisation_id=member.organisation_id, requested_by_id=member.id)
    sent_in = move_into_past(booked(request, create_helper()))
    assert f'action="{url(sent_in)}"' not in body(client.get(f"/requests/{sent_in.request_id}"))
    response = client.post(url(sent_in), data=fields(sent_in), headers=htmx_headers("offers"))
    assert response.status_code == 409
    assert "Zu diesem Einsatz können Sie keine Rückmeldung geben." in body(response)
    assert feedback_of(sent_in.id, Side.REQUESTER) is None


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_only_staff(client, auth, own, create_user, role):
    assert auth.login(create_user(role).email).status_code == 303
    assert client.post(url(own), data=fields(own)).status_code == 403
