"""The day before, on the helpers' phones: one opens "Ja, ich komme" from her mail (read from the
outbox) and confirms; another says "Ich kann nicht" with a reason, and her request is open again.
The coordinator's request pages show both. axe at 390 px and at desktop width."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.accounts.services import user_by_email
from ki_match.extensions import db
from ki_match.offers.confirming import confirm_offer
from ki_match.outbox.models import OutboxMessage
from ki_match.requests.models import Assignment, Offer, OfferStatus
from tests.browser.conftest import DEMO_LOGINS, PHONE_SIZE, check_both_widths
from tests.browser.test_coordinator_journey import _helper as make_helper
from tests.browser.test_on_behalf_journey import _request
from tests.factories import asked_for_tomorrow

pytestmark = pytest.mark.browser


def _confirmed_and_asked(app, email: str) -> int:
    """A request for next Tuesday 10:00 with the helper of ``email`` confirmed, and "Kommen Sie
    morgen?" asked of her as the job asks; the request's id."""
    request_id = _request(app, "so", offer_to=email)
    with app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.request_id == request_id))
        offer.status = OfferStatus.ACCEPTED
        db.session.commit()
        assignment = confirm_offer(offer.id, user_by_email(DEMO_LOGINS[Role.COORDINATOR]))
        asked_for_tomorrow(db.session.get(Assignment, assignment.id))
    return request_id


def _mailed_link(app, email: str, answer: str) -> str:
    """The link after ``answer`` ("Ja, ich komme:" or "Ich kann nicht:") in her mail's text."""
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "day_before", OutboxMessage.to_address == email)
        )
        return re.search(rf"{answer}\n(\S+)", message.body_text).group(1)


def test_one_helper_comes_and_another_cannot(new_page, live_server, axe, log_in):
    app = live_server.app
    coming_name, cannot_name = (f"{name} {uuid.uuid4().hex[:4]}" for name in ("Hodan A.", "Faduma B."))
    coming_email, cannot_email = make_helper(app, coming_name, "so"), make_helper(app, cannot_name, "so")
    coming_request = _confirmed_and_asked(app, coming_email)
    cannot_request = _confirmed_and_asked(app, cannot_email)

    # "Ja, ich komme", opened from the mail on her phone: nothing happens until she taps.
    phone = new_page()
    phone.set_viewport_size(PHONE_SIZE)
    phone.goto(_mailed_link(app, coming_email, "Ja, ich komme:"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ja, ich komme")
    expect(phone.locator(".facts")).to_contain_text("Brakel")
    check_both_widths(phone, axe)
    phone.get_by_role("button", name="Ja, ich komme").click()
    expect(phone.locator(".status-ok")).to_have_text(
        "Danke! Wir haben notiert, dass Sie morgen kommen. Einen guten Einsatz!"
    )
    check_both_widths(phone, axe)

    # "Ich kann nicht": a reason first (its message next to the field), then the assignment is given back.
    other = new_page()
    other.set_viewport_size(PHONE_SIZE)
    other.goto(_mailed_link(app, cannot_email, "Ich kann nicht:"))
    expect(other.get_by_role("heading", level=1)).to_have_text("Ich kann nicht kommen")
    other.problems.expect_console_error("422")
    other.get_by_role("button", name="Einsatz absagen").click()
    reason = other.get_by_label("Warum können Sie nicht kommen? (kurz)")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(other.locator(".field-error")).to_have_text(
        "Bitte schreiben Sie kurz, warum Sie nicht kommen können."
    )
    check_both_widths(other, axe)
    reason.fill("Mein Kind ist krank.")
    other.get_by_role("button", name="Einsatz absagen").click()
    expect(other.locator(".status-ok")).to_contain_text("Ihr Einsatz ist abgesagt")
    check_both_widths(other, axe)

    # The coordinator: one helper comes, the other request looks for someone again.
    desk = new_page()
    log_in(desk, Role.COORDINATOR)
    desk.goto(f"/requests/{coming_request}")
    expect(desk.locator("#offers .offer-row", has_text=coming_name)).to_contain_text("kommt – bestätigt am")
    desk.goto(f"/requests/{cannot_request}")
    expect(desk.locator("#offers")).to_contain_text("0 von 1 Plätzen besetzt.")
    expect(desk.locator("#offers .offer-row", has_text=cannot_name)).to_contain_text(
        "Grund: Mein Kind ist krank."
    )
    check_both_widths(desk, axe)
