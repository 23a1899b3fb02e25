"""Display names of reference data in the reader's language."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import get_locale, gettext

from ki_match.reference.data import TOPICS
from ki_match.reference.models import Language, Level, Topic

LEVEL_LABELS = {
    Level.A2: "A2",
    Level.B1: "B1",
    Level.B2: "B2",
    Level.C1: "C1",
    Level.C2: "C2",
}


@lru_cache(maxsize=2048)
def _cldr_name(cldr_key: str, locale: str) -> str | None:
    name = Locale.parse(locale).languages.get(cldr_key)
    if name is None and "_" in cldr_key:
        base = Locale.parse(locale).languages.get(cldr_key.split("_")[0])
        return base
    return name


def language_name(language: Language, locale: str | None = None) -> str:
    """The name in the reader's language; a variety CLDR lacks is called as its KI typed it."""
    if language.variety is not None:
        return language.variety.name
    locale = locale or str(get_locale() or "de")
    name = _cldr_name(language.cldr, locale) or language.code
    if language.variant:
        return f"{name} ({language.variant})"
    return name


def level_label(level: int) -> str:
    if level == Level.NATIVE:
        return gettext("Muttersprache")
    return LEVEL_LABELS.get(Level(level), str(level))


def parent_name(language: Language, locale: str | None = None) -> str | None:
    """For a variety, the CLDR name of the language it belongs to ("Arabisch"), else None."""
    if language.variety is None:
        return None
    return _cldr_name(language.cldr, locale or str(get_locale() or "de"))


def topic_name(topic: Topic) -> str:
    # Seeded topics have translations while their name is unchanged; others show as typed.
    return gettext(topic.name) if TOPICS.get(topic.code) == topic.name else topic.name
