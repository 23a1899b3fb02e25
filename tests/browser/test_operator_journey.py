"""The installation operator sets a new KI up; its first admin takes over from the invitation."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accept_invitation, follow, main_navigation

pytestmark = pytest.mark.browser

PASSWORD = "ein langer Satz als Passwort"


def test_operator_creates_a_ki_whose_admin_invites_a_coordinator(new_page, live_server, axe, log_in):
    slug = f"heinsberg-{uuid.uuid4().hex[:6]}"
    admin_email = f"it.{uuid.uuid4().hex[:8]}@kreis-heinsberg.example"
    coordinator_email = f"koordination.{uuid.uuid4().hex[:8]}@kreis-heinsberg.example"

    # The operator logs in and lands on the list of KIs.
    operator = new_page()
    log_in(operator, live_server.operator(PASSWORD), PASSWORD)
    operator.wait_for_url(re.compile(r"/operator$"))
    expect(operator.get_by_role("heading", level=1)).to_have_text("KIs dieser Installation")
    axe.check(operator)

    follow(main_navigation(operator).get_by_role("link", name="KI anlegen"))
    operator.wait_for_url(re.compile(r"/operator/kis/new$"))
    axe.check(operator)
    # A slug that cannot stand in an address is refused next to its field, the rest is kept.
    operator.problems.expect_console_error("status of 422")
    operator.get_by_label("Name", exact=True).fill("Kreis Heinsberg")
    operator.get_by_label("Kürzel").fill("Kreis Heinsberg")
    operator.get_by_label("E-Mail-Adresse der ersten Administration").fill(admin_email)
    operator.get_by_role("button", name="KI anlegen und einladen").click()
    expect(operator.locator("#slug-error")).to_contain_text("Nur Kleinbuchstaben")
    expect(operator.get_by_label("Name", exact=True)).to_have_value("Kreis Heinsberg")
    axe.check(operator)
    operator.get_by_label("Kürzel").fill(slug)
    operator.get_by_role("button", name="KI anlegen und einladen").click()
    operator.wait_for_url(re.compile(r"/operator$"))
    expect(operator.locator("#flash")).to_contain_text(f"Die Einladung an {admin_email} ist unterwegs.")
    row = operator.get_by_role("row").filter(has_text=f"/k/{slug}/")
    expect(row).to_contain_text("aktiv")
    axe.check(operator)

    # The confirmation step of a deactivation, left without deactivating.
    follow(row.get_by_role("link", name="Kreis Heinsberg deaktivieren"))
    operator.wait_for_url(re.compile(r"/deactivate$"))
    expect(operator.get_by_role("button", name="Kreis Heinsberg deaktivieren")).to_be_visible()
    axe.check(operator)
    follow(operator.get_by_role("link", name="Abbrechen, zurück zur Liste"))
    operator.wait_for_url(re.compile(r"/operator$"))

    follow(main_navigation(operator).get_by_role("link", name="Zahlen"))
    operator.wait_for_url(re.compile(r"/operator/figures$"))
    expect(operator.get_by_role("heading", name="Kennzahlen je KI")).to_be_visible()
    axe.check(operator)

    # The new KI's admin opens the invitation in their own browser and sets a password.
    admin = new_page()
    accept_invitation(admin, live_server.link_in_mail("invitation", admin_email), PASSWORD)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Administration")
    expect(admin.locator(".site-footer")).to_contain_text("Kreis Heinsberg")
    axe.check(admin)

    # …and invites the KI's first coordinator.
    follow(main_navigation(admin).get_by_role("link", name="Konten"))
    admin.wait_for_url(re.compile(r"/admin/users$"))
    follow(admin.get_by_role("link", name="Person einladen"))
    admin.wait_for_url(re.compile(r"/admin/users/invite$"))
    admin.get_by_label("Name", exact=True).fill("Kira Koordination")
    admin.get_by_label("E-Mail-Adresse").fill(coordinator_email)
    admin.get_by_label("Rolle").select_option(label="Koordination")
    admin.get_by_role("button", name="Einladung senden").click()
    admin.wait_for_url(re.compile(r"/admin/users$"))
    expect(admin.locator("#flash")).to_contain_text(f"Die Einladung an {coordinator_email} ist unterwegs.")
    expect(admin.get_by_role("row").filter(has_text=coordinator_email)).to_contain_text("eingeladen")
    axe.check(admin)
