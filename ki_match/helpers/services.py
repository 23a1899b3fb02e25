"""Rules about helper profiles."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ki_match.audit.services import record
from ki_match.helpers.models import AllowanceLimit, HelperProfile
from ki_match.reference.models import Level

# The consent text a helper agrees to is templates/profile/consent/<CONSENT_VERSION>.html.
# A new text gets a new version (and a new file); the old file stays, so what someone agreed
# to can always be shown again. A managed helper's consent on paper is to the same text.
CONSENT_VERSION = "2026-11"


@dataclass(frozen=True)
class Missing:
    """One thing a helper still has to fill in; ``key`` says which set-up step fixes it (``ki_match.profile.services.STEP_OF_MISSING``)."""

    key: str
    label: str


def missing_items(profile: HelperProfile) -> list[Missing]:
    """What a helper still has to fill in before a coordinator can approve them, in set-up order."""
    missing = []
    if profile.user.email_verified_at is None and not profile.user.is_managed:
        missing.append(Missing("verify", _l("E-Mail-Adresse bestätigen")))
    if not any(entry.language.code != "de" for entry in profile.languages):
        missing.append(Missing("language", _l("mindestens eine Sprache außer Deutsch")))
    if not any(entry.language.code == "de" for entry in profile.languages):
        missing.append(Missing("german", _l("Ihre Deutschkenntnisse")))
    if profile.home_town_id is None:
        missing.append(Missing("home_town", _l("Wohnort")))
    if not profile.slots:
        missing.append(Missing("slots", _l("wann Sie Zeit haben")))
    if profile.consent_given_at is None:
        missing.append(Missing("consent", _l("Einwilligung in die Datenverarbeitung")))
    return missing


def missing_for_approval(profile: HelperProfile) -> list[str]:
    """What a helper still has to fill in before a coordinator can approve them."""
    return [item.label for item in missing_items(profile)]


class Unmatchable(enum.StrEnum):
    """Why a helper may not be matched, account reasons first (a coordinator can undo those)."""

    DELETED = "deleted"
    INACTIVE = "inactive"
    UNVERIFIED = "unverified"
    UNAPPROVED = "unapproved"
    NO_CONSENT = "no_consent"


def unmatchable(profile: HelperProfile) -> Unmatchable | None:
    """Why this helper may not be matched now, or None while they may.

    The one rule of "matchable", used by every gate: sending offers, accepting one
    (inbox, answer link), confirming one (the desk, first-to-accept), matching and the
    directory. A helper the KI manages (``helpers.managed``) has no address to verify: her
    consent on paper, recorded by a coordinator, stands for it. It is kept equal to ``ki_match.helpers.queries.matchable_filter``
    (tests/profile/test_profile.py checks every combination). Withdrawing consent makes
    it false at once. There is no "paused" state: a helper away for a while enters an
    absence, which matching treats as not available rather than not matchable.
    """
    user = profile.user
    if user.deleted_at is not None:
        return Unmatchable.DELETED
    if not user.active:
        return Unmatchable.INACTIVE
    if user.email_verified_at is None and not user.is_managed:
        return Unmatchable.UNVERIFIED
    if profile.approved_at is None:
        return Unmatchable.UNAPPROVED
    if profile.consent_given_at is None:
        return Unmatchable.NO_CONSENT
    return None


def is_matchable(profile: HelperProfile) -> bool:
    """May this helper be offered requests, accept them, be confirmed or be shown in the directory?"""
    return unmatchable(profile) is None


@dataclass(frozen=True)
class PoliceCertificate:
    """When the extended police certificate (erweitertes Führungszeugnis) was seen, and
    when it has to be shown again; ``state`` is ``"ok"``, ``"due_soon"`` or ``"overdue"``."""

    seen_on: date
    renew_by: date
    state: str


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where it is shorter (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in range(day.day, 0, -1):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a first day")


POLICE_CERTIFICATE_WARN_MONTHS = 3


def police_certificate_valid_until(seen_on: date | None, valid_years: int) -> date | None:
    """The last day a police certificate seen on ``seen_on`` counts (None: none seen)."""
    return None if seen_on is None else add_months(seen_on, 12 * valid_years)


def police_certificate(profile: HelperProfile, *, valid_years: int, today: date) -> PoliceCertificate | None:
    """Renewal of the police certificate, or None while the coordinator has not seen one."""
    seen_on = profile.police_certificate_seen_on
    renew_by = police_certificate_valid_until(seen_on, valid_years)
    if renew_by is None:
        return None
    if renew_by < today:
        state = "overdue"
    elif renew_by <= add_months(today, POLICE_CERTIFICATE_WARN_MONTHS):
        state = "due_soon"
    else:
        state = "ok"
    return PoliceCertificate(seen_on=seen_on, renew_by=renew_by, state=state)


def german_level(profile: HelperProfile) -> int | None:
    for entry in profile.languages:
        if entry.language.code == "de":
            return entry.level
    return None


def can_interpret(profile: HelperProfile) -> bool:
    """Interpreting needs German of at least B1."""
    level = german_level(profile)
    return level is not None and level >= Level.B1


# Each check's date, and who recorded it.
SEEN_BY = {
    "qualification_completed_on": "qualification_seen_by_id",
    "confidentiality_signed_on": "confidentiality_seen_by_id",
    "police_certificate_seen_on": "police_certificate_seen_by_id",
}
CHECK_FIELDS = tuple(SEEN_BY)


def record_checks(profile: HelperProfile, by, **dates: date | None) -> list[str]:
    """Set the coordinator-kept checks (dates only, never documents) and who recorded each; the
    names of those changed. A check taken back (no date) keeps no "who" either.

    The caller commits. The audit event names the checks, not their dates.
    """
    unknown = set(dates) - set(CHECK_FIELDS)
    if unknown:
        raise ValueError(f"not a check: {', '.join(sorted(unknown))}")
    changed = [name for name in CHECK_FIELDS if name in dates and getattr(profile, name) != dates[name]]
    for name in changed:
        setattr(profile, name, dates[name])
        setattr(profile, SEEN_BY[name], by.id if dates[name] is not None else None)
    if changed:
        record("helper.checks_updated", actor=by, subject=profile, checks=changed)
    return changed


def set_allowance_limit(profile: HelperProfile, kind: AllowanceLimit, by) -> bool:
    """Which tax-free limit the helper's allowance is held against (coordinators choose; the
    Ehrenamtspauschale unless they say otherwise). Whether it changed; the caller commits."""
    if profile.allowance_limit == kind:
        return False
    before = profile.allowance_limit
    profile.allowance_limit = kind
    record("helper.allowance_limit_changed", actor=by, subject=profile, old=before.value, new=kind.value)
    return True
