"""A KI's languages, as its admins keep them.

The catalogue (``language``) is the installation's: a helper's language means the same in every
KI. A KI chooses which of them its pickers offer (``ki_language``), adds any language CLDR knows
(found by its German or English name or its code; the catalogue row is made on first use), and
names varieties CLDR lacks ("Syrisches Arabisch" under Arabic). A variety belongs to the KI that
made it; its code is BCP 47 private use under the parent (``ar-x-1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale
from sqlalchemy import delete, insert

from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference import queries
from ki_match.reference.data import GERMAN
from ki_match.reference.models import Language, LanguageVariety, ki_language
from ki_match.reference.municipalities import folded

CODE_LENGTH = 12  # language.code


class LanguageError(Exception):
    """A change the rules refuse; the message says why."""


@dataclass(frozen=True)
class CldrLanguage:
    key: str  # CLDR key: "ar", "fa_AF"
    german: str
    english: str

    @property
    def code(self) -> str:
        """The BCP 47 tag a new catalogue row gets ("fa-AF")."""
        return self.key.replace("_", "-")


@cache
def cldr_languages() -> tuple[CldrLanguage, ...]:
    """Every language and regional form CLDR names in German or English."""
    german, english = Locale("de").languages, Locale("en").languages
    keys = sorted(set(german) | set(english))
    return tuple(
        CldrLanguage(key, german.get(key) or english[key], english.get(key) or german[key])
        for key in keys
        if len(key.replace("_", "-")) <= CODE_LENGTH
    )


def search_cldr(text: str, limit: int = 20) -> list[CldrLanguage]:
    """CLDR languages whose German or English name contains ``text`` (names that start with it
    first), or whose key or code is ``text`` ("prs" finds Dari through the catalogue's code)."""
    wanted = folded(text.strip())
    if not wanted:
        return []
    by_code = {language.code.casefold(): language.cldr for language in queries.all_languages()}
    exact_key = by_code.get(wanted, wanted).replace("-", "_").casefold()
    exact, starts, contains = [], [], []
    for language in cldr_languages():
        names = (folded(language.german), folded(language.english))
        if language.key.casefold() == exact_key:
            exact.append(language)
        elif any(name.startswith(wanted) for name in names):
            starts.append(language)
        elif len(wanted) > 1 and any(wanted in name for name in names):
            contains.append(language)
    return (exact + starts + contains)[:limit]


def cldr_language(key: str) -> CldrLanguage | None:
    return next((language for language in cldr_languages() if language.key == key), None)


def offer(ki: Ki, language: Language, *, actor=None) -> None:
    """Show ``language`` in the KI's pickers."""
    if queries.offers(ki, language):
        return
    db.session.execute(insert(ki_language).values(ki_id=ki.id, language_id=language.id))
    record("language.offered", actor=actor, subject=language, ki_id=ki.id, code=language.code)


def add_cldr_language(ki: Ki, key: str, *, actor=None) -> Language:
    """Offer the CLDR language ``key``; its catalogue row is made where there is none."""
    found = cldr_language(key)
    if found is None:
        raise LanguageError(key)
    language = queries.shared_languages_by_cldr([key]).get(key)
    if language is None:
        language = queries.language_by_code_anywhere(found.code)
    if language is None:
        language = Language(code=found.code, cldr=key)
        db.session.add(language)
        db.session.flush()
    offer(ki, language, actor=actor)
    return language


def add_variety(ki: Ki, name: str, parent: Language, *, actor=None) -> Language:
    """A variety CLDR lacks, named ``name``, under ``parent`` (a language every KI shares)."""
    if parent.variety is not None:
        raise LanguageError(parent.code)
    base = parent.code.split("-x-")[0]
    number = 1
    while queries.language_by_code_anywhere(f"{base}-x-{number}") is not None:
        number += 1
    language = Language(code=f"{base}-x-{number}"[:CODE_LENGTH], cldr=parent.cldr)
    language.variety = LanguageVariety(ki_id=ki.id, name=name)
    db.session.add(language)
    db.session.flush()
    offer(ki, language, actor=actor)
    return language


def remove(ki: Ki, language: Language, *, actor=None) -> None:
    """Take ``language`` out of the KI's pickers; helpers and requests that have it keep it."""
    if language.code == GERMAN:
        raise LanguageError(GERMAN)
    db.session.execute(
        delete(ki_language).where(ki_language.c.ki_id == ki.id, ki_language.c.language_id == language.id)
    )
    record("language.removed", actor=actor, subject=language, ki_id=ki.id, code=language.code)
