"""What the status page reads from the outbox, always within one KI."""

from __future__ import annotations

from sqlalchemy import func, select

from ki_match.extensions import db
from ki_match.outbox.models import DeliveryStatus, OutboxMessage

NEEDS_A_PERSON = (DeliveryStatus.FAILED, DeliveryStatus.IN_DOUBT)


def counts_by_status(ki_id: int) -> dict[DeliveryStatus, int]:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.ki_id == ki_id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(DeliveryStatus, 0)
    counts.update({status: number for status, number in rows})
    return counts


def needing_a_person(ki_id: int, limit: int = 200) -> list[OutboxMessage]:
    """Failed and in-doubt messages of the KI, newest first."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.ki_id == ki_id, OutboxMessage.status.in_(NEEDS_A_PERSON))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
