"""The conversation between the coordinators and an initiative about one submitted request, and
whose contact the organisation may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
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


# One live share per helper and request; an ended one stays as the record of what was shown.
_LIVE_SQL = "ended_at IS NULL"


class ContactShare(db.Model):
    """A coordinator let the requesting organisation see one helper's name, e-mail and phone for
    one request.

    The share is the person's, not the seat's: it ends (``ended_at``) when the coordinator takes it
    back or when that helper's assignment ends, and whoever is confirmed next is shown only once
    their own contact is shared. ``organisation_id`` keeps with whom it was shared.
    """

    __tablename__ = "contact_share"
    __table_args__ = (
        Index(
            "uq_contact_share_live",
            "request_id",
            "helper_id",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
        Index("ix_contact_share_helper_id", "helper_id"),
        CheckConstraint("ended_at IS NULL OR ended_at >= shared_at", name="ends_after_shared"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    helper = relationship("HelperProfile")
    organisation = relationship("Organisation")
