"""Users, their server-side login sessions and single-use account tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.access import Role
from ki_match.clock import utcnow
from ki_match.db import str_enum
from ki_match.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role = 'initiative') = (organisation_id IS NOT NULL)",
            name="organisation_iff_initiative",
        ),
        # The operator stands above the KIs; everyone else belongs to exactly one.
        CheckConstraint("(role = 'operator') = (ki_id IS NULL)", name="ki_unless_operator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int | None] = mapped_column(ForeignKey("ki.id"), index=True)
    # None only for a helper the KI manages without an e-mail address (``managed_by_ki_since``).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    display_name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Set when the person deleted their account; the row stays, anonymised, for statistics.
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A helper "vom KI verwaltet" (``helpers.managed``): a person without e-mail or without wish
    # to use the app, whose profile the coordinators keep. No password, so no login; what would be
    # mailed to her becomes a task on the coordinators' list (``notifications.tasks``). Cleared
    # when she accepts an invitation and sets a password (``accept_invitation``).
    managed_by_ki_since: Mapped[datetime | None]

    organisation = relationship("Organisation")
    ki = relationship("Ki")

    @property
    def may_use_app(self) -> bool:
        """Whether this person may use the app now: the one rule that the login, every session,
        mailed links and calendar feeds ask. An account of a deactivated KI keeps its data but
        cannot be used until the KI is active again; an operator belongs to no KI."""
        return self.active and self.deleted_at is None and (self.ki is None or self.ki.active)

    @property
    def is_managed(self) -> bool:
        return self.managed_by_ki_since is not None

    @property
    def is_active(self) -> bool:  # Flask-Login asks this before logging a user in
        return self.may_use_app

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class UserSession(db.Model):
    """One login. The cookie holds a random token; only its hash is stored here,
    so logging out (``revoked_at``) makes a copied cookie worthless."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a secret)
    INVITATION = "invitation"


class AccountToken(db.Model):
    """A single-use, expiring token sent by e-mail; only its hash is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")
