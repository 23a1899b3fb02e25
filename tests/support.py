"""Small things many tests use: the app builder and its client, the outbox, a link in a mail, htmx headers."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, select

from ki_match import create_app
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.outbox import delivery
from ki_match.outbox.models import OutboxMessage


class RequestIsolatingClient(FlaskClient):
    """Each request in its own application context, as behind a real server.

    Otherwise a request made while the ``app`` fixture's context is pushed
    reuses that context: ``g`` (Flask-Login's cached user, Babel's locale, the
    CSRF token) and the database session would carry over from one request to
    the next, so a revoked session could still look logged in and a view that
    forgets to commit would pass. What the test has set up is committed first,
    so the request (on its own connection) sees it; the commit also expires the
    test's objects, which therefore show what the request wrote when read next.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context:  # ``with client:`` keeps Flask's own handling
            return super().open(*args, **kwargs)
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def build_app(uri: str, **overrides) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, **overrides})
    app.test_client_class = RequestIsolatingClient
    return app


def audit_events(action: str) -> list[AuditEvent]:
    """The audit events of ``action`` in the order they were written (a table has no order of its
    own: PostgreSQL fills the space the last test's rows left, so rows can come back in any order)."""
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def outbox(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def delivered_text(message: OutboxMessage) -> str:
    """The text of ``message`` as it reached the mail transport, delivering what is due first.

    An account link is made only when its mail is sent (``ki_match.outbox.links``): the
    row's own body holds a placeholder, never the link.
    """
    key = message.idempotency_key
    if not any(sent["X-KI-Match-Key"] == key for sent in delivery.sent_messages):
        delivery.deliver_pending()
    emails = [sent for sent in delivery.sent_messages if sent["X-KI-Match-Key"] == key]
    assert emails, f"the {message.kind!r} mail was not sent"
    return emails[-1].get_body(("plain",)).get_content()


def link_in(message: OutboxMessage) -> str:
    """The path of the first link of this app in a message's text, as it was sent."""
    text = delivered_text(message)
    match = re.search(r"https?://[^/\s]+(/\S+)", text)
    assert match, text
    return match.group(1)


HTMX = {"HX-Request": "true"}


def htmx_headers(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def copies_of(*values: str) -> list[str]:
    """Every text, string or JSON cell of every table that holds one of ``values``, as
    "table.column: 'value'": what a purge or a secret-free outbox must leave empty."""
    db.session.expire_all()
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, cell in zip(columns, row, strict=True):
                if cell is None:
                    continue
                text = cell if isinstance(cell, str) else json.dumps(cell, ensure_ascii=False)
                found += [f"{table.name}.{column.name}: {v!r}" for v in values if v in text]
    return found


@contextmanager
def frozen_clock(instant: datetime) -> Iterator[None]:
    """Inside, every ``utcnow()`` of the application answers ``instant``: each module that
    imported ``ki_match.clock.utcnow`` by name is given a stand-in, and gets the real one back."""
    import ki_match.clock

    real = ki_match.clock.utcnow
    patched = [
        module
        for name, module in list(sys.modules.items())
        if (name == "ki_match" or name.startswith("ki_match.")) and getattr(module, "utcnow", None) is real
    ]
    for module in patched:
        module.utcnow = lambda: instant
    try:
        yield
    finally:
        for module in patched:
            module.utcnow = real


@dataclass
class Region:
    """One top-level element of an htmx answer: its attributes and its markup."""

    attrs: dict[str, str | None]
    html: str

    @property
    def oob(self) -> bool:
        return "hx-swap-oob" in self.attrs


class _TopLevel(HTMLParser):
    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.depth, self.found = text, 0, {}
        self.lines = [0]
        for line in text.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.current: tuple[str, dict, int] | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth == 0:
            self.current = (tag, dict(attrs), self._offset())
        self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        self.depth -= 1
        if self.depth == 0 and self.current is not None:
            _tag, attrs, start = self.current
            end = self.text.index(">", self._offset()) + 1
            self.found[attrs.get("id")] = Region(attrs, self.text[start:end])
            self.current = None


def regions(html: str) -> dict[str | None, Region]:
    """The top-level elements of an htmx answer (the swapped block and its out-of-band regions) by id."""
    parser = _TopLevel(html)
    parser.feed(html)
    parser.close()
    return parser.found
