"""Loading a helper profile for a view: found, in the current KI, and the user's to see — or 404.

Never 403: whether another KI's (or another helper's) profile exists is not for
the user to learn. Every view that works on a profile goes through ``get_profile``.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.orgs.queries import current_ki

# Everything the helper's own profile pages show, loaded with the profile.
DETAILS = (
    selectinload(HelperProfile.home_town),
    selectinload(HelperProfile.towns),
    selectinload(HelperProfile.topics),
    selectinload(HelperProfile.languages).selectinload(HelperLanguage.language),
    selectinload(HelperProfile.slots),
    selectinload(HelperProfile.absences),
)


def get_profile(
    profile_id: int | None = None, *, details: bool = False, deleted: bool = False
) -> HelperProfile:
    """The profile a view works on.

    A helper gets their own (``profile_id`` None, or their own id); coordinators and
    admins any helper of their KI by id — ``deleted`` accounts only where history is
    read (reports). ``details`` loads what the profile pages show in a fixed number
    of statements.
    """
    query = (
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(HelperProfile.ki_id == current_ki().id)
        # The user comes with the join the query has anyway, not with a statement of its own.
        .options(contains_eager(HelperProfile.user), *(DETAILS if details else ()))
    )
    if current_user.role == Role.HELPER:
        query = query.where(HelperProfile.user_id == current_user.id)
        if profile_id is not None:
            query = query.where(HelperProfile.id == profile_id)
    elif current_user.role in (Role.COORDINATOR, Role.ADMIN) and profile_id is not None:
        query = query.where(HelperProfile.id == profile_id)
        if not deleted:
            query = query.where(User.deleted_at.is_(None))
    else:
        abort(404)
    profile = db.session.scalar(query)
    if profile is None:
        abort(404)
    return profile
