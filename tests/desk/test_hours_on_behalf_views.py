"""The desk's route for entering the hours of a helper the KI manages (ki_match.desk.on_behalf.
enter_hours): from the offers row (htmx and not) and from the task asking for them; bad input, other
KIs, other roles and helpers with their own account. And the dashboard's tile of open tasks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.notifications.tasks import CoordinatorTask, queue_task
from ki_match.requests.models import Assignment
from tests import factories
from tests.factories import assignment_for, completed_for, make_managed_helper, make_request, move_into_past
from tests.support import htmx_headers


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def ahmad(ki):
    return make_managed_helper(ki=ki, display_name="Ahmad Rahimi")


@pytest.fixture
def happened(coordinator, ahmad):
    """Ahmad's assignment in the past, the request completed: a task asks for his hours."""
    return completed_for(ahmad, coordinator)


def hours_url(assignment, back: str | None = None) -> str:
    return f"/requests/assignments/{assignment.id}/hours" + (f"?back={back}" if back else "")


def fields(assignment, hours="1", minutes="30", km="12", note="") -> dict:
    prefix = f"hours-{assignment.id}"
    return {
        f"{prefix}-hours": hours,
        f"{prefix}-minutes": minutes,
        f"{prefix}-travel_km": km,
        f"{prefix}-note": note,
    }


def report_task(assignment) -> CoordinatorTask:
    return db.session.scalar(
        select(CoordinatorTask).where(
            CoordinatorTask.helper_id == assignment.helper_id, CoordinatorTask.kind == "report_hours"
        )
    )


def test_the_offers_row_links_to_the_form_and_htmx_loads_it_in_place(client, desk, happened):
    page = body(client.get(f"/requests/{happened.request_id}"))
    assert f'id="enter-hours-{happened.id}"' in page and ">Stunden eintragen</a>" in page

    response = client.get(hours_url(happened), headers=htmx_headers(f"enter-hours-{happened.id}"))
    html = body(response)
    assert response.status_code == 200 and "<html" not in html
    assert f'<form id="enter-hours-{happened.id}"' in html and 'hx-target="#offers"' in html

    page = body(client.get(hours_url(happened)))
    assert "<h1>Stunden von Ahmad Rahimi eintragen</h1>" in page and "hx-post" not in page


def test_entered_with_htmx_the_offers_block_shows_them_and_offers_approval(client, desk, happened):
    response = client.post(
        hours_url(happened), data=fields(happened, note="Lief gut"), headers=htmx_headers("offers")
    )
    html = body(response)
    assert response.status_code == 200
    assert "Die Stunden von Ahmad Rahimi sind eingetragen." in html
    assert "Gemeldet: 90 Minuten, 12 km" in html and f'id="approve-{happened.id}"' in html
    assert ">Stunden ändern</a>" in html  # still changeable until approved
    assert db.session.get(Assignment, happened.id).actual_minutes == 90
    assert report_task(happened).done_by_id == desk.id


def test_without_htmx_back_to_the_request_with_a_flash(client, desk, happened):
    response = client.post(hours_url(happened), data=fields(happened))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{happened.request_id}#offers")
    assert "Die Stunden von Ahmad Rahimi sind eingetragen." in body(client.get(response.headers["Location"]))


def test_from_the_task_and_back_to_the_task_list_which_shows_it_done(client, desk, happened):
    tasks = body(client.get("/helpers/tasks"))
    assert f'href="/requests/assignments/{happened.id}/hours?back=tasks"' in tasks

    page = body(client.get(hours_url(happened, "tasks")))
    assert f'action="/requests/assignments/{happened.id}/hours?back=tasks"' in page
    assert 'href="/helpers/tasks">Zurück zu den Aufgaben' in page

    response = client.post(hours_url(happened, "tasks"), data=fields(happened))
    assert response.status_code == 303 and response.headers["Location"].endswith("/helpers/tasks")
    tasks = body(client.get("/helpers/tasks"))
    assert "Die Stunden von Ahmad Rahimi sind eingetragen." in tasks
    open_part = tasks.split('id="done-heading"')[0]
    assert "Stunden und Fahrtkilometer erfragen" not in open_part
    assert "Stunden und Fahrtkilometer erfragen" in tasks.split('id="done-heading"')[1]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"hours": "", "minutes": ""}, "minutes", "Bitte geben Sie an, wie lange der Einsatz gedauert hat."),
        ({"km": ""}, "travel_km", "Bitte geben Sie die Kilometer an"),
        ({"km": "zwölf"}, "travel_km", ""),
        ({"hours": "30"}, "hours", "Bitte eine Zahl von 0 bis 24."),
    ],
)
def test_bad_input_stays_with_a_message_next_to_the_field(client, desk, happened, values, field, message):
    data = fields(happened, note="Bitte behalten", **values)
    for headers in ({}, htmx_headers("offers")):
        response = client.post(hours_url(happened), data=data, headers=headers)
        html = body(response)
        assert response.status_code == 422
        error = re.search(rf'id="hours-{happened.id}-{field}-error"[^>]*>([^<]*)<', html)
        assert error and error.group(1).strip() and message in error.group(1)
        assert "Bitte behalten" in html
    assert db.session.get(Assignment, happened.id).reported_at is None
    assert report_task(happened).done_at is None


def test_once_approved_there_is_nothing_to_enter(client, desk, happened):
    client.post(hours_url(happened), data=fields(happened))
    client.post(f"/requests/assignments/{happened.id}/approve", data={})
    assert db.session.get(Assignment, happened.id).approved_at is not None
    page = body(client.get(f"/requests/{happened.request_id}"))
    assert f'id="enter-hours-{happened.id}"' not in page
    response = client.post(
        hours_url(happened), data=fields(happened, minutes="45"), headers=htmx_headers("offers")
    )
    assert response.status_code == 409 and "schon bestätigt" in body(response)
    assert db.session.get(Assignment, happened.id).actual_minutes == 90
    response = client.get(hours_url(happened, "tasks"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/helpers/tasks")


def test_not_before_the_appointment(client, desk, coordinator, ahmad):
    ahead = assignment_for(make_request(created_by=coordinator), ahmad, coordinator)
    assert f'id="enter-hours-{ahead.id}"' not in body(client.get(f"/requests/{ahead.request_id}"))
    response = client.post(hours_url(ahead), data=fields(ahead), headers=htmx_headers("offers"))
    assert response.status_code == 409 and "erst nach dem Einsatz" in body(response)
    assert db.session.get(Assignment, ahead.id).reported_at is None


def test_not_for_a_helper_with_her_own_account(client, desk, coordinator, available_helper):
    amina = available_helper()
    own = move_into_past(assignment_for(make_request(created_by=coordinator), amina, coordinator))
    assert f'id="enter-hours-{own.id}"' not in body(client.get(f"/requests/{own.request_id}"))
    assert client.get(hours_url(own)).status_code == 404
    assert client.post(hours_url(own), data=fields(own)).status_code == 404
    assert db.session.get(Assignment, own.id).reported_at is None


def test_another_kis_coordinator_finds_nothing(client, auth, create_user, happened):
    stranger = create_user(Role.COORDINATOR, ki=factories.other_ki())
    assert auth.login(stranger.email).status_code == 303
    assert client.get(hours_url(happened)).status_code == 404
    assert client.post(hours_url(happened), data=fields(happened)).status_code == 404
    assert db.session.get(Assignment, happened.id).reported_at is None


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_are_refused(client, login_as, happened, role):
    login_as(role)
    assert client.get(hours_url(happened)).status_code == 403
    assert client.post(hours_url(happened), data=fields(happened)).status_code == 403
    assert db.session.get(Assignment, happened.id).reported_at is None


def test_an_admin_may_enter_them(client, auth, create_user, happened):
    admin = create_user(Role.ADMIN)
    assert auth.login(admin.email).status_code == 303
    assert client.post(hours_url(happened), data=fields(happened)).status_code == 303
    assert db.session.get(Assignment, happened.id).reported_at is not None


# --- the dashboard's tile ---------------------------------------------------------------------------


def test_the_tasks_tile_counts_what_the_task_list_shows_open(client, desk, ki, happened):
    def tile() -> int:
        found = re.search(
            r'href="/helpers/tasks">\s*<span class="figure">(\d+)</span>', body(client.get("/"))
        )
        assert found
        return int(found.group(1))

    def listed_open() -> int:
        heading = re.search(r'id="open-heading">(\d+) offene', body(client.get("/helpers/tasks")))
        return int(heading.group(1))

    before = tile()
    assert before == listed_open() and before >= 2  # confirmed, and asked for hours
    other = factories.other_ki()
    stranger = make_managed_helper(ki=other, display_name="Fremd Person")
    queue_task(stranger, kind="offer", key="other-ki")  # another KI's task does not count
    db.session.commit()
    assert tile() == listed_open() == before
    client.post(hours_url(happened), data=fields(happened))
    assert tile() == listed_open() == before - 1
