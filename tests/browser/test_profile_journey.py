"""A new helper sets up their profile on a phone, mostly with the keyboard, with axe after every step and swap."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import add_weekly_slot, follow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "ein langer Satz als Passwort"


def press_button(page, name: str) -> None:
    """Reach a button with the keyboard (focus, as Tab would) and press Enter."""
    button = page.get_by_role("button", name=name, exact=True)
    button.focus()
    page.keyboard.press("Enter")


def test_new_helper_sets_up_the_profile_on_a_phone(new_page, live_server, axe, log_in, register):
    email = f"lina.{uuid.uuid4().hex[:8]}@example.org"
    page = new_page()
    page.set_viewport_size(PHONE)
    page.problems.expect_console_error(r"status of 422")  # the wrong entry below, answered with 422

    # Register and confirm the address.
    page.goto("/k/hoexter/register")
    register(page, "Lina S.", email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/check-mail/register$"))
    page.goto(live_server.link_in_mail("verify_email", email))
    page.get_by_role("button", name="Adresse bestätigen").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    log_in(page, email, PASSWORD)

    # The start page leads into the set-up, at the first step with something missing.
    follow(page.get_by_role("link", name="Profil weiter einrichten"))
    expect(page).to_have_url(re.compile(r"/profile/languages\?setup=1$"))
    expect(page.get_by_text("Schritt 1 von 5")).to_be_visible()
    axe.check(page)

    # Step 1: Arabic as mother tongue, German at B1; Enter in the row adds it in place.
    page.get_by_label("Sprache", exact=True).focus()
    page.get_by_label("Sprache", exact=True).select_option(label="Arabisch")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wie gut?")).to_be_focused()
    page.get_by_label("Wie gut?").select_option(label="Muttersprache")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Hinzufügen")).to_be_focused()
    page.keyboard.press("Enter")
    status = page.locator("#language-list [role=status]")
    expect(status).to_have_text("Arabisch (Muttersprache) ist gespeichert.")
    expect(status).to_be_focused()
    axe.check(page)

    # Arabic is in the list now, so the picker no longer offers it.
    picker = page.get_by_label("Sprache", exact=True)
    expect(picker.locator("option", has_text="Arabisch")).to_have_count(0)
    expect(picker.locator("option", has_text="Deutsch")).to_have_count(1)

    # An empty row is refused next to the field, which gets the focus.
    page.get_by_label("Wie gut?").select_option(label="B1")
    press_button(page, "Hinzufügen")
    expect(page.locator("#language-form")).to_contain_text("Bitte wählen Sie eine Sprache.")
    expect(page.get_by_label("Sprache", exact=True)).to_be_focused()
    axe.check(page)

    page.get_by_label("Sprache", exact=True).select_option(label="Deutsch")
    page.get_by_label("Wie gut?").select_option(label="B1")
    press_button(page, "Hinzufügen")
    expect(status).to_have_text("Deutsch (B1) ist gespeichert.")
    rows = page.locator("#language-list .row-label")
    expect(rows).to_have_text(["Deutsch", "Arabisch"])  # German first
    axe.check(page)
    press_button(page, "Weiter")

    # Step 2: the home town.
    expect(page).to_have_url(re.compile(r"/profile/where\?setup=1$"))
    expect(page.get_by_text("Schritt 2 von 5")).to_be_visible()
    axe.check(page)
    page.get_by_label("Wo wohnen Sie?").select_option(label="Brakel")
    page.get_by_label("Höxter").check()
    page.get_by_label("Wie weit fahren Sie höchstens? (km)").fill("20")
    press_button(page, "Weiter")

    # Step 3: Tuesday morning.
    expect(page).to_have_url(re.compile(r"/profile/when\?setup=1$"))
    axe.check(page)
    page.get_by_label("Tag", exact=True).select_option(label="Dienstag")
    page.get_by_label("von", exact=True).fill("09:00")
    page.get_by_label("bis", exact=True).fill("12:00")
    page.get_by_label("bis", exact=True).press("Enter")
    slot_status = page.locator("#slot-list [role=status]")
    expect(slot_status).to_have_text("Neue Zeit gespeichert: Dienstag 09:00–12:00 Uhr.")
    axe.check(page)
    press_button(page, "Weiter")

    # Step 4: topics and more; the directory stays off unless chosen.
    expect(page).to_have_url(re.compile(r"/profile/more\?setup=1$"))
    axe.check(page)
    expect(page.get_by_label("Im Verzeichnis für Initiativen zeigen")).not_to_be_checked()
    page.get_by_label("Gesundheit").check()
    page.get_by_label("Ehrenamtliche Helferin oder ehrenamtlicher Helfer").check()
    press_button(page, "Weiter")

    # Step 5: consent.
    expect(page).to_have_url(re.compile(r"/profile/consent\?setup=1$"))
    expect(page.get_by_text("Schritt 5 von 5")).to_be_visible()
    axe.check(page)
    press_button(page, "Ich willige ein")

    # Nothing is missing any more.
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Profil")
    expect(page.get_by_text("Das fehlt noch für die Freigabe")).to_have_count(0)
    expect(page.get_by_text("Ihr Profil ist vollständig.")).to_be_visible()
    expect(page.locator("dl.week")).to_contain_text(re.compile(r"Dienstag\s+09:00–12:00"))
    axe.check(page)


def test_slots_and_absences_swap_in_place(new_page, live_server, axe, log_in):
    """The when page on a phone: a clash is explained next to the rows, removing swaps the list."""
    from ki_match.accounts.models import Role

    page = new_page()
    page.set_viewport_size(PHONE)
    page.problems.expect_console_error(r"status of 422")
    log_in(page, Role.HELPER)
    page.goto("/profile/when")
    axe.check(page)

    add_weekly_slot(page, "Freitag", "14:00", "16:00")
    axe.check(page)

    page.get_by_label("Tag", exact=True).select_option(label="Freitag")
    page.get_by_label("von", exact=True).fill("15:00")
    page.get_by_label("bis", exact=True).fill("17:00")
    page.get_by_role("button", name="Zeit hinzufügen").click()
    expect(page.locator("#when-form")).to_contain_text(
        "Diese Zeit überschneidet sich mit Freitag 14:00–16:00 Uhr."
    )
    expect(page.locator(".row-conflict")).to_contain_text("Überschneidet sich mit der neuen Zeit.")
    expect(page.get_by_label("bis", exact=True)).to_have_value("17:00")
    axe.check(page)

    page.get_by_role("button", name="Entfernen (Freitag 14:00–16:00 Uhr)").click()
    expect(page.locator("#slot-list [role=status]")).to_have_text("Entfernt: Freitag 14:00–16:00 Uhr.")
    expect(page.get_by_label("bis", exact=True)).to_have_value("17:00")  # the typed row survived
    axe.check(page)

    page.get_by_label("Erster Tag").fill("2030-07-01")
    page.get_by_label("Letzter Tag").fill("2030-07-14")
    page.get_by_label("Notiz (freiwillig)").fill("Urlaub")
    page.get_by_role("button", name="Abwesenheit eintragen").click()
    expect(page.locator("#absence-list [role=status]")).to_have_text("Abwesenheit gespeichert.")
    expect(page.locator("#absence-list")).to_contain_text("1. Juli 2030 bis 14. Juli 2030 · Urlaub")
    axe.check(page)
