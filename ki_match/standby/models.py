"""The days a helper is on standby ("auf Abruf"): she can step in at short notice that day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ki_match.clock import utcnow
from ki_match.extensions import db


class StandbyDay(db.Model):
    """One day (Europe/Berlin calendar) on which a helper may be asked at short notice."""

    __tablename__ = "standby_day"
    __table_args__ = (
        UniqueConstraint("helper_id", "day"),
        # Matching and the late-cancellation follow-up ask "who is on standby that day?".
        Index("ix_standby_day_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id", ondelete="CASCADE"))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
