"""The sign-off on the request page (ki_match.desk.signoff_actions): the KI's own requests signed
off by its coordinators, the sign-off beside the hours in the offers row and the approvals list,
and the list of assignments still waiting for one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ki_match.accounts.models import Role
from ki_match.assignments.models import Outcome, SignOff
from ki_match.assignments.queries import signoff_of
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.requests.models import AssignmentStatus
from tests import factories
from tests.factories import booked, make_request, move_into_past
from tests.support import htmx_headers


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def helper(create_helper):
    return create_helper(display_name="Amal Haddad")


@pytest.fixture
def happened(coordinator, helper):
    """The KI's own request, begun yesterday, its helper confirmed."""
    return move_into_past(booked(make_request(created_by=coordinator), helper))


def url(assignment) -> str:
    return f"/requests/assignments/{assignment.id}/sign-off"


def fields(assignment, outcome="took_place", late="") -> dict:
    prefix = f"signoff-{assignment.id}"
    return {f"{prefix}-outcome": outcome, f"{prefix}-late_minutes": late}


def test_the_offers_row_offers_the_one_tap_and_the_problems(client, desk, happened):
    page = body(client.get(f"/requests/{happened.request_id}"))
    assert f'id="signoff-{happened.id}-outcome-took-place"' in page
    assert "Rückmeldung der Anfragenden:" in page
    for label in ("Helfer*in ist nicht gekommen", "kam zu spät", "Klient*in ist nicht gekommen"):
        assert label in page


def test_one_tap_with_htmx_answers_with_the_offers_block(client, desk, happened):
    response = client.post(url(happened), data=fields(happened), headers=htmx_headers("offers"))
    assert response.status_code == 200
    assert "Rückmeldung zu Amal Haddad gespeichert: Hat stattgefunden." in body(response)
    assert 'id="offers"' in body(response)
    assert signoff_of(happened.id).outcome == Outcome.TOOK_PLACE


def test_late_with_minutes_without_javascript_back_to_the_page(client, desk, happened):
    response = client.post(url(happened), data=fields(happened, "helper_late", "25"))
    assert response.status_code == 303
    signoff = signoff_of(happened.id)
    assert (signoff.outcome, signoff.late_minutes) == (Outcome.HELPER_LATE, 25)
    assert "kam zu spät (25 Minuten)" in body(client.get(f"/requests/{happened.request_id}"))


@pytest.mark.parametrize(
    ("outcome", "late", "message"),
    [
        ("", "", "Bitte wählen Sie, was passiert ist."),
        ("vielleicht", "", "Bitte wählen Sie, was passiert ist."),
        ("helper_late", "700", "Bitte eine Zahl von 1 bis 600."),
        ("helper_late", "zehn", ""),
        ("took_place", "10", "Minuten nur angeben, wenn die Person zu spät kam."),
    ],
)
def test_bad_input_is_422_next_to_the_field_and_kept(client, desk, happened, outcome, late, message):
    for headers in ({}, htmx_headers("offers")):
        response = client.post(url(happened), data=fields(happened, outcome, late), headers=headers)
        assert response.status_code == 422
        page = body(response)
        assert message in page
        assert 'class="field-error"' in page
        if late:
            assert f'value="{late}"' in page
    assert signoff_of(happened.id) is None


def test_not_for_a_request_an_organisation_sent_in(client, desk, helper, coordinator, create_user):
    member = create_user(Role.INITIATIVE)
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    sent_in = move_into_past(booked(request, helper))
    assert f'id="signoff-{sent_in.id}-outcome-took-place"' not in body(client.get(f"/requests/{request.id}"))
    response = client.post(url(sent_in), data=fields(sent_in), headers=htmx_headers("offers"))
    assert response.status_code == 409
    assert "Diesen Einsatz bestätigt, wer ihn angefragt hat." in body(response)
    assert signoff_of(sent_in.id) is None


def test_not_before_the_appointment(client, desk, coordinator, helper):
    ahead = booked(make_request(created_by=coordinator), helper)
    assert f'id="signoff-{ahead.id}-outcome-took-place"' not in body(
        client.get(f"/requests/{ahead.request_id}")
    )
    assert client.post(url(ahead), data=fields(ahead), headers=htmx_headers("offers")).status_code == 409
    assert signoff_of(ahead.id) is None


def test_another_kis_coordinator_finds_nothing(client, auth, create_user, happened):
    stranger = create_user(Role.COORDINATOR, ki=factories.other_ki())
    assert auth.login(stranger.email).status_code == 303
    assert client.post(url(happened), data=fields(happened)).status_code == 404
    assert client.get("/requests/signoffs").status_code == 200
    assert signoff_of(happened.id) is None


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_are_refused(client, login_as, happened, role):
    login_as(role)
    assert client.post(url(happened), data=fields(happened)).status_code == 403
    assert client.get("/requests/signoffs").status_code == 403
    assert signoff_of(happened.id) is None


# --- beside the hours ----------------------------------------------------------------------------


def _reported(assignment, minutes=90):
    assignment.status, assignment.actual_minutes, assignment.travel_km = (
        AssignmentStatus.COMPLETED,
        minutes,
        14,
    )
    assignment.reported_at = utcnow()
    db.session.commit()


def _signed(assignment, outcome, by):
    db.session.add(SignOff(assignment_id=assignment.id, outcome=outcome, signed_by_id=by.id))
    db.session.commit()


def test_a_mismatch_shows_in_the_row_and_in_the_approvals_list(client, desk, happened):
    _reported(happened)
    _signed(happened, Outcome.HELPER_ABSENT, desk)
    warning = "Passt nicht zusammen: Stunden gemeldet, laut Anfragenden aber nicht gekommen."
    page = body(client.get(f"/requests/{happened.request_id}"))
    assert "Gemeldet: 90 Minuten, 14 km" in page
    assert warning in page
    approvals = body(client.get("/requests/approvals"))
    assert "Helfer*in ist nicht gekommen" in approvals
    assert warning in approvals


def test_approving_from_the_list_keeps_the_sign_off_column(client, desk, happened, helper, coordinator):
    _reported(happened)
    _signed(happened, Outcome.TOOK_PLACE, desk)
    other_request = make_request(created_by=coordinator, starts_in=timedelta(days=9))
    other = move_into_past(booked(other_request, helper), days=2)
    _reported(other)
    response = client.post(
        f"/requests/assignments/{happened.id}/approve",
        data={"back": "approvals"},
        headers=htmx_headers("approval-list"),
    )
    assert response.status_code == 200
    assert "noch keine" in body(response)  # the other report, not signed off yet
    assert f'/requests/{happened.request_id}"' not in body(response)


def test_no_show_hint_when_the_requester_says_the_helper_did_not_come(client, desk, happened):
    _signed(happened, Outcome.HELPER_ABSENT, desk)
    page = body(client.get(f"/requests/{happened.request_id}"))
    assert "Wenn das stimmt: unten „Nicht erschienen“ vermerken." in page
    assert f'id="no-show-{happened.id}"' in page


def test_the_list_of_assignments_without_sign_off(client, desk, happened, helper, coordinator):
    ahead = booked(make_request(created_by=coordinator), helper)
    later = make_request(created_by=coordinator, starts_in=timedelta(days=9))
    signed = move_into_past(booked(later, helper), days=2)
    _signed(signed, Outcome.TOOK_PLACE, desk)
    page = body(client.get("/requests/signoffs"))
    assert f"Anfrage {happened.request_id}</a>" in page
    assert f"Anfrage {ahead.request_id}</a>" not in page
    assert f"Anfrage {signed.request_id}</a>" not in page
    assert "noch nicht gemeldet" in page
