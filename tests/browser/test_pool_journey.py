"""The shared pool: a Tigrinya phone request with no match in the own KI; the coordinator asks a
helper of another KI, who accepts in her inbox on a phone; the asking KI confirms, and her own
KI's coordinator sees the assignment in her history."""

from __future__ import annotations

import re
import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, Gender, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from ki_match.requests.models import HelpRequest, RequestKind, RequestStatus
from tests.browser.conftest import gate_checks

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "ein langer Satz als Passwort"


def _world(app) -> dict:
    """A second KI sharing its pool with the demo KI, its Tigrinya speaker (free on Sunday
    mornings, agreeing to phone work for other KIs) and coordinator, and a phone request of the
    demo KI on a Sunday morning for a person who sees herself as diverse: nobody of the demo KI fits."""
    with app.app_context():
        home_ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        tag = uuid.uuid4().hex[:6]
        other = Ki(slug=f"pool-{tag}", name=f"KI Pool {tag}", shares_pool=True)
        db.session.add(other)
        db.session.flush()
        town = Town(ki_id=other.id, name="Paderborn", lat=51.7189, lon=8.7575)
        db.session.add(town)
        was_sharing, home_ki.shares_pool = home_ki.shares_pool, True

        def person(role: Role, name: str) -> User:
            user = User(
                ki_id=other.id,
                email=f"{role.value}.{tag}@example.org",
                display_name=name,
                role=role,
                password_hash=hash_password(PASSWORD),
                email_verified_at=utcnow() - timedelta(days=10),
            )
            db.session.add(user)
            db.session.flush()
            return user

        helper = person(Role.HELPER, "Saba Tesfay")
        colleague = person(Role.COORDINATOR, "Paula Paderborn")
        db.session.flush()
        profile = HelperProfile(
            ki_id=other.id,
            user_id=helper.id,
            home_town_id=town.id,
            remote_ok=True,
            pool_remote_ok=True,
            gender=Gender.DIVERSE,
            consent_given_at=utcnow(),
            approved_at=utcnow(),
            **gate_checks(),
        )
        db.session.add(profile)
        db.session.flush()
        for code, level in (("ti", Level.NATIVE), ("de", Level.B2)):
            language = db.session.scalar(select(Language).where(Language.code == code))
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=language.id, level=level))
        db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=6, starts=time(6), ends=time(8)))
        today = utcnow().astimezone(BERLIN).date()
        sunday = today + timedelta(days=(6 - today.weekday()) % 7 + 7)
        from datetime import datetime

        request = HelpRequest(
            ki_id=home_ki.id,
            kind=RequestKind.REMOTE,
            status=RequestStatus.OPEN,
            language_id=db.session.scalar(select(Language.id).where(Language.code == "ti")),
            starts_at=datetime.combine(sunday, time(6, 30), BERLIN),
            duration_minutes=60,
            gender_pref=Gender.DIVERSE,
            client_ref="Fall Pool-1",
        )
        db.session.add(request)
        db.session.commit()
        return {
            "home_ki": home_ki.id,
            "home_name": home_ki.name,
            "was_sharing": was_sharing,
            "other_name": other.name,
            "helper": helper.email,
            "colleague": colleague.email,
            "profile": profile.id,
            "request": request.id,
        }


def _stop_sharing(app, world) -> None:
    with app.app_context():
        db.session.get(Ki, world["home_ki"]).shares_pool = world["was_sharing"]
        db.session.commit()


def test_a_rare_language_is_served_from_another_ki(new_page, live_server, axe, log_in):
    world = _world(live_server.app)
    try:
        coordinator = new_page()
        log_in(coordinator, Role.COORDINATOR)
        coordinator.goto(f"/requests/{world['request']}")
        pool = coordinator.get_by_role("list", name=re.compile("Aus anderen KIs"))
        expect(pool).to_contain_text("Saba")
        expect(pool).to_contain_text(world["other_name"])
        assert "Tesfay" not in coordinator.content()
        axe.check(coordinator)
        pool.get_by_label("Saba").check()
        coordinator.get_by_role("button", name="Ausgewählte anfragen").click()
        offers = coordinator.locator("#offers")
        expect(offers).to_contain_text("Saba")
        expect(offers).to_contain_text("angefragt am")
        assert "Tesfay" not in coordinator.content()

        helper = new_page()
        helper.set_viewport_size(PHONE)
        log_in(helper, world["helper"], PASSWORD)
        helper.goto("/inbox")
        card = helper.locator(".offer-card-open").filter(has_text=world["home_name"])
        expect(card).to_contain_text("Tigrinya")
        axe.check(helper)
        card.get_by_role("button", name="Zusagen").click()
        expect(helper.locator(".offer-card").filter(has_text=world["home_name"])).to_contain_text(
            "Sie haben zugesagt"
        )

        row = coordinator.locator("#offers .offer-row").filter(has_text="Saba")
        expect(row).to_contain_text("Saba Tesfay")  # the offers block refreshes itself
        row.get_by_role("button", name="Bestätigen").click()
        expect(coordinator.locator("#offers")).to_contain_text("bestätigt am")
        expect(coordinator.locator("#offers")).to_contain_text(world["helper"])
        axe.check(coordinator)

        colleague = new_page()
        log_in(colleague, world["colleague"], PASSWORD)
        colleague.goto(f"/helpers/{world['profile']}")
        history = colleague.get_by_role("table", name="Einsätze, die neuesten zuerst")
        expect(history).to_contain_text(f"für {world['home_name']}")
        assert "Fall Pool-1" not in colleague.content()
        axe.check(colleague)
    finally:
        _stop_sharing(live_server.app, world)
