"""A visitor comes in through a second KI's front door on a phone, registers there, confirms her
address from the mail and finds herself in that KI; axe on the front door and the chooser."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.extensions import db
from ki_match.installation.setup import create_ki
from ki_match.orgs.settings import change_settings
from tests.browser.conftest import follow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "ein langer Satz als Passwort"
SLUG = "kreis-paderborn-journey"


@pytest.fixture
def second_ki(live_server):
    """A second active KI for the length of the test; deactivated afterwards, so the demo
    installation has one active KI again (its visitors go straight to its front door)."""
    with live_server.app.app_context():
        ki = create_ki(SLUG, "KI Kreis Paderborn").ki
        ki.active = True
        change_settings(ki, None, contact_phone="05251 308-0", contact_email="ki@paderborn.example")
        db.session.commit()
    yield SLUG
    live_server.deactivate_ki(SLUG)


def test_visitor_registers_at_a_second_kis_front_door(
    new_page, live_server, axe, log_in, register, second_ki
):
    email = f"dilan.{uuid.uuid4().hex[:8]}@example.org"
    page = new_page()
    page.set_viewport_size(PHONE)

    # With two KIs, the start page asks which one; a town finds it as you type.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/k/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Integrationszentrum finden")
    axe.check(page)
    # (Its full name: other journeys leave KIs with the town Paderborn behind.)
    page.get_by_label("Name, Ort oder Postleitzahl").fill("KI Kreis Paderborn")
    expect(page.locator("#ki-count")).to_have_text("1 Integrationszentrum")
    expect(page.get_by_role("link", name="KI Kreis Paderborn")).to_be_visible()
    axe.check(page)

    # The front door names the KI and how to reach it.
    follow(page.get_by_role("link", name="KI Kreis Paderborn"))
    page.wait_for_url(re.compile(rf"/k/{SLUG}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("KI Kreis Paderborn")
    expect(page.locator("main").get_by_role("link", name="05251 308-0")).to_have_attribute(
        "href", "tel:052513080"
    )
    axe.check(page)

    follow(page.locator("main").get_by_role("link", name="Als Helfer*in registrieren"))
    page.wait_for_url(re.compile(rf"/k/{SLUG}/register$"))
    expect(page.get_by_text("Sie registrieren sich bei: KI Kreis Paderborn.")).to_be_visible()
    axe.check(page)
    register(page, "Dilan A.", email, PASSWORD)
    page.wait_for_url(re.compile(r"/check-mail/register$"))

    page.goto(live_server.link_in_mail("verify_email", email))
    page.get_by_role("button", name="Adresse bestätigen").click()
    page.wait_for_url(re.compile(r"/login$"))
    log_in(page, email, PASSWORD)
    expect(page.locator(".site-footer")).to_contain_text("KI Kreis Paderborn · angemeldet als Dilan A.")
    axe.check(page)
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.ki.slug == SLUG
