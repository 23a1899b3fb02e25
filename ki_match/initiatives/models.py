"""The conversation between the coordinators and an initiative about one submitted request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.extensions import db


class RequestComment(db.Model):
    """A coordinator's question or an initiative's answer on a request.

    ``from_ki`` tells the two sides apart even after the author's account is deleted.
    """

    __tablename__ = "request_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    from_ki: Mapped[bool]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")
