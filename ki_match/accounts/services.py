"""Accounts: passwords, e-mail tokens, login, registration, invitations (sessions: ``sessions``).

Nothing here says whether an address is registered: callers get the same
outcome either way, and the owner of an address learns by e-mail. The one
exception is an invitation to an address of the inviter's own KI, whose
accounts its admins see anyway (``invite_user``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ki_match.accounts.events import HelperAccountCreated
from ki_match.accounts.models import AccountToken, Role, TokenPurpose, User
from ki_match.accounts.sessions import digest as _digest
from ki_match.accounts.sessions import end_all_sessions
from ki_match.audit.services import NOBODY, record
from ki_match.clock import utcnow
from ki_match.core.text import normalise_name
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.orgs.models import Ki, Organisation
from ki_match.orgs.settings import settings_for
from ki_match.outbox.links import LinkDue
from ki_match.outbox.models import OutboxMessage
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


# --- e-mail tokens -----------------------------------------------------------------------

_TTL_SETTING = {
    TokenPurpose.VERIFY_EMAIL: "VERIFY_TOKEN_TTL",
    TokenPurpose.RESET_PASSWORD: "RESET_TOKEN_TTL",
    TokenPurpose.INVITATION: "INVITATION_TOKEN_TTL",
}


def _retire_tokens(user: User, purpose: TokenPurpose, now) -> None:
    """Earlier unused tokens of this purpose stop working."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )


def issue_token(user: User, purpose: TokenPurpose) -> str:
    """A new token; earlier unused tokens of the same purpose stop working."""
    now = utcnow()
    _retire_tokens(user, purpose, now)
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


# --- login -------------------------------------------------------------------------------


# What a person of a deactivated KI is told, after the right password or on a mailed link.
KI_CLOSED = _l(
    "Ihr Kommunales Integrationszentrum nutzt KI-Match zurzeit nicht. Ihre Daten bleiben erhalten. "
    "Bitte wenden Sie sich an Ihr KI."
)


@dataclass
class LoginResult:
    user: User | None = None
    needs_verification: bool = False
    ki_closed: bool = False


def authenticate(email: str, password: str) -> LoginResult:
    user = user_by_email(email)
    if not check_password(user, password) or not user.active:
        # The account is the subject; whoever tried is not its owner, so no actor.
        record("login.failure", actor=NOBODY, subject=user, email_hash=_digest(normalise_email(email))[:16])
        db.session.commit()
        return LoginResult()
    if not user.may_use_app:
        # Said only after the right password: a guesser learns nothing about the KI.
        record("login.refused_ki_inactive", actor=NOBODY, subject=user)
        db.session.commit()
        return LoginResult(ki_closed=True)
    if user.email_verified_at is None:
        send_verification(user)
        db.session.commit()
        return LoginResult(needs_verification=True)
    return LoginResult(user=user)


# --- registration and verification -------------------------------------------------------


_LINK_ENDPOINTS = {
    TokenPurpose.VERIFY_EMAIL: "accounts.verify",
    TokenPurpose.RESET_PASSWORD: "accounts.reset_password",
    TokenPurpose.INVITATION: "accounts.accept_invitation",
}


def _mail_link(user: User, purpose: TokenPurpose, *, kind: str, subject, **context) -> OutboxMessage | None:
    """A mail to ``user`` with a single-use link of ``purpose`` (verification, reset, invitation).

    The link is made only when the worker sends the mail (``mail_link``): a raw token
    in the outbox, even in a queued mail, would let a copy of the database take over
    the account. Earlier links of the purpose stop working at once, as the person expects.
    """
    _retire_tokens(user, purpose, utcnow())
    return queue_mail(
        kind=kind,
        to=user.email,
        subject=subject,
        template=f"emails/{kind}",
        key=f"{purpose.value}:{user.id}:{secrets.token_hex(16)}",
        ki_id=user.ki_id,
        user=user,
        link_ref=f"{purpose.value}:{user.id}",
        **context,
    )


def mail_link(event: LinkDue) -> str | None:
    """The link of an account mail being sent now, with a new token; None if the reference
    is not an account link. Refused when the account is gone or its address changed."""
    purpose_value, _, user_id = event.ref.partition(":")
    if purpose_value not in _LINK_ENDPOINTS or not user_id.isdigit():
        return None
    purpose = TokenPurpose(purpose_value)
    user = db.session.get(User, int(user_id))
    if user is None or not user.may_use_app or user.email != event.to:
        return None
    return public_url(_LINK_ENDPOINTS[purpose], token=issue_token(user, purpose))


HANDLERS = {LinkDue: mail_link}


def send_verification(user: User) -> None:
    _mail_link(
        user,
        TokenPurpose.VERIFY_EMAIL,
        kind="verify_email",
        subject=_l("Bitte bestätigen Sie Ihre E-Mail-Adresse"),
    )


def register_helper(ki: Ki, *, email: str, display_name: str, password: str) -> None:
    """Create an unverified helper account of ``ki`` and send the verification link.

    One address, one account in the whole installation (README, "One address, one account"):
    if the address is taken, here or in another KI, nothing is created or changed and its owner
    gets a note instead (naming the KI she tried to join when it is not her own); the caller
    cannot tell.
    """
    email = normalise_email(email)
    existing = user_by_email(email)
    # Hashing is the slow part of a registration; doing it either way keeps the
    # response time from telling whether the address is taken.
    password_hash = hash_password(password)
    if existing is not None:
        _tell_registered_already(existing, ki)
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


def _tell_registered_already(existing: User, ki: Ki) -> None:
    """The owner of a taken address learns that someone registered with it, and where."""
    elsewhere = existing.ki_id != ki.id
    kind = "registration_elsewhere" if elsewhere else "account_exists"
    queue_mail(
        kind=kind,
        to=existing.email,
        subject=_l("Ihr Konto bei KI-Match"),
        template=f"emails/{kind}",
        key=f"exists:{existing.id}:{secrets.token_hex(8)}",
        ki_id=existing.ki_id,
        user=existing,
        joining_ki=ki,
        login_link=public_url("accounts.login"),
        reset_link=public_url("accounts.forgot_password"),
    )
    if elsewhere:
        record("account.register_elsewhere", actor=None, subject=existing, by_ki=ki.id)
    else:
        record("account.register_existing", actor=None, subject=existing)


def verify_email(raw: str) -> User | None:
    user = spend_token(raw, TokenPurpose.VERIFY_EMAIL)
    if user is None or not user.may_use_app:
        db.session.rollback()
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    record("account.verified", actor=user, subject=user)
    db.session.commit()
    return user


# --- password reset and change -----------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an account that may use the app now.

    Whether it does must not show in the response time, so every path does the same work: for
    an unknown or inactive address the mail is written for a stand-in that is never stored, and
    then dropped (a link is only made when a mail is sent); every path ends with an audit row and
    a commit.
    """
    user = user_by_email(email)
    # A managed helper has no password to reset: her way in is the coordinators' invitation.
    known = user is not None and user.may_use_app and not user.is_managed
    recipient = user if known else User(email=normalise_email(email), display_name="")
    with db.session.no_autoflush:  # the stand-in's mail must never reach the database
        message = _mail_link(
            recipient,
            TokenPurpose.RESET_PASSWORD,
            kind="reset_password",
            subject=_l("Passwort zurücksetzen"),
            minutes=int(current_app.config["RESET_TOKEN_TTL"].total_seconds() // 60),
        )
        if not known and message is not None:
            db.session.expunge(message)
    if known:
        record("password.reset_requested", actor=None, subject=user)
    else:
        record("password.reset_unknown", actor=None, email_hash=_digest(normalise_email(email))[:16])
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """A new password ends every session the user has, everywhere."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def _password_by_link(raw: str, purpose: TokenPurpose, password: str, action: str) -> User | None:
    """Spend a mailed link's token to set a password; the link also proves the mailbox."""
    user = spend_token(raw, purpose)
    if user is None or not user.may_use_app:
        db.session.rollback()
        return None
    set_password(user, password)
    user.email_verified_at = user.email_verified_at or utcnow()
    if purpose == TokenPurpose.INVITATION and user.managed_by_ki_since is not None:
        # A helper the KI managed takes her profile over (``helpers.managed.invite_managed``):
        # from now on she logs in and mails reach her instead of becoming tasks.
        user.managed_by_ki_since = None
        record("account.managed_taken_over", actor=user, subject=user)
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
    commit: bool = True,
) -> User | None:
    """An account without password; the invitation link lets the person set one.

    An address with an account in *this* KI is refused openly: the inviter sees its accounts
    (user list, helpers) anyway. An address with an account in *another* KI gets the same answer
    as a new one, so inviting does not tell who has an account elsewhere; nothing is created or
    changed, and the owner is told by mail which KI tried (returns None). ``commit=False`` leaves
    the commit to a caller that invites many in one transaction (the pool import).
    """
    if not may_invite(invited_by, role):
        raise AccountError(_("Personen mit dieser Rolle dürfen Sie nicht einladen."))
    if (role == Role.INITIATIVE) != (organisation is not None):
        raise AccountError(_("Mitglieder einer Initiative brauchen eine Organisation."))
    if organisation is not None and organisation.ki_id != ki.id:
        raise AccountError(_("Unbekannte Organisation."))
    existing = user_by_email(email)
    if existing is not None and existing.ki_id == ki.id:
        raise AccountError(_("Für diese E-Mail-Adresse gibt es bereits ein Konto."))
    if existing is not None:
        _tell_invited_elsewhere(existing, ki, invited_by)
        if commit:
            db.session.commit()
        return None
    user = User(
        ki_id=ki.id,
        email=normalise_email(email),
        display_name=normalise_name(display_name),
        role=role,
        organisation_id=organisation.id if organisation else None,
    )
    db.session.add(user)
    db.session.flush()
    if role == Role.HELPER:
        publish(HelperAccountCreated(user))
    send_invitation(user, invited_by)
    record("account.invited", actor=invited_by, subject=user, role=role.value)
    if commit:
        db.session.commit()
    return user


def may_invite(inviter: User, role: Role) -> bool:
    """Admins invite people of every role; coordinators invite helpers, and only when their KI's
    settings allow it ("Koordinierende dürfen Helfende einladen"). Helpers also register
    themselves at their KI's front door."""
    if inviter.role == Role.ADMIN:
        return True
    return (
        inviter.role == Role.COORDINATOR
        and role == Role.HELPER
        and settings_for(inviter.ki).coordinators_invite_helpers
    )


def _tell_invited_elsewhere(existing: User, ki: Ki, invited_by: User) -> None:
    """The owner of an address learns that another KI tried to invite it; their KI keeps the mail."""
    queue_mail(
        kind="invitation_elsewhere",
        to=existing.email,
        subject=_l("Einladung zu KI-Match"),
        template="emails/invitation_elsewhere",
        key=f"invitation-elsewhere:{existing.id}:{secrets.token_hex(8)}",
        ki_id=existing.ki_id,
        user=existing,
        inviting_ki=ki,
        login_link=public_url("accounts.login"),
    )
    record("account.invited_elsewhere", actor=invited_by, subject=existing, by_ki=ki.id)


def send_invitation(user: User, invited_by: User | None) -> None:
    """The invitation link; ``invited_by`` is None when the installation sets a new KI up."""
    _mail_link(
        user,
        TokenPurpose.INVITATION,
        kind="invitation",
        subject=_l("Einladung zu KI-Match"),
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
