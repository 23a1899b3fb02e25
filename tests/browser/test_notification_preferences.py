"""E-mail preferences and the request form's follow-up settings in a browser; axe after every swap."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from tests.browser.conftest import follow

pytestmark = pytest.mark.browser


def test_helper_switches_reminders_off(page, log_in, axe):
    log_in(page, Role.HELPER)
    page.goto("/account")
    follow(page.get_by_role("link", name="Benachrichtigungen per E-Mail"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Benachrichtigungen per E-Mail")
    expect(page.get_by_label("Anfragen, ob Sie helfen können")).to_be_checked()
    expect(page.get_by_label("Anfragen, ob Sie helfen können")).to_be_disabled()
    axe.check(page)

    reminders = page.get_by_label("Erinnerung vor einem Einsatz")
    expect(reminders).to_be_checked()
    reminders.uncheck()
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#preferences-form").get_by_role("status")).to_contain_text("gespeichert")
    assert page.url.endswith("/account/notifications")  # swapped in place
    axe.check(page)

    page.reload()
    expect(page.get_by_label("Erinnerung vor einem Einsatz")).not_to_be_checked()
    expect(page.get_by_label("Stunden melden und bestätigte Stunden")).to_be_checked()


def test_follow_up_limit_is_checked_next_to_its_field(page, log_in, axe):
    log_in(page, Role.COORDINATOR)
    page.goto("/requests/new")
    limit = page.get_by_label("Höchstens so viele weitere Personen anfragen")
    expect(limit).to_be_hidden()  # only while follow-up is ticked
    page.get_by_label("Automatisch weitere Helfende anfragen, wenn niemand zusagt").check()
    expect(limit).to_be_visible()
    limit.fill("30")
    limit.blur()
    expect(page.locator("#escalate_limit-error")).to_have_text("Bitte eine Zahl von 1 bis 20 angeben.")
    axe.check(page)
