"""One helper for a whole series: on the series page the coordinator sees who can take how many of
its dates and asks one helper for all of them; the helper, on her phone, finds the dates grouped in
her inbox and says yes to all at once; the coordinator confirms her for all of them at once. axe at
both widths after each step."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password, user_by_email
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from ki_match.requests import series as series_rules
from ki_match.requests.data import RequestData
from ki_match.requests.models import RequestKind
from ki_match.requests.recurrence import Frequency, Rule, expand
from tests.browser.conftest import DEMO_LOGINS, check_both_widths, gate_checks, settle

pytestmark = pytest.mark.browser

PASSWORD = "ein langer Satz als Passwort"
PHONE = {"width": 390, "height": 844}


def _series_and_helper(app, ref: str) -> tuple[int, int, str, str]:
    """Three Thursdays at 11:00 in Brakel, Tigrinya, a few weeks ahead; a helper free on Thursday
    mornings who speaks it. (series id, helper id, helper's name, helper's e-mail)"""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        brakel = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Brakel"))
        tigrinya = db.session.scalar(select(Language).where(Language.code == "ti"))
        email, name = f"series.{uuid.uuid4().hex[:8]}@example.org", f"Nadia {ref}"
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
        for language_id, level in ((tigrinya.id, Level.NATIVE), (_german(), Level.B2)):
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=language_id, level=level))
        db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=3, starts=time(9), ends=time(13)))
        first = local_today() + timedelta(days=(3 - local_today().weekday()) % 7 + 28)
        rule = Rule(Frequency.WEEKLY, first, time(11), count=3, skip_holidays=False)
        data = RequestData(
            kind=RequestKind.ACCOMPANIMENT,
            language_id=tigrinya.id,
            min_level=Level.B1,
            duration_minutes=60,
            town_id=brakel.id,
            place="Schulberatung Brakel",
            client_ref=ref,
        )
        coordinator = user_by_email(DEMO_LOGINS[Role.COORDINATOR])
        made = series_rules.create(ki, data, rule, expand(rule), coordinator, open_now=True)
        db.session.commit()
        return made.id, profile.id, name, email


def _german() -> int:
    return db.session.scalar(select(Language.id).where(Language.code == "de"))


def test_one_helper_is_asked_for_a_whole_series_and_accepts_all(new_page, live_server, axe, log_in):
    ref = f"Serie-{uuid.uuid4().hex[:6]}"
    series_id, helper_id, name, email = _series_and_helper(live_server.app, ref)

    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto(f"/series/{series_id}")
    row = coordinator.locator(f"#series-candidate-{helper_id}")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("kann 3 von 3 Terminen")
    check_both_widths(coordinator, axe)
    row.get_by_role("button", name="Für alle passenden Termine anfragen").click()
    settle(coordinator)
    message = coordinator.locator("#series-dates [role=status]")
    expect(message).to_contain_text(f"{name} ist für alle 3 offenen Termine angefragt.")
    expect(
        coordinator.locator("#series-dates .series-table tbody tr").filter(has_text="angefragt")
    ).to_have_count(3)
    check_both_widths(coordinator, axe)

    helper = new_page()
    helper.set_viewport_size(PHONE)
    log_in(helper, email, PASSWORD)
    helper.goto("/inbox")
    group = helper.locator(".offer-series")
    expect(group).to_contain_text("Serie mit 3 Terminen")
    expect(group.get_by_role("listitem")).to_have_count(3)
    check_both_widths(helper, axe)
    group.get_by_role("button", name="Alle annehmen").click()
    settle(helper)
    expect(helper.locator("#offer-list [role=status]").first).to_contain_text(
        "Sie haben für 3 Termine zugesagt."
    )
    expect(helper.locator(".offer-series")).to_have_count(0)
    check_both_widths(helper, axe)

    # Back at the desk: the page shows her three yeses, and one click confirms them all.
    coordinator.reload()
    answers = coordinator.locator(f"#series-answer-{helper_id}")
    expect(answers).to_contain_text("3 Zusagen noch zu bestätigen")
    check_both_widths(coordinator, axe)
    answers.get_by_role("button", name="Alle 3 Zusagen bestätigen").click()
    settle(coordinator)
    expect(message).to_contain_text(f"{name} ist für 3 Termine bestätigt.")
    expect(message).to_be_focused()
    expect(coordinator.locator("#series-dates .series-table tbody tr").filter(has_text=name)).to_have_count(3)
    expect(answers).to_contain_text("für 3 Termine bestätigt")
