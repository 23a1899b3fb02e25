"""A mail's body leaves the outbox a few days after it was sent; the delivery log stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ki_match.accounts.models import Role
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.outbox import delivery
from ki_match.outbox.delivery import NotificationError, deliver_pending, send_again
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from ki_match.outbox.retention import purge_bodies
from tests.outbox_helpers import queue_verification
from tests.support import htmx_headers

PAGE = "/benachrichtigungen"


def mail(user, key: str, status: DeliveryStatus, *, days_ago: int) -> OutboxMessage:
    """A mail queued (and, if sent, sent) ``days_ago`` days ago."""
    message = queue_verification(user, key)
    db.session.flush()
    then = utcnow() - timedelta(days=days_ago)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(
            status=status,
            created_at=then,
            sent_at=then if status == DeliveryStatus.SENT else None,
            last_error=None if status == DeliveryStatus.SENT else "SMTPDataError: 554 refused",
        )
    )
    db.session.commit()
    return message


def body_of(message: OutboxMessage) -> tuple[str, str | None, bool]:
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    return row.body_text, row.body_html, row.body_purged_at is not None


def test_sent_bodies_go_after_the_configured_days_undelivered_ones_after_the_retention(app, create_user):
    user = create_user(Role.HELPER)
    old_sent = mail(user, "1", DeliveryStatus.SENT, days_ago=8)
    young_sent = mail(user, "2", DeliveryStatus.SENT, days_ago=6)
    failed = mail(user, "3", DeliveryStatus.FAILED, days_ago=30)
    old_failed = mail(user, "4", DeliveryStatus.IN_DOUBT, days_ago=91)
    pending = mail(user, "5", DeliveryStatus.PENDING, days_ago=100)

    assert purge_bodies() == 2

    assert body_of(old_sent) == ("", None, True)
    assert body_of(old_failed) == ("", None, True)
    for kept in (young_sent, failed, pending):
        text, html, purged = body_of(kept)
        assert "/verify/" in text and html and not purged
    row = db.session.get(OutboxMessage, old_sent.id)  # the delivery log keeps its facts
    assert (row.to_address, row.kind, row.status) == (user.email, "verify_email", DeliveryStatus.SENT)
    assert row.subject and row.sent_at is not None
    assert purge_bodies() == 0


def test_the_days_come_from_the_configuration(app, create_user):
    user = create_user(Role.HELPER)
    sent = mail(user, "1", DeliveryStatus.SENT, days_ago=2)
    app.config["OUTBOX_BODY_RETENTION_DAYS"] = 1
    assert purge_bodies() == 1
    assert body_of(sent)[2]


def test_a_mail_whose_body_is_gone_is_never_sent_nor_sent_again(app, create_user):
    user = create_user(Role.HELPER)
    failed = mail(user, "1", DeliveryStatus.FAILED, days_ago=91)
    purge_bodies()
    with pytest.raises(NotificationError):
        send_again(db.session.get(OutboxMessage, failed.id), actor=user)
    # Even if it were pending again, the worker would not send an empty mail.
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == failed.id).values(status=DeliveryStatus.PENDING)
    )
    db.session.commit()
    delivery.sent_messages.clear()
    assert deliver_pending().sent == 0
    assert delivery.sent_messages == []
    assert db.session.get(OutboxMessage, failed.id).status == DeliveryStatus.FAILED


def test_the_status_page_shows_an_emptied_mail_without_send_again(client, login_as, create_user):
    coordinator = login_as(Role.COORDINATOR)
    failed = mail(coordinator, "1", DeliveryStatus.FAILED, days_ago=91)
    in_doubt = mail(coordinator, "2", DeliveryStatus.IN_DOUBT, days_ago=1)
    purge_bodies()

    page = client.get(PAGE).get_data(as_text=True)
    assert f'id="outbox-row-{failed.id}"' in page and f'id="outbox-row-{in_doubt.id}"' in page
    assert "Inhalt" in page and "Aufbewahrungsfrist abgelaufen" in page
    assert f'id="send-again-{failed.id}"' not in page
    assert f'id="send-again-{in_doubt.id}"' in page
    response = client.post(
        f"{PAGE}/{failed.id}/erneut-senden", headers=htmx_headers(f"outbox-row-{failed.id}")
    )
    assert "schon gelöscht" in response.get_data(as_text=True)
    assert db.session.get(OutboxMessage, failed.id).status == DeliveryStatus.FAILED


def test_the_purge_command_empties_old_bodies_too(app, create_user):
    user = create_user(Role.HELPER)
    old_sent = mail(user, "1", DeliveryStatus.SENT, days_ago=8)
    result = app.test_cli_runner().invoke(args=["requests", "purge"])
    assert result.exit_code == 0, result.output
    assert "emptied the bodies of 1 mail(s)" in result.output
    assert body_of(old_sent)[2]
