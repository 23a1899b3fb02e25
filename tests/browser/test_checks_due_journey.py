"""A coordinator opens "Nachweise", finds a helper whose police certificate has run out, records
it as seen today ("gesehen am"), and the helper leaves the list. Axe at desktop width and on a
390 px phone, after every swap."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from tests.browser.conftest import check_both_widths, follow, main_navigation
from tests.factories import first_ki, make_helper

pytestmark = pytest.mark.browser


@pytest.fixture
def expired_helper(live_server):
    """A helper of the demo KI with everything on record but a police certificate seen in 2001:
    among the expired ones, hers ran out first."""
    suffix = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        helper = make_helper(
            ki=first_ki(), display_name=f"Zeynep{suffix} Abgelaufen", email=f"z{suffix}@example.org"
        )
        helper.confidentiality_signed_on = date(2020, 1, 1)
        helper.qualification_completed_on = date(2020, 1, 1)
        helper.police_certificate_seen_on = date(2001, 1, 1)
        db.session.commit()
        return helper.id, helper.user.display_name


def test_a_coordinator_records_an_expired_certificate_as_seen_and_the_helper_leaves_the_list(
    new_page, live_server, axe, log_in, expired_helper
):
    profile_id, name = expired_helper
    page = new_page()
    log_in(page, Role.COORDINATOR)
    follow(main_navigation(page).get_by_role("link", name="Nachweise", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachweise")

    with page.expect_response(lambda response: "state=expired" in response.url):
        page.get_by_label("Stand").select_option(label="abgelaufen")
    row = page.locator(f"#due-row-{profile_id}")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("abgelaufen am")
    field = row.get_by_label("Gesehen am")
    expect(field).to_have_value(local_today().isoformat())  # today unless changed
    check_both_widths(page, axe)

    # A day in the future: the message stands next to the field, the date typed stays.
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    field.fill(tomorrow)
    page.problems.expect_console_error("status of 422")
    row.get_by_role("button", name="Gesehen").click()
    expect(row.locator(".field-error")).to_contain_text("Das Datum liegt in der Zukunft")
    expect(row.get_by_label("Gesehen am")).to_have_value(tomorrow)
    check_both_widths(page, axe)

    row.get_by_label("Gesehen am").fill(local_today().isoformat())
    row.get_by_role("button", name="Gesehen").click()
    expect(row.get_by_role("status")).to_contain_text(f"Gespeichert: {name}")
    expect(row).to_contain_text("Alle Nachweise sind vorhanden.")
    expect(row.get_by_role("status")).to_be_focused()
    check_both_widths(page, axe)

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachweise")
    expect(page.locator(f"#due-row-{profile_id}")).to_have_count(0)
