"""Every catalogue the app offers is sound: no fuzzy entry, the German placeholders kept, as many
plural forms as the language has (CLDR, through Babel), every msgid of the source present, and a
catalogue gettext can compile and use.

Whether a catalogue is *translated* far enough is asked where it matters, page by page and mail by
mail: tests/core/test_helper_side_translated.py. An empty msgstr is not a fault here.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from babel.messages.catalog import Catalog, TranslationError
from babel.messages.checkers import num_plurals
from babel.messages.mofile import write_mo
from babel.support import Translations

from tests.catalogues import label, placeholders, read_catalogue, source_msgids, texts

LANGUAGES = ("ar", "fa", "uk", "ru", "tr", "en")
# What CLDR says; written down so that a Babel upgrade that changed it would be noticed.
PLURAL_FORMS = {"ar": 6, "fa": 2, "uk": 3, "ru": 3, "tr": 2, "en": 2}


@pytest.fixture(scope="module", params=LANGUAGES)
def catalogue(request) -> Catalog:
    return read_catalogue(request.param)


# --- the checks, each a list of what is wrong ------------------------------------------------


def fuzzy_entries(catalog: Catalog) -> list[str]:
    return [label(message) for message in catalog if message.id and message.fuzzy]


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    """Translated texts whose placeholders are not the German ones.

    A plural form keeps every placeholder of the German forms; it may drop ``%(num)d`` where its
    word already says the number (Arabic "one", "two"). Untranslated texts are not looked at."""
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = texts(message.id)
        for translated in texts(message.string):
            if not translated:
                continue
            found = placeholders(translated)
            if message.pluralizable:
                german = placeholders(ids[0]) | placeholders(ids[1])
                allowed = (german, german - {"num"})
            else:
                allowed = (placeholders(ids[0]),)
            if found not in allowed:
                wrong.append(f"{label(message)} → {translated!r}")
    return wrong


def wrong_plural_counts(catalog: Catalog, forms: int) -> list[str]:
    return [
        f"{label(message)}: {len(texts(message.string))} forms"
        for message in catalog
        if message.id and message.pluralizable and len(texts(message.string)) != forms
    ]


class _AnyValue(dict):
    """Every placeholder name has a value, and the value suits every conversion (%s, %d, %.1f)."""

    def __missing__(self, key):
        return 1


def compile_problems(catalog: Catalog) -> list[str]:
    """What msgfmt --check would refuse, as Babel and Python see it: the plural forms the header
    promises, and each python-format translation a valid format string (``%%`` for a percent
    sign). Then the compiled catalogue must load and choose its plural forms.

    (Babel's own python_format checker is not used: it wants a plural's first form to have the
    German singular's placeholders, but a form may add ``%(num)d``, which ngettext always gives.)"""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        try:
            num_plurals(catalog, message)
        except TranslationError as error:
            problems.append(f"{label(message)}: {error}")
        if message.python_format:
            for translated in texts(message.string):
                try:
                    translated % _AnyValue()
                except (ValueError, TypeError) as error:
                    problems.append(f"{label(message)} → {translated!r}: {error}")
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = Translations(fp=compiled)
    for number in (0, 1, 2, 3, 11, 100, 101):
        try:
            translations.ungettext("ein Ding", "%(num)d Dinge", number)
        except Exception as error:  # noqa: BLE001 (any failure is the finding)
            problems.append(f"plural rule fails for {number}: {error!r}")
    return problems


# --- the real catalogues ---------------------------------------------------------------------


def test_no_fuzzy_entries(catalogue):
    fuzzy = fuzzy_entries(catalogue)
    assert not fuzzy, f"Fuzzy entries in {catalogue.locale}: check each and remove '#, fuzzy':\n" + "\n".join(
        fuzzy
    )


def test_placeholders_are_the_german_ones(catalogue):
    wrong = placeholder_mismatches(catalogue)
    assert not wrong, f"Placeholders differ from the German in {catalogue.locale}:\n" + "\n".join(wrong)


def test_plural_entries_have_the_languages_forms(catalogue):
    language = str(catalogue.locale)
    assert Catalog(locale=language).num_plurals == PLURAL_FORMS[language]
    assert any(message.pluralizable for message in catalogue if message.id), "no plural entries"
    wrong = wrong_plural_counts(catalogue, PLURAL_FORMS[language])
    assert not wrong, f"{language} has {PLURAL_FORMS[language]} plural forms:\n" + "\n".join(wrong)


def test_plural_forms_header_is_babels(catalogue):
    language = str(catalogue.locale)
    header = dict(catalogue.mime_headers)["Plural-Forms"]
    assert header == Catalog(locale=language).plural_forms


def test_catalogue_holds_every_msgid_of_the_source(catalogue):
    held = {texts(message.id)[0] for message in catalogue if message.id}
    missing = sorted(source_msgids() - held)
    assert not missing, f"Not in {catalogue.locale}/messages.po yet:\n" + "\n".join(map(repr, missing))


def test_catalogue_compiles(catalogue):
    problems = compile_problems(catalogue)
    assert not problems, f"{catalogue.locale}/messages.po does not compile cleanly:\n" + "\n".join(problems)


# --- the checks see what they look for -------------------------------------------------------


def test_the_checks_find_faults_in_a_made_up_catalogue():
    made_up = Catalog(locale="ru")
    made_up.add("Gespeichert.", "Сохранено.", flags=["fuzzy"])
    made_up.add("Hallo %(name)s", "Привет %(nom)s")
    made_up.add(("Ein Einsatz", "%(num)d Einsätze am %(day)s"), ("%(num)d задание", "%(num)d задания"))
    made_up.add(("Eine Stunde", "%(num)d Stunden"), ("час", "%(num)d часа", "%(num)d часов"))
    made_up.add(("Ein Tag", "%(num)d Tage"), ("день", "%(num)d дней"))

    assert fuzzy_entries(made_up) == ["'Gespeichert.' ()"]
    assert placeholder_mismatches(made_up) == [
        "'Hallo %(name)s' () → 'Привет %(nom)s'",
        "'Ein Einsatz' () → '%(num)d задание'",
        "'Ein Einsatz' () → '%(num)d задания'",
    ]
    assert wrong_plural_counts(made_up, 3) == ["'Ein Einsatz' (): 2 forms", "'Ein Tag' (): 2 forms"]
    made_up.add("Zu 100 %(share)s", "На 100 % %(share)s", flags=["python-format"])
    assert compile_problems(made_up) == [
        "'Ein Einsatz' (): Wrong number of plural forms (expected 3)",
        "'Ein Tag' (): Wrong number of plural forms (expected 3)",
        "'Zu 100 %(share)s' () → 'На 100 % %(share)s': unsupported format character '%' (0x25) at index 9",
    ]
