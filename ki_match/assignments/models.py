"""After an assignment: the requester's sign-off, and the short feedback of both sides.

A sign-off is what the requester (the initiative member who asked, or the KI's coordinators for
its own requests) says happened; the helper's hours report is what she says. Both stand side by
side when a coordinator approves the hours (``assignments.signoff``). Feedback is for the
coordinators only; its texts go with the request's client data (``forget_after_purge``) and with
the author's account (``privacy.services.RETENTION``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.db import str_enum
from ki_match.extensions import db


class Outcome(enum.StrEnum):
    TOOK_PLACE = "took_place"
    HELPER_ABSENT = "helper_absent"  # "Helfer*in ist nicht gekommen": leads to the no-show
    HELPER_LATE = "helper_late"  # "kam zu spät", with the minutes if known
    CLIENT_ABSENT = "client_absent"  # "Klient*in ist nicht gekommen": travel is still paid


class SignOff(db.Model):
    __tablename__ = "assignment_signoff"
    __table_args__ = (
        CheckConstraint(
            "late_minutes IS NULL OR (outcome = 'helper_late' AND late_minutes BETWEEN 1 AND 600)",
            name="late_minutes_when_late",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "signoff_outcome"))
    late_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "Helfer*in ist nicht gekommen" alerts the coordinators (``assignments.signoff``) until one of
    # them marks it handled; a new report of it alerts again.
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    assignment = relationship("Assignment")
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    handled_by = relationship("User", foreign_keys=[handled_by_id])


class Side(enum.StrEnum):
    HELPER = "helper"
    REQUESTER = "requester"


class Mood(enum.StrEnum):
    GOOD = "good"
    MIXED = "mixed"
    HARD = "hard"


class Feedback(db.Model):
    """One side's word on one assignment: how it went, a short text, and whether she asks for a
    call back (``callback``: a task for the coordinators)."""

    __tablename__ = "assignment_feedback"
    __table_args__ = (UniqueConstraint("assignment_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    side: Mapped[Side] = mapped_column(str_enum(Side, "feedback_side"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    mood: Mapped[Mood | None] = mapped_column(str_enum(Mood, "feedback_mood"))
    body: Mapped[str | None] = mapped_column(String(500))
    callback: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment = relationship("Assignment")
    author = relationship("User")
