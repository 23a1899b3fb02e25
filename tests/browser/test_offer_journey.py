"""A helper on a phone: answers an offer with the keyboard alone, opens the assignment, reports hours."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from ki_match.requests.models import (
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.browser.conftest import (
    assignment_moved_into_the_past,
    follow,
    gate_checks,
    main_navigation,
    open_menu,
    reported_hours,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "ein langer Satz als Passwort"
PLACE = "Rathaus Brakel, Am Markt 3, Raum 12"


def _approved_helper_with_an_offer(app) -> tuple[str, int]:
    """A fresh approved helper from Höxter and one pending first-to-accept offer for them."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))

        def town(name):
            return db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == name))

        def language(code):
            return db.session.scalar(select(Language).where(Language.code == code))

        email = f"helper.{uuid.uuid4().hex[:8]}@example.org"
        user = User(
            ki_id=ki.id,
            email=email,
            display_name="Dilan T.",
            role=Role.HELPER,
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow() - timedelta(days=10),
        )
        db.session.add(user)
        db.session.flush()
        profile = HelperProfile(
            ki_id=ki.id,
            user_id=user.id,
            home_town_id=town("Höxter").id,
            consent_given_at=utcnow(),
            approved_at=utcnow(),
            **gate_checks(),
        )
        db.session.add(profile)
        db.session.flush()
        for code, level in (("ckb", Level.NATIVE), ("de", Level.B2)):
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=language(code).id, level=level))
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.OPEN,
            language_id=language("ckb").id,
            starts_at=(utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
            duration_minutes=90,
            town_id=town("Brakel").id,
            place=PLACE,
            client_ref="Fall 2026-118",
            fill_mode=FillMode.FIRST_TO_ACCEPT,
            notes="Termin beim Bürgerbüro.",
        )
        db.session.add(request)
        db.session.flush()
        offer = Offer(request_id=request.id, helper_id=profile.id)
        db.session.add(offer)
        db.session.commit()
        return email, offer.id


def test_helper_accepts_by_keyboard_on_a_phone_and_reports_hours(page, live_server, axe, log_in):
    email, offer_id = _approved_helper_with_an_offer(live_server.app)
    page.set_viewport_size(PHONE)
    log_in(page, email, PASSWORD)

    open_menu(page)
    follow(main_navigation(page).get_by_role("link", name=re.compile("^Anfragen")))
    expect(page).to_have_url(re.compile(r"/inbox$"))
    card = page.locator(f"#offer-card-{offer_id}")
    expect(card).to_contain_text("Sorani")
    expect(card).to_contain_text("Brakel (15 km von Ihrem Wohnort)")
    assert PLACE not in page.content()
    axe.check(page)

    # Keyboard only: Tab until the card's accept button has focus, then Enter.
    accept_id = f"accept-{offer_id}"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == accept_id:
            break
    else:
        pytest.fail("Tab never reached the accept button")
    page.keyboard.press("Enter")

    status = page.locator(f"#offer-status-{offer_id}")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text("Der Einsatz ist Ihrer – vielen Dank!")
    expect(status).to_be_focused()
    expect(page).to_have_url(re.compile(r"/inbox$"))  # swapped in place, no navigation
    axe.check(page)

    # The card leads to the assignment, which now shows the exact place.
    card = page.locator(f"#offer-card-{offer_id}")
    follow(card.get_by_role("link", name=re.compile("^Zum Einsatz")))
    expect(page).to_have_url(re.compile(r"/assignments/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sorani")
    expect(page.locator("main")).to_contain_text(PLACE)
    expect(page.get_by_role("heading", name="Sie können doch nicht?")).to_be_visible()
    axe.check(page)

    # After the appointment: report hours, first emptying the kilometres (prefilled there and back).
    assignment_id = assignment_moved_into_the_past(live_server.app, offer_id)
    page.reload()
    expect(page.get_by_role("heading", name="Stunden melden")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Bitte keine persönlichen oder vertraulichen Angaben")
    axe.check(page)
    page.get_by_label("Stunden", exact=True).fill("1")
    page.get_by_label("Minuten", exact=True).fill("40")
    km = page.get_by_label(re.compile("^Gefahrene Kilometer"))
    expect(km).not_to_have_value("")
    km.fill("")
    page.problems.expect_console_error("status of 422")
    page.get_by_role("button", name="Angaben speichern").click()
    expect(km).to_have_attribute("aria-invalid", "true")
    expect(km).to_be_focused()
    expect(page.get_by_label("Minuten", exact=True)).to_have_value("40")  # what was typed stays
    axe.check(page)

    km.fill("18")
    page.get_by_label(re.compile("^Kurze Notiz")).fill("Parkgebühr 2 €")
    page.get_by_role("button", name="Angaben speichern").click()
    expect(page.locator("#flash")).to_contain_text("Danke! Ihre Angaben sind gespeichert.")
    expect(page.locator("main")).to_contain_text("noch nicht – Sie können die Angaben bis dahin ändern")
    assert reported_hours(live_server.app, assignment_id) == (100, 18)
    axe.check(page)

    open_menu(page)
    follow(main_navigation(page).get_by_role("link", name="Einsätze"))
    expect(page.get_by_role("heading", name=re.compile("^Vergangene Einsätze"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Stunden gemeldet")
    axe.check(page)


def _answered_history(app, offer_id: int, count: int) -> None:
    """``count`` declined offers for copies of the open offer's request, older than it."""
    with app.app_context():
        first = db.session.get(Offer, offer_id)
        asked = first.request
        for index in range(count):
            request = HelpRequest(
                ki_id=asked.ki_id,
                kind=asked.kind,
                status=RequestStatus.OPEN,
                language_id=asked.language_id,
                starts_at=asked.starts_at + timedelta(days=index + 1),
                duration_minutes=60,
                town_id=asked.town_id,
                fill_mode=asked.fill_mode,
            )
            db.session.add(request)
            db.session.flush()
            db.session.add(
                Offer(
                    request_id=request.id,
                    helper_id=first.helper_id,
                    status=OfferStatus.DECLINED,
                    created_at=utcnow() - timedelta(days=count - index),
                    answered_at=utcnow(),
                )
            )
        db.session.commit()


def test_a_long_history_stays_one_short_page_on_a_phone(page, live_server, axe, log_in):
    email, offer_id = _approved_helper_with_an_offer(live_server.app)
    _answered_history(live_server.app, offer_id, 12)
    page.set_viewport_size(PHONE)
    log_in(page, email, PASSWORD)
    page.goto("/inbox")

    # The offer to answer comes first; the answered ones are short lines, ten at a time.
    first = page.locator("article").first
    expect(first).to_have_id(f"offer-card-{offer_id}")
    expect(first.get_by_role("button", name="Zusagen")).to_be_visible()
    done = page.get_by_role("region", name=re.compile("^Erledigt"))
    expect(done.get_by_role("heading", level=2)).to_have_text("Erledigt (12)")
    expect(done.locator("article")).to_have_count(10)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 3000
    axe.check(page)

    done.get_by_role("link", name="Nächste Seite").click()
    expect(page).to_have_url(re.compile(r"/inbox\?page=2$"))
    expect(page.locator("#done-offers-heading")).to_be_focused()
    expect(page.locator("#done-offers-heading")).to_have_text("Erledigt (12)")
    expect(page.locator(".done-list article")).to_have_count(2)
    expect(page.locator(f"#offer-card-{offer_id}")).to_be_visible()  # still on top
    axe.check(page)

    # A hundred answers more: the first page grows no taller (its lines may wrap differently).
    _answered_history(live_server.app, offer_id, 100)
    page.goto("/inbox")
    expect(done.get_by_role("heading", level=2)).to_have_text("Erledigt (112)")
    assert page.evaluate("() => document.documentElement.scrollHeight") <= height + 40


def test_helper_takes_a_yes_back_and_gives_it_again_on_a_phone(page, live_server, axe, log_in):
    email, offer_id = _approved_helper_with_an_offer(live_server.app)
    with live_server.app.app_context():
        db.session.get(Offer, offer_id).request.fill_mode = FillMode.COORDINATOR_CONFIRMS
        db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, email, PASSWORD)
    page.goto("/inbox")
    card = page.locator(f"#offer-card-{offer_id}")
    status = page.locator(f"#offer-status-{offer_id}")

    card.get_by_role("button", name="Zusagen").click()
    expect(status).to_have_text("Danke! Sie haben zugesagt. Das Integrationszentrum bestätigt den Einsatz.")
    expect(status).to_be_focused()
    axe.check(page)

    card.get_by_role("button", name="Zusage zurücknehmen").click()
    expect(status).to_contain_text("Ihre Zusage ist zurückgenommen.")
    expect(status).to_be_focused()
    expect(card.get_by_role("button", name="Zusagen")).to_be_visible()
    axe.check(page)

    card.get_by_role("button", name="Zusagen").click()
    expect(status).to_have_text("Danke! Sie haben zugesagt. Das Integrationszentrum bestätigt den Einsatz.")
    with live_server.app.app_context():
        assert db.session.get(Offer, offer_id).status == OfferStatus.ACCEPTED

    # "Meine Einsätze" files it as waiting, in the same words
    page.goto("/assignments")
    waiting = page.get_by_role("region", name=re.compile("^Wartet auf Bestätigung"))
    expect(waiting).to_contain_text("das Integrationszentrum bestätigt noch")
    axe.check(page)
