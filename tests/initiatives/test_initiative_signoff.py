"""The initiative's sign-off on its request page (initiatives.sign_off): the member who asked says
the assignment took place or what went wrong; colleagues see it; nobody else reaches it."""

from __future__ import annotations

import pytest

from ki_match.accounts.models import Role
from ki_match.assignments.models import Outcome
from ki_match.assignments.queries import signoff_of
from ki_match.clock import utcnow
from ki_match.extensions import db
from tests import factories
from tests.factories import booked, make_request, move_into_past
from tests.support import htmx_headers


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def member(create_user):
    return create_user(Role.INITIATIVE)


@pytest.fixture
def happened(coordinator, member, create_helper):
    helper = create_helper(display_name="Amal Haddad")
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    return move_into_past(booked(request, helper))


@pytest.fixture
def signed_in(auth, member):
    assert auth.login(member.email).status_code == 303
    return member


def url(assignment) -> str:
    return f"/initiative/requests/{assignment.request_id}/assignments/{assignment.id}/sign-off"


def fields(assignment, outcome="took_place", late="") -> dict:
    prefix = f"signoff-{assignment.id}"
    return {f"{prefix}-outcome": outcome, f"{prefix}-late_minutes": late}


def test_the_request_page_asks_whether_it_took_place(client, signed_in, happened):
    page = body(client.get(f"/initiative/requests/{happened.request_id}"))
    assert "Hat der Einsatz stattgefunden?" in page
    assert "Amal H." in page and "Haddad" not in page
    assert f'id="signoff-{happened.id}-outcome-took-place"' in page


def test_not_asked_before_the_appointment(client, signed_in, coordinator, member, create_helper):
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    ahead = booked(request, create_helper())
    assert "Hat der Einsatz stattgefunden?" not in body(client.get(f"/initiative/requests/{request.id}"))
    assert client.post(url(ahead), data=fields(ahead)).status_code == 303
    assert signoff_of(ahead.id) is None


def test_late_with_htmx_swaps_the_panel(client, signed_in, happened):
    response = client.post(
        url(happened), data=fields(happened, "helper_late", "20"), headers=htmx_headers("signoff-panel")
    )
    assert response.status_code == 200
    page = body(response)
    assert page.lstrip().startswith('<section id="signoff-panel"')
    assert "Danke! Ihre Rückmeldung ist gespeichert: kam zu spät." in page
    assert "Ihre Rückmeldung:" in page and "kam zu spät (20 Minuten)" in page
    signoff = signoff_of(happened.id)
    assert (signoff.outcome, signoff.late_minutes, signoff.signed_by_id) == (
        Outcome.HELPER_LATE,
        20,
        signed_in.id,
    )


def test_one_tap_without_javascript(client, signed_in, happened):
    response = client.post(url(happened), data=fields(happened))
    assert response.status_code == 303
    assert signoff_of(happened.id).outcome == Outcome.TOOK_PLACE


@pytest.mark.parametrize(
    ("outcome", "late", "message"),
    [
        ("", "", "Bitte wählen Sie, was passiert ist."),
        ("helper_late", "0", "Bitte eine Zahl von 1 bis 600."),
        ("client_absent", "5", "Minuten nur angeben, wenn die Person zu spät kam."),
    ],
)
def test_bad_input_is_422_next_to_the_field_and_kept(client, signed_in, happened, outcome, late, message):
    for headers in ({}, htmx_headers("signoff-panel")):
        response = client.post(url(happened), data=fields(happened, outcome, late), headers=headers)
        assert response.status_code == 422
        page = body(response)
        assert message in page and 'class="field-error"' in page
        if late:
            assert f'value="{late}"' in page
    assert signoff_of(happened.id) is None


def test_once_the_hours_are_approved_it_stays_as_it_is(client, signed_in, happened):
    client.post(url(happened), data=fields(happened))
    happened.reported_at = happened.approved_at = utcnow()
    db.session.commit()
    page = body(client.get(f"/initiative/requests/{happened.request_id}"))
    assert "Ihre Rückmeldung:" in page
    assert f'id="signoff-{happened.id}-outcome-took-place"' not in page
    response = client.post(
        url(happened), data=fields(happened, "client_absent"), headers=htmx_headers("signoff-panel")
    )
    assert response.status_code == 409
    assert "schon bestätigt" in body(response)
    assert signoff_of(happened.id).outcome == Outcome.TOOK_PLACE


def test_a_colleague_sees_the_sign_off_but_cannot_give_it(client, auth, create_user, member, happened):
    colleague = create_user(Role.INITIATIVE, organisation=member.organisation)
    assert auth.login(colleague.email).status_code == 303
    page = body(client.get(f"/initiative/requests/{happened.request_id}"))
    assert "Die Rückmeldung gibt, wer die Anfrage gestellt hat." in page
    assert f'id="signoff-{happened.id}-outcome-took-place"' not in page
    response = client.post(url(happened), data=fields(happened), headers=htmx_headers("signoff-panel"))
    assert response.status_code == 409
    assert signoff_of(happened.id) is None


def test_another_organisation_finds_nothing(client, auth, create_user, happened):
    assert auth.login(create_user(Role.INITIATIVE).email).status_code == 303
    assert client.post(url(happened), data=fields(happened)).status_code == 404
    assert signoff_of(happened.id) is None


def test_an_assignment_of_another_request_is_not_found(
    client, signed_in, happened, coordinator, create_helper
):
    elsewhere = move_into_past(booked(make_request(created_by=coordinator), create_helper()))
    path = f"/initiative/requests/{happened.request_id}/assignments/{elsewhere.id}/sign-off"
    assert client.post(path, data=fields(elsewhere)).status_code == 404


@pytest.mark.parametrize("role", [Role.HELPER, Role.COORDINATOR])
def test_other_roles_are_refused(client, login_as, happened, role):
    login_as(role)
    assert client.post(url(happened), data=fields(happened)).status_code == 403
    assert signoff_of(happened.id) is None


def test_another_kis_member_finds_nothing(client, auth, create_user, happened):
    stranger = create_user(Role.INITIATIVE, ki=factories.other_ki())
    assert auth.login(stranger.email).status_code == 303
    assert client.post(url(happened), data=fields(happened)).status_code == 404
