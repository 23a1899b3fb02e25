"""Accounts: passwords, login sessions, e-mail tokens, registration, invitations, approval.

Nothing here says whether an address is registered: callers get the same
outcome either way, and the owner of an address learns by e-mail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ki_match.accounts.events import HelperAccountCreated
from ki_match.accounts.models import AccountToken, Role, TokenPurpose, User, UserSession
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.core.text import normalise_name
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.orgs.models import Ki, Organisation
from ki_match.outbox.queue import queue_mail
from ki_match.urls import public_url


class AccountError(Exception):
    """A rule of account handling was broken; the message is meant for the user."""


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _dummy_hash() -> str:
    """A hash to verify against when the address is unknown, so timing does not tell."""
    cached = current_app.extensions.get("ki_match_dummy_hash")
    if cached is None:
        cached = hash_password(secrets.token_urlsafe(16))
        current_app.extensions["ki_match_dummy_hash"] = cached
    return cached


def check_password(user: User | None, password: str) -> bool:
    hasher = _hasher()
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    if stored is None:
        return False
    if hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    return True


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- e-mail tokens -----------------------------------------------------------------------

_TTL_SETTING = {
    TokenPurpose.VERIFY_EMAIL: "VERIFY_TOKEN_TTL",
    TokenPurpose.RESET_PASSWORD: "RESET_TOKEN_TTL",
    TokenPurpose.INVITATION: "INVITATION_TOKEN_TTL",
}


def issue_token(user: User, purpose: TokenPurpose) -> str:
    """A new token; earlier unused tokens of the same purpose stop working."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(raw),
            expires_at=now + current_app.config[_TTL_SETTING[purpose]],
        )
    )
    return raw


def valid_token(raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The token if it is unused and unexpired; it is not spent."""
    token = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def spend_token(raw: str, purpose: TokenPurpose) -> User | None:
    """Use a token once. Two requests racing with the same token: one wins."""
    token = valid_token(raw, purpose)
    if token is None:
        return None
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        return None
    return token.user


# --- login sessions ----------------------------------------------------------------------


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_digest(raw),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    user.last_login_at = utcnow()
    record("login.success", actor=user, subject=user)
    return raw


SEEN_PRECISION = timedelta(minutes=5)


def user_for_session(raw: str) -> User | None:
    """The user of a live session, or None if it was revoked, idle or too old."""
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(raw)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    config = current_app.config
    if now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"] or (
        now - row.created_at > config["PERMANENT_SESSION_LIFETIME"]
    ):
        row.revoked_at = now
        db.session.commit()
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
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
            .where(UserSession.token_hash == _digest(raw), UserSession.revoked_at.is_(None))
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


# --- login -------------------------------------------------------------------------------


@dataclass
class LoginResult:
    user: User | None = None
    needs_verification: bool = False


def authenticate(email: str, password: str) -> LoginResult:
    user = user_by_email(email)
    if not check_password(user, password) or not user.active:
        record("login.failure", actor=user, subject=user, email_hash=_digest(normalise_email(email))[:16])
        db.session.commit()
        return LoginResult()
    if user.email_verified_at is None:
        send_verification(user)
        db.session.commit()
        return LoginResult(needs_verification=True)
    return LoginResult(user=user)


# --- registration and verification -------------------------------------------------------


def _mail_link(user: User, purpose: TokenPurpose, *, kind: str, subject, endpoint: str, **context) -> None:
    """A mail to ``user`` with a single-use link of ``purpose`` (verification, reset, invitation)."""
    raw = issue_token(user, purpose)
    queue_mail(
        kind=kind,
        to=user.email,
        subject=subject,
        template=f"emails/{kind}",
        key=f"{purpose.value}:{_digest(raw)}",
        ki_id=user.ki_id,
        user=user,
        link=public_url(endpoint, token=raw),
        **context,
    )


def send_verification(user: User) -> None:
    _mail_link(
        user,
        TokenPurpose.VERIFY_EMAIL,
        kind="verify_email",
        subject=_l("Bitte bestätigen Sie Ihre E-Mail-Adresse"),
        endpoint="accounts.verify",
    )


def register_helper(ki: Ki, *, email: str, display_name: str, password: str) -> None:
    """Create an unverified helper account and send the verification link.

    If the address is taken, its owner gets a note instead; the caller cannot tell.
    """
    email = normalise_email(email)
    existing = user_by_email(email)
    # Hashing is the slow part of a registration; doing it either way keeps the
    # response time from telling whether the address is taken.
    password_hash = hash_password(password)
    if existing is not None:
        queue_mail(
            kind="account_exists",
            to=existing.email,
            subject=_l("Ihr Konto bei KI-Match"),
            template="emails/account_exists",
            key=f"exists:{existing.id}:{secrets.token_hex(8)}",
            ki_id=existing.ki_id,
            user=existing,
            login_link=public_url("accounts.login"),
            reset_link=public_url("accounts.forgot_password"),
        )
        record("account.register_existing", actor=None, subject=existing)
        db.session.commit()
        return
    user = User(
        ki_id=ki.id,
        email=email,
        display_name=normalise_name(display_name),
        role=Role.HELPER,
        password_hash=password_hash,
    )
    db.session.add(user)
    db.session.flush()
    publish(HelperAccountCreated(user))
    send_verification(user)
    record("account.registered", actor=user, subject=user)
    db.session.commit()


def verify_email(raw: str) -> User | None:
    user = spend_token(raw, TokenPurpose.VERIFY_EMAIL)
    if user is None:
        db.session.rollback()
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    record("account.verified", actor=user, subject=user)
    db.session.commit()
    return user


# --- password reset and change -----------------------------------------------------------


def request_password_reset(email: str) -> None:
    user = user_by_email(email)
    if user is None or not user.active:
        return
    _mail_link(
        user,
        TokenPurpose.RESET_PASSWORD,
        kind="reset_password",
        subject=_l("Passwort zurücksetzen"),
        endpoint="accounts.reset_password",
        minutes=int(current_app.config["RESET_TOKEN_TTL"].total_seconds() // 60),
    )
    record("password.reset_requested", actor=None, subject=user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """A new password ends every session the user has, everywhere."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def _password_by_link(raw: str, purpose: TokenPurpose, password: str, action: str) -> User | None:
    """Spend a mailed link's token to set a password; the link also proves the mailbox."""
    user = spend_token(raw, purpose)
    if user is None or not user.active:
        db.session.rollback()
        return None
    set_password(user, password)
    user.email_verified_at = user.email_verified_at or utcnow()
    record(action, actor=user, subject=user)
    db.session.commit()
    return user


def reset_password(raw: str, password: str) -> User | None:
    return _password_by_link(raw, TokenPurpose.RESET_PASSWORD, password, "password.reset")


def change_password(user: User, current: str, new: str) -> bool:
    if not check_password(user, current):
        record("password.change_failed", actor=user, subject=user)
        db.session.commit()
        return False
    set_password(user, new)
    record("password.changed", actor=user, subject=user)
    db.session.commit()
    return True


# --- invitations -------------------------------------------------------------------------


def invite_user(
    ki: Ki,
    *,
    email: str,
    display_name: str,
    role: Role,
    organisation: Organisation | None,
    invited_by: User,
) -> User:
    """An account without password; the invitation link lets the person set one."""
    if role == Role.HELPER:
        raise AccountError(_("Helfende registrieren sich selbst."))
    if (role == Role.INITIATIVE) != (organisation is not None):
        raise AccountError(_("Mitglieder einer Initiative brauchen eine Organisation."))
    if organisation is not None and organisation.ki_id != ki.id:
        raise AccountError(_("Unbekannte Organisation."))
    if user_by_email(email) is not None:
        raise AccountError(_("Für diese E-Mail-Adresse gibt es bereits ein Konto."))
    user = User(
        ki_id=ki.id,
        email=normalise_email(email),
        display_name=normalise_name(display_name),
        role=role,
        organisation_id=organisation.id if organisation else None,
    )
    db.session.add(user)
    db.session.flush()
    send_invitation(user, invited_by)
    record("account.invited", actor=invited_by, subject=user, role=role.value)
    db.session.commit()
    return user


def send_invitation(user: User, invited_by: User) -> None:
    _mail_link(
        user,
        TokenPurpose.INVITATION,
        kind="invitation",
        subject=_l("Einladung zu KI-Match"),
        endpoint="accounts.accept_invitation",
        invited_by=invited_by,
    )


def accept_invitation(raw: str, password: str) -> User | None:
    return _password_by_link(raw, TokenPurpose.INVITATION, password, "account.invitation_accepted")


def set_active(user: User, active: bool, by: User) -> None:
    if user.id == by.id:
        raise AccountError(_("Sie können Ihr eigenes Konto nicht deaktivieren."))
    user.active = active
    if not active:
        end_all_sessions(user)
    record("account.activated" if active else "account.deactivated", actor=by, subject=user)
    db.session.commit()
