"""A helper on a phone: puts a confirmed assignment into the calendar, downloads their data,
and deletes the account with the password — then cannot log in again."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
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
    Assignment,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.browser.conftest import follow, gate_checks, main_navigation, open_menu

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "mein Fahrrad ist blau und schnell"
PLACE = "Ausländerbehörde Höxter, Moltkestraße 12"
BERLIN = ZoneInfo("Europe/Berlin")


def _helper_with_a_confirmed_assignment(app) -> tuple[str, int, int]:
    """A fresh helper and one assignment at 10:00 Berlin time in two weeks."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        town = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Höxter"))
        farsi = db.session.scalar(select(Language).where(Language.code == "fa"))
        german = db.session.scalar(select(Language).where(Language.code == "de"))
        email = f"helper.{uuid.uuid4().hex[:8]}@example.org"
        user = User(
            ki_id=ki.id,
            email=email,
            display_name="Parisa Journeytest",
            role=Role.HELPER,
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow() - timedelta(days=10),
        )
        db.session.add(user)
        db.session.flush()
        profile = HelperProfile(
            ki_id=ki.id,
            user_id=user.id,
            home_town_id=town.id,
            consent_given_at=utcnow(),
            approved_at=utcnow(),
            **gate_checks(),
        )
        db.session.add(profile)
        db.session.flush()
        db.session.add(HelperLanguage(helper_id=profile.id, language_id=farsi.id, level=Level.NATIVE))
        db.session.add(HelperLanguage(helper_id=profile.id, language_id=german.id, level=Level.B2))
        day = (utcnow() + timedelta(days=14)).astimezone(BERLIN).date()
        starts = datetime(day.year, day.month, day.day, 10, 0, tzinfo=BERLIN).astimezone(UTC)
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.FILLED,
            language_id=farsi.id,
            starts_at=starts,
            duration_minutes=60,
            town_id=town.id,
            place=PLACE,
            client_ref="Fall 2026-207",
        )
        db.session.add(request)
        db.session.flush()
        offer = Offer(request_id=request.id, helper_id=profile.id, status=OfferStatus.ACCEPTED)
        db.session.add(offer)
        db.session.flush()
        assignment = Assignment(
            request_id=request.id,
            helper_id=profile.id,
            offer_id=offer.id,
            seat=1,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=60),
        )
        db.session.add(assignment)
        db.session.commit()
        return email, user.id, request.id


def _request_status(app, request_id: int) -> RequestStatus:
    with app.app_context():
        return db.session.get(HelpRequest, request_id).status


def test_helper_downloads_ics_and_data_then_deletes_the_account(page, live_server, axe, log_in):
    email, user_id, request_id = _helper_with_a_confirmed_assignment(live_server.app)
    page.set_viewport_size(PHONE)
    log_in(page, email, PASSWORD)

    # Calendar and data are reached from "Mein Konto", keeping the phone navigation short.
    open_menu(page)
    follow(main_navigation(page).get_by_role("link", name="Mein Konto"))
    follow(page.get_by_role("link", name="Kalender", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Einsätze im Kalender")
    axe.check(page)

    # One assignment as a file: 10:00 in Berlin.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Persisch")).click()
    download = info.value
    assert re.fullmatch(r"ki-match-einsatz-\d{4}-\d{2}-\d{2}\.ics", download.suggested_filename)
    with open(download.path(), "rb") as file:
        (event,) = Calendar.from_ical(file.read()).events
    assert event.start.astimezone(BERLIN).strftime("%H:%M") == "10:00"
    assert str(event["LOCATION"]) == PLACE

    # The private feed: shown once, and it works without a login.
    page.get_by_role("button", name="Kalender-Link erstellen").click()
    expect(page.locator("#flash")).to_contain_text("Ihr Kalender-Link ist erstellt.")
    feed_url = page.get_by_role("textbox", name="Kalender-Link").input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/calendar/feed/[\w-]+\.ics", feed_url)
    axe.check(page)
    feed = page.request.get(feed_url)
    assert feed.status == 200 and b"BEGIN:VEVENT" in feed.body()

    # All data as a file.
    open_menu(page)
    follow(main_navigation(page).get_by_role("link", name="Mein Konto"))
    follow(page.get_by_role("link", name="Meine Daten"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten")
    axe.check(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Meine Daten herunterladen").click()
    assert re.fullmatch(r"ki-match-meine-daten-\d{4}-\d{2}-\d{2}\.json", info.value.suggested_filename)
    with open(info.value.path(), encoding="utf-8") as file:
        data = json.load(file)
    assert data["tables"]["user_account"][0]["email"] == email

    # Deleting: first a wrong password, then the right one.
    follow(page.get_by_role("link", name="Konto löschen …"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto löschen")
    expect(page.locator("main")).to_contain_text("Ihr bestätigter Einsatz in der Zukunft wird abgesagt")
    axe.check(page)
    page.problems.expect_console_error("status of 422")
    page.get_by_label("Ihr Passwort").fill("das ist nicht mein Passwort")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.locator("main")).to_contain_text("Das Passwort stimmt nicht.")
    expect(page.get_by_label("Ihr Passwort")).to_have_attribute("aria-invalid", "true")
    axe.check(page)

    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Konto ist gelöscht")
    expect(page).to_have_url(re.compile(r"/my-data/goodbye$"))
    expect(page.locator("form[action='/logout']")).to_have_count(0)  # logged out
    axe.check(page)
    assert _request_status(live_server.app, request_id) == RequestStatus.OPEN
    page.problems.expect_console_error("status of 404")
    assert page.request.get(feed_url).status == 404

    # The old login is gone.
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="Anmelden").click()
    expect(page.locator("#login-form")).to_contain_text("E-Mail-Adresse oder Passwort ist falsch.")
    expect(page.locator("form[action='/logout']")).to_have_count(0)  # logged out
    axe.check(page)
