"""Helpers "vom KI verwaltet": people without e-mail, or without wish to use the app, whose profile
the KI's coordinators keep for them.

Such a helper has an account row like everyone (role helper), so offers, assignments, hours and
history keyed by account or profile work unchanged; it has no password, so nobody logs in with
it, and ``User.managed_by_ki_since`` marks it. Her languages, towns, week and absences are kept
with the same services as a helper's own (``ki_match.profile.services``), on the coordinators'
helper pages. Her consent is given on paper; the coordinator records it with its date
(``record_paper_consent``), which also approves her: from then on she is matched like anyone else
(``services.unmatchable``), but never offered to other KIs (``queries.pool_filter``). What would
be mailed to her becomes a task for the coordinators (``notifications.tasks``). An invitation
link turns her into a normal account (``invite_managed``): she sets a password and keeps it all.

``create_managed_helper`` is the one door in, for the coordinators' form and the pool import.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.events import HelperAccountCreated
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import normalise_email, send_invitation, user_by_email
from ki_match.audit.services import record
from ki_match.clock import local_midnight, local_today, utcnow
from ki_match.core.text import normalise_name
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperKind, HelperProfile
from ki_match.helpers.services import CONSENT_VERSION
from ki_match.orgs.models import Ki

STAFF = (Role.COORDINATOR, Role.ADMIN)
NOTE_MAX = 1000


class ManagedError(ValueError):
    """A rule about managed helpers was broken; ``field`` names the input it is about (or None),
    the message is meant for the coordinator."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


def _check_actor(ki: Ki, actor: User) -> None:
    if actor.role not in STAFF or actor.ki_id != ki.id:
        raise ManagedError(_l("Nur die Koordination dieses KI kann verwaltete Profile anlegen."))


def _clean_phone(phone: str | None) -> str | None:
    phone = " ".join((phone or "").split())
    if phone and len(phone) > 40:
        raise ManagedError(_l("Höchstens 40 Zeichen."), "phone")
    return phone or None


def _free_email(email: str | None, user: User | None = None) -> str | None:
    """The address normalised, if no other account has it (one address, one account)."""
    if not email or not email.strip():
        return None
    email = normalise_email(email)
    existing = user_by_email(email)
    if existing is not None and (user is None or existing.id != user.id):
        raise ManagedError(_l("Für diese E-Mail-Adresse gibt es bereits ein Konto."), "email")
    return email


def create_managed_helper(
    ki: Ki,
    *,
    display_name: str,
    phone: str | None,
    email: str | None = None,
    actor: User,
    kind: HelperKind = HelperKind.VOLUNTEER,
    consent_on: date | None = None,
    note: str | None = None,
    locale: str | None = None,
    commit: bool = True,
) -> HelperProfile:
    """A new helper of ``ki`` kept by its coordinators; raises ``ManagedError`` on bad input.

    A phone number is required when there is no e-mail address (the coordinators must reach her
    somehow). ``consent_on``, the day she signed the consent on paper, approves her at once
    (``record_paper_consent``); without it she waits, unmatchable, until a coordinator records it.
    With ``commit=False`` the caller commits (an import writes many in one transaction).
    """
    _check_actor(ki, actor)
    name = normalise_name(display_name or "")
    if not name:
        raise ManagedError(_l("Bitte einen Namen eingeben."), "display_name")
    if len(name) > 120:
        raise ManagedError(_l("Höchstens 120 Zeichen."), "display_name")
    phone = _clean_phone(phone)
    address = _free_email(email)
    if phone is None and address is None:
        raise ManagedError(_l("Ohne E-Mail-Adresse braucht es eine Telefonnummer."), "phone")
    user = User(
        ki_id=ki.id,
        email=address,
        display_name=name,
        role=Role.HELPER,
        locale=locale,
        managed_by_ki_since=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    profile = next(
        answer for answer in publish(HelperAccountCreated(user)) if isinstance(answer, HelperProfile)
    )
    profile.phone = phone
    profile.kind = kind
    profile.note = _clean_note(note)
    db.session.flush()
    record("helper.managed_created", actor=actor, subject=profile)
    if consent_on is not None:
        record_paper_consent(profile, consent_on, actor, commit=False)
    if commit:
        db.session.commit()
    return profile


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ManagedError(_l("Höchstens %(max)d Zeichen.", max=NOTE_MAX), "note")
    return note or None


def update_contact(
    profile: HelperProfile, *, display_name: str, phone: str | None, email: str | None, actor: User
) -> None:
    """Name, phone and e-mail of a managed helper, as her coordinators keep them. Commits."""
    _require_managed(profile)
    _check_actor(profile.ki, actor)
    name = normalise_name(display_name or "")
    if not name:
        raise ManagedError(_l("Bitte einen Namen eingeben."), "display_name")
    phone = _clean_phone(phone)
    address = _free_email(email, profile.user)
    if phone is None and address is None:
        raise ManagedError(_l("Ohne E-Mail-Adresse braucht es eine Telefonnummer."), "phone")
    profile.user.display_name = name
    profile.user.email = address
    profile.phone = phone
    record("helper.managed_updated", actor=actor, subject=profile)
    db.session.commit()


def set_note(profile: HelperProfile, note: str | None, actor: User) -> bool:
    """The coordinators' internal note (any helper of the KI); whether it changed. Commits."""
    _check_actor(profile.ki, actor)
    note = _clean_note(note)
    if note == profile.note:
        return False
    profile.note = note
    record("helper.note_changed", actor=actor, subject=profile)
    db.session.commit()
    return True


def _require_managed(profile: HelperProfile) -> None:
    if not profile.user.is_managed:
        raise ManagedError(_l("Dieses Profil pflegt die Person selbst."))


def record_paper_consent(
    profile: HelperProfile, signed_on: date, actor: User, *, commit: bool = True
) -> None:
    """The consent "liegt schriftlich vor", signed on ``signed_on``: she counts as consented and is
    approved by ``actor`` (a managed helper has no mailbox to verify; the paper stands for both)."""
    _require_managed(profile)
    _check_actor(profile.ki, actor)
    if signed_on > local_today():
        raise ManagedError(_l("Das Datum liegt in der Zukunft."), "consent_on")
    profile.consent_given_at = local_midnight(signed_on)
    profile.consent_version = CONSENT_VERSION
    record("consent.recorded_on_paper", actor=actor, subject=profile, version=CONSENT_VERSION)
    if profile.approved_at is None:
        profile.approved_at = utcnow()
        profile.approved_by_id = actor.id
        record("helper.approved", actor=actor, subject=profile)
    if commit:
        db.session.commit()


def invite_managed(profile: HelperProfile, email: str, actor: User) -> None:
    """Turn a managed profile into her own account: the address is stored and the invitation link
    sent (``accounts.services.send_invitation``). She stays managed (tasks, not mails) until she
    sets her password through the link (``accounts.services.accept_invitation`` ends it); her
    offers, assignments and history stay hers, as the account row is the same. Commits."""
    _require_managed(profile)
    _check_actor(profile.ki, actor)
    address = _free_email(email, profile.user)
    if address is None:
        raise ManagedError(_l("Bitte eine E-Mail-Adresse eingeben."), "email")
    profile.user.email = address
    db.session.flush()
    send_invitation(profile.user, actor)
    record("account.invited", actor=actor, subject=profile.user, role=Role.HELPER.value, managed=True)
    db.session.commit()


def managed_profiles(ki: Ki) -> list[HelperProfile]:
    """The KI's managed helpers (for tests and the import)."""
    return list(
        db.session.scalars(
            select(HelperProfile)
            .join(User, User.id == HelperProfile.user_id)
            .where(HelperProfile.ki_id == ki.id, User.managed_by_ki_since.is_not(None))
        )
    )
