"""The requester says the helper did not come: the initiative member who asked reports "Helfer*in
ist nicht gekommen"; every coordinator gets the mail, the start page's tile counts it; the
coordinator opens the tile and marks it handled, and it is gone. axe at both widths.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
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
from tests.browser.conftest import DEMO_LOGINS, check_both_widths, follow, gate_checks, settle

pytestmark = pytest.mark.browser


def _yesterdays_assignment(app) -> tuple[int, int, str]:
    """A request of the demo organisation, asked by the demo member, with a helper of its own
    confirmed for yesterday: (request id, assignment id, helper's name)."""
    marker = uuid.uuid4().hex[:8]
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        member = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.INITIATIVE]))
        coordinator = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.COORDINATOR]))
        arabic = db.session.scalar(select(Language).where(Language.code == "ar"))
        brakel = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Brakel"))
        yesterday = (utcnow() - timedelta(days=1)).replace(second=0, microsecond=0)
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.FILLED,
            language_id=arabic.id,
            min_level=Level.B1,
            starts_at=yesterday,
            duration_minutes=60,
            town_id=brakel.id,
            organisation_id=member.organisation_id,
            requested_by_id=member.id,
            created_by_id=coordinator.id,
        )
        user = User(
            ki_id=ki.id,
            email=f"fehlt.{marker}@example.org",
            display_name=f"Nour Fehlt{marker}",
            role=Role.HELPER,
        )
        db.session.add_all([request, user])
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
        db.session.flush()
        assignment = Assignment(
            request_id=request.id,
            helper_id=profile.id,
            offer_id=offer.id,
            seat=1,
            status=AssignmentStatus.CONFIRMED,
            starts_at=yesterday,
            ends_at=yesterday + timedelta(minutes=60),
        )
        db.session.add(assignment)
        db.session.commit()
        return request.id, assignment.id, user.display_name


def test_no_show_reported_alerted_and_handled(new_page, live_server, log_in, axe):
    request_id, assignment_id, name = _yesterdays_assignment(live_server.app)

    # The member who asked: the helper did not come.
    initiative = new_page()
    log_in(initiative, Role.INITIATIVE)
    initiative.goto(f"/initiative/requests/{request_id}")
    panel = initiative.locator("#signoff-panel")
    panel.get_by_text("Problem melden").click()
    panel.get_by_label("Helfer*in ist nicht gekommen").check()
    panel.get_by_role("button", name="Rückmeldung senden").click()
    settle(initiative)
    panel = initiative.locator("#signoff-panel")
    expect(panel.get_by_role("status")).to_contain_text("Helfer*in ist nicht gekommen")
    check_both_widths(initiative, axe)

    coordinator_email, _ = live_server.account(Role.COORDINATOR)
    mail = live_server.latest_mail("absence_reported", coordinator_email)
    assert name in mail.body_text and f"Anfrage #{request_id}" in mail.body_text

    # The coordinator: the tile on the start page, the list behind it, "Erledigt".
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto("/")
    tile = coordinator.get_by_role("link", name="Nicht erschienen")
    expect(tile.locator(".figure")).not_to_have_text("0")
    check_both_widths(coordinator, axe)
    follow(tile)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Nicht erschienen")
    report = coordinator.locator(f"#absence-{assignment_id}")
    expect(report).to_contain_text(name)
    expect(report).to_contain_text(f"Anfrage {request_id}")
    check_both_widths(coordinator, axe)
    with coordinator.expect_navigation(wait_until="load"):
        report.get_by_role("button", name="Erledigt").click()
    expect(coordinator.locator("#flash")).to_contain_text(f"Erledigt: {name}")
    expect(coordinator.locator(f"#absence-{assignment_id}")).to_have_count(0)
    check_both_widths(coordinator, axe)
