"""A coordinator makes a weekly series around the Osterferien: the preview shows the holiday gap
before anything is saved; on the series page one date is moved, and a later date is called off
with all that follow. axe at both widths after every step."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.core import dates
from tests.browser.conftest import (
    check_both_widths,
    fill_request,
    follow,
    main_navigation,
    repeat_weekly_over_osterferien,
    settle,
)
from tests.factories import osterferien_term

pytestmark = pytest.mark.browser


def test_coordinator_makes_a_series_with_a_holiday_gap_and_changes_it(page, axe, log_in):
    first, until = osterferien_term()
    client_ref = f"Schule S-17{uuid.uuid4().hex[:4]}"
    log_in(page, Role.COORDINATOR)
    follow(main_navigation(page).get_by_role("link", name="Neue Anfrage"))
    fill_request(
        page,
        language="Arabisch",
        day=first.isoformat(),
        town="Brakel",
        place="Grundschule Brakel",
        client_ref=client_ref,
    )

    repeat_weekly_over_osterferien(page, until)
    settle(page)
    check_both_widths(page, axe)

    page.get_by_role("button", name="Anfrage öffnen").click()
    expect(page).to_have_url(re.compile(r"/series/\d+$"))
    expect(page.locator("#flash")).to_contain_text("Die Serie mit 4 Terminen ist angelegt.")
    rows = page.locator("#series-dates .series-table tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator(".series-skips li")).to_have_count(2)
    check_both_widths(page, axe)

    # The second date moves to the Wednesday at 14:30.
    second = rows.nth(1)
    second.locator("summary").click()
    move = second.locator("form").filter(has=page.get_by_role("button", name="Verschieben"))
    moved_to = first + timedelta(days=8)
    move.get_by_label("Neues Datum").fill(moved_to.isoformat())
    move.get_by_label("Neue Uhrzeit").fill("14:30")
    move.get_by_role("button", name="Verschieben").click()
    settle(page)
    message = page.locator("#series-dates [role=status]")
    expect(message).to_contain_text(f"jetzt am {dates.show(moved_to, 'day_medium', 'de')} um 14:30")
    expect(message).to_be_focused()
    expect(rows.nth(1)).to_contain_text("verschoben, geplant war")
    expect(rows.nth(1)).to_contain_text("14:30")
    check_both_widths(page, axe)

    # From the third date on, the course ends: this and all following are called off.
    third = rows.nth(2)
    third.locator("summary").click()
    following = third.locator("form").filter(has=page.get_by_role("button", name="Alle absagen"))
    following.get_by_label("Grund").fill("Kurs endet früher")
    following.get_by_role("button", name="Alle absagen").click()
    settle(page)
    expect(message).to_contain_text("2 Termine sind abgesagt.")
    expect(rows.nth(2)).to_contain_text("abgesagt")
    expect(rows.nth(3)).to_contain_text("abgesagt")
    expect(rows.nth(0)).to_contain_text("offen")
    check_both_widths(page, axe)
