"""An initiative asks for help: finds a language in the directory, sends a request in from a
card, a coordinator (in a second browser) accepts it into matching, and once a helper is
confirmed the initiative sees "Helfer*in gefunden" with the first name only. axe after every
step and swap.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.initiatives.workdays import earliest_day
from ki_match.offers.confirming import confirm_offer
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level
from ki_match.requests.models import HelpRequest, Offer, OfferStatus, RequestStatus
from tests.browser.conftest import DEMO_LOGINS, follow, gate_checks, settle

pytestmark = pytest.mark.browser

SURNAME = "Tesfamariam"


def _confirm_a_helper(app, request_id: int) -> str:
    """Offer, yes and confirmation through the offer rules (the offer journey shows them in the browser)."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        request = db.session.get(HelpRequest, request_id)
        user = User(
            ki_id=ki.id,
            email=f"helper.{uuid.uuid4().hex[:8]}@example.org",
            display_name=f"Yonas {SURNAME}",
            role=Role.HELPER,
            password_hash=hash_password("ein langer Satz als Passwort"),
            email_verified_at=utcnow() - timedelta(days=10),
        )
        db.session.add(user)
        db.session.flush()
        profile = HelperProfile(
            ki_id=ki.id, user_id=user.id, consent_given_at=utcnow(), approved_at=utcnow(), **gate_checks()
        )  # confirming checks the KI's gates again
        profile.phone = "+49 5272 99 88 77"
        db.session.add(profile)
        db.session.flush()
        for language_id, level in ((request.language_id, Level.NATIVE), (None, Level.B2)):
            if language_id is None:
                language_id = db.session.scalar(select(Language.id).where(Language.code == "de"))
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=language_id, level=level))
        offer = Offer(
            request_id=request.id, helper_id=profile.id, status=OfferStatus.ACCEPTED, answered_at=utcnow()
        )
        db.session.add(offer)
        db.session.commit()
        coordinator = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.COORDINATOR]))
        confirm_offer(offer.id, coordinator)
        assert db.session.get(HelpRequest, request_id).status == RequestStatus.FILLED
        return user.email


def test_initiative_asks_from_the_directory_and_sees_the_helper_found(new_page, live_server, log_in, axe):
    initiative = new_page()
    log_in(initiative, Role.INITIATIVE)
    axe.check(initiative)

    # 1. The directory: tick a language, the results swap in place.
    follow(initiative.get_by_role("link", name="Verzeichnis", exact=True))
    expect(initiative.get_by_role("heading", level=1)).to_have_text("Verzeichnis der Helfenden")
    axe.check(initiative)
    filters = initiative.locator("#directory-filters")
    filters.get_by_label("Tigrinya").first.check()
    settle(initiative)
    expect(initiative).to_have_url(re.compile(r"language=ti"))
    axe.check(initiative)
    card_link = initiative.locator("#directory-results").get_by_role(
        "link", name=re.compile(r"^Anfrage für .+ stellen$")
    )
    expect(card_link.first).to_be_visible()
    card_link.first.click()

    # 2. The request form, the language chosen from the card.
    expect(initiative.get_by_role("heading", level=1)).to_have_text("Neue Anfrage")
    axe.check(initiative)
    language = initiative.get_by_label("Sprache", exact=True)
    expect(language).not_to_have_value("0")

    # Too soon first: two working days ahead is refused next to the date, the typed values stay.
    soon = earliest_day(local_today(), 3) - timedelta(days=1)
    initiative.get_by_label("Datum", exact=True).fill(soon.isoformat())
    initiative.get_by_label("Beginn (Uhrzeit)").fill("10:00")
    initiative.get_by_label("Stadt", exact=True).select_option(label="Warburg")
    initiative.get_by_label("Genauer Ort").fill("Ausländerbehörde Warburg, Zimmer 3")
    initiative.get_by_label("Kennung der Klientin oder des Klienten").fill("Familie T-12")
    initiative.problems.expect_console_error("422")  # the refusal answers 422, as every invalid form
    initiative.get_by_role("button", name="Anfrage einreichen").click()
    expect(initiative.locator("#day-error")).to_contain_text("Werktage Vorlauf")
    expect(initiative.get_by_label("Genauer Ort")).to_have_value("Ausländerbehörde Warburg, Zimmer 3")
    axe.check(initiative)

    day = earliest_day(local_today(), 3) + timedelta(days=7)
    initiative.get_by_label("Datum", exact=True).fill(day.isoformat())
    initiative.get_by_label("Beginn (Uhrzeit)").fill("10:00")
    initiative.get_by_role("button", name="Anfrage einreichen").click()
    expect(initiative.locator(".status-line")).to_contain_text("eingereicht")
    axe.check(initiative)
    request_id = int(re.search(r"/initiative/requests/(\d+)", initiative.url).group(1))

    # 3. A coordinator, in a second browser, accepts it into matching; the block swaps in place.
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto("/requests?tab=submitted")
    axe.check(coordinator)
    coordinator.locator(f'a[href="/requests/{request_id}"]').first.click()
    panel = coordinator.locator("#submitted-actions")
    expect(panel).to_contain_text("Eingereicht von")
    axe.check(coordinator)
    panel.get_by_role("button", name="In die Vermittlung übernehmen").click()
    expect(coordinator.locator("#submitted-actions")).to_contain_text("übernommen")
    # Open for matching now: the whole page says so, and the work goes on at the candidates.
    expect(coordinator.locator("#request-head .status-badge")).to_have_text("offen")
    expect(coordinator.get_by_role("heading", name="Wer passt?")).to_be_focused()
    expect(coordinator.locator("#request-history")).to_contain_text("eingereicht → offen")
    axe.check(coordinator)

    initiative.reload()
    expect(initiative.locator(".status-line")).to_contain_text("in Bearbeitung")
    axe.check(initiative)

    # 4. Offer, yes and confirmation through the rules; the initiative sees the first name only.
    helper_email = _confirm_a_helper(live_server.app, request_id)
    initiative.reload()
    found = initiative.get_by_role("region", name="Helfer*in gefunden")
    expect(found).to_contain_text("Yonas")
    html = initiative.content()
    for secret in (SURNAME, helper_email, "99 88 77"):
        assert secret not in html
    axe.check(initiative)
