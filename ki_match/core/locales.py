"""The languages of the pages: each named in its own words, its writing direction, and whether its
catalogue translates every text yet.

A catalogue counts as complete when its compiled messages.mo has a translation for every msgid
of the reference catalogue, the English one (tests/core/test_translations.py keeps that one
complete). German is the language of the code itself and always complete. The shares are read
once per process (per app) from the compiled catalogues: a catalogue changes with a deployment,
which starts new processes.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app

# Each language names itself, so nobody has to read a language they do not know to find theirs;
# in the order the switcher shows them.
LOCALES = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "uk": "Українська",
    "ru": "Русский",
    "tr": "Türkçe",
}

SOURCE_LOCALE = "de"
REFERENCE_LOCALE = "en"
_MEASURED = "ki_match.partial_locales"


def browser_language(accepted: Iterable[tuple[str, float]], supported: Iterable[str]) -> str | None:
    """The first language of the browser's list (by preference) that the app has, matched by its
    language alone: "ar-SY,en;q=0.5" is Arabic. (Werkzeug's best_match takes an exact match of a
    less wanted language, English there, over a regional variant of the most wanted one.)"""
    supported = set(supported)
    for tag, quality in accepted:
        language = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and language in supported:
            return language
    return None


def direction_of(code: str, rtl_languages: Iterable[str] | None = None) -> str:
    """``rtl`` for a language written from right to left, else ``ltr``."""
    rtl = current_app.config["RTL_LANGUAGES"] if rtl_languages is None else rtl_languages
    return "rtl" if code in rtl else "ltr"


def _translated_msgids(directories: Iterable[str], code: str) -> set:
    """The msgids the compiled catalogues of ``code`` translate.

    Compiling leaves out an untranslated text, but fills a plural's empty forms with the German
    ones: a plural counts as translated when its first form is not the German msgid."""
    found: dict = {}
    for directory in directories:
        path = Path(directory) / code / "LC_MESSAGES" / "messages.mo"
        if path.is_file():
            with path.open("rb") as mo:
                found.update(gettext.GNUTranslations(mo)._catalog)
    singular = {key for key, text in found.items() if isinstance(key, str) and key and text}
    plural = {
        key[0] for key, text in found.items() if isinstance(key, tuple) and key[1] == 0 and text != key[0]
    }
    return singular | plural


def translated_shares(directories: Iterable[str], codes: Iterable[str]) -> dict[str, float]:
    """Each language's share (0 to 1) of the reference catalogue's msgids it translates."""
    directories = list(directories)
    reference = _translated_msgids(directories, REFERENCE_LOCALE)
    shares = {}
    for code in codes:
        if code in (SOURCE_LOCALE, REFERENCE_LOCALE) or not reference:
            shares[code] = 1.0
        else:
            shares[code] = len(reference & _translated_msgids(directories, code)) / len(reference)
    return shares


def partial_locales(app: Flask | None = None) -> frozenset[str]:
    """The languages offered whose catalogue does not translate every text yet (measured once)."""
    app = app or current_app._get_current_object()
    measured = app.extensions.get(_MEASURED)
    if measured is None:
        shares = translated_shares(app.extensions["babel"].translation_directories, app.config["LANGUAGES"])
        measured = app.extensions[_MEASURED] = frozenset(code for code, share in shares.items() if share < 1)
    return measured
