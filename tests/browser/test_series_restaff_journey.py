"""A series changes hands, like in a calendar: three Tuesdays with a confirmed helper; the
coordinator moves this and all following to Thursday, then gives the following dates to another
helper who is free on Thursdays. The table shows each change after its htmx answer; axe at both
widths after each step."""

from __future__ import annotations

import re
import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.accounts.services import user_by_email
from ki_match.clock import local_today
from ki_match.reference.models import Level
from ki_match.requests import queries
from tests.browser.conftest import DEMO_LOGINS, check_both_widths, settle
from tests.factories import booked, make_available_helper, make_series

pytestmark = pytest.mark.browser

TIGRINYA = (("ti", Level.NATIVE), ("de", Level.B2))
TUESDAY, THURSDAY = 1, 3


def _series_with_helper(app, ref: str) -> tuple[int, str, str]:
    """Three Tuesdays at 10:00, a few weeks ahead, Tigrinya in Brakel, with Nadia confirmed on all
    three (free Tuesdays and Thursdays); Samira is free on Thursdays only. (series id, Nadia's name,
    Samira's name)"""
    with app.app_context():
        coordinator = user_by_email(DEMO_LOGINS[Role.COORDINATOR])
        first = local_today() + timedelta(days=(TUESDAY - local_today().weekday()) % 7 + 28)
        made = make_series(
            first=first, count=3, skip_holidays=False, created_by=coordinator, minutes=60, lang="ti"
        )
        nadia, samira = f"Nadia {ref}", f"Samira {ref}"
        mornings = ((TUESDAY, time(9), time(13)), (THURSDAY, time(9), time(13)))
        confirmed = make_available_helper(display_name=nadia, languages=TIGRINYA, slots=mornings)
        make_available_helper(display_name=samira, languages=TIGRINYA, slots=mornings[1:])
        for date in queries.series_requests(made.id):
            booked(date, confirmed)
        return made.id, nadia, samira


def test_following_dates_move_to_thursday_and_go_to_another_helper(new_page, live_server, axe, log_in):
    ref = uuid.uuid4().hex[:6]
    series_id, nadia, samira = _series_with_helper(live_server.app, ref)

    page = new_page()
    log_in(page, Role.COORDINATOR)
    page.goto(f"/series/{series_id}")
    rows = page.locator("#series-dates .series-table tbody tr")
    expect(rows).to_have_count(3)
    for number in range(3):
        expect(rows.nth(number)).to_contain_text(nadia)
    check_both_widths(page, axe)

    # From the first date on, the appointments move to Thursday at 11:00.
    rows.nth(0).locator("summary").click()
    retime = rows.nth(0).locator("form").filter(has=page.get_by_role("button", name="Alle verlegen"))
    retime.get_by_label("Neue Uhrzeit").fill("11:00")
    retime.get_by_label("Wochentag").select_option(label="Donnerstag")
    retime.get_by_role("button", name="Alle verlegen").click()
    settle(page)
    message = page.locator("#series-dates [role=status]")
    expect(message).to_contain_text("3 Termine sind auf Donnerstag, 11:00 Uhr verlegt.")
    expect(message).to_be_focused()
    for number in range(3):
        expect(rows.nth(number).locator("th")).to_contain_text(re.compile(r"^\s*Do\."))
        expect(rows.nth(number)).to_contain_text("11:00")
        expect(rows.nth(number)).to_contain_text("verschoben, geplant war Di.")
        expect(rows.nth(number)).to_contain_text(nadia)
    check_both_widths(page, axe)

    # From the second date on, Samira is asked instead of Nadia.
    rows.nth(1).locator("summary").click()
    restaff = (
        rows.nth(1).locator("form").filter(has=page.get_by_role("button", name="Person für alle wechseln"))
    )
    expect(restaff.get_by_label("Wer wird ersetzt?")).to_have_value(re.compile(r"\d+"))
    restaff.get_by_label("Neue Person").select_option(label=f"{samira} – kann 2 von 2 Terminen")
    restaff.get_by_role("button", name="Person für alle wechseln").click()
    settle(page)
    expect(message).to_contain_text(f"{nadia} ist für 2 Termine freigegeben, {samira} dafür angefragt.")
    expect(message).to_be_focused()
    expect(rows.nth(0)).to_contain_text(nadia)
    for number in (1, 2):
        expect(rows.nth(number)).not_to_contain_text(nadia)
        expect(rows.nth(number)).to_contain_text("angefragt")
    check_both_widths(page, axe)
