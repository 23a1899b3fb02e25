"""The private calendar feed's secret: created, replaced and removed by its helper.

Only the secret's sha256 is stored, like passwords and session tokens: a
database copy does not open anybody's calendar, and the helper sees the
full address exactly once, right after it is made.
"""

from __future__ import annotations

import secrets

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.calendar.queries import feed_token_digest
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile


def new_feed_token(profile: HelperProfile, actor: User) -> str:
    """A fresh secret for the feed; the previous address stops working at once."""
    raw = secrets.token_urlsafe(32)
    action = "calendar.feed_reset" if profile.calendar_token_hash else "calendar.feed_created"
    profile.calendar_token_hash = feed_token_digest(raw)
    record(action, actor=actor, subject=profile)
    db.session.commit()
    return raw


def delete_feed_token(profile: HelperProfile, actor: User) -> bool:
    """Switch the feed off; False if there was none."""
    if profile.calendar_token_hash is None:
        return False
    profile.calendar_token_hash = None
    record("calendar.feed_deleted", actor=actor, subject=profile)
    db.session.commit()
    return True


def feed_fetched(profile: HelperProfile, assignments: int) -> None:
    """The feed went out with places and client references: a view of them, by the helper's own
    calendar (its secret is hers), recorded like any other."""
    record("calendar.feed_fetched", actor=profile.user, subject=profile, assignments=assignments)
    db.session.commit()
