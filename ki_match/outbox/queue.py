"""Writing a mail into the outbox, in the caller's transaction and in its recipient's language."""

from __future__ import annotations

import hashlib

from flask import current_app, render_template
from flask_babel import force_locale

from ki_match.extensions import db
from ki_match.outbox.links import PLACEHOLDER
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from ki_match.outbox.preferences import wants_mail


def recipient_of(context: dict):
    """The user a message is for, as the templates name it (``recipient`` or ``user``)."""
    return context.get("recipient") or context.get("user")


def mail_locale(recipient=None, locale: str | None = None) -> str:
    """The recipient's interface language if the app speaks it, else German."""
    config = current_app.config
    wanted = locale or getattr(recipient, "locale", None)
    return wanted if wanted in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def queue_mail(
    *,
    kind: str,
    to: str,
    subject,
    template: str,
    key: str,
    ki_id: int | None = None,
    locale: str | None = None,
    link_ref: str | None = None,
    **context,
) -> OutboxMessage | None:
    """Render ``template`` (``<template>.txt`` and ``.html``) and add it to the outbox.

    The message is written in the language of its recipient (the ``recipient``
    or ``user`` of the context, or ``locale``), not in the language of whoever
    caused it; pass ``subject`` as a lazy string so it follows too. ``key``
    identifies the message's cause; queueing the same cause twice is refused by
    the unique idempotency key.

    ``link_ref`` names a link the database must not hold (an account link): the
    template's ``link`` is then a placeholder, and the worker makes the link when it
    sends the mail (``outbox.links``). The ``request`` of the context, if any, is
    noted as the request the mail is about, for the request's retention purge.
    """
    recipient = recipient_of(context)
    if recipient is not None and not wants_mail(recipient, kind):
        return None  # an optional kind its recipient switched off (notifications.preferences)
    locale = mail_locale(recipient, locale)
    if link_ref is not None:
        context["link"] = PLACEHOLDER
    request_id = getattr(context.get("request"), "id", None)
    with force_locale(locale):
        written = {
            "subject": str(subject),
            "body_text": render_template(f"{template}.txt", **context),
            "body_html": render_template(f"{template}.html", **context),
        }
    key_hash = hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()
    message = OutboxMessage(
        ki_id=ki_id,
        kind=kind,
        idempotency_key=key_hash,
        to_address=to,
        locale=locale,
        request_id=request_id if isinstance(request_id, int) else None,
        link_ref=link_ref,
        **written,
    )
    message.status = DeliveryStatus.PENDING
    db.session.add(message)
    return message
