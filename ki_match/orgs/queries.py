"""Which KI a request belongs to, and the KIs an installation has. The interface shows one KI;
every query still scopes by it."""

from __future__ import annotations

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from ki_match.extensions import db
from ki_match.orgs.models import Ki, Organisation


def current_ki() -> Ki:
    """The KI the page belongs to (``page_ki``); 404 when there is none to tell.

    The operator belongs to no KI and is refused (403), never handed a KI's data.
    """
    ki = page_ki()
    if ki is None:
        abort(403 if current_user.is_authenticated else 404)
    return ki


def page_ki() -> Ki | None:
    """The logged-in user's KI; for a visitor, the KI whose front door (/k/<slug>/) the page is
    under (``g.ki``, set by the front door), else the installation's only active KI, else None."""
    if "ki" not in g:
        g.ki = current_user.ki if current_user.is_authenticated else sole_active_ki()
    return g.ki


def active_kis() -> list[Ki]:
    return list(db.session.scalars(select(Ki).where(Ki.active.is_(True)).order_by(Ki.name)))


def sole_active_ki() -> Ki | None:
    """The active KI of an installation that has exactly one; it needs no chooser."""
    found = db.session.scalars(select(Ki).where(Ki.active.is_(True)).limit(2)).all()
    return found[0] if len(found) == 1 else None


def front_door_ki(slug: str) -> Ki | None:
    """The active KI with this slug: a deactivated KI's front door is closed."""
    return db.session.scalar(select(Ki).where(Ki.slug == slug, Ki.active.is_(True)))


def in_active_ki(ki_id_column):
    """A condition on a ``ki_id`` column: the row's KI is active. Jobs (reminders, follow-ups)
    and the mail worker leave a deactivated KI's rows alone until it is active again."""
    return ki_id_column.in_(select(Ki.id).where(Ki.active.is_(True)))


def organisations(ki: Ki, active_only: bool = True) -> list[Organisation]:
    query = select(Organisation).where(Organisation.ki_id == ki.id).order_by(Organisation.name)
    if active_only:
        query = query.where(Organisation.active.is_(True))
    return list(db.session.scalars(query))
