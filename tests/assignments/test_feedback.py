"""Feedback after an assignment (ki_match.assignments.feedback): both sides may say how it went;
the helper's "bitte Rückruf" gives the coordinators a task (the requester's own call back:
tests/assignments/test_requester_callback.py); who sees it, per role; and it goes with
the request's client data and with the helper's account, and is in her data export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.assignments.feedback import give_feedback
from ki_match.assignments.models import Feedback, Mood, Side
from ki_match.assignments.services import AssignmentError
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.notifications.tasks import CoordinatorTask
from ki_match.privacy import queries as privacy_queries
from ki_match.privacy.services import delete_helper_account
from ki_match.requests import lifecycle
from ki_match.requests.models import RequestStatusChange
from ki_match.requests.retention import purge_client_data
from tests.factories import booked, make_request, move_into_past
from tests.support import audit_events, htmx_headers

HARD = "Die Mutter hat die ganze Zeit geweint."
HOW = "Der Termin lief ruhig."


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def member(create_user):
    return create_user(Role.INITIATIVE)


@pytest.fixture
def amal(create_helper):
    return create_helper(display_name="Amal Haddad")


@pytest.fixture
def happened(coordinator, member, amal):
    """An assignment of a request the member sent in, begun yesterday."""
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    return move_into_past(booked(request, amal))


def callback_tasks() -> list[CoordinatorTask]:
    return list(db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.kind == "callback")))


def helper_fields(assignment, mood="hard", text=HARD, callback=True) -> dict:
    prefix = f"feedback-{assignment.id}"
    data = {f"{prefix}-mood": mood, f"{prefix}-body": text}
    if callback:
        data[f"{prefix}-callback"] = "y"
    return data


# --- the rule -----------------------------------------------------------------------------------


def test_each_side_writes_its_own_and_the_helpers_call_back_is_a_task_to_call_her(happened, amal, member):
    mine = give_feedback(happened.id, amal.user, mood=Mood.HARD, body=f"  {HARD} ", callback=True)
    theirs = give_feedback(happened.id, member, mood=Mood.GOOD, body=HOW, callback=False)
    assert (mine.side, mine.body, mine.callback) == (Side.HELPER, HARD, True)
    assert (theirs.side, theirs.callback) == (Side.REQUESTER, False)
    (task,) = callback_tasks()
    assert (task.helper_id, task.request_id, task.ki_id) == (amal.id, happened.request_id, amal.ki_id)
    events = audit_events("assignment.feedback")
    assert [(e.detail["side"], e.detail["callback"]) for e in events] == [
        ("helper", True),
        ("requester", False),
    ]
    assert all(HARD not in str(e.detail) for e in events)


def test_changing_it_asks_for_one_call_back_only(happened, amal):
    give_feedback(happened.id, amal.user, mood=None, body=None, callback=True)
    give_feedback(happened.id, amal.user, mood=Mood.MIXED, body=None, callback=True)
    assert len(callback_tasks()) == 1
    assert db.session.scalars(select(Feedback)).one().mood == Mood.MIXED


@pytest.mark.parametrize("who", ["other helper", "colleague", "coordinator", "other member"])
def test_nobody_else_writes_feedback(happened, create_helper, create_user, member, who):
    author = {
        "other helper": lambda: create_helper().user,
        "colleague": lambda: create_user(Role.INITIATIVE, organisation=member.organisation),
        "coordinator": lambda: create_user(Role.COORDINATOR),
        "other member": lambda: create_user(Role.INITIATIVE),
    }[who]()
    with pytest.raises(AssignmentError, match="keine Rückmeldung"):
        give_feedback(happened.id, author, mood=Mood.GOOD, body=None, callback=True)
    assert db.session.scalars(select(Feedback)).all() == []
    assert callback_tasks() == []


def test_not_before_the_assignment(coordinator, amal):
    ahead = booked(make_request(created_by=coordinator), amal)
    with pytest.raises(AssignmentError, match="erst nach dem Einsatz"):
        give_feedback(ahead.id, amal.user, mood=Mood.GOOD, body=None, callback=False)


# --- the helper's page, and who sees what --------------------------------------------------------


def test_the_helper_sends_it_from_her_assignment_page_with_htmx(client, auth, happened, amal):
    assert auth.login(amal.user.email).status_code == 303
    page = body(client.get(f"/assignments/{happened.id}"))
    assert "Wie ist es gelaufen?" in page and "Belastender Einsatz – bitte Rückruf" in page
    response = client.post(
        f"/assignments/{happened.id}/feedback",
        data=helper_fields(happened),
        headers=htmx_headers("feedback-panel"),
    )
    assert response.status_code == 200
    answer = body(response)
    assert answer.lstrip().startswith('<section id="feedback-panel"')
    assert "Das Integrationszentrum ruft Sie zurück." in answer
    assert HARD in answer and "Rückruf erbeten" in answer  # she sees what she sent
    assert len(callback_tasks()) == 1


def test_without_javascript_back_to_the_page(client, auth, happened, amal):
    assert auth.login(amal.user.email).status_code == 303
    data = helper_fields(happened, callback=False)
    response = client.post(f"/assignments/{happened.id}/feedback", data=data)
    assert response.status_code == 303
    assert callback_tasks() == []


def test_a_blank_choice_is_no_choice(client, auth, happened, amal):
    assert auth.login(amal.user.email).status_code == 303
    data = helper_fields(happened, mood=" \t ", text="", callback=False)
    assert client.post(f"/assignments/{happened.id}/feedback", data=data).status_code == 303
    assert db.session.scalars(select(Feedback)).one().mood is None


@pytest.mark.parametrize(
    ("mood", "text", "message"),
    [
        ("wunderbar", "", "Bitte wählen Sie eine der Möglichkeiten."),
        ("good", "x" * 501, "Bitte höchstens 500 Zeichen."),
    ],
)
def test_bad_input_is_422_next_to_the_field_and_kept(client, auth, happened, amal, mood, text, message):
    assert auth.login(amal.user.email).status_code == 303
    for headers in ({}, htmx_headers("feedback-panel")):
        response = client.post(
            f"/assignments/{happened.id}/feedback",
            data=helper_fields(happened, mood, text),
            headers=headers,
        )
        assert response.status_code == 422
        assert message in body(response) and 'class="field-error"' in body(response)
        if text:
            assert text in body(response)
    assert db.session.scalars(select(Feedback)).all() == []


def test_another_helper_finds_nothing(client, auth, happened, create_helper):
    other = create_helper()
    assert auth.login(other.user.email).status_code == 303
    assert (
        client.post(f"/assignments/{happened.id}/feedback", data=helper_fields(happened)).status_code == 404
    )


@pytest.mark.parametrize("role", [Role.INITIATIVE, Role.COORDINATOR])
def test_the_helpers_route_is_the_helpers(client, login_as, happened, role):
    login_as(role)
    assert (
        client.post(f"/assignments/{happened.id}/feedback", data=helper_fields(happened)).status_code == 403
    )


def test_coordinators_see_both_sides_beside_the_hours(client, auth, happened, amal, member, coordinator):
    give_feedback(happened.id, amal.user, mood=Mood.HARD, body=HARD, callback=True)
    give_feedback(happened.id, member, mood=Mood.GOOD, body=HOW, callback=False)
    assert auth.login(coordinator.email).status_code == 303
    page = body(client.get(f"/requests/{happened.request_id}"))
    assert HARD in page and HOW in page
    assert "Rückmeldung der Helfer*in:" in page
    tasks = body(client.get("/helpers/tasks"))
    assert "Amal H. anrufen: Rückruf erbeten – belastender Einsatz" in tasks


def test_the_initiative_sees_only_its_own_feedback(client, auth, happened, amal, member, create_user):
    give_feedback(happened.id, amal.user, mood=Mood.HARD, body=HARD, callback=True)
    assert auth.login(member.email).status_code == 303
    response = client.post(
        f"/initiative/requests/{happened.request_id}/assignments/{happened.id}/feedback",
        data={f"feedback-{happened.id}-mood": "good", f"feedback-{happened.id}-body": HOW},
        headers=htmx_headers("signoff-panel"),
    )
    assert response.status_code == 200
    assert HOW in body(response) and HARD not in body(response)
    assert "Belastender Einsatz" not in body(response)  # the requester's call back has her words
    assert "Bitte rufen Sie uns an" in body(response)
    page = body(client.get(f"/initiative/requests/{happened.request_id}"))
    assert HOW in page and HARD not in page and "Rückruf" not in page
    colleague = create_user(Role.INITIATIVE, organisation=member.organisation)
    auth.logout()
    assert auth.login(colleague.email).status_code == 303
    page = body(client.get(f"/initiative/requests/{happened.request_id}"))
    assert HOW not in page and HARD not in page


def test_the_initiatives_bad_feedback_is_422_and_kept(client, auth, happened, member):
    assert auth.login(member.email).status_code == 303
    text = "y" * 501
    response = client.post(
        f"/initiative/requests/{happened.request_id}/assignments/{happened.id}/feedback",
        data={f"feedback-{happened.id}-mood": "good", f"feedback-{happened.id}-body": text},
        headers=htmx_headers("signoff-panel"),
    )
    assert response.status_code == 422
    assert "Bitte höchstens 500 Zeichen." in body(response) and text in body(response)


def test_other_helpers_see_nothing_of_it(client, auth, happened, amal, create_helper):
    give_feedback(happened.id, amal.user, mood=Mood.HARD, body=HARD, callback=True)
    other = create_helper()
    assert auth.login(other.user.email).status_code == 303
    assert client.get(f"/assignments/{happened.id}").status_code == 404
    assert HARD not in body(client.get("/assignments"))


# --- privacy ------------------------------------------------------------------------------------


def test_purged_with_the_requests_client_data(happened, amal, member, coordinator):
    give_feedback(happened.id, amal.user, mood=Mood.HARD, body=HARD, callback=True)
    give_feedback(happened.id, member, mood=Mood.GOOD, body=HOW, callback=False)
    request = lifecycle.complete(happened.request_id, coordinator)
    db.session.execute(
        RequestStatusChange.__table__.update()
        .where(RequestStatusChange.request_id == request.id)
        .values(at=utcnow() - timedelta(days=400))
    )
    request.updated_at = utcnow() - timedelta(days=400)
    db.session.commit()
    assert purge_client_data(now=utcnow())
    assert [(f.body, f.mood) for f in db.session.scalars(select(Feedback).order_by(Feedback.side))] == [
        (None, Mood.HARD),
        (None, Mood.GOOD),
    ]
    assert callback_tasks() == []  # the request's tasks go with it


def test_in_her_export_and_erased_with_her_account(happened, amal, member):
    give_feedback(happened.id, amal.user, mood=Mood.HARD, body=HARD, callback=False)
    give_feedback(happened.id, member, mood=Mood.GOOD, body=HOW, callback=False)
    exported = privacy_queries.personal_data(amal.user)["tables"]["assignment_feedback"]
    assert [row["body"] for row in exported] == [HARD]
    delete_helper_account(amal.user)
    assert [f.body for f in db.session.scalars(select(Feedback))] == [HOW]
