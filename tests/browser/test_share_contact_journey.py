"""A coordinator presses the real "share contact" button for one confirmed helper of an
organisation's request, and the organisation then sees that helper's name, e-mail and phone.
axe after the swap and on the organisation's page.
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
from ki_match.requests.models import HelpRequest, Offer, OfferStatus, RequestKind, RequestStatus
from tests.browser.conftest import DEMO_LOGINS, gate_checks

pytestmark = pytest.mark.browser


def _filled_request_of_the_demo_initiative(app) -> tuple[int, str, str]:
    """A request of the demo organisation with one helper confirmed through the offer rules."""
    marker = uuid.uuid4().hex[:8]
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        member = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.INITIATIVE]))
        coordinator = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.COORDINATOR]))
        arabic = db.session.scalar(select(Language).where(Language.code == "ar"))
        brakel = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Brakel"))
        starts = (utcnow() + timedelta(days=20)).replace(second=0, microsecond=0)
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.OPEN,
            language_id=arabic.id,
            min_level=Level.B1,
            starts_at=starts,
            duration_minutes=60,
            town_id=brakel.id,
            organisation_id=member.organisation_id,
            requested_by_id=member.id,
            created_by_id=member.id,
        )
        db.session.add(request)
        user = User(
            ki_id=ki.id,
            email=f"teilen.{marker}@example.org",
            display_name=f"Lina Weitergabe{marker}",
            role=Role.HELPER,
            password_hash=hash_password("ein langer Satz als Passwort"),
            email_verified_at=utcnow() - timedelta(days=10),
        )
        db.session.add(user)
        db.session.flush()
        profile = HelperProfile(
            ki_id=ki.id,
            user_id=user.id,
            consent_given_at=utcnow(),
            approved_at=utcnow(),
            phone="+49 5271 45 67 89",
            **gate_checks(),  # confirming checks the KI's gates again
        )
        db.session.add(profile)
        db.session.flush()
        offer = Offer(
            request_id=request.id, helper_id=profile.id, status=OfferStatus.ACCEPTED, answered_at=utcnow()
        )
        db.session.add(offer)
        db.session.commit()
        confirm_offer(offer.id, coordinator)
        assert db.session.get(HelpRequest, request.id).status == RequestStatus.FILLED
        return request.id, user.display_name, user.email


def test_the_share_contact_button_shows_the_helper_to_the_organisation(new_page, live_server, log_in, axe):
    request_id, name, email = _filled_request_of_the_demo_initiative(live_server.app)

    initiative = new_page()
    log_in(initiative, Role.INITIATIVE)
    initiative.goto(f"/initiative/requests/{request_id}")
    found = initiative.get_by_role("region", name="Helfer*in gefunden")
    expect(found).to_contain_text("Lina")
    assert email not in initiative.content()

    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto(f"/requests/{request_id}")
    panel = coordinator.locator("#submitted-actions")
    panel.get_by_role("button", name=f"Kontakt von {name} weitergeben").click()
    expect(coordinator.locator("#submitted-actions")).to_contain_text("sieht jetzt Name und Kontakt")
    expect(
        coordinator.locator("#submitted-actions").get_by_role(
            "button", name=f"Kontakt von {name} nicht mehr weitergeben"
        )
    ).to_be_visible()
    axe.check(coordinator)

    initiative.reload()
    found = initiative.get_by_role("region", name="Helfer*in gefunden")
    expect(found).to_contain_text(name)
    expect(found.get_by_role("link", name=email)).to_be_visible()
    expect(found).to_contain_text("45 67 89")
    axe.check(initiative)
