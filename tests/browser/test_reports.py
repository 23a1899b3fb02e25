"""A coordinator reads the reports: period changed through the form (htmx swap, pushed URL), a bad
custom period answered next to the field, the allowance list and a statement; axe after every step,
charts included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from tests.browser.conftest import follow

pytestmark = pytest.mark.browser


def test_coordinator_changes_the_period_and_reads_the_figures(page, live_server, axe, log_in):
    log_in(page, Role.COORDINATOR)
    follow(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Berichte"))
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Berichte")
    expect(page.locator("#chart-status")).to_be_visible()
    axe.check(page)

    year = local_today().year
    page.get_by_label("Art des Zeitraums").select_option("year")
    expect(page).to_have_url(re.compile(r"period=year"))
    expect(page.locator("#report-status")).to_have_text(f"Kennzahlen für {year}")
    expect(page.locator("#chart-month")).to_be_visible()
    svg = page.locator("#chart-month")
    expect(svg).to_have_attribute("role", "img")
    expect(page.locator("#month-table")).to_be_visible()
    axe.check(page)

    # Each change asks again; a half-typed custom period answers 422 and the next change
    # cancels the request still on its way (hx-sync replace), which htmx logs.
    page.problems.expect_console_error(r"status of 422|htmx:afterRequest|htmx:sendAbort")
    page.get_by_label("Art des Zeitraums").select_option("custom")
    page.get_by_label("von", exact=True).fill(f"{year}-03-31")
    page.get_by_label("bis", exact=True).fill(f"{year}-03-01")
    page.get_by_role("button", name="Bericht anzeigen").click()
    expect(page.locator("#end-error")).to_contain_text("Der letzte Tag liegt vor dem ersten")
    expect(page.get_by_label("bis", exact=True)).to_have_attribute("aria-invalid", "true")
    axe.check(page)

    page.get_by_label("von", exact=True).fill(f"{year}-03-01")
    page.get_by_label("bis", exact=True).fill(f"{year}-03-31")
    page.get_by_role("button", name="Bericht anzeigen").click()
    expect(page.locator("#end-error")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"period=custom"))
    axe.check(page)

    # Without JavaScript's help the same URL is a whole page.
    page.goto(page.url)
    expect(page.locator("#chart-status")).to_be_visible()
    axe.check(page)

    follow(page.get_by_role("navigation", name="Berichte").get_by_role("link", name="Aufwandsentschädigung"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aufwandsentschädigung")
    axe.check(page)
    statement_links = page.locator("#allowance-table tbody a")
    if statement_links.count():
        statement_links.first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Abrechnung Aufwandsentschädigung")
        axe.check(page)


def test_admin_sets_a_rate(page, live_server, axe, log_in):
    log_in(page, Role.ADMIN)
    page.goto("/reports/rates")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sätze der Aufwandsentschädigung")
    axe.check(page)
    page.get_by_label("gültig ab").fill(f"{local_today().year + 1}-01-01")
    page.problems.expect_console_error("status of 422")
    page.get_by_label("Euro je Stunde").fill("zwölf")
    page.get_by_label("Euro je Kilometer").fill("0,30")
    page.get_by_role("button", name="Satz speichern").click()
    expect(page.locator("#per_hour-error")).to_contain_text("höchstens zwei Nachkommastellen")
    axe.check(page)
    page.get_by_label("Euro je Stunde").fill("12,50")
    page.get_by_role("button", name="Satz speichern").click()
    expect(page.locator("#flash")).to_contain_text("gespeichert")
    expect(page.get_by_role("cell", name="12,50\xa0€")).to_be_visible()
    axe.check(page)
