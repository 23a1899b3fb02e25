"""A coordinator creates a course with a date that has come (and one to come), signs a helper up by phone, and
records her attendance: the helper has completed the qualification. Axe at desktop width and on
a 390 px phone, after every step."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from tests.browser.conftest import check_both_widths, follow, main_navigation
from tests.factories import first_ki, make_helper

pytestmark = pytest.mark.browser


@pytest.fixture
def new_helper(live_server):
    """A helper of the demo KI without a qualification date."""
    suffix = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        helper = make_helper(
            ki=first_ki(), display_name=f"Ayşe{suffix} Yılmaz", email=f"a{suffix}@example.org", checked=False
        )
        return helper.id, helper.user.display_name


def test_a_coordinator_creates_a_course_and_attendance_qualifies_a_helper(
    new_page, live_server, axe, log_in, new_helper
):
    profile_id, name = new_helper
    title = f"Qualifizierung {uuid.uuid4().hex[:6]}"
    page = new_page()
    log_in(page, Role.COORDINATOR)
    follow(main_navigation(page).get_by_role("link", name="Kurse", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kurse")
    check_both_widths(page, axe)

    follow(page.get_by_role("link", name="Neuer Kurs"))
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Ort", exact=True).fill("KI Höxter, Raum 3")
    page.get_by_label("Plätze").fill("8")
    page.get_by_label("Module").fill("Rolle und Haltung")
    page.get_by_role("button", name="Weitere Termine und Module übernehmen").click()
    first = page.get_by_role("group", name="Termin 1")
    first.get_by_label("Datum").fill((local_today() - timedelta(days=1)).isoformat())
    first.get_by_label("von").fill("17:00")
    first.get_by_label("bis").fill("16:00")  # before the start: refused, nothing lost
    first.get_by_label("Modul").select_option("Rolle und Haltung")
    second = page.get_by_role("group", name="Termin 2")  # a meeting next week, teaching no module
    second.get_by_label("Datum").fill((local_today() + timedelta(days=7)).isoformat())
    second.get_by_label("von").fill("17:00")
    second.get_by_label("bis").fill("19:00")
    page.problems.expect_console_error("status of 422")
    page.get_by_role("button", name="Kurs anlegen").click()
    expect(first.locator(".field-error")).to_contain_text("Das Ende muss nach dem Anfang liegen.")
    expect(page.get_by_label("Titel")).to_have_value(title)
    check_both_widths(page, axe)
    first.get_by_label("bis").fill("20:00")
    page.get_by_role("button", name="Kurs anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    check_both_widths(page, axe)

    page.get_by_label("Person", exact=True).select_option(label=name)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.locator(".flash")).to_contain_text(f"{name} ist angemeldet.")

    block = page.locator("article[id^=course-date-]").first
    block.get_by_label(name).check()
    block.get_by_role("button", name="Anwesenheit speichern").click()
    status = block.get_by_role("status")
    short = f"{name.split()[0]} Y."
    expect(status).to_contain_text(f"{short} hat die Qualifizierung abgeschlossen.")
    expect(status).to_be_focused()
    expect(block.get_by_label(name)).to_be_checked()
    check_both_widths(page, axe)

    with live_server.app.app_context():
        assert db.session.get(
            HelperProfile, profile_id
        ).qualification_completed_on == local_today() - timedelta(days=1)
