"""A helper on a 390 px phone opens "Kurse" from the menu, signs up for a course and sees herself
registered in the card that swapped; a full course puts her on the waiting list. Axe after every swap."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ki_match.extensions import db
from ki_match.training.models import CourseSignup, SignupStatus
from tests.browser.conftest import PHONE_SIZE, follow, main_navigation, open_menu
from tests.factories import PASSWORD, first_ki, make_course, make_helper

pytestmark = pytest.mark.browser


@pytest.fixture
def courses(live_server):
    """A fresh helper (not approved yet: training comes first), a course with seats and a full one."""
    suffix = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        ki = first_ki()
        helper = make_helper(
            ki=ki, approved=False, display_name=f"Leyla{suffix} Neu", email=f"leyla{suffix}@example.org"
        )
        open_course = make_course(
            ki=ki, title=f"Grundkurs {suffix}", capacity=10, starts_in=timedelta(days=3)
        )
        full = make_course(ki=ki, title=f"Aufbaukurs {suffix}", capacity=1, starts_in=timedelta(days=4))
        holder = make_helper(ki=ki, email=f"platz{suffix}@example.org")
        db.session.add(CourseSignup(course_id=full.id, helper_id=holder.id, status=SignupStatus.REGISTERED))
        db.session.commit()
        return helper.user.email, open_course.id, full.id


def test_a_helper_signs_up_for_a_course_on_her_phone(new_page, log_in, axe, courses):
    email, open_id, full_id = courses
    page = new_page()
    page.set_viewport_size(PHONE_SIZE)
    log_in(page, email, PASSWORD)
    open_menu(page)
    follow(main_navigation(page).get_by_role("link", name="Kurse", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kurse")

    card = page.locator(f"#course-card-{open_id}")
    expect(card).to_contain_text("10 von 10 Plätzen frei")
    expect(card).to_contain_text("17:00–20:00 Uhr")
    axe.check(page)

    card.get_by_role("button", name="Anmelden").click()
    card = page.locator(f"#course-card-{open_id}")
    expect(card.get_by_role("status")).to_have_text("Sie sind angemeldet. Wir freuen uns auf Sie!")
    expect(card.locator(".course-standing")).to_have_text("Sie sind angemeldet.")
    expect(card.get_by_role("button", name="Vom Kurs abmelden")).to_be_visible()
    expect(card.get_by_role("link", name="In den Kalender")).to_be_visible()
    box = card.get_by_role("button", name="Vom Kurs abmelden").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_SIZE["width"] and box["height"] >= 44
    axe.check(page)

    full = page.locator(f"#course-card-{full_id}")
    expect(full).to_contain_text("ausgebucht – Warteliste")
    full.get_by_role("button", name="Auf die Warteliste").click()
    full = page.locator(f"#course-card-{full_id}")
    expect(full.locator(".course-standing")).to_have_text("Sie stehen auf der Warteliste (Platz 1).")
    axe.check(page)

    # Reloaded, the page still says so: nothing only in the swapped card.
    page.reload()
    expect(page.locator(f"#course-card-{open_id} .course-standing")).to_have_text("Sie sind angemeldet.")
    expect(page.locator(f"#course-card-{full_id} .course-standing")).to_have_text(
        "Sie stehen auf der Warteliste (Platz 1)."
    )
