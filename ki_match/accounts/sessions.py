"""Login sessions: the cookie holds a random token, the row only its hash, so logging out or
timing out makes a copied cookie worthless; ended logins leave with the retention purge."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import joinedload

from ki_match.accounts.models import User, UserSession
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db


def digest(raw: str) -> str:
    """What is stored of a secret the user holds (a session cookie, a mailed token)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=digest(raw),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    user.last_login_at = utcnow()
    record("login.success", actor=user, subject=user)
    return raw


SEEN_PRECISION = timedelta(minutes=5)


@cache
def _session_and_user():
    """Every request asks this: the session, its user and the user's KI (which every page shows
    and scopes by) in one round trip. Built once, on first use (the mappers must be complete): a
    statement object keeps its cache key, so a request pays neither for building it nor for
    working out which compiled SQL it is."""
    return (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .options(joinedload(User.ki))
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


def user_for_session(raw: str) -> User | None:
    """The user of a live session, or None if it was revoked, idle or too old."""
    found = db.session.execute(_session_and_user(), {"token_hash": digest(raw)}).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    now = utcnow()
    config = current_app.config
    if now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"] or (
        now - row.created_at > config["PERMANENT_SESSION_LIFETIME"]
    ):
        row.revoked_at = now
        db.session.commit()
        return None
    if not user.may_use_app:  # also when the user's KI was deactivated meanwhile
        return None
    if now - row.last_seen_at > SEEN_PRECISION:
        # Written only every few minutes, so reading pages does not mean writing rows.
        row.last_seen_at = now
        db.session.commit()
    return user


def end_session(raw: str | None, user: User | None) -> None:
    if raw:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == digest(raw), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    if user is not None:
        record("logout", actor=user, subject=user)
    db.session.commit()


def end_all_sessions(user: User) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def forget_old_sessions(before) -> int:
    """Delete logins that ended, or were last used, before ``before`` (the retention period):
    their address and browser serve nothing once the session is over. Returns how many; the
    caller commits."""
    ended = or_(UserSession.revoked_at < before, UserSession.last_seen_at < before)
    return db.session.execute(
        delete(UserSession).where(ended).execution_options(synchronize_session=False)
    ).rowcount
