"""A coordinator records the answer a helper gave by phone to "Kommen Sie morgen?" (from the request
page and from the start page); her mail settings decide whether she is asked at all; her export and
the deletion of her account include her questions."""

from __future__ import annotations

from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.notifications.day_before import send_day_before_checks
from ki_match.notifications.tasks import CoordinatorTask
from ki_match.orgs.settings import settings_for
from ki_match.outbox.preferences import NotificationPreference, categories_for, category_of
from ki_match.privacy import queries as privacy_queries
from ki_match.privacy.services import delete_helper_account
from ki_match.requests.models import AssignmentStatus, HelpRequest, RequestStatus
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import Answer, asked_from, confirm_coming, deadline
from ki_match.tomorrow.tokens import answer_url
from tests import factories
from tests.factories import asked_for_tomorrow, assignment_for, berlin, next_tuesday
from tests.support import audit_events, htmx_headers, outbox


def flagged(coordinator, helper, starts_at) -> DayBeforeCheck:
    """``helper`` confirmed for ``starts_at``, asked "Kommen Sie morgen?" and flagged."""
    request = factories.make_request(created_by=coordinator, starts_at=starts_at)
    check = asked_for_tomorrow(assignment_for(request, helper, coordinator))
    assert send_day_before_checks(deadline(check.starts_at, settings_for(request.ki))).flagged == 1
    return check


@pytest.fixture
def asked(coordinator, available_helper):
    """Next Tuesday 10:00, flagged."""
    return flagged(coordinator, available_helper(), berlin(next_tuesday(), time(10)))


@pytest.fixture
def desk(client, auth, coordinator):
    auth.login(coordinator.email)
    return client


def fresh(check) -> DayBeforeCheck:
    db.session.expire_all()
    return db.session.get(DayBeforeCheck, check.id)


def coming(check, back: str | None = None) -> str:
    return f"/requests/day-before/{check.id}/coming" + (f"?back={back}" if back else "")


def cannot(check, back: str | None = None) -> str:
    return f"/requests/day-before/{check.id}/cannot" + (f"?back={back}" if back else "")


def reason_field(check) -> str:
    return f"day-before-{check.id}-reason"


# --- "Kommt (telefonisch)" -----------------------------------------------------------------------


def test_the_flag_offers_both_answers_on_the_start_page_and_the_request_page(desk, asked):
    for page in ("/", f"/requests/{asked.assignment.request_id}"):
        html = desk.get(page).get_data(as_text=True)
        assert f'id="day-before-coming-{asked.id}"' in html
        assert f'id="day-before-cannot-{asked.id}"' in html
        assert "Kommt (telefonisch)" in html


def test_coming_by_phone_on_the_request_page(desk, asked, coordinator):
    response = desk.post(coming(asked), headers=htmx_headers("offers"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="offers"' in html
    assert "kommt (telefonisch bestätigt)" in html
    assert "telefonisch, eingetragen von" in html
    assert f'id="day-before-coming-{asked.id}"' not in html
    check = fresh(asked)
    assert check.confirmed_at is not None
    assert check.answered_by_id == coordinator.id
    [event] = audit_events("assignment.coming_confirmed")
    assert event.actor_id == coordinator.id
    assert event.detail == {"on_behalf_of": check.assignment.helper.user_id, "channel": "phone"}


def test_coming_by_phone_on_the_start_page_with_htmx_redraws_the_list_and_its_figure(desk, asked):
    name = asked.assignment.helper.user.display_name
    response = desk.post(coming(asked, "home"), headers=htmx_headers("no-answer"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="no-answer"')
    assert 'id="no-answer-figure"' in html and 'hx-swap-oob="true"' in html
    assert '<span class="figure">0</span>' in html
    assert f"Eingetragen: {name} kommt" in html
    assert f'id="no-answer-{asked.id}"' not in html
    assert name not in desk.get("/").get_data(as_text=True).split("no-answer-heading", 1)[1]


def test_coming_by_phone_without_javascript_goes_back_to_the_start_page(desk, asked):
    response = desk.post(coming(asked, "home"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/#no-answer-heading")
    page = desk.get("/").get_data(as_text=True)
    assert "kommt (telefonisch bestätigt)" in page  # the flash
    assert f'id="no-answer-{asked.id}"' not in page
    back = desk.post(coming(fresh(asked)))
    assert back.status_code == 303  # answered already: back to the request page, with the reason
    assert fresh(asked).answered_by_id is not None


def test_an_answered_question_takes_no_second_answer(desk, asked):
    confirm_coming(asked.id)  # she answered herself meanwhile
    response = desk.post(coming(asked), headers=htmx_headers("offers"))
    assert response.status_code == 409
    assert "lässt sich keine Antwort mehr eintragen" in response.get_data(as_text=True)
    assert fresh(asked).answered_by_id is None
    late = desk.get(cannot(asked), headers=htmx_headers("offers"))
    assert late.status_code == 409
    assert fresh(asked).assignment.status == AssignmentStatus.CONFIRMED


# --- "Kommt nicht" -------------------------------------------------------------------------------


def test_the_reason_form_on_its_own_page_and_in_place(desk, asked):
    page = desk.get(cannot(asked))
    assert page.status_code == 200
    assert "<h1" in page.get_data(as_text=True)
    inline = desk.get(cannot(asked, "home"), headers=htmx_headers(f"day-before-cannot-{asked.id}"))
    html = inline.get_data(as_text=True)
    assert inline.status_code == 200
    assert "<h1" not in html
    assert f'id="{reason_field(asked)}"' in html
    assert 'hx-target="#no-answer"' in html


def test_cannot_come_needs_a_reason_and_keeps_what_was_typed(desk, asked):
    missing = desk.post(cannot(asked), data={reason_field(asked): "  "}, headers=htmx_headers("offers"))
    assert missing.status_code == 422
    assert "Bitte tragen Sie den Grund ein" in missing.get_data(as_text=True)
    assert missing.headers["HX-Retarget"] == f"#day-before-cannot-{asked.id}"
    long = "Bus " * 80
    too_long = desk.post(cannot(asked), data={reason_field(asked): long})
    assert too_long.status_code == 422
    assert long.strip() in too_long.get_data(as_text=True)
    assert "höchstens 300 Zeichen" in too_long.get_data(as_text=True)
    assert fresh(asked).assignment.status == AssignmentStatus.CONFIRMED


def test_cannot_come_by_phone_withdraws_late_as_her_own_answer_would(desk, coordinator, available_helper):
    asked = flagged(coordinator, available_helper(), (utcnow() + timedelta(hours=20)).replace(microsecond=0))
    response = desk.post(
        cannot(asked, "home"), data={reason_field(asked): "Kind krank"}, headers=htmx_headers("no-answer")
    )
    assert response.status_code == 200
    assert "kommt nicht. Die Anfrage ist wieder offen." in response.get_data(as_text=True)
    check = fresh(asked)
    assert check.declined_at is not None and check.answered_by_id == coordinator.id
    assert check.assignment.status == AssignmentStatus.WITHDRAWN
    assert check.assignment.withdraw_reason == "Kind krank"
    assert check.assignment.withdrawn_late is True
    assert db.session.get(HelpRequest, check.assignment.request_id).status == RequestStatus.OPEN
    [event] = audit_events("assignment.withdrawn")
    assert event.actor_id == coordinator.id
    assert event.detail["late"] is True and event.detail["on_behalf_of"] == check.assignment.helper.user_id
    assert outbox("assignment_withdrawn", to=coordinator.email)


def test_another_kis_coordinator_and_a_helper_cannot_answer(client, auth, asked, create_user):
    stranger = create_user(Role.COORDINATOR, ki=factories.other_ki())
    auth.login(stranger.email)
    assert client.post(coming(asked)).status_code == 404
    assert client.get(cannot(asked)).status_code == 404
    auth.logout()
    auth.login(asked.assignment.helper.user.email)
    assert client.post(coming(asked)).status_code in (403, 404)
    assert fresh(asked).confirmed_at is None


def test_her_own_answer_keeps_no_answerer(client, asked):
    client.post(urlsplit(answer_url(asked, Answer.COMING)).path)
    assert fresh(asked).confirmed_at is not None
    assert fresh(asked).answered_by_id is None


def test_the_call_to_a_helper_the_ki_manages_is_done_once_her_answer_is_recorded(desk, coordinator):
    managed = factories.make_managed_helper()
    request = factories.make_request(created_by=coordinator, starts_at=berlin(next_tuesday(), time(10)))
    check = asked_for_tomorrow(assignment_for(request, managed, coordinator))
    [task] = db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.kind == "day_before")).all()
    assert task.done_at is None and not outbox("day_before")
    assert desk.post(coming(check)).status_code == 303
    db.session.expire_all()
    task = db.session.get(CoordinatorTask, task.id)
    assert task.done_at is not None and task.done_by_id == coordinator.id


# --- her mail settings ---------------------------------------------------------------------------


def test_the_question_belongs_to_the_reminders_her_settings_page_lists(client, login_as):
    user = login_as(Role.HELPER)
    category = category_of("day_before")
    assert category is not None and not category.mandatory
    assert category in categories_for(user)
    html = client.get("/account/notifications").get_data(as_text=True)
    assert str(category.label) in html and "Kommen Sie morgen?" in html


def test_switched_off_she_is_neither_asked_nor_flagged(coordinator, available_helper):
    request = factories.make_request(created_by=coordinator, starts_at=berlin(next_tuesday(), time(10)))
    assignment = assignment_for(request, available_helper(), coordinator)
    db.session.add(
        NotificationPreference(
            user_id=assignment.helper.user_id, category=category_of("day_before").key, email=False
        )
    )
    db.session.commit()
    settings = settings_for(request.ki)
    assert send_day_before_checks(asked_from(request.starts_at, settings)).asked == 0
    assert send_day_before_checks(deadline(request.starts_at, settings)).flagged == 0
    assert not outbox("day_before")
    assert db.session.scalar(select(DayBeforeCheck)) is None


# --- her data ------------------------------------------------------------------------------------


def test_her_export_lists_her_questions_and_who_recorded_an_answer(asked, coordinator):
    confirm_coming(asked.id, coordinator)
    helper_user = asked.assignment.helper.user
    [row] = privacy_queries.personal_data(helper_user)["tables"]["day_before_check"]
    assert row["assignment_id"] == asked.assignment_id
    assert row["starts_at"] == asked.starts_at and row["asked_at"] is not None
    assert row["answer"] == "coming" and row["confirmed_at"] is not None
    assert row["answered_by"] == "staff"
    assert "answered_by_id" not in row  # the coordinator is someone else: not hers to receive


def test_her_export_says_she_answered_herself_or_not_at_all(asked):
    helper_user = asked.assignment.helper.user
    [open_row] = privacy_queries.personal_data(helper_user)["tables"]["day_before_check"]
    assert open_row["answer"] is None and open_row["answered_by"] is None
    confirm_coming(asked.id)
    [row] = privacy_queries.personal_data(helper_user)["tables"]["day_before_check"]
    assert (row["answer"], row["answered_by"]) == ("coming", "self")


def test_deleting_her_account_deletes_her_questions(asked, coordinator, available_helper):
    other_request = factories.make_request(created_by=coordinator, starts_at=berlin(next_tuesday(), time(14)))
    others = asked_for_tomorrow(assignment_for(other_request, available_helper(), coordinator))
    delete_helper_account(asked.assignment.helper.user)
    db.session.expire_all()
    assert db.session.scalars(select(DayBeforeCheck.id)).all() == [others.id]
