"""Recording audit events. Events join the caller's transaction: a change that
rolls back leaves no trace, and one that commits always has its record."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import String, cast, delete, insert, or_, select, update

from ki_match.audit.models import AuditEvent
from ki_match.extensions import db

# ``actor=NOBODY``: no one known did it (a login tried on an account), even if someone is logged in.
NOBODY = object()


def record(
    action: str,
    *,
    actor=None,
    subject=None,
    ki_id: int | None = None,
    **detail,
) -> AuditEvent:
    """Add an audit event to the session.

    ``actor`` defaults to the logged-in user (``NOBODY`` for none); ``subject`` is
    any model row with an ``id`` (its table name is kept as the type): the person
    or the row the event concerns, which is how a person's export finds it.
    """
    event = AuditEvent(**_event(action, actor, subject, ki_id, detail))
    db.session.add(event)
    return event


def record_at_once(action: str, *, actor=None, subject=None, ki_id: int | None = None, **detail) -> None:
    """``record`` with a plain INSERT, sent at once, for a page that reads and writes only this:
    the session's unit of work (a flush) costs such a page more than the insert itself."""
    db.session.execute(insert(AuditEvent.__table__), _event(action, actor, subject, ki_id, detail))


def _event(action: str, actor, subject, ki_id: int | None, detail: dict) -> dict:
    if actor is NOBODY:
        actor = None
    elif actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    return {
        "action": action,
        "actor_id": getattr(actor, "id", None),
        "ki_id": ki_id or getattr(subject, "ki_id", None) or getattr(actor, "ki_id", None),
        "subject_type": subject.__tablename__ if subject is not None else None,
        "subject_id": getattr(subject, "id", None),
        "ip": request.remote_addr if has_request_context() else None,
        "detail": detail or None,
    }


# Keys of an event's detail that could hold a network address; they go with ``ip``.
ADDRESS_KEYS = frozenset({"ip", "ip_address", "remote_addr", "address"})


def forget_addresses(before: datetime) -> int:
    """Clear the network addresses of events older than ``before`` (the retention period): the
    ``ip`` column and any address in the detail. The events stay, they hold ids only. Returns how
    many events lost an address; the caller commits."""
    old = AuditEvent.at < before
    mentions = or_(*(cast(AuditEvent.detail, String).like(f'%"{key}"%') for key in sorted(ADDRESS_KEYS)))
    forgotten = 0
    for event in db.session.scalars(select(AuditEvent).where(old, AuditEvent.detail.is_not(None), mentions)):
        kept = {key: value for key, value in event.detail.items() if key not in ADDRESS_KEYS}
        if kept != event.detail:
            event.detail, event.ip = kept or None, None
            forgotten += 1
    db.session.flush()
    forgotten += db.session.execute(
        update(AuditEvent)
        .where(old, AuditEvent.ip.is_not(None))
        .values(ip=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if forgotten:
        record("audit.addresses_forgotten", count=forgotten, before=before.isoformat())
    return forgotten


def purge_events(before: datetime, ki_id: int) -> int:
    """Delete the events of one KI older than ``before``, its retention period. Returns how many
    went; the caller commits."""
    return db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.ki_id == ki_id, AuditEvent.at < before)
        .execution_options(synchronize_session=False)
    ).rowcount
