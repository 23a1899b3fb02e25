"""What people do with KI-Match today, end to end in a real browser, with axe on every new page.

Each journey uses its own addresses, so the journeys do not depend on each
other's order even though they share this module's data set.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from tests.browser.conftest import follow, main_navigation

pytestmark = pytest.mark.browser

NEW_PASSWORD = "ein langer Satz als Passwort"


def unique(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}"


def test_helper_registers_confirms_and_is_approved(new_page, live_server, axe, log_in, register):
    email = f"{unique('amina')}@example.org"
    name = f"Amina K. {uuid.uuid4().hex[:4]}"

    # A volunteer finds the sign-up from her KI's front door (other journeys add KIs, so the
    # installation's start page may be the chooser).
    helper = new_page()
    helper.goto("/k/hoexter/")
    follow(main_navigation(helper).get_by_role("link", name="Als Helfer*in registrieren"))
    helper.wait_for_url(re.compile(r"/k/hoexter/register$"))
    axe.check(helper)
    register(helper, name, email, NEW_PASSWORD)
    helper.wait_for_url(re.compile(r"/check-mail/register$"))
    expect(helper.get_by_role("heading", level=1)).to_have_text("Bitte sehen Sie in Ihr Postfach")
    axe.check(helper)

    # The link from the e-mail asks for one click to confirm.
    helper.goto(live_server.link_in_mail("verify_email", email))
    axe.check(helper)
    helper.get_by_role("button", name="Adresse bestätigen").click()
    helper.wait_for_url(re.compile(r"/login$"))
    expect(helper.locator("#flash")).to_contain_text("Ihre E-Mail-Adresse ist bestätigt")
    axe.check(helper)

    log_in(helper, email, NEW_PASSWORD)
    # Nothing entered yet: the start page names the first step, not "waiting for approval".
    expect(helper.get_by_text("Schritt 1 von 5:")).to_be_visible()
    expect(helper.get_by_role("heading", name="Ihr Profil wartet auf Freigabe")).to_have_count(0)
    axe.check(helper)

    # A coordinator sees the new helper among the approvals and approves them.
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    follow(main_navigation(coordinator).get_by_role("link", name="Freigaben"))
    coordinator.wait_for_url(re.compile(r"/helpers/approvals$"))
    axe.check(coordinator)
    card = coordinator.locator("li.card").filter(has=coordinator.get_by_role("heading", name=name))
    expect(card).to_contain_text(email)
    card.get_by_role("button", name=f"{name} freigeben").click()
    expect(coordinator.locator("#flash")).to_contain_text(f"{name} ist freigegeben.")
    expect(card).to_have_count(0)
    axe.check(coordinator)

    # The helper's start page says so.
    helper.reload()
    expect(helper.get_by_text("Ihr Profil ist freigegeben.")).to_be_visible()
    axe.check(helper)


def test_admin_invites_a_coordinator_who_sets_a_password(new_page, live_server, axe, log_in):
    email = f"{unique('jonas')}@ki-hoexter.example"
    name = f"Jonas B. {uuid.uuid4().hex[:4]}"

    admin = new_page()
    log_in(admin, Role.ADMIN)
    follow(main_navigation(admin).get_by_role("link", name="Konten"))
    admin.wait_for_url(re.compile(r"/admin/users$"))
    axe.check(admin)
    follow(admin.get_by_role("link", name="Person einladen"))
    admin.wait_for_url(re.compile(r"/admin/users/invite$"))
    axe.check(admin)
    admin.get_by_label("Name", exact=True).fill(name)
    admin.get_by_label("E-Mail-Adresse").fill(email)
    admin.get_by_label("Rolle").select_option(label="Koordination")
    admin.get_by_role("button", name="Einladung senden").click()
    admin.wait_for_url(re.compile(r"/admin/users$"))
    expect(admin.locator("#flash")).to_contain_text(f"Die Einladung an {email} ist unterwegs.")
    expect(admin.get_by_role("row").filter(has_text=email)).to_contain_text("eingeladen")
    axe.check(admin)

    # The invitee opens the link in their own browser and chooses a password.
    invitee = new_page()
    link = live_server.link_in_mail("invitation", email)
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Willkommen bei KI-Match")
    axe.check(invitee)
    invitee.get_by_label("Neues Passwort").fill(NEW_PASSWORD)
    invitee.get_by_label("Passwort wiederholen").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Konto einrichten").click()
    # Setting the password through the mailed link logs the invitee in.
    expect(invitee.locator("#flash")).to_contain_text("Ihr Konto ist eingerichtet")
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Was jetzt ansteht")
    axe.check(invitee)
    expect(main_navigation(invitee).get_by_role("link", name="Freigaben")).to_be_visible()
    axe.check(invitee)

    # Used once, the link is spent.
    invitee.problems.expect_console_error("status of 404")
    response = invitee.goto(link)
    assert response.status == 404
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Dieser Link ist nicht mehr gültig")


def test_after_logout_back_shows_no_personal_data(page, live_server, axe, log_in):
    email, name = live_server.account(Role.HELPER)
    log_in(page, Role.HELPER)
    response = page.goto("/account")
    assert "no-store" in response.headers["cache-control"]
    expect(page.locator("main")).to_contain_text(email)

    main_navigation(page).get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r"/login$"))
    expect(page.locator("#flash")).to_contain_text("Sie sind abgemeldet.")
    axe.check(page)

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    content = page.content()
    assert email not in content and name not in content, "the account page came back after logout"

    page.goto("/k/hoexter/")  # a visitor again, at her KI's front door
    expect(page.get_by_role("heading", level=1)).to_have_text("Kreis Höxter")
    expect(page.locator("main").get_by_role("link", name="Als Helfer*in registrieren")).to_be_visible()
    expect(main_navigation(page).get_by_role("button", name="Abmelden")).to_have_count(0)
    assert name not in page.content()
    axe.check(page)
