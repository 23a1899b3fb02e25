"""The links of "Kommen Sie morgen?": signed, single use, closed after the start or a withdrawal,
never for another helper; a GET changes nothing. And what the coordinators see of the answers."""

from __future__ import annotations

from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.notifications.day_before import send_day_before_checks
from ki_match.orgs.settings import settings_for
from ki_match.requests import lifecycle
from ki_match.requests.models import AssignmentStatus, HelpRequest, RequestStatus
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import Answer, deadline
from ki_match.tomorrow.tokens import answer_url
from tests import factories
from tests.factories import asked_for_tomorrow, assignment_for, berlin, next_tuesday
from tests.support import audit_events, frozen_clock, link_in, outbox


@pytest.fixture
def asked(coordinator, available_helper):
    """A helper confirmed for next Tuesday 10:00 and asked "Kommen Sie morgen?"."""
    request = factories.make_request(created_by=coordinator, starts_at=berlin(next_tuesday(), time(10)))
    return asked_for_tomorrow(assignment_for(request, available_helper(), coordinator))


def path(check, answer: Answer) -> str:
    return urlsplit(answer_url(check, answer)).path


def fresh(check) -> DayBeforeCheck:
    db.session.expire_all()
    return db.session.get(DayBeforeCheck, check.id)


def test_the_mail_leads_to_the_coming_page(client, asked):
    [message] = outbox("day_before")
    response = client.get(link_in(message))
    assert response.status_code == 200
    assert "Ja, ich komme" in response.get_data(as_text=True)


@pytest.mark.parametrize("answer", list(Answer))
def test_a_get_changes_nothing(client, asked, answer):
    response = client.get(path(asked, answer))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'method="post"' in html
    check = fresh(asked)
    assert (check.confirmed_at, check.declined_at) == (None, None)
    assert check.assignment.status == AssignmentStatus.CONFIRMED


def test_coming_is_recorded_once(client, asked):
    response = client.post(path(asked, Answer.COMING))
    assert response.status_code == 303
    assert fresh(asked).confirmed_at is not None
    assert len(audit_events("assignment.coming_confirmed")) == 1
    done = client.get(response.headers["Location"])
    assert "dass Sie morgen kommen" in done.get_data(as_text=True)
    again = client.post(path(asked, Answer.COMING))
    assert again.status_code == 410
    assert "schon geantwortet" in again.get_data(as_text=True)
    assert client.post(path(asked, Answer.CANNOT), data={"reason": "krank"}).status_code == 410
    assert fresh(asked).assignment.status == AssignmentStatus.CONFIRMED
    assert len(audit_events("assignment.coming_confirmed")) == 1


def test_cannot_come_needs_a_reason(client, asked):
    response = client.post(path(asked, Answer.CANNOT), data={"reason": "   "})
    assert response.status_code == 422
    assert "warum Sie nicht kommen können" in response.get_data(as_text=True)
    assert fresh(asked).assignment.status == AssignmentStatus.CONFIRMED


def test_cannot_come_withdraws_late_and_reopens_the_request(client, asked, coordinator):
    with frozen_clock(asked.starts_at - timedelta(hours=20)):
        response = client.post(path(asked, Answer.CANNOT), data={"reason": "Mein Kind ist krank."})
    assert response.status_code == 303
    check = fresh(asked)
    assert check.declined_at is not None
    assert check.assignment.status == AssignmentStatus.WITHDRAWN
    assert check.assignment.withdraw_reason == "Mein Kind ist krank."
    assert db.session.get(HelpRequest, check.assignment.request_id).status == RequestStatus.OPEN
    [event] = audit_events("assignment.withdrawn")
    assert event.detail["late"] is True
    assert outbox("assignment_withdrawn", to=coordinator.email)
    assert client.post(path(asked, Answer.CANNOT), data={"reason": "x"}).status_code == 410


def test_closed_once_the_assignment_has_begun(client, asked):
    with frozen_clock(asked.starts_at + timedelta(minutes=1)):
        response = client.get(path(asked, Answer.COMING))
        posted = client.post(path(asked, Answer.CANNOT), data={"reason": "zu spät"})
    assert response.status_code == 410
    assert "schon begonnen" in response.get_data(as_text=True)
    assert posted.status_code == 410
    assert fresh(asked).assignment.status == AssignmentStatus.CONFIRMED


def test_closed_once_the_request_is_cancelled(client, asked, coordinator):
    lifecycle.cancel(asked.assignment.request_id, coordinator, "Termin fällt aus")
    response = client.post(path(asked, Answer.COMING))
    assert response.status_code == 410
    assert "nicht mehr statt" in response.get_data(as_text=True)
    assert fresh(asked).confirmed_at is None


def _forged(app, payload, salt="day-before-answer") -> str:
    return "/tomorrow/" + URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=salt).dumps(payload)


def test_links_of_another_helper_or_forged_ones_are_refused(app, client, asked, available_helper):
    other = available_helper()
    wrong_helper = {"check": asked.id, "helper": other.id, "answer": "coming"}
    for url in (
        _forged(app, wrong_helper),
        _forged(
            app,
            {"check": asked.id, "helper": asked.assignment.helper_id, "answer": "coming"},
            salt="offer-answer",
        ),
        _forged(app, {"check": asked.id + 1000, "helper": asked.assignment.helper_id, "answer": "coming"}),
        _forged(app, {"check": asked.id, "helper": asked.assignment.helper_id, "answer": "maybe"}),
        _forged(app, {"check": "1", "helper": asked.assignment.helper_id, "answer": "coming"}),
        _forged(app, ["not", "a", "dict"]),
        path(asked, Answer.COMING)[:-3] + "abc",
        "/tomorrow/nonsense",
    ):
        assert client.post(url).status_code == 404, url
        assert client.get(url + "/done").status_code == 404, url
    assert fresh(asked).confirmed_at is None


def test_done_before_an_answer_leads_back_to_the_question(client, asked):
    response = client.get(path(asked, Answer.COMING) + "/done")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(path(asked, Answer.COMING))


# --- what the coordinators see -------------------------------------------------------------------


def test_the_request_page_shows_the_answer(client, auth, asked, coordinator):
    client.post(path(asked, Answer.COMING))
    auth.login(coordinator.email)
    html = client.get(f"/requests/{asked.assignment.request_id}").get_data(as_text=True)
    assert "kommt – bestätigt am" in html


def test_no_answer_at_the_deadline_shows_on_start_page_and_request_page(client, auth, asked, coordinator):
    at = deadline(asked.starts_at, settings_for(asked.assignment.request.ki))
    assert send_day_before_checks(at).flagged == 1
    auth.login(coordinator.email)
    start_page = client.get("/").get_data(as_text=True)
    assert "Keine Rückmeldung für morgen" in start_page
    assert f'href="/requests/{asked.assignment.request_id}"' in start_page
    assert asked.assignment.helper.user.display_name in start_page
    request_page = client.get(f"/requests/{asked.assignment.request_id}").get_data(as_text=True)
    assert "Keine Rückmeldung für morgen" in request_page
    with frozen_clock(asked.starts_at + timedelta(minutes=1)):  # begun: the question is over
        begun = client.get(f"/requests/{asked.assignment.request_id}").get_data(as_text=True)
    assert "Kommen Sie morgen?" not in begun
    client.post(path(asked, Answer.COMING))
    assert asked.assignment.helper.user.display_name not in client.get("/").get_data(as_text=True)


def test_another_kis_coordinator_sees_no_flag(client, auth, asked, create_user):
    send_day_before_checks(asked.starts_at - timedelta(hours=1))
    stranger = create_user(Role.COORDINATOR, ki=factories.other_ki())
    auth.login(stranger.email)
    assert asked.assignment.helper.user.display_name not in client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(DayBeforeCheck.flagged_at)) is not None
