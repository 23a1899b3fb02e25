"""Links a mail needs but the database must not hold: made at the moment the mail is sent.

An account link (verification, password reset, invitation) takes over an account
for as long as its token lives. Only the token's hash is stored; the raw token
must not rest in an outbox body either, queued or sent, where a copy of the
database would hand it out. So ``queue_mail(..., link_ref=…)`` writes
``PLACEHOLDER`` where the template puts the link and keeps the reference; just
before the worker hands the mail over, ``filled_in`` publishes ``LinkDue`` and
the layer that owns the reference (``accounts``, subscribed in ``create_app``:
the outbox sits below it and imports nothing of it) makes the link — and with
it a fresh token. The token is committed with the row's ``sending`` state,
before the mail server sees the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

from ki_match.events import publish

# Survives both templates unchanged (nothing in it is escaped in HTML).
PLACEHOLDER = "ki-match-link-made-when-sent"


@dataclass(frozen=True)
class LinkDue:
    """A mail to ``to`` goes out now and needs the link ``ref`` names; a handler returns its URL."""

    ref: str
    to: str


class NoLink(Exception):
    """Nobody can make the link any more (the account is gone, or its address changed)."""


def filled_in(message) -> tuple[str, str | None]:
    """The message's text and HTML bodies, with its link made now if it has one."""
    if not message.link_ref:
        return message.body_text, message.body_html
    urls = [url for url in publish(LinkDue(ref=message.link_ref, to=message.to_address)) if url]
    if len(urls) != 1:
        raise NoLink(f"no link can be made for {message.link_ref.partition(':')[0]}")
    (url,) = urls
    html = message.body_html.replace(PLACEHOLDER, str(escape(url))) if message.body_html else None
    return message.body_text.replace(PLACEHOLDER, url), html
