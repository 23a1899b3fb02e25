"""Changes a helper makes to their own profile, and the guided set-up.

Each function is one transaction: it changes the profile, records an audit
event (no personal data in its detail) and commits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, time

from flask import current_app
from flask_babel import lazy_gettext as _l

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import local_today, utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers import availability
from ki_match.helpers.activation import end_commitments
from ki_match.helpers.events import FreedCommitments, LeavingCause, PoolConsentWithdrawn
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    Gender,
    HelperKind,
    HelperLanguage,
    HelperProfile,
)
from ki_match.helpers.services import (
    CONSENT_VERSION,
    Missing,
    PoliceCertificate,
    missing_items,
    police_certificate,
)
from ki_match.orgs.settings import settings_for
from ki_match.reference.models import Language, Level, Topic, Town

__all__ = ["CONSENT_VERSION"]  # kept here for the callers that read it from the profile


class ProfileError(Exception):
    """A rule about the profile was broken; the message is meant for the helper."""


def _changed(profile: HelperProfile, section: str, change: str) -> None:
    record("profile.changed", subject=profile, section=section, change=change)


# --- the guided set-up ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    endpoint: str
    title: str


SETUP_STEPS = (
    Step("languages", "profile.languages", _l("Sprachen")),
    Step("where", "profile.where", _l("Wo Sie helfen")),
    Step("when", "profile.when", _l("Wann Sie Zeit haben")),
    Step("more", "profile.more", _l("Themen und mehr")),
    Step("consent", "profile.consent", _l("Einwilligung")),
)
STEP_OF_MISSING = {
    "language": "languages",
    "german": "languages",
    "home_town": "where",
    "slots": "when",
    "consent": "consent",
}


def step(key: str) -> tuple[int, Step]:
    """The 1-based number of a set-up step and the step."""
    for number, candidate in enumerate(SETUP_STEPS, start=1):
        if candidate.key == key:
            return number, candidate
    raise KeyError(key)


def neighbour(key: str, offset: int) -> Step | None:
    number, _ = step(key)
    index = number - 1 + offset
    return SETUP_STEPS[index] if 0 <= index < len(SETUP_STEPS) else None


def next_missing_step(profile: HelperProfile, missing: list[Missing] | None = None) -> Step | None:
    """The first set-up step with something missing for approval, or None when nothing is."""
    missing = missing_items(profile) if missing is None else missing
    keys = {STEP_OF_MISSING[item.key] for item in missing if item.key in STEP_OF_MISSING}
    return next((candidate for candidate in SETUP_STEPS if candidate.key in keys), None)


class Stage(enum.StrEnum):
    """Where a helper's profile stands, as their start page says it."""

    SETTING_UP = "setting_up"  # something is missing for approval
    WAITING = "waiting"  # complete, a coordinator has not approved it yet
    APPROVED = "approved"


@dataclass(frozen=True)
class Progress:
    stage: Stage
    missing: list[Missing]
    step: Step | None = None  # the next set-up step to finish, while setting up
    step_number: int | None = None
    step_count: int = len(SETUP_STEPS)


def progress(profile: HelperProfile) -> Progress:
    """What is actually next for this helper: finishing a set-up step, waiting for approval, or
    nothing (approved). Never "waiting" while something is missing; an approved helper may still
    miss something (a withdrawn consent), which ``missing`` names."""
    missing = missing_items(profile)
    if profile.is_approved:
        return Progress(Stage.APPROVED, missing)
    if not missing:
        return Progress(Stage.WAITING, missing)
    target = next_missing_step(profile, missing)
    number = step(target.key)[0] if target else None
    return Progress(Stage.SETTING_UP, missing, target, number)


# --- languages -----------------------------------------------------------------------------


def sorted_languages(profile: HelperProfile) -> list[HelperLanguage]:
    """German first (everyone needs it), then the best-spoken."""
    return sorted(profile.languages, key=lambda entry: (entry.language.code != "de", -entry.level))


def add_language(profile: HelperProfile, language: Language, level: int) -> HelperLanguage:
    if any(entry.language_id == language.id for entry in profile.languages):
        raise ProfileError(_l("Diese Sprache steht schon in Ihrer Liste. Ändern Sie dort die Stufe."))
    entry = HelperLanguage(language=language, level=Level(level))
    profile.languages.append(entry)
    _changed(profile, "languages", "added")
    db.session.commit()
    return entry


def change_level(entry: HelperLanguage, level: int) -> None:
    entry.level = Level(level)
    _changed(entry.helper, "languages", "level_changed")
    db.session.commit()


def _add(profile: HelperProfile, collection: str, row, change: str):
    """Put a new row into the profile's week (its slots or absences)."""
    getattr(profile, collection).append(row)
    _changed(profile, "when", change)
    db.session.commit()
    return row


def _remove(row, collection: str, section: str, change: str) -> None:
    """Take one row out of a profile's ``collection`` (its languages, slots or absences)."""
    profile = row.helper
    getattr(profile, collection).remove(row)
    _changed(profile, section, change)
    db.session.commit()


def remove_language(entry: HelperLanguage) -> None:
    _remove(entry, "languages", "languages", "removed")


# --- where ---------------------------------------------------------------------------------


def update_where(
    profile: HelperProfile,
    *,
    home_town: Town,
    towns: list[Town],
    max_travel_km: int | None,
    remote_ok: bool,
    has_no_car: bool,
) -> None:
    profile.home_town = home_town
    profile.towns = sorted(towns, key=lambda town: town.name)
    profile.max_travel_km = max_travel_km
    profile.remote_ok = remote_ok
    profile.has_no_car = has_no_car
    _changed(profile, "where", "saved")
    db.session.commit()


# --- when ----------------------------------------------------------------------------------


class SlotConflict(ProfileError):
    """The new slot overlaps these existing ones."""

    def __init__(self, others: list[AvailabilitySlot]):
        super().__init__(_l("Diese Zeit überschneidet sich mit einer Zeit, die Sie schon eingetragen haben."))
        self.others = others


def add_slot(profile: HelperProfile, weekday: int, starts: time, ends: time) -> AvailabilitySlot:
    """A new weekly slot; refused when it ends before it starts or overlaps one already there."""
    existing = list(profile.slots)
    candidate = availability.Slot(weekday, starts, ends)
    problems = availability.validate_slots([*existing, candidate])[-1]
    if any(problem.kind == "order" for problem in problems):
        raise ProfileError(_l("Das Ende muss nach dem Anfang liegen."))
    if problems:
        raise SlotConflict([existing[problem.other] for problem in problems])
    return _add(profile, "slots", AvailabilitySlot(weekday=weekday, starts=starts, ends=ends), "slot_added")


def remove_slot(slot: AvailabilitySlot) -> None:
    _remove(slot, "slots", "when", "slot_removed")


def set_monthly_cap(profile: HelperProfile, cap: int, *, commit: bool = True) -> None:
    if profile.monthly_cap != cap:
        profile.monthly_cap = cap
        _changed(profile, "when", "cap_changed")
    if commit:
        db.session.commit()


def save_when(
    profile: HelperProfile, *, monthly_cap: int, slot: tuple[int, time, time] | None
) -> AvailabilitySlot | None:
    """The "when" form: the monthly cap, and a new slot if one was typed; both or neither."""
    set_monthly_cap(profile, monthly_cap, commit=False)
    if slot is None:
        db.session.commit()
        return None
    try:
        return add_slot(profile, *slot)
    except ProfileError:
        db.session.rollback()
        raise


def add_absence(profile: HelperProfile, first_day: date, last_day: date | None, note: str | None) -> Absence:
    last_day = last_day or first_day
    if last_day < first_day:
        raise ProfileError(_l("Der letzte Tag darf nicht vor dem ersten liegen."))
    absence = Absence(first_day=first_day, last_day=last_day, note=(note or "").strip() or None)
    return _add(profile, "absences", absence, "absence_added")


def remove_absence(absence: Absence) -> None:
    _remove(absence, "absences", "when", "absence_removed")


# --- topics and more -----------------------------------------------------------------------


def update_more(
    profile: HelperProfile,
    *,
    topics: list[Topic],
    kind: HelperKind,
    gender: Gender | None,
    phone: str | None,
    directory_opt_in: bool,
    locale: str,
) -> None:
    """Topics, kind, gender, phone, directory and interface language.

    The qualification date stays the coordinator's: a helper choosing
    "Sprachlotse" only says so; it does not make them a qualified one.
    """
    if locale not in current_app.config["LANGUAGES"]:
        raise ProfileError(_l("Diese Sprache gibt es hier nicht."))
    profile.topics = sorted(topics, key=lambda topic: topic.name)
    profile.kind = kind
    profile.gender = gender
    profile.phone = (phone or "").strip() or None
    if profile.directory_opt_in != directory_opt_in:
        record("directory.opted_in" if directory_opt_in else "directory.opted_out", subject=profile)
    profile.directory_opt_in = directory_opt_in
    profile.user.locale = locale
    _changed(profile, "more", "saved")
    db.session.commit()


# --- consent -------------------------------------------------------------------------------


def give_consent(profile: HelperProfile, actor: User) -> None:
    profile.consent_given_at = utcnow()
    profile.consent_version = CONSENT_VERSION
    record("consent.given", actor=actor, subject=profile, version=CONSENT_VERSION)
    db.session.commit()


def withdraw_consent(profile: HelperProfile, actor: User) -> FreedCommitments:
    """Hides the helper from matching and the directory at once (``is_matchable`` turns false),
    and ends what is still open for them, as a deactivation does: offers still out are withdrawn,
    confirmed assignments that have not begun are given back and the coordinators told
    (``ki_match.offers.commitments.end_commitments`` says why they are not kept). Past ones stay."""
    freed = end_commitments(
        profile, actor, LeavingCause.CONSENT_WITHDRAWN, str(_l("Einwilligung widerrufen"))
    )
    version = profile.consent_version
    profile.consent_given_at = None
    profile.consent_version = None
    record("consent.withdrawn", actor=actor, subject=profile, version=version)
    db.session.commit()
    return freed


def set_pool_consent(profile: HelperProfile, *, remote: bool, in_person: bool, actor: User) -> int:
    """The helper agrees (or no longer agrees) to be asked by other KIs of the shared pool, at a
    distance and in person. Audited; taking a consent back withdraws the offers from other KIs it
    no longer allows (``offers.pool``). Commits; the number of offers withdrawn."""
    before = (profile.pool_remote_ok, profile.pool_in_person_ok)
    if before == (remote, in_person):
        return 0
    profile.pool_remote_ok, profile.pool_in_person_ok = remote, in_person
    record("pool.consent_changed", actor=actor, subject=profile, remote=remote, in_person=in_person)
    withdrawn = 0
    if (before[0] and not remote) or (before[1] and not in_person):
        db.session.flush()
        withdrawn = sum(publish(PoolConsentWithdrawn(profile, actor)))
    db.session.commit()
    return withdrawn


def consent_is_current(profile: HelperProfile) -> bool:
    return profile.consent_given_at is not None and profile.consent_version == CONSENT_VERSION


# --- what the overview shows ---------------------------------------------------------------


def police_certificate_of(profile: HelperProfile) -> PoliceCertificate | None:
    return police_certificate(
        profile,
        valid_years=settings_for(profile.user.ki).police_certificate_valid_years,
        today=local_today(),
    )
