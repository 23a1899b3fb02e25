"""A yes whose helper fails a safeguarding gate by the time of confirming: her declaration was taken
back after she was asked. The coordinator's offers row says so; confirming without a reason answers
with the message next to the field, with one it confirms and the history says why. axe after every
swap, at desktop width and at 390 px."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.requests.models import Offer, OfferStatus
from tests.browser.conftest import check_both_widths
from tests.browser.test_coordinator_journey import _helper as make_helper
from tests.browser.test_on_behalf_journey import _profile_id, _request

pytestmark = pytest.mark.browser


def _accepted_without_declaration(app, email: str, request_id: int) -> None:
    with app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.request_id == request_id))
        offer.status = OfferStatus.ACCEPTED
        db.session.get(HelperProfile, _profile_id(email)).confidentiality_signed_on = None
        db.session.commit()


def test_a_yes_failing_a_gate_is_confirmed_only_with_a_reason(new_page, live_server, axe, log_in):
    name = f"Dilan K. {uuid.uuid4().hex[:4]}"
    email = make_helper(live_server.app, name, "ti")
    request_id = _request(live_server.app, "ti", offer_to=email)
    _accepted_without_declaration(live_server.app, email, request_id)

    page = new_page()
    log_in(page, Role.COORDINATOR)
    page.goto(f"/requests/{request_id}")
    row = page.locator("#offers .offer-row", has_text=name)
    expect(row).to_contain_text("Ausnahme: Schweigepflichterklärung fehlt")
    expect(row.get_by_role("button", name="Bestätigen", exact=True)).to_have_count(0)
    check_both_widths(page, axe)

    # Without a reason: the message next to the field, nothing confirmed.
    page.problems.expect_console_error("status of 422")
    row.get_by_role("button", name="Trotzdem bestätigen").click()
    reason = row.get_by_label("Grund für die Ausnahme")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(row.locator(".field-error")).to_have_text("Bitte geben Sie einen Grund für die Ausnahme an.")
    check_both_widths(page, axe)

    reason.fill("Erklärung liegt unterschrieben im Büro")
    row.get_by_role("button", name="Trotzdem bestätigen").click()
    expect(page.locator("#offers-status")).to_have_text(f"{name} ist bestätigt.")
    expect(page.locator("#offers")).to_contain_text("1 von 1 Plätzen besetzt.")
    expect(page.locator("#request-history")).to_contain_text(
        f"{name} bestätigt, Ausnahme: Schweigepflichterklärung fehlt. Grund: Erklärung liegt unterschrieben im Büro"
    )
    check_both_widths(page, axe)
