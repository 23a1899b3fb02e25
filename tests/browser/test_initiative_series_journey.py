"""An initiative sends a weekly series in around the Osterferien: the preview shows the holiday gap
before anything is sent; the series page lists every date as submitted. A coordinator, in a second
browser, takes over all dates at once on the series page; the initiative then sees them all in
progress. axe at both widths after every step."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from tests.browser.conftest import check_both_widths, follow, repeat_weekly_over_osterferien, settle
from tests.factories import osterferien_term

pytestmark = pytest.mark.browser


def test_initiative_sends_a_series_in_and_a_coordinator_takes_over_all(new_page, log_in, axe):
    first, until = osterferien_term()
    client_ref = f"Schule S-17{uuid.uuid4().hex[:4]}"
    initiative = new_page()
    log_in(initiative, Role.INITIATIVE)
    follow(initiative.get_by_role("link", name="Neue Anfrage stellen").first)
    expect(initiative.get_by_role("heading", level=1)).to_have_text("Neue Anfrage")
    initiative.get_by_label("Sprache", exact=True).select_option(label="Arabisch")
    initiative.get_by_label("Datum", exact=True).fill(first.isoformat())
    initiative.get_by_label("Beginn (Uhrzeit)").fill("10:00")
    initiative.get_by_label("Stadt", exact=True).select_option(label="Brakel")
    initiative.get_by_label("Genauer Ort").fill("Grundschule Brakel")
    initiative.get_by_label("Kennung der Klientin oder des Klienten").fill(client_ref)

    # The rule: weekly until two weeks after the Osterferien; the preview leaves the holidays out.
    repeat_weekly_over_osterferien(initiative, until)
    settle(initiative)
    check_both_widths(initiative, axe)

    initiative.get_by_role("button", name="Anfrage einreichen").click()
    expect(initiative).to_have_url(re.compile(r"/initiative/series/\d+$"))
    expect(initiative.locator("#flash")).to_contain_text("Ihre Serie mit 4 Terminen ist eingereicht.")
    rows = initiative.locator("#initiative-series tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="eingereicht")).to_have_count(4)
    expect(initiative.locator(".series-skips li")).to_have_count(2)
    check_both_widths(initiative, axe)
    series_path = re.search(r"/initiative/series/(\d+)", initiative.url)
    series_id = series_path.group(1)

    # A coordinator, in a second browser, takes all four dates over on the series page.
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto(f"/series/{series_id}")
    approval = coordinator.locator("#series-approval")
    expect(approval).to_contain_text("Serie mit 4 Terminen, eingereicht von")
    check_both_widths(coordinator, axe)
    approval.get_by_role("button", name="Alle 4 Termine übernehmen").click()
    settle(coordinator)
    message = coordinator.locator("#series-approval [role=status]")
    expect(message).to_contain_text("4 Termine sind übernommen")
    expect(message.locator("p")).to_be_focused()
    dates = coordinator.locator("#series-dates .series-table tbody tr")
    expect(dates.filter(has_text="offen")).to_have_count(4)
    check_both_widths(coordinator, axe)

    # The initiative sees every date in progress.
    initiative.reload()
    expect(rows.filter(has_text="in Bearbeitung")).to_have_count(4)
    check_both_widths(initiative, axe)
