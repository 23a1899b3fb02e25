"""A coordinator posts a request and watches the candidates re-rank while editing it; axe after every swap."""

from __future__ import annotations

import re
import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from tests.browser.conftest import follow, gate_checks
from tests.factories import next_tuesday

pytestmark = pytest.mark.browser


def _helper(app, name: str, code: str) -> None:
    """An approved helper in Brakel, free every weekday 08:00–18:00, speaking ``code`` natively."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        user = User(
            ki_id=ki.id,
            email=f"{uuid.uuid4().hex[:10]}@example.org",
            display_name=name,
            role=Role.HELPER,
            email_verified_at=utcnow() - timedelta(days=30),
        )
        db.session.add(user)
        db.session.flush()
        brakel = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Brakel"))
        profile = HelperProfile(
            ki_id=ki.id,
            user_id=user.id,
            home_town_id=brakel.id,
            consent_given_at=utcnow(),
            approved_at=utcnow(),
            monthly_cap=50,
            **gate_checks(),
        )
        db.session.add(profile)
        db.session.flush()
        for language_code, level in ((code, Level.NATIVE), ("de", Level.C1)):
            language = db.session.scalar(select(Language).where(Language.code == language_code))
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=language.id, level=level))
        for weekday in range(5):
            db.session.add(
                AvailabilitySlot(helper_id=profile.id, weekday=weekday, starts=time(8), ends=time(18))
            )
        db.session.commit()


def test_coordinator_creates_a_request_and_sees_candidates_rerank(page, live_server, axe, log_in):
    suffix = uuid.uuid4().hex[:4]
    tigrinya, somali = f"Tesfay G. {suffix}", f"Hodan A. {suffix}"
    _helper(live_server.app, tigrinya, "ti")
    _helper(live_server.app, somali, "so")
    preview = page.locator("#candidates-preview")

    log_in(page, Role.COORDINATOR)
    follow(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Neue Anfrage"))
    expect(page).to_have_url(re.compile(r"/requests/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Neue Anfrage")
    axe.check(page)

    # The due date only matters for written translations and is hidden for an accompaniment.
    expect(page.get_by_label("Fertig bis")).to_be_hidden()

    page.get_by_label("Sprache", exact=True).select_option(label="Tigrinya")
    expect(preview).to_contain_text(tigrinya)
    expect(preview).not_to_contain_text(somali)
    axe.check(page)

    page.get_by_label("Datum").fill(next_tuesday().isoformat())
    page.get_by_label("Beginn (Uhrzeit)").fill("10:00")
    page.get_by_label("Dauer in Minuten").fill("90")
    page.get_by_label("Stadt").select_option(label="Brakel")
    page.get_by_label("Genauer Ort").fill("Jobcenter Brakel, Zimmer 12")

    # A full name is refused next to the field while typing goes on elsewhere.
    client_ref = page.get_by_label("Kennung der Klientin oder des Klienten")
    client_ref.fill("Amina Haddad")
    page.get_by_label("Hinweise").click()
    expect(page.locator("#client_ref-error")).to_contain_text("großgeschriebene Wörter ohne Ziffer")
    expect(client_ref).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Hinweise")).to_be_focused()
    axe.check(page)
    client_ref.fill(f"Familie T-17{suffix}")
    page.get_by_label("Hinweise").fill("Bitte 10 Minuten vorher da sein.")
    expect(page.locator("#client_ref-error")).to_be_empty()
    expect(client_ref).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-feedback")).to_contain_text("Alle nötigen Angaben sind da.")
    expect(preview).to_contain_text(tigrinya)
    axe.check(page)

    page.get_by_role("button", name="Anfrage öffnen").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+#candidates-heading$"))
    expect(page.get_by_role("heading", name="Wer passt?")).to_be_focused()
    expect(page.locator("#flash")).to_contain_text("Die Anfrage ist offen.")
    expect(page.locator("#candidates")).to_contain_text(tigrinya)
    expect(page.locator("#candidates")).to_contain_text("Muttersprache Tigrinya")
    expect(page.get_by_text("Jobcenter Brakel, Zimmer 12")).to_be_visible()
    axe.check(page)

    # Why not the Somali speaker? Every failed rule, in plain words.
    page.get_by_label("Name der helfenden Person").fill(somali)
    page.get_by_role("button", name="Prüfen").click()
    expect(page.locator("#why-not-result")).to_contain_text("spricht Tigrinya nicht")
    expect(page.locator("#why-not-answer")).to_be_focused()
    axe.check(page)

    # Editing: the list re-ranks as the language changes, before anything is saved.
    follow(page.get_by_role("link", name="Bearbeiten"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anfrage bearbeiten")
    expect(preview).to_contain_text(tigrinya)
    axe.check(page)
    page.get_by_label("Sprache", exact=True).select_option(label="Somali")
    expect(preview).to_contain_text(somali)
    expect(preview).not_to_contain_text(tigrinya)
    expect(page.locator("#preview-status")).to_contain_text("passende")
    axe.check(page)
    page.get_by_role("group", name="Diese Sprachen gehen auch").get_by_label("Tigrinya").check()
    expect(preview).to_contain_text(tigrinya)
    expect(preview).to_contain_text(somali)
    axe.check(page)
    page.get_by_role("button", name="Änderungen speichern").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+$"))
    expect(page.locator("#candidates")).to_contain_text(somali)

    # The list finds it by its client reference, swapping only the results.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Anfragen", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anfragen")
    axe.check(page)
    page.wait_for_load_state("load")  # htmx (deferred) listens from here on
    page.get_by_label("Suchen").press_sequentially(f"t-17{suffix}", delay=30)
    expect(page.locator("#result-count")).to_have_text("1 Anfrage")
    expect(page).to_have_url(re.compile(rf"q=t-17{suffix}"))
    expect(page.get_by_label("Suchen")).to_be_focused()
    expect(page.locator("#request-results")).to_contain_text(f"Familie T-17{suffix}")
    axe.check(page)
    page.locator("#tab-all").click()
    expect(page.locator("#results-heading")).to_be_focused()
    expect(page).to_have_url(re.compile(r"tab=all"))
    axe.check(page)
