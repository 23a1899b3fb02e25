""" "Nicht erschienen" for the coordinators (ki_match.desk.signoff_actions): the start page's tile
counts what its list shows, the list names request, date, helper and who said it, and "Erledigt"
takes one off (303 back to the list, audited)."""

from __future__ import annotations

import re

import pytest

from ki_match.accounts.models import Role
from ki_match.assignments.models import Outcome
from ki_match.assignments.queries import signoff_of
from ki_match.assignments.signoff import sign_off
from tests.factories import booked, make_request, move_into_past, other_ki
from tests.support import audit_events


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def member(create_user):
    return create_user(Role.INITIATIVE)


@pytest.fixture
def absent(coordinator, create_helper, member):
    """The member said the helper of her organisation's request did not come yesterday."""
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    assignment = move_into_past(booked(request, create_helper(display_name="Amal Haddad")))
    sign_off(assignment.id, member, Outcome.HELPER_ABSENT)
    return assignment


def tile(html: str) -> int:
    found = re.search(r'href="/requests/absences">\s*<span class="figure">(\d+)</span>', html)
    assert found, html
    return int(found.group(1))


def handled(assignment) -> str:
    return f"/requests/assignments/{assignment.id}/absence-handled"


def test_the_tile_counts_what_the_list_shows(client, desk, absent, member):
    assert tile(body(client.get("/"))) == 1
    page = body(client.get("/requests/absences"))
    assert "1 Meldung offen" in page
    assert "Amal Haddad" in page and f"Anfrage {absent.request_id}" in page
    assert f"Gemeldet von <bdi>{member.organisation.name}</bdi>" in page
    assert f'action="{handled(absent)}"' in page


def test_erledigt_takes_it_off_the_list_and_the_tile(client, desk, absent):
    response = client.post(handled(absent))
    assert response.status_code == 303 and response.location.endswith("/requests/absences")
    page = body(client.get("/requests/absences"))
    assert "Erledigt: Amal Haddad" in page and "Keine offenen Meldungen." in page
    assert tile(body(client.get("/"))) == 0
    assert signoff_of(absent.id).handled_by_id == desk.id
    assert len(audit_events("assignment.absence_handled")) == 1


def test_erledigt_twice_is_said_and_changes_nothing(client, desk, absent):
    client.post(handled(absent))
    first = signoff_of(absent.id).handled_at
    assert client.post(handled(absent)).status_code == 303
    assert "Das war schon erledigt" in body(client.get("/requests/absences"))
    assert signoff_of(absent.id).handled_at == first
    assert len(audit_events("assignment.absence_handled")) == 1


def test_an_assignment_without_a_sign_off_is_not_found(client, desk, create_helper):
    other = move_into_past(booked(make_request(created_by=desk), create_helper()))
    assert client.post(handled(other)).status_code == 404


def test_another_kis_coordinator_sees_none_and_cannot_mark_it(client, auth, absent, create_user):
    elsewhere = create_user(Role.COORDINATOR, ki=other_ki())
    assert auth.login(elsewhere.email).status_code == 303
    assert "Amal Haddad" not in body(client.get("/requests/absences"))
    assert client.post(handled(absent)).status_code == 404
    assert signoff_of(absent.id).handled_at is None


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_only_staff_see_the_list(client, auth, absent, create_user, role):
    user = create_user(role)
    assert auth.login(user.email).status_code == 303
    assert client.get("/requests/absences").status_code == 403
    assert client.post(handled(absent)).status_code == 403
