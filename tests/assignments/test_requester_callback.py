"""The requester's "Bitte rufen Sie uns an" (ki_match.assignments.feedback): the initiative member
who asked, or a coordinator for the KI's own request, asks for a call back with the feedback; the
coordinators get a task naming who asked and the assignment's helper; the helper keeps her own
words; and nobody else sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.assignments.feedback import give_feedback
from ki_match.assignments.models import Mood
from ki_match.extensions import db
from ki_match.notifications.tasks import CoordinatorTask
from tests.factories import booked, make_request, move_into_past
from tests.support import htmx_headers

WORRY = "Die Familie war sehr aufgewühlt, bitte melden."


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def member(create_user):
    return create_user(Role.INITIATIVE, display_name="Lena Vogt")


@pytest.fixture
def amal(create_helper):
    return create_helper(display_name="Amal Haddad")


@pytest.fixture
def sent_in(coordinator, member, amal):
    """An assignment of a request the member sent in, begun yesterday."""
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    return move_into_past(booked(request, amal))


@pytest.fixture
def own(coordinator, amal):
    """An assignment of the KI's own request, begun yesterday."""
    return move_into_past(booked(make_request(created_by=coordinator), amal))


def tasks(kind: str) -> list[CoordinatorTask]:
    return list(db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.kind == kind)))


def fields(assignment, *, callback=True, mood="mixed", text=WORRY) -> dict:
    prefix = f"feedback-{assignment.id}"
    data = {f"{prefix}-mood": mood, f"{prefix}-body": text}
    if callback:
        data[f"{prefix}-callback"] = "y"
    return data


# --- the rule -----------------------------------------------------------------------------------


def test_the_member_asks_and_the_coordinators_get_one_task_for_the_request(sent_in, member, amal):
    feedback = give_feedback(sent_in.id, member, mood=Mood.MIXED, body=WORRY, callback=True)
    give_feedback(sent_in.id, member, mood=Mood.HARD, body=WORRY, callback=True)  # changed: still one
    assert feedback.callback
    (task,) = tasks("requester_callback")
    assert (task.helper_id, task.request_id, task.ki_id) == (
        amal.id,
        sent_in.request_id,
        sent_in.request.ki_id,
    )
    assert tasks("callback") == []  # not the helper's "belastender Einsatz"


def test_the_helpers_call_back_and_the_requesters_are_two_tasks(sent_in, member, amal):
    give_feedback(sent_in.id, amal.user, mood=Mood.HARD, body=None, callback=True)
    give_feedback(sent_in.id, member, mood=None, body=None, callback=True)
    assert len(tasks("callback")) == 1 and len(tasks("requester_callback")) == 1


def test_a_coordinator_asks_as_the_requester_of_the_kis_own_request(own, coordinator):
    give_feedback(own.id, coordinator, mood=None, body=WORRY, callback=True)
    assert [task.request_id for task in tasks("requester_callback")] == [own.request_id]


# --- the pages ----------------------------------------------------------------------------------


def test_the_task_names_who_asked_and_the_assignment(client, auth, sent_in, member, coordinator):
    give_feedback(sent_in.id, member, mood=Mood.MIXED, body=WORRY, callback=True)
    assert auth.login(coordinator.email).status_code == 303
    page = body(client.get("/helpers/tasks"))
    assert "Anfragende anrufen: Rückruf an die Anfragenden erbeten zum Einsatz von Amal H." in page
    assert f"<bdi>{member.organisation.name}</bdi> – <bdi>Lena Vogt</bdi>" in page
    assert f'href="mailto:{member.email}"' in page
    assert f"/requests/{sent_in.request_id}" in page
    request_page = body(client.get(f"/requests/{sent_in.request_id}"))
    assert WORRY in request_page and "Bitte rufen Sie uns an" in request_page


def test_the_member_ticks_it_on_her_request_page(client, auth, sent_in, member):
    assert auth.login(member.email).status_code == 303
    page = body(client.get(f"/initiative/requests/{sent_in.request_id}"))
    assert "Bitte rufen Sie uns an" in page and "Belastender Einsatz" not in page
    response = client.post(
        f"/initiative/requests/{sent_in.request_id}/assignments/{sent_in.id}/feedback",
        data=fields(sent_in),
        headers=htmx_headers("signoff-panel"),
    )
    assert response.status_code == 200
    assert "Das Integrationszentrum ruft Sie zurück." in body(response)
    assert len(tasks("requester_callback")) == 1


def test_the_helper_keeps_her_own_words(client, auth, sent_in, amal):
    assert auth.login(amal.user.email).status_code == 303
    page = body(client.get(f"/assignments/{sent_in.id}"))
    assert "Belastender Einsatz – bitte Rückruf" in page and "Bitte rufen Sie uns an" not in page


def test_nobody_else_sees_the_requesters_call_back(
    client, auth, sent_in, member, amal, create_user, create_helper
):
    give_feedback(sent_in.id, member, mood=Mood.MIXED, body=WORRY, callback=True)
    colleague = create_user(Role.INITIATIVE, organisation=member.organisation)
    for user in (colleague, amal.user, create_helper().user):
        assert auth.login(user.email).status_code == 303
        for url in (
            f"/initiative/requests/{sent_in.request_id}",
            f"/assignments/{sent_in.id}",
            "/assignments",
            "/",
        ):
            assert WORRY not in body(client.get(url)), (user.role, url)
        auth.logout()
