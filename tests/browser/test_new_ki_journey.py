"""A new KI from nothing to a first candidate, in the browser: the operator creates Kreis Heinsberg,
its admin takes over from the invitation, adds a town from the NRW list and a language by its
English name and invites a coordinator; a visitor finds the KI in the chooser by her postcode,
registers at its front door and sets up her profile; the coordinator approves her and finds her
among the candidates of a request. axe on every page met for the first time on the way."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    accept_invitation,
    add_weekly_slot,
    confirm_address,
    fill_request,
    follow,
    gate_checks_recorded,
    main_navigation,
    search_as_you_type,
    settle,
)
from tests.factories import next_tuesday

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "ein langer Satz als Passwort"
SLUG = "heinsberg"


@pytest.fixture
def heinsberg(live_server):
    """Kreis Heinsberg is made by the test, and deactivated afterwards."""
    yield SLUG
    live_server.deactivate_ki(SLUG)


def test_a_new_ki_from_the_operator_to_its_first_candidate(
    new_page, live_server, axe, log_in, register, heinsberg
):
    suffix = uuid.uuid4().hex[:6]
    admin_email = f"it.{suffix}@kreis-heinsberg.example"
    coordinator_email = f"koordination.{suffix}@kreis-heinsberg.example"
    helper_email = f"meron.{suffix}@example.org"
    helper_name = f"Meron T. {suffix}"

    # The operator creates the KI with an address for its first admin.
    operator = new_page()
    log_in(operator, live_server.operator(PASSWORD), PASSWORD)
    operator.wait_for_url(re.compile(r"/operator$"))
    follow(main_navigation(operator).get_by_role("link", name="KI anlegen"))
    operator.wait_for_url(re.compile(r"/operator/kis/new$"))
    axe.check(operator)
    operator.get_by_label("Name", exact=True).fill("Kreis Heinsberg")
    operator.get_by_label("Kürzel").fill(SLUG)
    operator.get_by_label("E-Mail-Adresse der ersten Administration").fill(admin_email)
    operator.get_by_role("button", name="KI anlegen und einladen").click()
    operator.wait_for_url(re.compile(r"/operator$"))
    expect(operator.locator("#flash")).to_contain_text(f"Die Einladung an {admin_email} ist unterwegs.")
    expect(operator.get_by_role("row").filter(has_text=f"/k/{SLUG}/")).to_contain_text("aktiv")
    axe.check(operator)

    # The admin takes over from the invitation and adds a town picked from the NRW list…
    admin = new_page()
    accept_invitation(admin, live_server.link_in_mail("invitation", admin_email), PASSWORD)
    expect(admin.locator(".site-footer")).to_contain_text("Kreis Heinsberg")
    follow(admin.get_by_role("link", name="Orte, Sprachen, Themen"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Orte")
    axe.check(admin)
    search_as_you_type(admin, "Gemeinde suchen", "Heinsberg")
    admin.get_by_role("link", name="Heinsberg übernehmen").click()
    settle(admin)
    town_form = admin.locator("#town-add")
    expect(town_form.get_by_label("Name")).to_have_value("Heinsberg")
    town_form.get_by_role("button", name="Ort anlegen").click()
    expect(admin.get_by_text("Heinsberg ist angelegt.")).to_be_visible()
    expect(admin.get_by_role("cell", name="05370016")).to_be_visible()
    axe.check(admin)

    # …a language found by its English name…
    follow(admin.get_by_role("link", name="Sprachen", exact=True))
    axe.check(admin)
    search_as_you_type(admin, "Sprache suchen", "Amharic")
    admin.get_by_role("button", name="Amharisch hinzufügen").click()
    expect(admin.get_by_text("Amharisch steht jetzt in Ihren Sprachlisten.")).to_be_visible()
    axe.check(admin)

    # …and invites a coordinator, who sets her password from the mail.
    follow(main_navigation(admin).get_by_role("link", name="Konten"))
    follow(admin.get_by_role("link", name="Person einladen"))
    admin.get_by_label("Name", exact=True).fill("Kira Koordination")
    admin.get_by_label("E-Mail-Adresse").fill(coordinator_email)
    admin.get_by_label("Rolle").select_option(label="Koordination")
    admin.get_by_role("button", name="Einladung senden").click()
    expect(admin.locator("#flash")).to_contain_text(f"Die Einladung an {coordinator_email} ist unterwegs.")
    coordinator = new_page()
    accept_invitation(coordinator, live_server.link_in_mail("invitation", coordinator_email), PASSWORD)
    expect(coordinator.locator(".site-footer")).to_contain_text("Kreis Heinsberg")

    # A visitor on her phone finds the KI by her postcode and registers at its front door.
    helper = new_page()
    helper.set_viewport_size(PHONE)
    helper.goto("/")
    expect(helper).to_have_url(re.compile(r"/k/$"))
    search_as_you_type(helper, "Name, Ort oder Postleitzahl", "52525")
    results = helper.locator("#ki-results")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results).to_contain_text("Kreis Heinsberg – für Heinsberg")
    axe.check(helper)
    follow(results.get_by_role("link", name="Kreis Heinsberg"))
    helper.wait_for_url(re.compile(rf"/k/{SLUG}/$"))
    expect(helper.get_by_role("heading", level=1)).to_have_text("Kreis Heinsberg")
    axe.check(helper)
    follow(helper.locator("main").get_by_role("link", name="Als Helfer*in registrieren"))
    helper.wait_for_url(re.compile(rf"/k/{SLUG}/register$"))
    expect(helper.get_by_text("Sie registrieren sich bei: Kreis Heinsberg.")).to_be_visible()
    axe.check(helper)
    register(helper, helper_name, helper_email, PASSWORD)
    helper.wait_for_url(re.compile(r"/check-mail/register$"))
    confirm_address(helper, live_server.link_in_mail("verify_email", helper_email))
    log_in(helper, helper_email, PASSWORD)

    # She sets up her profile: the KI's new language and town, and Tuesday mornings.
    follow(helper.get_by_role("link", name="Profil weiter einrichten"))
    expect(helper).to_have_url(re.compile(r"/profile/languages\?setup=1$"))
    # Reached by a link's click: until the load event htmx may not have taken over the form, and
    # "Hinzufügen" would post the whole page (the answer then is a new page, not the list's swap).
    helper.wait_for_load_state("load")
    for language, level, saved in (
        ("Amharisch", "Muttersprache", "Amharisch (Muttersprache) ist gespeichert."),
        ("Deutsch", "B1", "Deutsch (B1) ist gespeichert."),
    ):
        helper.get_by_label("Sprache", exact=True).select_option(label=language)
        helper.get_by_label("Wie gut?").select_option(label=level)
        helper.get_by_role("button", name="Hinzufügen").click()
        expect(helper.locator("#language-list [role=status]")).to_have_text(saved)
    helper.get_by_role("button", name="Weiter", exact=True).click()
    expect(helper).to_have_url(re.compile(r"/profile/where\?setup=1$"))
    helper.get_by_label("Wo wohnen Sie?").select_option(label="Heinsberg")
    helper.get_by_label("Wie weit fahren Sie höchstens? (km)").fill("20")
    helper.get_by_role("button", name="Weiter", exact=True).click()
    expect(helper).to_have_url(re.compile(r"/profile/when\?setup=1$"))
    add_weekly_slot(helper, "Dienstag", "09:00", "13:00")
    helper.get_by_role("button", name="Weiter", exact=True).click()
    expect(helper).to_have_url(re.compile(r"/profile/more\?setup=1$"))
    helper.get_by_label("Ehrenamtliche Helferin oder ehrenamtlicher Helfer").check()
    helper.get_by_role("button", name="Weiter", exact=True).click()
    expect(helper).to_have_url(re.compile(r"/profile/consent\?setup=1$"))
    helper.get_by_role("button", name="Ich willige ein").click()
    expect(helper).to_have_url(re.compile(r"/profile$"))
    expect(helper.get_by_text("Ihr Profil ist vollständig.")).to_be_visible()

    # The coordinator approves her…
    follow(main_navigation(coordinator).get_by_role("link", name="Freigaben"))
    card = coordinator.locator("li.card").filter(has=coordinator.get_by_role("heading", name=helper_name))
    card.get_by_role("button", name=f"{helper_name} freigeben").click()
    expect(coordinator.locator("#flash")).to_contain_text(f"{helper_name} ist freigegeben.")

    # …and finds her among the candidates of a request in her language, town and time.
    gate_checks_recorded(live_server.app, helper_name)
    follow(main_navigation(coordinator).get_by_role("link", name="Neue Anfrage"))
    expect(coordinator).to_have_url(re.compile(r"/requests/new$"))
    fill_request(
        coordinator,
        language="Amharisch",
        day=next_tuesday().isoformat(),
        town="Heinsberg",
        place="Kreishaus Heinsberg, Valkenburger Str. 45",
        client_ref=f"Familie H-17{suffix}",
    )
    expect(coordinator.locator("#candidates-preview")).to_contain_text(helper_name)
    coordinator.get_by_role("button", name="Anfrage öffnen").click()
    expect(coordinator).to_have_url(re.compile(r"/requests/\d+#candidates-heading$"))
    candidates = coordinator.locator("#candidates")
    expect(candidates).to_contain_text(helper_name)
    expect(candidates).to_contain_text("Muttersprache Amharisch")
