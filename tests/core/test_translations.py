"""The English catalogue: complete, placeholder-safe, and actually used when a visitor picks English.

These tests fail on purpose when someone adds or changes a German UI string without an English
translation. To fix such a failure (commands in README.md, "Translations"):

1. extract and update: `make messages` (pybabel extract into messages.pot, then pybabel update)
2. translate: fill every empty msgstr (both plural forms) in
   ki_match/translations/en/LC_MESSAGES/messages.po, keep %(name)s placeholders exactly, and remove
   each "#, fuzzy" flag after checking the entry
3. compile: `make translations`

The catalogue checks read the .po directly and the page checks compile it into a temporary
directory, so a stale or missing messages.mo in the working tree cannot hide a problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from flask_babel import get_domain

from ki_match.extensions import db as _db
from ki_match.reference.services import ensure_reference_data
from tests.catalogues import label as _label
from tests.catalogues import placeholders as _placeholders
from tests.catalogues import read_catalogue, source_msgids
from tests.catalogues import texts as _texts


def _catalog():
    return read_catalogue("en")


def test_every_message_has_an_english_translation():
    catalog = _catalog()
    untranslated = [
        _label(message)
        for message in catalog
        if message.id and not all(text.strip() for text in _texts(message.string))
    ]
    assert not untranslated, "Untranslated in en/messages.po (see this module's docstring):\n" + "\n".join(
        untranslated
    )


def test_no_fuzzy_entries():
    catalog = _catalog()
    fuzzy = [_label(message) for message in catalog if message.id and message.fuzzy]
    assert not fuzzy, "Fuzzy entries: check each one and remove its '#, fuzzy' flag:\n" + "\n".join(fuzzy)


def test_plural_entries_have_both_english_forms():
    plurals = [message for message in _catalog() if message.id and message.pluralizable]
    assert plurals, "no plural entries: is ngettext/lazy_ngettext extracted?"
    for message in plurals:
        assert len(_texts(message.string)) == 2, _label(message)


def test_catalogue_covers_every_string_in_the_source():
    """A German string added to the code or a template without extract/update/translate fails here."""
    in_catalogue = {_texts(message.id)[0] for message in _catalog() if message.id}
    missing = sorted(source_msgids() - in_catalogue)
    assert not missing, "Not in en/messages.po yet – extract, update, translate, compile:\n" + "\n".join(
        map(repr, missing)
    )


def test_placeholders_in_translations_match_the_german():
    wrong = []
    for message in _catalog():
        if not message.id:
            continue
        ids = _texts(message.id)
        strings = _texts(message.string)
        # Each form keeps the placeholders of its German counterpart: singular to singular,
        # every plural form to the German plural (English has exactly these two forms).
        for index, translated in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            if _placeholders(translated) != _placeholders(source):
                wrong.append(f"{_label(message)} → {translated!r}")
    assert not wrong, "Placeholders differ from the German:\n" + "\n".join(wrong)


def test_placeholder_pattern_sees_named_placeholders():
    assert _placeholders("%(num)d Einsätze, %(name)s, 100 %") == {"num", "name"}


@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory) -> Path:
    """The current .po compiled into a fresh directory, independent of any messages.mo on disk."""
    directory = tmp_path_factory.mktemp("translations")
    target = directory / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, _catalog())
    return directory


@pytest.fixture
def translated_app(make_app, compiled_translations):
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations))
    with app.app_context():
        # Flask-Babel caches loaded catalogues per locale on a process-wide domain object; start
        # from ours and leave nothing of ours behind for other tests.
        get_domain().cache.clear()
        ensure_reference_data()
        _db.session.commit()
        yield app
        get_domain().cache.clear()


@pytest.fixture
def english(translated_app):
    client = translated_app.test_client()
    response = client.post("/locale", data={"locale": "en", "next": "/"})
    assert response.status_code == 303
    return client


def _page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def test_front_door_in_english(english):
    html = _page(english, "/k/hoexter/")
    assert '<html lang="en"' in html
    for text in ("How it works", "For helpers", "For coordinators", "Log in", "language guides"):
        assert text in html
    for text in ("So funktioniert es", "Für Helfende", "Anmelden", "Willkommen"):
        assert text not in html


def test_login_page_in_english(english):
    html = _page(english, "/login")
    assert '<html lang="en"' in html
    for text in ("Log in", "E-mail address", "Password", "Forgot your password?", "Register now"):
        assert text in html
    for text in ("Anmelden", "Passwort vergessen", "Jetzt registrieren", "E-Mail-Adresse"):
        assert text not in html


def test_error_page_in_english(english):
    html = _page(english, "/no-such-page", status=404)
    assert '<html lang="en"' in html
    for text in ("Page not found", "Go to the home page", "Skip to content"):
        assert text in html
    for text in ("Seite nicht gefunden", "Zur Startseite", "Zum Inhalt springen"):
        assert text not in html


def test_german_stays_the_default(translated_app):
    client = translated_app.test_client()
    welcome = _page(client, "/k/hoexter/")
    assert '<html lang="de"' in welcome
    assert "So funktioniert es" in welcome
    assert "How it works" not in welcome
    login = _page(client, "/login")
    assert "Anmelden" in login and "Passwort vergessen?" in login
    assert "Forgot your password?" not in login
    error = _page(client, "/no-such-page", status=404)
    assert "Seite nicht gefunden" in error
    assert "Page not found" not in error


def test_switching_back_to_german(english):
    english.post("/locale", data={"locale": "de", "next": "/"})
    html = _page(english, "/login")
    assert '<html lang="de"' in html
    assert "Anmelden" in html
    assert "Log in" not in html
