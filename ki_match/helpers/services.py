"""Rules about helper profiles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.helpers.models import HelperProfile
from ki_match.reference.models import Level


def missing_for_approval(profile: HelperProfile) -> list[str]:
    """What a helper still has to fill in before a coordinator can approve them."""
    missing = []
    if profile.user.email_verified_at is None:
        missing.append(_l("E-Mail-Adresse bestätigen"))
    if not any(entry.language.code != "de" for entry in profile.languages):
        missing.append(_l("mindestens eine Sprache außer Deutsch"))
    if not any(entry.language.code == "de" for entry in profile.languages):
        missing.append(_l("Ihre Deutschkenntnisse"))
    if profile.home_town_id is None:
        missing.append(_l("Wohnort"))
    if not profile.slots:
        missing.append(_l("wann Sie Zeit haben"))
    if profile.consent_given_at is None:
        missing.append(_l("Einwilligung in die Datenverarbeitung"))
    return missing


def german_level(profile: HelperProfile) -> int | None:
    for entry in profile.languages:
        if entry.language.code == "de":
            return entry.level
    return None


def can_interpret(profile: HelperProfile) -> bool:
    """Interpreting needs German of at least B1."""
    level = german_level(profile)
    return level is not None and level >= Level.B1
