"""After an assignment: the initiative member who asked signs it off ("kam zu spät", 20 minutes);
the helper, on her phone, says it was hard and asks for a call back; the coordinator sees the
hours and the sign-off side by side and the call-back task, and approves. axe at both widths.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.confirming import confirm_offer
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.browser.conftest import DEMO_LOGINS, PHONE_SIZE, check_both_widths, follow, gate_checks, settle

pytestmark = pytest.mark.browser

PASSWORD = "ein langer Satz als Passwort"


def _yesterdays_assignment(app) -> tuple[int, int, str, str]:
    """A request of the demo organisation, its helper confirmed through the offer rules, then
    moved to yesterday with 95 minutes and 14 km reported: (request id, assignment id, helper's
    name, her e-mail)."""
    marker = uuid.uuid4().hex[:8]
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        member = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.INITIATIVE]))
        coordinator = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.COORDINATOR]))
        arabic = db.session.scalar(select(Language).where(Language.code == "ar"))
        brakel = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Brakel"))
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.OPEN,
            language_id=arabic.id,
            min_level=Level.B1,
            starts_at=(utcnow() + timedelta(days=30)).replace(second=0, microsecond=0),
            duration_minutes=90,
            town_id=brakel.id,
            organisation_id=member.organisation_id,
            requested_by_id=member.id,
            created_by_id=member.id,
        )
        db.session.add(request)
        user = User(
            ki_id=ki.id,
            email=f"rueckmeldung.{marker}@example.org",
            display_name=f"Lina Rückmeldung{marker}",
            role=Role.HELPER,
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow() - timedelta(days=10),
        )
        db.session.add(user)
        db.session.flush()
        profile = HelperProfile(
            ki_id=ki.id, user_id=user.id, consent_given_at=utcnow(), approved_at=utcnow(), **gate_checks()
        )
        db.session.add(profile)
        db.session.flush()
        offer = Offer(
            request_id=request.id, helper_id=profile.id, status=OfferStatus.ACCEPTED, answered_at=utcnow()
        )
        db.session.add(offer)
        db.session.commit()
        assignment = confirm_offer(offer.id, coordinator)
        yesterday = (utcnow() - timedelta(days=1)).replace(second=0, microsecond=0)
        request = db.session.get(HelpRequest, request.id)
        assignment = db.session.get(Assignment, assignment.id)
        request.starts_at = assignment.starts_at = yesterday
        assignment.ends_at = yesterday + timedelta(minutes=90)
        assignment.status = AssignmentStatus.COMPLETED
        assignment.actual_minutes, assignment.travel_km, assignment.reported_at = 95, 14, utcnow()
        db.session.commit()
        return request.id, assignment.id, user.display_name, user.email


def test_sign_off_feedback_and_approval(new_page, live_server, log_in, axe):
    request_id, assignment_id, name, email = _yesterdays_assignment(live_server.app)

    # The member who asked: "kam zu spät", 20 minutes.
    initiative = new_page()
    log_in(initiative, Role.INITIATIVE)
    initiative.goto(f"/initiative/requests/{request_id}")
    panel = initiative.locator("#signoff-panel")
    expect(panel.get_by_role("heading", name="Hat der Einsatz stattgefunden?")).to_be_visible()
    panel.get_by_text("Problem melden").click()
    panel.get_by_label("kam zu spät").check()
    panel.get_by_label("Wie viele Minuten zu spät? (freiwillig)").fill("20")
    panel.get_by_role("button", name="Rückmeldung senden").click()
    settle(initiative)
    panel = initiative.locator("#signoff-panel")
    expect(panel.get_by_role("status")).to_contain_text("Ihre Rückmeldung ist gespeichert: kam zu spät")
    expect(panel).to_contain_text("kam zu spät (20 Minuten)")
    check_both_widths(initiative, axe)

    # The helper, on her phone: it was hard, please call back.
    helper = new_page()
    helper.set_viewport_size(PHONE_SIZE)
    log_in(helper, email, PASSWORD)
    helper.goto(f"/assignments/{assignment_id}")
    feedback = helper.locator("#feedback-panel")
    feedback.get_by_label("Schwierig").check()
    feedback.get_by_label("Kurz in Worten (freiwillig)").fill("Ein schweres Gespräch.")
    feedback.get_by_label("Belastender Einsatz – bitte Rückruf").check()
    feedback.get_by_role("button", name="Rückmeldung senden").click()
    settle(helper)
    feedback = helper.locator("#feedback-panel")
    expect(feedback.get_by_role("status")).to_contain_text("Das Integrationszentrum ruft Sie zurück.")
    expect(feedback).to_contain_text("Ein schweres Gespräch.")
    check_both_widths(helper, axe)

    # The coordinator: the call-back task, then the hours beside the sign-off, and approval.
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto("/helpers/tasks")
    short = name.split()[0]
    task = coordinator.locator(".task", has_text="Rückruf erbeten – belastender Einsatz").filter(
        has_text=short
    )
    expect(task).to_be_visible()
    check_both_widths(coordinator, axe)
    follow(task.get_by_role("link", name=f"Zur Anfrage {request_id}"))
    row = coordinator.locator(f"#signoff-{assignment_id}").locator("xpath=ancestor::li[1]")
    expect(row).to_contain_text("Gemeldet: 95 Minuten, 14 km")
    expect(row).to_contain_text("Rückmeldung der Anfragenden: kam zu spät (20 Minuten)")
    expect(row).to_contain_text("Belastender Einsatz – bitte Rückruf")
    expect(row).to_contain_text("Ein schweres Gespräch.")
    check_both_widths(coordinator, axe)
    coordinator.locator(f"#approve-{assignment_id}").click()
    settle(coordinator)
    expect(coordinator.locator("#offers-status")).to_contain_text("sind bestätigt")
    expect(coordinator.locator(f"#approve-{assignment_id}")).to_have_count(0)
    check_both_widths(coordinator, axe)
