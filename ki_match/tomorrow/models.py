"""One "Kommen Sie morgen?" asked of a confirmed helper, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.extensions import db

_UNANSWERED_SQL = "confirmed_at IS NULL AND declined_at IS NULL"


class DayBeforeCheck(db.Model):
    """Asked once per assignment and start: its unique key makes two runs of the job (or two at
    once) ask once, and a rescheduled assignment is asked again about its new day. The row is
    written in the same transaction as the mail (or the coordinators' task)."""

    __tablename__ = "day_before_check"
    __table_args__ = (
        UniqueConstraint("assignment_id", "starts_at"),
        CheckConstraint("confirmed_at IS NULL OR declined_at IS NULL", name="one_answer"),
        # The coordinators' tile: flagged questions still without an answer, a handful per KI.
        Index(
            "ix_day_before_check_flagged",
            "ki_id",
            "starts_at",
            sqlite_where=text(f"flagged_at IS NOT NULL AND {_UNANSWERED_SQL}"),
            postgresql_where=text(f"flagged_at IS NOT NULL AND {_UNANSWERED_SQL}"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The request's KI: its coordinators see the flag.
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    # The start the question is about; a moved assignment no longer answers to it.
    starts_at: Mapped[datetime]
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "Ja, ich komme"; "Ich kann nicht" (the assignment was withdrawn with it).
    confirmed_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    # No answer by the deadline hour: shown to the coordinators (once, by the job).
    flagged_at: Mapped[datetime | None]
    # A coordinator who recorded the answer she gave by phone; NULL when she answered herself.
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    assignment = relationship("Assignment")
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    @property
    def answered(self) -> bool:
        return self.confirmed_at is not None or self.declined_at is not None
