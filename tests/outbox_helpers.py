"""Small helpers shared by the outbox tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.extensions import db
from ki_match.outbox.models import OutboxMessage
from ki_match.outbox.queue import queue_mail

SUBJECT = "Bitte bestätigen Sie Ihre E-Mail-Adresse"


def queue_verification(user, key: str = "1", *, to: str | None = None, kind: str = "verify_email"):
    """A verification-style mail to ``user`` (or another address); the caller commits."""
    return queue_mail(
        kind=kind,
        to=to or user.email,
        subject=_l(SUBJECT),  # lazy: queue_mail translates it for the recipient
        template="emails/verify_email",
        key=key,
        ki_id=user.ki_id,
        user=user,
        link=f"http://localhost/verify/token-{key}",
    )


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port held by a bound socket that does not listen: a connection to it is refused,
    as with a mail server that is down, and no other test process can start a server there while
    the block runs (``free_port`` alone leaves that open)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def free_port() -> int:
    """A loopback port nobody listens on (until a test starts a server there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
