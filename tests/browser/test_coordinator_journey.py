"""A coordinator posts a request, offers it to two candidates, sees one accept (in another browser,
as the helper) without reloading, confirms, and the other offer is withdrawn; axe after every swap.
Then the helper pages: the list filtered by name, one helper's page and its checks saved in place."""

from __future__ import annotations

import re
import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from tests.browser.conftest import fill_request, follow
from tests.factories import next_tuesday

pytestmark = pytest.mark.browser

PASSWORD = "ein langer Satz als Passwort"
# Long enough for a refresh of the offers block (every 2 s on the live server) on a loaded machine.
POLL_WAIT_MS = 20_000


def _helper(app, name: str, code: str) -> str:
    """An approved helper in Brakel, free every weekday 08:00–18:00, speaking ``code`` natively, her
    declaration and basic training recorded (the KI's gates); their e-mail."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        email = f"helper.{uuid.uuid4().hex[:10]}@example.org"
        user = User(
            ki_id=ki.id,
            email=email,
            display_name=name,
            role=Role.HELPER,
            password_hash=hash_password(PASSWORD),
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
            confidentiality_signed_on=utcnow().date() - timedelta(days=30),
            qualification_completed_on=utcnow().date() - timedelta(days=30),
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
        return email


def test_coordinator_offers_two_helper_accepts_coordinator_confirms(new_page, live_server, axe, log_in):
    suffix = uuid.uuid4().hex[:4]
    first, second = f"Zarghuna A. {suffix}", f"Wahid B. {suffix}"
    first_email = _helper(live_server.app, first, "ps")
    second_email = _helper(live_server.app, second, "ps")

    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Neue Anfrage"
    ).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Neue Anfrage")
    fill_request(
        coordinator,
        language="Paschtu",
        day=next_tuesday().isoformat(),
        town="Brakel",
        place="Ausländerbehörde, Zimmer 3",
        client_ref=f"Fall P-17{suffix}",
    )
    coordinator.get_by_role("button", name="Anfrage öffnen").click()
    expect(coordinator).to_have_url(re.compile(r"/requests/\d+#candidates-heading$"))
    request_path = re.search(r"/requests/\d+", coordinator.url).group(0)

    # Candidates with their reasons; nobody asked yet.
    candidates = coordinator.locator("#candidates")
    expect(candidates).to_contain_text(first)
    expect(candidates).to_contain_text(second)
    expect(candidates).to_contain_text("Muttersprache")
    offers = coordinator.locator("#offers")
    expect(offers).to_contain_text("Noch niemand angefragt")
    axe.check(coordinator)

    # Offer both: the offers block swaps in place and announces what happened.
    candidates.get_by_label(first).check()
    candidates.get_by_label(second).check()
    candidates.get_by_role("button", name="Ausgewählte anfragen").click()
    status = coordinator.locator("#offers-status")
    expect(status).to_contain_text("Anfragen verschickt an")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_be_focused()
    expect(offers.locator(".offer-row")).to_have_count(2)
    expect(offers).to_contain_text("wartet auf Antwort")
    # the candidate list reloaded itself and marks both as asked
    expect(candidates.locator(".candidate", has_text=first)).to_contain_text("schon angefragt")
    expect(candidates.get_by_label(first)).to_have_count(0)
    assert request_path in coordinator.url
    axe.check(coordinator)

    # The first helper accepts in their own browser.
    helper = new_page()
    log_in(helper, first_email, PASSWORD)
    helper.goto("/inbox")
    card = helper.locator(".offer-card-open", has_text="Paschtu")
    card.get_by_role("button", name="Zusagen").click()
    expect(helper.locator(".offer-state")).to_contain_text("Sie haben zugesagt")
    axe.check(helper)

    # The coordinator's offers block notices by itself (it refreshes while answers are out).
    first_row = offers.locator(".offer-row", has_text=first)
    expect(first_row).to_contain_text("zugesagt", timeout=POLL_WAIT_MS)
    expect(first_row.get_by_role("button", name="Bestätigen")).to_be_visible()
    axe.check(coordinator)

    # Confirming takes the only seat: the page says before that the other offer is withdrawn.
    expect(first_row).to_contain_text("eine weitere Anfrage wird zurückgezogen")
    coordinator.once("dialog", lambda dialog: dialog.accept())
    first_row.get_by_role("button", name="Bestätigen").click()
    expect(status).to_contain_text(f"{first} ist bestätigt.")
    expect(offers.locator(".offer-row", has_text=first)).to_contain_text("bestätigt am")
    expect(offers.locator(".offer-row", has_text=second)).to_contain_text("zurückgezogen")
    expect(offers).to_contain_text("1 von 1 Plätzen besetzt.")
    axe.check(coordinator)
    coordinator.reload()
    expect(coordinator.locator(".status-badge")).to_have_text("besetzt")
    expect(coordinator.get_by_role("button", name="Ausgewählte anfragen")).to_have_count(0)
    axe.check(coordinator)

    # The other helper hears that it is taken.
    other = new_page()
    log_in(other, second_email, PASSWORD)
    other.goto("/inbox")
    expect(other.locator("#done-offers-heading")).to_be_visible()
    expect(other.locator(".offer-card", has_text="Paschtu")).to_contain_text("Zurückgezogen")
    assert live_server.latest_mail("offer_withdrawn", second_email)
    assert live_server.latest_mail("assignment_confirmed", first_email)


def test_helper_pages_list_profile_and_checks(page, live_server, axe, log_in):
    suffix = uuid.uuid4().hex[:4]
    name = f"Shirin K. {suffix}"
    _helper(live_server.app, name, "fa")
    log_in(page, Role.COORDINATOR)
    follow(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Helfende"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Helfende")
    axe.check(page)

    page.wait_for_load_state("load")  # htmx (deferred) listens from here on
    page.get_by_label("Name").press_sequentially(f"shirin k. {suffix}", delay=30)
    expect(page.locator("#helper-count")).to_have_text("1 Person")
    expect(page).to_have_url(re.compile(r"q=shirin"))
    expect(page.get_by_label("Name")).to_be_focused()
    axe.check(page)

    follow(page.locator("#helper-results").get_by_role("link", name=name))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Einsätze pro Monat")).to_be_visible()
    axe.check(page)

    seen = (utcnow().date() - timedelta(days=3)).isoformat()
    page.get_by_label("Erweitertes Führungszeugnis vorgelegt am").fill(seen)
    page.get_by_role("button", name="Prüfungen speichern").click()
    expect(page.locator("#checks [role=status]")).to_have_text("Die Prüfungen sind gespeichert.")
    expect(page.locator("#checks [role=status]")).to_be_focused()
    expect(page.locator("#checks")).to_contain_text("Neues Führungszeugnis nötig bis")
    axe.check(page)

    # A date in the future is refused next to the field, the value kept.
    page.problems.expect_console_error("status of 422")
    tomorrow = (utcnow().date() + timedelta(days=2)).isoformat()
    page.get_by_label("Sprachlotsen-Qualifizierung abgeschlossen am").fill(tomorrow)
    page.get_by_role("button", name="Prüfungen speichern").click()
    expect(page.locator("#qualification_completed_on-error")).to_contain_text("liegt in der Zukunft")
    expect(page.get_by_label("Sprachlotsen-Qualifizierung abgeschlossen am")).to_be_focused()
    axe.check(page)

    page.goto("/requests/approvals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gemeldete Stunden bestätigen")
    axe.check(page)
