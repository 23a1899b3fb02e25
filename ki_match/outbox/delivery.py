"""Delivering the outbox: the worker's side.

``deliver_pending`` is one round of the worker: it claims
due rows (several workers may run at once), hands each to the mail server once
and marks it. Each message goes pending → sending → sent, and ``sending`` is
committed *before* the server gets the message: a worker that dies after the
server accepted a message but before marking it leaves a row in ``sending``,
which the next round turns into ``in_doubt`` for a person to decide, rather
than sending it a second time.
"""

from __future__ import annotations

import random
import secrets
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.config import MAIL_SECURITY_CHOICES
from ki_match.extensions import db
from ki_match.orgs.queries import in_active_ki
from ki_match.outbox.links import filled_in
from ki_match.outbox.models import DeliveryStatus, OutboxMessage

# A round's claim on the rows it took, in seconds (MAIL_CLAIM_SECONDS); a message being handed
# to the server gets this long again, which must stay well above MAIL_TIMEOUT (config checks).
CLAIM_SECONDS = 5 * 60
MAX_ATTEMPTS = 10
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 2 * 3600
BATCH_SIZE = 100
IN_DOUBT_NOTE = "handed to the mail server, but the worker stopped before marking it sent"

# Messages "sent" with the memory backend, for tests and the demo.
sent_messages: list[EmailMessage] = []


class NotificationError(Exception):
    """A status-page action that does not fit the message's state; the text is for the user."""


class Delivery(NamedTuple):
    sent: int
    failed: int  # not delivered in this round: retried later, failed or in doubt


# --- delivering: claiming ---------------------------------------------------------------------


def _setting(name: str, default):
    return current_app.config.get(name, default)


def _claim_for() -> timedelta:
    """How long a claim holds: a worker killed mid-round leaves its rows to others after this."""
    return timedelta(seconds=_setting("MAIL_CLAIM_SECONDS", CLAIM_SECONDS))


def _claim(limit: int, now: datetime | None = None) -> tuple[str, list[OutboxMessage]]:
    """Take up to ``limit`` due messages for this round; returns the round's token and its rows.

    One UPDATE claims the rows. On PostgreSQL its CTE locks them with
    SKIP LOCKED, so parallel workers take different rows instead of queueing
    behind each other; SQLite runs one writer at a time, and the UPDATE's own
    conditions keep a row someone claimed meanwhile out. Which rows are ours
    is then read back by the token, not assumed.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    claimable = (
        OutboxMessage.status == DeliveryStatus.PENDING,
        OutboxMessage.not_before <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        # A deactivated KI's mail is held, not lost: it goes out once the KI is active again.
        or_(OutboxMessage.ki_id.is_(None), in_active_ki(OutboxMessage.ki_id)),
    )
    due = select(OutboxMessage.id).where(*claimable).order_by(OutboxMessage.not_before, OutboxMessage.id)
    due = due.limit(limit)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A CTE, not a plain subquery: PostgreSQL may run a subquery of IN again for
    # each row it checks, and with SKIP LOCKED every run finds other rows, so the
    # LIMIT stops holding; a CTE that locks rows is evaluated exactly once.
    due = due.cte("due")
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(due.c.id)), *claimable)
        .values(claimed_until=now + _claim_for(), claim_token=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    mine = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.claim_token == token, OutboxMessage.status == DeliveryStatus.PENDING)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
    ).all()
    return token, list(mine)


def _set_in_doubt(now: datetime) -> int:
    """Messages left in ``sending`` by a worker that stopped: never sent again by themselves."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.SENDING, OutboxMessage.claimed_until < now)
        .values(status=DeliveryStatus.IN_DOUBT, claimed_until=None, last_error=IN_DOUBT_NOTE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        current_app.logger.warning(
            "%s mail(s) in doubt: sending started but never confirmed", result.rowcount
        )
    return result.rowcount


def _start_sending(message_id: int, token: str, now: datetime) -> bool:
    """Phase one, committed before the server sees the message. False if the row is no longer ours."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim_token == token,
            OutboxMessage.status == DeliveryStatus.PENDING,
        )
        .values(
            status=DeliveryStatus.SENDING,
            sending_started_at=now,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=now + _claim_for(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _mark_sent(message_id: int, token: str) -> None:
    """Phase two: the server accepted the message."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim_token == token,
            # A slow round may find its row already declared in doubt; the truth is better.
            OutboxMessage.status.in_((DeliveryStatus.SENDING, DeliveryStatus.IN_DOUBT)),
        )
        .values(status=DeliveryStatus.SENT, sent_at=utcnow(), claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def retry_delay(attempts: int) -> timedelta:
    """base · 2^attempts, capped, plus up to 10 % jitter so that retries do not arrive in step."""
    base = _setting("MAIL_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    seconds = min(base * 2**attempts, _setting("MAIL_RETRY_MAX_SECONDS", RETRY_MAX_SECONDS))
    return timedelta(seconds=seconds * (1 + random.uniform(0, 0.1)))  # noqa: S311 (not for secrets)


def _mark_not_sent(
    message_id: int, token: str, attempts: int, error: BaseException, *, permanent: bool
) -> None:
    """Back to pending with back-off, or failed after a permanent error or the last attempt."""
    last = permanent or attempts >= _setting("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS)
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim_token == token,
            OutboxMessage.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
        )
        .values(
            status=DeliveryStatus.FAILED if last else DeliveryStatus.PENDING,
            attempts=attempts,
            not_before=utcnow() + retry_delay(attempts),
            claimed_until=None,
            claim_token=None,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- delivering: building and handing over ----------------------------------------------------


def message_id_for(idempotency_key: str) -> str:
    """The same Message-ID whenever the same message is handed over, so a receiving server
    or mail client can recognise a copy."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "ki-match.invalid"
    return f"<{idempotency_key[:40]}@{domain}>"


def _as_email(message: OutboxMessage) -> EmailMessage:
    """The mail as it goes out; an account link in it is made now (``outbox.links``), last,
    so that a mail that cannot be built issues no token."""
    if message.body_purged_at is not None:
        raise ValueError("the message's body was purged (outbox.retention)")
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id_for(message.idempotency_key)
    email["X-KI-Match-Key"] = message.idempotency_key
    if message.locale:
        email["Content-Language"] = message.locale
    body_text, body_html = filled_in(message)
    email.set_content(body_text)
    if body_html:
        email.add_alternative(body_html, subtype="html")
    return email


class DeliveryUncertain(Exception):
    """The connection broke after the message was handed over: the server may have it."""


class ConnectFailed(Exception):
    """No connection to the mail server: nothing of this round can go out."""


class _TracksData:
    data_started = False

    def data(self, msg):
        # From here on the server may keep the message even if its answer never reaches us.
        self.data_started = True
        return super().data(msg)


class _SMTP(_TracksData, smtplib.SMTP):
    pass


class _SMTPSSL(_TracksData, smtplib.SMTP_SSL):
    pass


class Transport:
    """Hands messages over; the SMTP one keeps one connection for the whole round."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass

    def send(self, email: EmailMessage) -> None:
        raise NotImplementedError


class MemoryTransport(Transport):
    def send(self, email: EmailMessage) -> None:
        sent_messages.append(email)


class FileTransport(Transport):
    def __init__(self, folder: str):
        self.folder = Path(folder)

    def send(self, email: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{utcnow():%Y%m%dT%H%M%S}-{email['X-KI-Match-Key'][:12]}.eml"
        path.write_bytes(bytes(email))
        current_app.logger.info("mail to %s written to %s", email["To"], path)


class SmtpTransport(Transport):
    def __init__(self, config):
        security = config["MAIL_SECURITY"]
        if security not in MAIL_SECURITY_CHOICES:
            raise ValueError(f"MAIL_SECURITY must be one of {', '.join(MAIL_SECURITY_CHOICES)}")
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        security = config["MAIL_SECURITY"]
        # smtplib.SMTP_SSL without a context does not check the certificate:
        # always pass one that verifies the server's certificate and name.
        context = ssl.create_default_context()
        server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        try:
            if security == "ssl":
                connection = _SMTPSSL(server, port, timeout=timeout, context=context)
            else:
                connection = _SMTP(server, port, timeout=timeout)
            try:
                if security == "starttls":
                    connection.starttls(context=context)
                if config["MAIL_USERNAME"]:
                    connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            except BaseException:
                connection.close()
                raise
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectFailed(f"{type(error).__name__}: {error}") from error
        return connection

    def send(self, email: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        connection = self.connection
        connection.data_started = False
        try:
            connection.send_message(email)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            # The server answered. After a 421 it closes the channel and smtplib closes its
            # side too: the next message of the round needs a new connection.
            if connection.sock is None:
                self.connection = None
            raise
        except BaseException as error:
            self.connection = None
            connection.close()
            if connection.data_started and isinstance(error, OSError | smtplib.SMTPException):
                raise DeliveryUncertain(f"{type(error).__name__}: {error}") from error
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


def transport() -> Transport:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        return MemoryTransport()
    if backend == "file":
        return FileTransport(config["MAIL_FILE_DIR"])
    return SmtpTransport(config)


def is_temporary(error: BaseException) -> bool:
    """Worth trying again later: no connection, timeouts, 4xx answers, login or TLS trouble.

    Permanent: the server refused *this* message with 5xx, or it cannot be built
    (a broken address or header) — trying again would give the same answer.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return 400 <= error.smtp_code < 500
    return isinstance(error, OSError | smtplib.SMTPException | ConnectFailed)


# --- delivering: the round --------------------------------------------------------------------


def deliver_pending(limit: int | None = None) -> Delivery:
    """One round of the worker: send what is due; returns (sent, not sent)."""
    now = utcnow()
    _set_in_doubt(now)
    token, messages = _claim(limit or _setting("MAIL_BATCH_SIZE", BATCH_SIZE), now)
    sent = failed = 0
    if not messages:
        return Delivery(0, 0)
    pending = [(message.id, message.attempts, message) for message in messages]
    with transport() as outgoing:
        for index, (message_id, attempts, message) in enumerate(pending):
            try:
                email = _as_email(message)
            except Exception as error:  # a broken address or header: this one never can go
                current_app.logger.exception("mail %s cannot be built", message_id)
                _mark_not_sent(message_id, token, attempts + 1, error, permanent=True)
                failed += 1
                continue
            if not _start_sending(message_id, token, utcnow()):
                continue  # our claim ran out and another worker has it now
            try:
                outgoing.send(email)
            except DeliveryUncertain as error:
                current_app.logger.error("mail %s in doubt: %s", message_id, error)
                _mark_in_doubt(message_id, token, error)
                failed += 1
                continue
            except ConnectFailed as error:
                # The server is not there: everything left in this round waits with this one.
                current_app.logger.warning("mail server not reachable: %s", error)
                _mark_not_sent(message_id, token, attempts + 1, error, permanent=False)
                for other_id, other_attempts, _message in pending[index + 1 :]:
                    _mark_not_sent(other_id, token, other_attempts + 1, error, permanent=False)
                return Delivery(sent, failed + len(pending) - index)
            except Exception as error:
                temporary = is_temporary(error)
                if temporary:
                    current_app.logger.warning("mail %s not sent: %s", message_id, error)
                else:
                    current_app.logger.exception("mail %s refused", message_id)
                _mark_not_sent(message_id, token, attempts + 1, error, permanent=not temporary)
                failed += 1
                continue
            _mark_sent(message_id, token)
            sent += 1
    return Delivery(sent, failed)


def _mark_in_doubt(message_id: int, token: str, error: BaseException) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(status=DeliveryStatus.IN_DOUBT, claimed_until=None, last_error=f"{error}"[:2000])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- what a person decides on the status page -------------------------------------------------


def send_again(message: OutboxMessage, actor) -> OutboxMessage:
    """A failed message, or one in doubt the person checked was not received, goes out again."""
    if message.status not in (DeliveryStatus.FAILED, DeliveryStatus.IN_DOUBT):
        raise NotificationError(_l("Diese Nachricht wartet nicht auf eine Entscheidung."))
    if message.body_purged_at is not None:
        raise NotificationError(_l("Der Inhalt dieser Nachricht ist schon gelöscht."))
    previous = message.status
    message.status = DeliveryStatus.PENDING
    message.attempts = 0
    message.not_before = utcnow()
    message.claimed_until = None
    message.claim_token = None
    record("outbox.sent_again", actor=actor, subject=message, previous=previous.value, kind=message.kind)
    db.session.commit()
    return message


def mark_as_sent(message: OutboxMessage, actor) -> OutboxMessage:
    """A message in doubt that the person knows arrived: no longer waiting for anyone."""
    if message.status != DeliveryStatus.IN_DOUBT:
        raise NotificationError(
            _l("Nur Nachrichten mit unklarem Versand können als gesendet markiert werden.")
        )
    message.status = DeliveryStatus.SENT
    message.sent_at = message.sending_started_at or utcnow()
    message.claimed_until = None
    record("outbox.marked_sent", actor=actor, subject=message, kind=message.kind)
    db.session.commit()
    return message
