"""A person whose browser speaks Arabic, on a phone: registers, sets up the profile, says yes to an
offer and reports hours, finding every field and button by its Arabic words; and the Arabic pages
are mirrored (right to left) where the German ones run left to right.

The words come from the Arabic catalogue as the app has it (``gettext`` under ``force_locale``):
an entry not yet translated is German there and on the page alike, so the journey runs either way.
"""

from __future__ import annotations

import re
import struct
import uuid

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.availability import weekday_names
from ki_match.helpers.models import HelperProfile
from ki_match.reference.models import Language
from ki_match.reference.names import language_name
from ki_match.requests.models import FillMode
from tests.browser.conftest import (
    PHONE_SIZE,
    assignment_moved_into_the_past,
    follow,
    gate_checks,
    open_menu,
    reported_hours,
)
from tests.factories import make_request, offer_to

pytestmark = pytest.mark.browser

PASSWORD = "جملة طويلة ككلمة مرور 2026"
WIDE = {"width": 1024, "height": 768}


@pytest.fixture(scope="module")
def arabic(live_server):
    """``arabic(msgid, **values)``: the words the app shows for ``msgid`` in Arabic."""

    def translate(msgid: str, **values) -> str:
        with live_server.app.app_context(), force_locale("ar"):
            return gettext(msgid, **values)

    return translate


def _names_in_arabic(app) -> tuple[str, str, str]:
    """Arabic and German as the language picker names them in Arabic, and Tuesday."""
    with app.app_context():
        arabic, german = (
            language_name(db.session.scalar(select(Language).where(Language.code == code)), "ar")
            for code in ("ar", "de")
        )
        return arabic, german, weekday_names("ar")[1]


def _approved_with_an_offer(app, email: str) -> int:
    """The new helper approved (her checks recorded) and asked for an Arabic accompaniment in
    Brakel that the first yes takes; the offer's id."""
    with app.app_context():
        profile = db.session.scalar(
            select(HelperProfile).join(User, User.id == HelperProfile.user_id).where(User.email == email)
        )
        profile.approved_at = utcnow()
        for column, value in gate_checks().items():
            setattr(profile, column, value)
        db.session.commit()
        offer = offer_to(make_request(ki=profile.ki, mode=FillMode.FIRST_TO_ACCEPT), profile)
        return offer.id


def _step(page, axe, setup_path: str) -> None:
    """Next step of the set-up: its page, checked."""
    expect(page).to_have_url(re.compile(re.escape(setup_path) + r"\?setup=1$"))
    axe.check(page)


def test_arabic_helper_registers_sets_up_accepts_and_reports_on_a_phone(new_page, live_server, axe, arabic):
    email = f"rana.{uuid.uuid4().hex[:8]}@example.org"
    arabic_name, german_name, tuesday = _names_in_arabic(live_server.app)
    page = new_page(locale="ar")
    page.set_viewport_size(PHONE_SIZE)

    # The browser asks for Arabic, so the front door's registration is Arabic and right to left.
    page.goto("/k/hoexter/register")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    axe.check(page)
    page.get_by_label(arabic("Ihr Name")).fill("Rana A.")
    page.get_by_label(arabic("E-Mail-Adresse")).fill(email)
    page.get_by_label(arabic("Neues Passwort")).fill(PASSWORD)
    page.get_by_label(arabic("Passwort wiederholen")).fill(PASSWORD)
    page.get_by_label(arabic("Ich habe die Datenschutzhinweise gelesen.")).check()
    page.get_by_role("button", name=arabic("Registrieren")).click()
    expect(page).to_have_url(re.compile(r"/check-mail/register$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(arabic("Bitte sehen Sie in Ihr Postfach"))
    axe.check(page)

    # The mail's link, one click to confirm, then the login.
    page.goto(live_server.link_in_mail("verify_email", email))
    axe.check(page)
    page.get_by_role("button", name=arabic("Adresse bestätigen")).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    axe.check(page)
    page.get_by_label(arabic("E-Mail-Adresse")).fill(email)
    page.get_by_label(arabic("Passwort"), exact=True).fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name=arabic("Anmelden")).click()
    follow(page.get_by_role("link", name=arabic("Profil weiter einrichten")))

    # Step 1: Arabic as mother tongue, German at B1.
    _step(page, axe, "/profile/languages")
    status = page.locator("#language-list [role=status]")
    for name, level in ((arabic_name, arabic("Muttersprache")), (german_name, "B1")):
        page.get_by_label(arabic("Sprache"), exact=True).select_option(label=name)
        page.get_by_label(arabic("Wie gut?")).select_option(label=level)
        page.get_by_role("button", name=arabic("Hinzufügen"), exact=True).click()
        expect(status).to_have_text(
            arabic("%(language)s (%(level)s) ist gespeichert.", language=name, level=level)
        )
    axe.check(page)
    page.get_by_role("button", name=arabic("Weiter"), exact=True).click()

    # Step 2: where she lives and helps.
    _step(page, axe, "/profile/where")
    page.get_by_label(arabic("Wo wohnen Sie?")).select_option(label="Brakel")
    page.get_by_label("Höxter").check()
    page.get_by_label(arabic("Wie weit fahren Sie höchstens? (km)")).fill("20")
    page.get_by_role("button", name=arabic("Weiter"), exact=True).click()

    # Step 3: Tuesday mornings, the day named in Arabic.
    _step(page, axe, "/profile/when")
    page.get_by_label(arabic("Tag"), exact=True).select_option(label=tuesday)
    page.get_by_label(arabic("von"), exact=True).fill("09:00")
    page.get_by_label(arabic("bis"), exact=True).fill("12:00")
    page.get_by_role("button", name=arabic("Zeit hinzufügen")).click()
    expect(page.locator("#slot-list [role=status]")).to_contain_text(tuesday)
    axe.check(page)
    page.get_by_role("button", name=arabic("Weiter"), exact=True).click()

    # Step 4 as it comes; step 5: consent.
    _step(page, axe, "/profile/more")
    page.get_by_role("button", name=arabic("Weiter"), exact=True).click()
    _step(page, axe, "/profile/consent")
    page.get_by_role("button", name=arabic("Ich willige ein")).click()
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(arabic("Mein Profil"))
    expect(
        page.get_by_text(
            arabic("Ihr Profil ist vollständig. Das Integrationszentrum prüft es und meldet sich bei Ihnen.")
        )
    ).to_be_visible()
    axe.check(page)

    # Approved and asked: she finds the offer through the menu and says yes.
    offer_id = _approved_with_an_offer(live_server.app, email)
    open_menu(page)
    navigation = page.get_by_role("navigation", name=arabic("Hauptnavigation"))
    follow(navigation.get_by_role("link", name=re.compile("^" + re.escape(arabic("Anfragen")))).first)
    expect(page).to_have_url(re.compile(r"/inbox$"))
    card = page.locator(f"#offer-card-{offer_id}")
    expect(card).to_contain_text(arabic_name)
    axe.check(page)
    card.get_by_role("button", name=arabic("Zusagen"), exact=True).click()
    expect(page.locator(f"#offer-status-{offer_id}")).to_have_text(
        arabic("Der Einsatz ist Ihrer – vielen Dank!")
    )
    axe.check(page)

    # After the appointment: hours and kilometres reported.
    follow(
        page.locator(f"#offer-card-{offer_id}").get_by_role(
            "link", name=re.compile("^" + re.escape(arabic("Zum Einsatz")))
        )
    )
    assignment_id = assignment_moved_into_the_past(live_server.app, offer_id)
    page.reload()
    expect(page.get_by_role("heading", name=arabic("Stunden melden"))).to_be_visible()
    axe.check(page)
    page.get_by_label(arabic("Stunden"), exact=True).fill("1")
    page.get_by_label(arabic("Minuten"), exact=True).fill("30")
    page.get_by_label(arabic("Gefahrene Kilometer (hin und zurück)")).fill("14")
    page.get_by_role("button", name=arabic("Angaben speichern")).click()
    expect(page.locator("#flash")).to_contain_text(
        arabic("Danke! Ihre Angaben sind gespeichert. Das Integrationszentrum prüft sie.")
    )
    assert reported_hours(live_server.app, assignment_id) == (90, 14)
    axe.check(page)


# --- mirrored ------------------------------------------------------------------------------------


def _png_width(path) -> int:
    with open(path, "rb") as png:
        return struct.unpack(">I", png.read(24)[16:20])[0]


LABEL_TEXT_BOX = """(label) => {
  const range = document.createRange();
  range.selectNodeContents(label);
  const box = range.getBoundingClientRect();
  return {left: box.left, right: box.right, align: getComputedStyle(label).textAlign,
          direction: getComputedStyle(label).direction};
}"""


def _layout(new_page, locale: str, arabic, tmp_path) -> dict:
    """Where the front door's navigation, the brand and the login's labels sit, for a browser
    asking for ``locale``; a screenshot of the phone-sized login page is kept in ``tmp_path``."""
    translate = arabic if locale == "ar" else (lambda msgid: msgid)
    page = new_page(locale=locale)
    page.set_viewport_size(WIDE)
    page.goto("/k/hoexter/")
    items = page.get_by_role("navigation", name=translate("Hauptnavigation")).locator(".nav-wide > li")
    expect(items).to_have_count(2)
    first, last = items.first.bounding_box(), items.last.bounding_box()

    page.set_viewport_size(PHONE_SIZE)
    page.goto("/login")
    shot = tmp_path / f"login-{locale}.png"
    page.screenshot(path=shot, full_page=True)
    brand = page.locator(".site-header .brand").bounding_box()
    field = page.get_by_label(translate("E-Mail-Adresse"))
    label = page.locator(f"label[for='{field.get_attribute('id')}']")
    return {
        "dir": page.locator("html").get_attribute("dir"),
        "first_item": first,
        "last_item": last,
        "brand_centre": (brand["x"] + brand["width"] / 2) / _png_width(shot),
        "label": label.evaluate(LABEL_TEXT_BOX),
        "field": field.bounding_box(),
        "screenshot": shot,
    }


def test_arabic_pages_are_mirrored_and_german_ones_are_not(new_page, arabic, tmp_path):
    ar = _layout(new_page, "ar", arabic, tmp_path)
    de = _layout(new_page, "de-DE", arabic, tmp_path)
    assert (ar["dir"], de["dir"]) == ("rtl", "ltr")
    assert ar["screenshot"].stat().st_size and de["screenshot"].stat().st_size

    # The navigation reads from the right in Arabic: its first item right of its last.
    assert ar["first_item"]["x"] > ar["last_item"]["x"] + ar["last_item"]["width"] - 1
    assert de["first_item"]["x"] + de["first_item"]["width"] <= de["last_item"]["x"] + 1

    # The brand stands on the right of the Arabic header, on the left of the German one.
    assert ar["brand_centre"] > 0.5 > de["brand_centre"]

    # A label starts where its field starts: at the right edge in Arabic, the left in German.
    field, label = ar["field"], ar["label"]
    assert (label["direction"], label["align"]) == ("rtl", "start")
    assert abs(label["right"] - (field["x"] + field["width"])) <= 4
    assert label["left"] > field["x"] + 4
    field, label = de["field"], de["label"]
    assert abs(label["left"] - field["x"]) <= 4
