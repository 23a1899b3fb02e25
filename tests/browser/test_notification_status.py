"""The outbox status page in a browser: a coordinator sends a failed mail again and marks one in
doubt as sent; each row swaps in place with its result announced; axe after every swap."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from tests.browser.conftest import follow

pytestmark = pytest.mark.browser


def _problem(app, status: DeliveryStatus, subject: str) -> int:
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        message = OutboxMessage(
            ki_id=ki.id,
            kind="offer",
            idempotency_key=uuid.uuid4().hex,
            to_address="helferin@example.org",
            subject=subject,
            body_text="Hallo",
            status=status,
            attempts=10,
            last_error="SMTPRecipientsRefused: 550 No such mailbox",
        )
        db.session.add(message)
        db.session.commit()
        return message.id


def test_coordinator_decides_about_undelivered_mail(page, live_server, log_in, axe):
    failed = _problem(live_server.app, DeliveryStatus.FAILED, "Fehlgeschlagene Testnachricht")
    in_doubt = _problem(live_server.app, DeliveryStatus.IN_DOUBT, "Unklare Testnachricht")
    log_in(page, Role.COORDINATOR)
    follow(page.get_by_role("link", name="Benachrichtigungen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Benachrichtigungen")
    axe.check(page)

    failed_row = page.locator(f"#outbox-row-{failed}")
    failed_row.get_by_role("button", name="Erneut senden").click()
    expect(failed_row.get_by_role("status")).to_contain_text("Die Nachricht wird erneut gesendet.")
    expect(failed_row.get_by_role("button")).to_have_count(0)
    assert page.url.endswith("/benachrichtigungen")  # swapped in place, no navigation
    axe.check(page)

    doubt_row = page.locator(f"#outbox-row-{in_doubt}")
    doubt_row.get_by_role("button", name="Als gesendet markieren").click()
    expect(doubt_row.get_by_role("status")).to_contain_text("Die Nachricht ist als gesendet vermerkt.")
    axe.check(page)

    with live_server.app.app_context():
        states = {
            row.id: row.status
            for row in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_([failed, in_doubt]))
            )
        }
    assert states == {failed: DeliveryStatus.PENDING, in_doubt: DeliveryStatus.SENT}
