"""Which German msgids a page or a mail looked up, and which of them its language has no
translation for.

Every translation in the app goes through the Babel domain's ``get_translations`` (``extensions.
KeptTranslations``): the templates' ``_``/``ngettext``, ``flask_babel.gettext`` and the lazy
strings. ``recording`` wraps what it hands out, so each ``ugettext``/``ungettext`` under a locale
other than German is noted: the msgid, and whether that locale's catalogue (the .po, as it is now)
translates it. A translation that happens to equal the German ("E-Mail", "OK") counts as one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import g, has_app_context

from ki_match.extensions import KeptTranslations
from tests.catalogues import read_catalogue, texts

SOURCE_LANGUAGE = "de"


def translated_msgids(language: str) -> frozenset[str]:
    """The msgids the language's catalogue translates (every plural form filled, not fuzzy)."""
    return frozenset(
        texts(message.id)[0]
        for message in read_catalogue(language)
        if message.id and not message.fuzzy and all(texts(message.string))
    )


@dataclass
class Recorder:
    """What was looked up, by whatever ``where`` names (a page, a mail) when it was."""

    translated: dict[str, frozenset[str]]
    where: str = "?"
    looked_up: set[str] = field(default_factory=set)
    # Each msgid without a translation, with the pages and mails that looked it up.
    missing: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def note(self, language: str, msgid: str) -> None:
        if language == SOURCE_LANGUAGE:
            return
        self.looked_up.add(msgid)
        if language not in self.translated:
            self.translated[language] = translated_msgids(language)
        if msgid not in self.translated[language]:
            where = f"[{language}] {self.where}"
            seen = self.missing[msgid]
            if where not in seen:
                seen.append(where)

    def missing_report(self) -> str:
        """Each missing msgid once, with where it was first looked up."""
        return "\n".join(
            f"{msgid!r}  ({seen[0]}{f', and {len(seen) - 1} more' if len(seen) > 1 else ''})"
            for msgid, seen in sorted(self.missing.items())
        )


class _RecordingTranslations:
    def __init__(self, translations, language: str, recorder: Recorder):
        self._translations = translations
        self._language = language
        self._recorder = recorder

    def ugettext(self, message: str) -> str:
        self._recorder.note(self._language, message)
        return self._translations.ugettext(message)

    gettext = ugettext

    def ungettext(self, singular: str, plural: str, num: int) -> str:
        self._recorder.note(self._language, singular)
        return self._translations.ungettext(singular, plural, num)

    ngettext = ungettext

    def __getattr__(self, name):
        return getattr(self._translations, name)


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    """Inside, every translation looked up in an app context is noted by ``recorder``."""
    original = KeptTranslations.get_translations

    def get_translations(self):
        translations = original(self)
        if not has_app_context():
            return translations
        # KeptTranslations has just settled the locale and kept it with the translations.
        locale = g._kept_translations[0]
        return _RecordingTranslations(translations, str(locale), recorder)

    KeptTranslations.get_translations = get_translations
    try:
        yield recorder
    finally:
        KeptTranslations.get_translations = original
