"""Queueing e-mails in the outbox and delivering them.

``queue_mail`` only adds a row to the caller's transaction. ``deliver_pending``
claims rows (so several workers can run), sends each once and marks it.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import or_, select, update

from ki_match.config import MAIL_SECURITY_CHOICES
from ki_match.db import utcnow
from ki_match.extensions import db
from ki_match.notifications.models import OutboxMessage

CLAIM_FOR = timedelta(minutes=5)
MAX_ATTEMPTS = 8

# Messages "sent" with the memory backend, for tests and the demo.
sent_messages: list[EmailMessage] = []


def queue_mail(
    *,
    kind: str,
    to: str,
    subject: str,
    template: str,
    key: str,
    ki_id: int | None = None,
    **context,
) -> OutboxMessage:
    """Render ``template`` (``<template>.txt`` and ``.html``) and add it to the outbox.

    ``key`` identifies the message's cause; queueing the same cause twice is
    refused by the unique idempotency key.
    """
    message = OutboxMessage(
        ki_id=ki_id,
        kind=kind,
        idempotency_key=hashlib.sha256(f"{kind}:{key}".encode()).hexdigest(),
        to_address=to,
        subject=subject,
        body_text=render_template(f"{template}.txt", **context),
        body_html=render_template(f"{template}.html", **context),
    )
    db.session.add(message)
    return message


def _claim(limit: int) -> list[OutboxMessage]:
    now = utcnow()
    candidates = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id in candidates:
        # Compare-and-set: only one worker wins each row, on every database.
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + CLAIM_FOR)
        )
        db.session.commit()
        if result.rowcount == 1:
            claimed.append(db.session.get(OutboxMessage, message_id))
    return claimed


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=message.idempotency_key[:16])
    email["X-KI-Match-Key"] = message.idempotency_key
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _send(email: EmailMessage) -> None:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        sent_messages.append(email)
    elif backend == "file":
        folder = Path(config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{email['X-KI-Match-Key'][:12]}.eml"
        (folder / name).write_bytes(bytes(email))
        current_app.logger.info("mail to %s written to %s", email["To"], folder / name)
    else:
        security = config["MAIL_SECURITY"]
        if security not in MAIL_SECURITY_CHOICES:
            raise ValueError(f"MAIL_SECURITY must be one of {', '.join(MAIL_SECURITY_CHOICES)}")
        # smtplib.SMTP_SSL without a context does not check the certificate:
        # always pass one that verifies the server's certificate and name.
        context = ssl.create_default_context()
        server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        if security == "ssl":
            connection = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
        else:
            connection = smtplib.SMTP(server, port, timeout=timeout)
        with connection as smtp:
            if security == "starttls":
                smtp.starttls(context=context)
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Send what is due; returns (sent, failed). Failures back off exponentially."""
    sent = failed = 0
    for message in _claim(limit):
        try:
            _send(_as_email(message))
        except Exception as error:
            # One bad message (a malformed address, a template bug) must not stop
            # the worker and hold up every message behind it: record, back off, go on.
            if isinstance(error, OSError | smtplib.SMTPException):
                current_app.logger.warning("mail %s not sent: %s", message.id, error)
            else:
                current_app.logger.exception("mail %s cannot be sent", message.id)
            message.attempts += 1
            message.last_error = str(error)[:2000]
            message.not_before = utcnow() + timedelta(minutes=2**message.attempts)
            message.claimed_until = None
            failed += 1
        else:
            message.sent_at = utcnow()
            message.attempts += 1
            sent += 1
        db.session.commit()
    return sent, failed
