"""An admin asks "who looked at this helper's data this month?": from the helper's page to the
audit log filtered to her, narrowed to this month, and exported."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.accounts.services import user_by_email
from ki_match.clock import local_today
from tests.browser.conftest import DEMO_LOGINS, check_both_widths, follow
from tests.factories import first_ki, make_helper

pytestmark = pytest.mark.browser


def test_admin_finds_who_looked_at_a_helpers_data_this_month_and_exports_it(
    new_page, live_server, axe, log_in
):
    name = f"Samira{uuid.uuid4().hex[:4]} Audittest"
    with live_server.app.app_context():
        profile_id = make_helper(ki=first_ki(), display_name=name).id
        coordinator = user_by_email(DEMO_LOGINS[Role.COORDINATOR]).display_name
    coordinator_page = new_page()
    log_in(coordinator_page, Role.COORDINATOR)
    coordinator_page.goto(f"/helpers/{profile_id}")
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(name)
    expect(coordinator_page.get_by_role("link", name=re.compile("Wer hat die Daten"))).to_have_count(0)

    page = new_page()
    log_in(page, Role.ADMIN)
    page.goto(f"/helpers/{profile_id}")
    follow(page.get_by_role("link", name="Wer hat die Daten dieser Person gesehen oder geändert?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")
    expect(page.locator("#audit-helper")).to_contain_text(f"Nur über: {name}")
    results = page.locator("#audit-results")
    # Her page was opened twice: by the coordinator, then by the admin on the way here.
    expect(results.get_by_role("status")).to_have_text("2 Einträge")
    check_both_widths(page, axe)

    # This month only, and only who looked (not who changed anything).
    page.get_by_label("Von", exact=True).fill(local_today().replace(day=1).isoformat())
    page.get_by_label("Art", exact=True).select_option(label="Daten angesehen oder heruntergeladen")
    expect(page).to_have_url(re.compile(r"group=seen"))
    expect(results.get_by_role("status")).to_have_text("2 Einträge")
    rows = results.locator("tbody tr")
    expect(rows.first).to_contain_text("Helfende*n angesehen")
    expect(rows.filter(has_text=coordinator)).to_have_count(1)
    expect(results.get_by_role("link", name=name).first).to_have_attribute("href", f"/helpers/{profile_id}")
    check_both_widths(page, axe)

    with page.expect_download() as download:
        results.get_by_role("link", name="Als CSV herunterladen").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = exported.strip().splitlines()
    assert lines[0].startswith("Wann;Wer;Was")
    assert len(lines) == 3 and all(name in line and "Helfende*n angesehen" in line for line in lines[1:])
