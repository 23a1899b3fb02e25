"""How long a mail's body stays in the outbox.

A body repeats what the mail was about: places, times, names, reasons people
typed. Once a mail is out, the delivery log needs only who got which kind of mail
when, and whether it arrived; so a sent mail's body is emptied after
``OUTBOX_BODY_RETENTION_DAYS`` (default 7: long enough to answer "did my mail
arrive, and what did it say?"). A mail that did not go out (failed, in doubt)
keeps its body for ``RETENTION_DAYS`` (default 90), so a person can still send it
again. The request purge (``requests.retention``) also empties, at once, every
mail about a request it purges, whatever its state.

An emptied mail keeps recipient, kind, subject, state and dates; ``body_purged_at``
says when it was emptied, and such a mail is never sent (``delivery``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.outbox.models import DeliveryStatus, OutboxMessage

DEFAULT_BODY_RETENTION_DAYS = 7
UNDELIVERED = (DeliveryStatus.FAILED, DeliveryStatus.IN_DOUBT)


def _empty(*conditions, now: datetime) -> int:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.body_purged_at.is_(None), *conditions)
        .values(body_text="", body_html=None, body_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def purge_bodies(now: datetime | None = None) -> int:
    """Empty the bodies of mails sent, or given up on, long enough ago; commits. How many."""
    now = now or utcnow()
    config = current_app.config
    sent_days = int(config.get("OUTBOX_BODY_RETENTION_DAYS", DEFAULT_BODY_RETENTION_DAYS))
    emptied = _empty(
        OutboxMessage.status == DeliveryStatus.SENT,
        OutboxMessage.sent_at < now - timedelta(days=sent_days),
        now=now,
    )
    emptied += _empty(
        OutboxMessage.status.in_(UNDELIVERED),
        OutboxMessage.created_at < now - timedelta(days=int(config["RETENTION_DAYS"])),
        now=now,
    )
    db.session.commit()
    return emptied


def forget_request_mail(request_ids: list[int], now: datetime) -> int:
    """Empty the body of every mail about these requests, in the caller's transaction."""
    return _empty(OutboxMessage.request_id.in_(request_ids), now=now)
