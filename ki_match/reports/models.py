"""Expense allowance rates (Aufwandsentschädigung) of a KI, each valid from a date on."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ki_match.clock import utcnow
from ki_match.extensions import db


class AllowanceRate(db.Model):
    """Cents per approved hour and per travelled kilometre, from ``valid_from`` (a Berlin calendar day)
    until the next rate of the same KI starts."""

    __tablename__ = "allowance_rate"
    __table_args__ = (
        UniqueConstraint("ki_id", "valid_from"),
        CheckConstraint("per_hour_cents BETWEEN 0 AND 100000", name="per_hour_range"),
        CheckConstraint("per_km_cents BETWEEN 0 AND 10000", name="per_km_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"))
    valid_from: Mapped[date]
    per_hour_cents: Mapped[int]
    per_km_cents: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Reports filter a KI's requests by when they were made and by when they take place; both at state
# scale (200,000 requests a year) need an index led by the KI.
from ki_match.requests.models import HelpRequest  # noqa: E402

Index("ix_help_request_ki_created_at", HelpRequest.ki_id, HelpRequest.created_at)
Index("ix_help_request_ki_starts_at", HelpRequest.ki_id, HelpRequest.starts_at)
