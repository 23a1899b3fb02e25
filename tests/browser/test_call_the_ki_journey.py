"""A helper on a phone opens her confirmed assignment: where the page asks her to call the KI,
the number is a link that dials it; axe finds nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ki_match.extensions import db
from ki_match.orgs.settings import change_settings
from tests.browser.conftest import follow
from tests.factories import PASSWORD, booked, first_ki, make_helper, make_request

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
CONTACT = {"contact_phone": "05271 965-0", "contact_email": "integration@kreis-hoexter.example"}


@pytest.fixture
def assignment_page(live_server):
    """A fresh helper with a confirmed assignment in three days; the KI's contact set for the
    test and put back afterwards (the demo data is shared)."""
    with live_server.app.app_context():
        ki = first_ki()
        before = {name: getattr(ki, name) for name in CONTACT}
        change_settings(ki, None, **CONTACT)
        db.session.commit()
        helper = make_helper(display_name="Nour A.")
        assignment = booked(make_request(), helper)
        yield helper.user.email, f"/assignments/{assignment.id}"
        change_settings(first_ki(), None, **before)
        db.session.commit()


def test_a_helper_on_a_phone_can_call_the_ki_from_her_assignment(new_page, log_in, axe, assignment_page):
    email, path = assignment_page
    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, email, PASSWORD)
    page.goto("/assignments")
    follow(page.locator("main").get_by_role("link", name=re.compile("Begleitung zu einem Termin")).first)
    page.wait_for_url(re.compile(rf"{path}$"))

    section = page.get_by_role("region", name="Sie können doch nicht?")
    expect(section).to_contain_text("rufen Sie bitte zusätzlich das Integrationszentrum an")
    call = section.get_by_role("link", name="05271 965-0")
    expect(call).to_have_attribute("href", "tel:052719650")
    expect(section.get_by_role("link", name=CONTACT["contact_email"])).to_have_attribute(
        "href", f"mailto:{CONTACT['contact_email']}"
    )
    # Tappable with a thumb: on screen at the phone's width, 44 px high.
    call.scroll_into_view_if_needed()
    box = call.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 44
    axe.check(page)
