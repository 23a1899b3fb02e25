"""Every SELECT behind the helper's own profile pages. Rows are always looked up within the
helper's own profile, so another helper's row id finds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ki_match.extensions import db
from ki_match.helpers.models import Absence, AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference import queries as reference
from ki_match.reference.models import Language, Topic, Town


def own_language(profile: HelperProfile, language_id: int) -> HelperLanguage | None:
    return db.session.get(HelperLanguage, (profile.id, language_id))


def own_slot(profile: HelperProfile, slot_id: int) -> AvailabilitySlot | None:
    return db.session.scalar(
        select(AvailabilitySlot).where(
            AvailabilitySlot.id == slot_id, AvailabilitySlot.helper_id == profile.id
        )
    )


def own_absence(profile: HelperProfile, absence_id: int) -> Absence | None:
    return db.session.scalar(select(Absence).where(Absence.id == absence_id, Absence.helper_id == profile.id))


def active_languages(ki: Ki) -> list[Language]:
    """The languages the KI offers in its pickers."""
    return [language for language in reference.languages(ki) if language.active]


def language(ki: Ki, language_id: int) -> Language | None:
    found = reference.language(ki, language_id)
    return found if found is not None and found.active else None


def towns(ki: Ki) -> list[Town]:
    """All the KI's towns: a helper may live in a neighbouring place the KI does not serve."""
    return reference.towns(ki)


def topics_to_pick(ki: Ki, profile: HelperProfile) -> list[Topic]:
    """The KI's active topics, and those the helper has that were deactivated since."""
    active = reference.active_topics(ki)
    return active + [topic for topic in profile.topics if topic not in active]


def topics_by_id(ki: Ki, ids: list[int]) -> list[Topic]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Topic).where(Topic.ki_id == ki.id, Topic.active.is_(True), Topic.id.in_(ids))
        )
    )


def upcoming_absences(profile: HelperProfile, today: date) -> list[Absence]:
    return [absence for absence in profile.absences if absence.last_day >= today]
