"""Small things many tests read: the outbox, a link in a mail, htmx request headers."""

from __future__ import annotations

import re

from sqlalchemy import select

from ki_match.extensions import db
from ki_match.outbox.models import OutboxMessage


def outbox(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def link_in(message: OutboxMessage) -> str:
    """The path of the first link of this app in a message's text body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


HTMX = {"HX-Request": "true"}


def htmx_headers(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}
