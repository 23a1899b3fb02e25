"""Reminders about checks that come due: to the helper 8 and 2 weeks before her police certificate
runs out (once per renewal day), a task for a managed helper, and the coordinators' weekly digest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.helpers.due import seen_before
from ki_match.notifications.certificates import send_check_reminders
from ki_match.notifications.tasks import CoordinatorTask
from tests.factories import make_helper, make_managed_helper, other_ki
from tests.support import outbox

TODAY = date(2026, 12, 7)  # a Monday
YEARS = 5


def renews_on(day: date) -> date:
    """The day a certificate was seen that has to be shown again on ``day`` (5 years, no leap day)."""
    return day.replace(year=day.year - YEARS)


@pytest.fixture
def ki(ki):
    ki.police_certificate_valid_years = YEARS
    ki.contact_phone = "05271 965-0"
    db.session.commit()
    return ki


def helper_renewing(day: date, **fields):
    profile = make_helper(**fields)
    profile.confidentiality_signed_on = profile.qualification_completed_on = date(2020, 1, 1)
    profile.police_certificate_seen_on = renews_on(day)
    db.session.commit()
    return profile


def reminders_to(profile) -> list:
    return outbox("certificate_reminder", to=profile.user.email)


def test_reminded_eight_and_two_weeks_before_each_once(ki):
    renew_by = TODAY + timedelta(weeks=8)
    amina = helper_renewing(renew_by, display_name="Amina Haddad")
    helper_renewing(renew_by + timedelta(days=1), display_name="Later Person")  # 8 weeks and a day
    assert send_check_reminders(TODAY)[0] == 1
    [mail] = reminders_to(amina)
    assert "1. Februar 2027" in mail.body_text
    assert "kostenlos" in mail.body_text and "05271 965-0" in mail.body_text  # how, and the KI's contact
    for day in (TODAY, TODAY + timedelta(days=1), renew_by - timedelta(days=15)):
        send_check_reminders(day)
    assert len(reminders_to(amina)) == 1
    send_check_reminders(renew_by - timedelta(weeks=2))
    assert len(reminders_to(amina)) == 2
    for day in (renew_by - timedelta(days=3), renew_by, renew_by + timedelta(days=1)):
        send_check_reminders(day)  # nothing new, also on the day it runs out and after
    assert len(reminders_to(amina)) == 2


def test_a_certificate_found_late_gets_only_the_two_week_reminder(ki):
    renew_by = TODAY + timedelta(days=10)
    helper = helper_renewing(renew_by)
    assert send_check_reminders(TODAY)[0] == 1
    assert send_check_reminders(TODAY + timedelta(days=1))[0] == 0
    assert len(reminders_to(helper)) == 1


def test_a_new_certificate_is_reminded_of_again(ki):
    renew_by = TODAY + timedelta(weeks=2)
    helper = helper_renewing(renew_by)
    send_check_reminders(TODAY)
    helper.police_certificate_seen_on = TODAY  # renewed; runs out five years on
    db.session.commit()
    later = date(2031, 12, 7) - timedelta(weeks=8)
    assert send_check_reminders(later)[0] == 1
    assert len(reminders_to(helper)) == 2


def test_no_reminder_to_a_deactivated_helper_or_in_a_deactivated_ki(ki):
    gone = helper_renewing(TODAY + timedelta(weeks=1))
    gone.user.active = False
    elsewhere = other_ki()
    elsewhere.active = False
    helper_renewing(TODAY + timedelta(weeks=1), ki=elsewhere, email="anders@example.org")
    db.session.commit()
    assert send_check_reminders(TODAY)[0] == 0


def test_a_managed_helpers_reminder_is_a_task(ki):
    helper = make_managed_helper(ki=ki)
    helper.police_certificate_seen_on = renews_on(TODAY + timedelta(weeks=2))
    db.session.commit()
    assert send_check_reminders(TODAY)[0] == 1
    assert send_check_reminders(TODAY)[0] == 0
    [task] = db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.helper_id == helper.id))
    assert task.kind == "certificate_reminder"
    assert outbox("certificate_reminder") == []


def test_the_leap_day_certificate_is_reminded_of_on_time(ki):
    ki.police_certificate_valid_years = 1
    helper = make_helper()
    helper.police_certificate_seen_on = date(2024, 2, 29)  # to be shown again on 28 Feb 2025
    db.session.commit()
    assert send_check_reminders(date(2025, 1, 2))[0] == 0
    assert send_check_reminders(date(2025, 1, 3))[0] == 1  # 8 weeks before 28 Feb
    assert send_check_reminders(date(2025, 2, 14))[0] == 1  # 2 weeks before
    assert seen_before(date(2025, 3, 1), 1) == date(2024, 3, 1)


def test_weekly_digest_to_each_coordinator_once_a_week(ki, create_user):
    anna, ben = create_user(Role.COORDINATOR), create_user(Role.COORDINATOR)
    create_user(Role.HELPER)
    helper_renewing(TODAY - timedelta(days=3), display_name="Abgelaufen <b>Person</b>")
    make_helper(ki=other_ki(), display_name="Fremde Person", email="fremd@example.org")
    assert send_check_reminders(TODAY)[1] == 2
    [mail] = outbox("checks_digest", to=anna.email)
    assert (
        "Abgelaufen <b>Person</b> – Erweitertes Führungszeugnis: abgelaufen am 4. Dezember 2026"
        in mail.body_text
    )
    assert "&lt;b&gt;" in mail.body_html and "<b>Person" not in mail.body_html
    assert "Fremde Person" not in mail.body_text
    assert "/helpers/checks-due" in mail.body_text
    assert send_check_reminders(TODAY + timedelta(days=6))[1] == 0  # the same week (Sunday)
    assert send_check_reminders(TODAY + timedelta(days=7))[1] == 2  # the next one
    assert len(outbox("checks_digest", to=ben.email)) == 2


def test_no_digest_when_everything_is_in_order(ki, create_user):
    create_user(Role.COORDINATOR)
    helper_renewing(TODAY + timedelta(weeks=20))
    assert send_check_reminders(TODAY) == (0, 0)
    assert outbox("checks_digest") == []


def test_the_remind_command_sends_them_too(app, ki):
    helper_renewing(date.today() + timedelta(weeks=1))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "remind"])
    second = runner.invoke(args=["notifications", "remind"])
    assert first.exit_code == 0, first.output
    assert "certificate reminders 1" in first.output and "certificate reminders 0" in second.output
