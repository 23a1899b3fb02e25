"""The whole way to a qualification: a helper signs up for a course on her phone, the course's
day comes, the coordinator records that she was there, and her Kurse page shows the qualification
completed. Axe on both sides."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.training.models import Course
from tests.browser.conftest import PHONE_SIZE, check_both_widths
from tests.factories import PASSWORD, berlin, first_ki, make_course, make_helper

pytestmark = pytest.mark.browser


@pytest.fixture
def course_and_helper(live_server):
    """A helper without a qualification, and a one-module course in three days."""
    suffix = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        ki = first_ki()
        helper = make_helper(
            ki=ki, checked=False, display_name=f"Mariam{suffix} Haidari", email=f"mariam{suffix}@example.org"
        )
        course = make_course(ki=ki, title=f"Basisqualifizierung {suffix}", modules=("Rolle und Haltung",))
        return helper.user.email, helper.user.display_name, course.id


def _the_day_has_come(live_server, course_id: int) -> None:
    """Time passes: the course's only date was yesterday evening."""
    with live_server.app.app_context():
        course_date = db.session.get(Course, course_id).dates[0]
        yesterday = local_today() - timedelta(days=1)
        course_date.starts_at, course_date.ends_at = berlin(yesterday, time(17)), berlin(yesterday, time(20))
        db.session.commit()


def test_a_helper_signs_up_and_the_recorded_attendance_qualifies_her(
    new_page, live_server, log_in, axe, course_and_helper
):
    email, name, course_id = course_and_helper
    phone = new_page()
    phone.set_viewport_size(PHONE_SIZE)
    log_in(phone, email, PASSWORD)
    phone.goto("/training")
    card = phone.locator(f"#course-card-{course_id}")
    card.get_by_role("button", name="Anmelden").click()
    expect(phone.locator(f"#course-card-{course_id} .course-standing")).to_have_text("Sie sind angemeldet.")
    axe.check(phone)

    _the_day_has_come(live_server, course_id)

    desk = new_page()
    log_in(desk, Role.COORDINATOR)
    desk.goto(f"/courses/{course_id}")
    block = desk.locator("article[id^=course-date-]").first
    block.get_by_label(name).check()
    block.get_by_role("button", name="Anwesenheit speichern").click()
    expect(block.get_by_role("status")).to_contain_text("hat die Qualifizierung abgeschlossen.")
    check_both_widths(desk, axe)

    phone.reload()
    yesterday = local_today() - timedelta(days=1)
    expect(phone.locator(".course-qualified")).to_contain_text(str(yesterday.year))
    expect(phone.locator(".course-qualified")).to_contain_text(f"{yesterday.day}.")
    axe.check(phone)
