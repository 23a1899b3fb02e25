"""Deactivating a KI and bringing it back: no logins while it is closed, and all its data kept.

The rule itself lives in ``User.may_use_app`` (logins, sessions, mailed links, calendar feeds)
and ``orgs.queries.in_active_ki`` (reminders, follow-ups, the mail worker, which holds the KI's
mail until it is active again); here the operator only switches it.
"""

from __future__ import annotations

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.orgs.models import Ki


def set_ki_active(ki: Ki, active: bool, actor: User) -> bool:
    """Open or close ``ki``; False if it already was so (nothing changes, nothing is logged)."""
    if ki.active == active:
        return False
    ki.active = active
    record("ki.reactivated" if active else "ki.deactivated", actor=actor, subject=ki, ki_id=ki.id)
    db.session.commit()
    return True
