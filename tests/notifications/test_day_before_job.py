"""The job that asks "Kommen Sie morgen?" and flags who did not answer: once per assignment, also
when it runs twice or twice at once, with frozen clocks."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ki_match.clock import local_to_utc
from ki_match.extensions import db
from ki_match.notifications.day_before import send_day_before_checks
from ki_match.notifications.tasks import CoordinatorTask
from ki_match.requests import lifecycle
from ki_match.requests.models import Assignment, RequestKind
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import confirm_coming
from tests import factories
from tests.concurrency import race
from tests.factories import assignment_for, berlin, next_tuesday
from tests.support import frozen_clock, outbox


def monday_at(hour: int, minute: int = 0) -> datetime:
    """The day before next Tuesday, in Berlin."""
    return local_to_utc(next_tuesday() - timedelta(days=1), time(hour, minute))


def tuesday_assignment(coordinator, helper, **fields) -> Assignment:
    """Next Tuesday 10:00 in Brakel, confirmed now (days before the question opens)."""
    request = factories.make_request(
        created_by=coordinator,
        starts_at=berlin(next_tuesday(), time(10)),
        place="Jobcenter, Am Markt 3",
        **fields,
    )
    return assignment_for(request, helper, coordinator)


def checks() -> list[DayBeforeCheck]:
    db.session.expire_all()
    return list(db.session.scalars(select(DayBeforeCheck).order_by(DayBeforeCheck.id)))


def test_asked_once_from_the_hour_on_the_day_before(coordinator, available_helper):
    helper = available_helper()
    tuesday_assignment(coordinator, helper)
    assert send_day_before_checks(monday_at(9, 59)).asked == 0
    assert send_day_before_checks(monday_at(10)).asked == 1
    assert send_day_before_checks(monday_at(10)).asked == 0
    assert send_day_before_checks(monday_at(15)).asked == 0
    [message] = outbox("day_before", to=helper.user.email)
    assert message.subject == "Kommen Sie morgen?"
    assert "Jobcenter, Am Markt 3" in message.body_text  # the place in words, as her reminder says it
    assert "10:00" in message.body_text
    assert message.body_text.count("/tomorrow/") == 2  # "Ja, ich komme" and "Ich kann nicht"
    assert len(checks()) == 1


def test_the_mail_names_the_kis_phone(coordinator, available_helper, ki):
    ki.contact_phone = "05271 965-0"
    db.session.commit()
    tuesday_assignment(coordinator, available_helper())
    send_day_before_checks(monday_at(10))
    [message] = outbox("day_before")
    assert "05271 965-0" in message.body_text


def test_two_runs_at_once_ask_once(app, coordinator, available_helper):
    tuesday_assignment(coordinator, available_helper())
    now = monday_at(10, 15)
    results = race(app, [lambda: send_day_before_checks(now).asked] * 2)
    assert sorted(results) == [0, 1]
    assert len(outbox("day_before")) == 1
    assert len(checks()) == 1


def test_confirmed_after_the_hour_is_not_asked(coordinator, available_helper):
    assignment = tuesday_assignment(coordinator, available_helper())
    assignment.confirmed_at = monday_at(11)
    db.session.commit()
    assert send_day_before_checks(monday_at(11, 15)).asked == 0
    assert outbox("day_before") == []


def test_written_translations_are_not_asked(coordinator, available_helper):
    request = factories.make_request(created_by=coordinator, kind=RequestKind.WRITTEN)
    assignment_for(request, available_helper(), coordinator)
    assert send_day_before_checks(monday_at(10)).asked == 0


def test_a_moved_assignment_is_asked_about_its_new_day(coordinator, available_helper):
    assignment = tuesday_assignment(coordinator, available_helper())
    send_day_before_checks(monday_at(10))
    later = berlin(next_tuesday() + timedelta(days=7), time(10))
    lifecycle.reschedule(assignment.request_id, later, 90, coordinator)
    assert send_day_before_checks(local_to_utc(next_tuesday() + timedelta(days=6), time(10))).asked == 1
    assert len(outbox("day_before")) == 2


def test_a_managed_helper_gets_a_call_instead(coordinator, ki):
    helper = factories.make_managed_helper(ki=ki)
    tuesday_assignment(coordinator, helper)
    assert send_day_before_checks(monday_at(10)).asked == 1
    assert outbox("day_before") == []
    [task] = db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.kind == "day_before")).all()
    assert task.helper_id == helper.id
    assert send_day_before_checks(monday_at(18)).flagged == 0  # her task is the coordinators' question


def test_unanswered_is_flagged_once_at_the_deadline(coordinator, available_helper):
    tuesday_assignment(coordinator, available_helper())
    send_day_before_checks(monday_at(10))
    assert send_day_before_checks(monday_at(17, 59)).flagged == 0
    assert send_day_before_checks(monday_at(18)).flagged == 1
    assert send_day_before_checks(monday_at(18, 15)).flagged == 0
    assert checks()[0].flagged_at == monday_at(18)


def test_two_runs_at_once_flag_once(app, coordinator, available_helper):
    tuesday_assignment(coordinator, available_helper())
    send_day_before_checks(monday_at(10))
    now = monday_at(18)
    assert sorted(race(app, [lambda: send_day_before_checks(now).flagged] * 2)) == [0, 1]


def test_an_answer_is_not_flagged(coordinator, available_helper):
    tuesday_assignment(coordinator, available_helper())
    send_day_before_checks(monday_at(10))
    with frozen_clock(monday_at(12)):
        confirm_coming(checks()[0].id)
    assert send_day_before_checks(monday_at(18)).flagged == 0


@pytest.mark.parametrize("hour", [8, 12])
def test_the_kis_hour_counts(ki, coordinator, available_helper, hour):
    ki.day_before_hour = hour
    db.session.commit()
    tuesday_assignment(coordinator, available_helper())
    assert send_day_before_checks(monday_at(hour) - timedelta(minutes=1)).asked == 0
    assert send_day_before_checks(monday_at(hour)).asked == 1


def test_the_remind_command_asks_too(app, coordinator, available_helper):
    tuesday_assignment(coordinator, available_helper())
    with frozen_clock(monday_at(10)):
        output = CliRunner().invoke(app.cli, ["notifications", "remind"], catch_exceptions=False).output
    assert "asked for tomorrow 1" in output
    assert len(outbox("day_before")) == 1
