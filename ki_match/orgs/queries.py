"""Which KI a request belongs to. The interface shows one KI; every query still scopes by it."""

from __future__ import annotations

from flask import abort, current_app, g
from flask_login import current_user
from sqlalchemy import select

from ki_match.extensions import db
from ki_match.orgs.models import Ki, Organisation


def current_ki() -> Ki:
    """The logged-in user's KI, or the installation's default KI for anonymous pages."""
    if "ki" not in g:
        if current_user.is_authenticated:
            g.ki = current_user.ki
        else:
            g.ki = db.session.scalar(select(Ki).where(Ki.slug == current_app.config["DEFAULT_KI_SLUG"]))
        if g.ki is None:
            abort(503)
    return g.ki


def organisations(ki: Ki, active_only: bool = True) -> list[Organisation]:
    query = select(Organisation).where(Organisation.ki_id == ki.id).order_by(Organisation.name)
    if active_only:
        query = query.where(Organisation.active.is_(True))
    return list(db.session.scalars(query))
