"""Setting up a KI: one service for the command line, the operator's page and the benchmark.

``create_ki`` is idempotent: run again with the same slug it changes nothing that exists
and only adds what is missing (the reference data a new KI starts with, its first admin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import normalise_email, send_invitation, user_by_email
from ki_match.audit.services import NOBODY, record
from ki_match.core.text import clean_text, normalise_name
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.services import seed_ki

# Lower-case letters, digits and inner hyphens: the KI's part of its front door, /k/<slug>/.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")


class SetupError(Exception):
    """A KI cannot be set up as asked; the message says why, in words for the operator."""


@dataclass(frozen=True)
class KiSetUp:
    ki: Ki
    created: bool
    admin: User | None
    admin_invited: bool


def valid_slug(slug: str) -> bool:
    return SLUG.fullmatch(slug) is not None


def create_ki(slug: str, name: str, admin_email: str | None = None, *, actor: User | None = None) -> KiSetUp:
    """The KI ``slug`` with its starting reference data and, if given, an invited first admin."""
    slug = slug.strip().lower()
    if not valid_slug(slug):
        raise SetupError(_("Kürzel: Kleinbuchstaben, Ziffern und Bindestriche, höchstens 40 Zeichen."))
    name = normalise_name(clean_text(name))
    if not name:
        raise SetupError(_("Bitte einen Namen angeben."))
    ki = db.session.scalar(select(Ki).where(Ki.slug == slug))
    existing_admin = None if admin_email is None else _admin_or_free(ki, admin_email)
    created = ki is None
    if created:
        ki = Ki(slug=slug, name=name)
        db.session.add(ki)
        db.session.flush()
        record("ki.created", actor=actor or NOBODY, subject=ki, ki_id=ki.id, slug=slug)
    seed_ki(ki)
    admin, invited = existing_admin, False
    if admin_email is not None and admin is None:
        admin, invited = _invite_admin(ki, admin_email, actor), True
    db.session.commit()
    return KiSetUp(ki=ki, created=created, admin=admin, admin_invited=invited)


def _admin_or_free(ki: Ki | None, email: str) -> User | None:
    """The KI's admin with this address, or None if the address is free; checked before
    anything is written, so a refused address leaves no half-made KI behind."""
    existing = user_by_email(email)
    if existing is None:
        return None
    if ki is None or existing.ki_id != ki.id or existing.role != Role.ADMIN:
        raise SetupError(_("Diese E-Mail-Adresse gehört schon zu einem anderen Konto."))
    return existing


def _invite_admin(ki: Ki, email: str, actor: User | None) -> User:
    admin = User(
        ki_id=ki.id,
        email=normalise_email(email),
        display_name=_("Administration"),
        role=Role.ADMIN,
    )
    db.session.add(admin)
    db.session.flush()
    send_invitation(admin, None)  # the mail says the KI is being set up, also when the operator did it
    record("account.invited", actor=actor or NOBODY, subject=admin, role=Role.ADMIN.value)
    return admin
