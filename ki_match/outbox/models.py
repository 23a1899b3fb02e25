"""The outbox: every e-mail is a row written in the same transaction as its cause."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ki_match.clock import utcnow
from ki_match.db import str_enum
from ki_match.extensions import db


class DeliveryStatus(enum.StrEnum):
    """Where a message stands.

    pending → sending → sent is the normal way. ``sending`` is committed before
    the message is handed to the mail server, so a worker that dies between
    handing it over and marking it leaves a trace: such a message becomes
    ``in_doubt`` and waits for a person instead of being sent a second time.
    ``failed`` is final until a person sends it again.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int | None] = mapped_column(ForeignKey("ki.id"))
    # The request the mail is about (the ``request`` its template was given), so that the
    # request's retention purge (``requests.retention``) finds its mails. By table name only:
    # the outbox sits below the requests and imports nothing of them.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_request.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # Emptied (body_text "", body_html NULL) when ``body_purged_at`` is set: see ``outbox.retention``.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    body_purged_at: Mapped[datetime | None]
    # A link the body needs but the database must not hold (an account link): the body holds
    # ``links.PLACEHOLDER``, and the link is made from this reference when the mail is sent.
    link_ref: Mapped[str | None] = mapped_column(String(80))
    # The language the message was written in (the recipient's, not the sender's).
    locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "outbox_status"), default=DeliveryStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]
    # Who holds the claim: each worker round draws a random token, so a worker whose
    # claim expired and was taken over cannot go on with a row that is no longer its own.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sending_started_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
