"""A late cancellation refilled from the standby list: a helper on her phone says she is on standby
tomorrow, a confirmed helper gives her assignment back the day before, the coordinators' start page shows the tile "Kurzfristige Absagen", the helper on
standby for that day was asked automatically and says yes, the coordinator confirms her, and the
tile no longer lists the request. axe at both widths on the standby page, the start page and the
request page."""

from __future__ import annotations

import re
import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password, user_by_email
from ki_match.clock import local_to_utc, local_today, utcnow
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import (
    Assignment,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.browser.conftest import DEMO_LOGINS, check_both_widths, follow, gate_checks, settle

pytestmark = pytest.mark.browser

PASSWORD = "ein langer Satz als Passwort"
PHONE = {"width": 390, "height": 844}


def _helper(ki: Ki, name: str, weekday: int) -> tuple[HelperProfile, str]:
    """An approved helper from Brakel speaking Tigrinya, free on ``weekday`` mornings."""
    email = f"late.{uuid.uuid4().hex[:8]}@example.org"
    user = User(
        ki_id=ki.id,
        email=email,
        display_name=name,
        role=Role.HELPER,
        password_hash=hash_password(PASSWORD),
        email_verified_at=utcnow() - timedelta(days=10),
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
        **gate_checks(),
    )
    db.session.add(profile)
    db.session.flush()
    for code, level in (("ti", Level.NATIVE), ("de", Level.B2)):
        language = db.session.scalar(select(Language).where(Language.code == code))
        db.session.add(HelperLanguage(helper_id=profile.id, language_id=language.id, level=level))
    db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=weekday, starts=time(8), ends=time(13)))
    return profile, email


def _a_confirmed_helper_and_one_on_standby(app, ref: str) -> tuple[str, str, str, int, int]:
    """Tomorrow 10:00 in Brakel (less than 48 hours ahead), asking automatically after a late
    cancellation; one helper confirmed, another free tomorrow morning."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        tomorrow = local_today() + timedelta(days=1)
        leila, leila_email = _helper(ki, f"Leila {ref}", tomorrow.weekday())
        samir, samir_email = _helper(ki, f"Samir {ref}", tomorrow.weekday())
        coordinator = user_by_email(DEMO_LOGINS[Role.COORDINATOR])
        starts = local_to_utc(tomorrow, time(10))
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.OPEN,
            language_id=db.session.scalar(select(Language.id).where(Language.code == "ti")),
            starts_at=starts,
            duration_minutes=60,
            town_id=leila.home_town_id,
            place="Jobcenter Brakel, Am Markt 1",
            client_ref=ref,
            created_by_id=coordinator.id,
            standby_auto=True,
            escalate_after_hours=24,
            escalate_limit=1,
        )
        db.session.add(request)
        db.session.flush()
        offer = Offer(
            request_id=request.id, helper_id=leila.id, status=OfferStatus.ACCEPTED, answered_at=utcnow()
        )
        db.session.add(offer)
        db.session.flush()
        assignment = Assignment(
            request_id=request.id,
            helper_id=leila.id,
            offer_id=offer.id,
            seat=1,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=60),
            confirmed_by_id=coordinator.id,
        )
        db.session.add(assignment)
        transition(request, RequestStatus.FILLED)
        db.session.commit()
        return leila_email, samir_email, samir.user.display_name, request.id, assignment.id


def test_a_late_cancellation_is_refilled_from_the_standby_list(new_page, live_server, axe, log_in):
    ref = f"Fall-{uuid.uuid4().hex[:6]}"
    leila_email, samir_email, samir_name, request_id, assignment_id = _a_confirmed_helper_and_one_on_standby(
        live_server.app, ref
    )
    in_tile = f"#late-cancellations a[href='/requests/{request_id}']"

    # A helper says on her phone that she is on standby tomorrow.
    samir = new_page()
    samir.set_viewport_size(PHONE)
    log_in(samir, samir_email, PASSWORD)
    samir.goto("/inbox")
    follow(samir.get_by_role("link", name=re.compile("Tage auf Abruf")))
    tomorrow = local_today() + timedelta(days=1)
    samir.get_by_label("Tag", exact=True).fill(tomorrow.isoformat())
    samir.get_by_role("button", name="Tag eintragen").click()
    settle(samir)
    expect(samir.locator("#standby-panel [role=status]")).to_contain_text(
        dates.show(tomorrow, "day_medium", "de")
    )
    expect(samir.locator(".standby-day")).to_have_count(1)
    check_both_widths(samir, axe)

    # The confirmed helper cannot come after all, the day before.
    leila = new_page()
    log_in(leila, leila_email, PASSWORD)
    leila.goto(f"/assignments/{assignment_id}")
    expect(leila.get_by_role("note")).to_contain_text("weniger als 48 Stunden")
    leila.get_by_label("Warum können Sie nicht kommen?").fill("Mein Kind ist krank.")
    leila.get_by_role("button", name="Einsatz absagen").click()
    expect(leila.get_by_role("button", name="Einsatz absagen")).to_have_count(0)

    # Every coordinator is told; the start page lists the request under "Kurzfristige Absagen".
    assert (
        "Kurzfristige Absage"
        in live_server.latest_mail("assignment_withdrawn", DEMO_LOGINS[Role.COORDINATOR]).subject
    )
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto("/")
    expect(coordinator.locator("#late-cancellations-heading")).to_contain_text("Kurzfristige Absagen")
    expect(coordinator.locator(in_tile)).to_have_count(1)
    check_both_widths(coordinator, axe)
    follow(coordinator.locator(in_tile))

    # The helper on standby was asked automatically; the history says so.
    offers = coordinator.locator("#offers")
    expect(offers.locator(".offer-row", has_text=samir_name)).to_contain_text("wartet auf Antwort")
    expect(coordinator.locator("#request-history")).to_contain_text("Kurzfristige Absage")
    expect(coordinator.locator("#request-history")).to_contain_text("1 auf Abruf")
    check_both_widths(coordinator, axe)

    # She says yes on her phone.
    samir.goto("/inbox")
    samir.locator(".offer-card-open", has_text="Tigrinya").get_by_role("button", name="Zusagen").click()
    expect(samir.locator(".offer-state")).to_contain_text("Sie haben zugesagt")

    # The coordinator confirms her; the request is filled and leaves the tile.
    coordinator.reload()
    row = offers.locator(".offer-row", has_text=samir_name)
    row.get_by_role("button", name="Bestätigen").click()
    settle(coordinator)
    expect(row).to_contain_text("bestätigt am")
    coordinator.goto("/")
    expect(coordinator.get_by_role("heading", name="Was jetzt ansteht")).to_be_visible()
    expect(coordinator.locator(in_tile)).to_have_count(0)
    check_both_widths(coordinator, axe)
