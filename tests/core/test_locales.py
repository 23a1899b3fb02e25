"""The language switcher and how the page's language is chosen.

The switcher is one button naming the page's language that opens the seven (a disclosure, no
script needed); each language is named in its own words, with its own ``lang`` and ``dir``, and
one whose catalogue does not translate every text yet says "teilweise" in the page's language.
The language of a page: the account's setting, else the session's choice, else the browser's
best match, else German.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import get_domain

from ki_match.accounts.models import Role
from ki_match.core.locales import LOCALES, translated_shares
from ki_match.extensions import db
from tests.factories import PASSWORD

RTL = {"ar", "fa"}


class _Switcher(HTMLParser):
    """The <html> attributes, the switcher's summary text and each language button's attributes,
    text and the direction of the name in it (by its value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html: dict = {}
        self.summary = ""
        self.buttons: dict[str, dict] = {}
        self._in: str | None = None  # "summary" or a button's value

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html = attrs
        elif tag == "details" and "locale-menu" in (attrs.get("class") or ""):
            self._in = "details"
        elif tag == "summary" and self._in == "details":
            self._in = "summary"
        elif tag == "button" and attrs.get("name") == "locale":
            self._in = attrs["value"]
            self.buttons[self._in] = {**attrs, "text": ""}
        elif tag == "span" and self._in in self.buttons and "name_dir" not in self.buttons[self._in]:
            self.buttons[self._in]["name_dir"] = attrs.get("dir")

    def handle_endtag(self, tag):
        if tag in ("summary", "button") and self._in not in (None, "details"):
            self._in = "details"
        elif tag == "details":
            self._in = None

    def handle_data(self, data):
        if self._in == "summary":
            self.summary += data
        elif self._in in self.buttons:
            self.buttons[self._in]["text"] += data


def switcher(html: str) -> _Switcher:
    parser = _Switcher()
    parser.feed(html)
    parser.close()
    return parser


def page(client, path: str = "/privacy", **headers) -> _Switcher:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return switcher(response.get_data(as_text=True))


# --- the share of a catalogue that is translated ----------------------------------------------


def write_catalogue(directory, code: str, messages: dict) -> None:
    """A compiled catalogue for ``code``: msgid → msgstr ("" left untranslated, a tuple a plural)."""
    catalog = Catalog(locale=code)
    for msgid, msgstr in messages.items():
        catalog.add(msgid if isinstance(msgstr, str) else (msgid, msgid + "n"), msgstr)
    target = directory / code / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)


TEXTS = {
    "Start": "Home",
    "Sprache:": "Language:",
    "teilweise": "partly translated",
    "%(num)d Tag": ("1", "2"),
}


def test_a_catalogue_counts_the_texts_it_translates(tmp_path):
    write_catalogue(tmp_path, "en", TEXTS)
    write_catalogue(
        tmp_path,
        "ar",
        {"Start": "البداية", "Sprache:": "اللغة:", "teilweise": "جزئياً", "%(num)d Tag": ("أ", "ب")},
    )
    write_catalogue(
        tmp_path,
        "tr",
        {"Start": "Başlangıç", "Sprache:": "", "teilweise": "kısmen", "%(num)d Tag": ("gün", "")},
    )
    write_catalogue(tmp_path, "uk", {"Start": "Початок", "%(num)d Tag": ("", "")})
    shares = translated_shares([str(tmp_path)], ["de", "en", "ar", "tr", "uk", "ru"])
    # Compiling fills a plural's empty forms with the German ones: a plural whose first form is
    # filled counts, one with none does not; a language without a catalogue has no share.
    assert shares == {"de": 1.0, "en": 1.0, "ar": 1.0, "tr": 0.75, "uk": 0.25, "ru": 0.0}


def test_the_real_catalogues_are_measured_against_the_english_one(app):
    shares = translated_shares(app.extensions["babel"].translation_directories, app.config["LANGUAGES"])
    assert shares["de"] == shares["en"] == 1.0
    assert all(0 <= share <= 1 for share in shares.values())


# --- the switcher -----------------------------------------------------------------------------


def test_the_switcher_names_each_language_in_its_own_words(client):
    found = page(client, **{"Accept-Language": "de"})
    assert found.summary.split() == ["Sprache:", "Deutsch"]
    assert list(found.buttons) == list(LOCALES)
    for code, name in LOCALES.items():
        button = found.buttons[code]
        assert button["text"].split(" (")[0] == name
        assert button["lang"] == code
        assert button["name_dir"] == ("rtl" if code in RTL else "ltr")
        assert button["aria-pressed"] == ("true" if code == "de" else "false")
    # German is the language of the code, English is measured against: never marked.
    assert "teilweise" not in found.buttons["de"]["text"] + found.buttons["en"]["text"]


@pytest.fixture
def made_up_catalogues(make_app, tmp_path):
    """An app whose catalogues are complete but for Turkish, which translates half the texts."""
    write_catalogue(tmp_path, "en", TEXTS)
    for code in ("ar", "fa", "uk", "ru"):
        write_catalogue(
            tmp_path,
            code,
            {msgid: f"{code}: {text}" if isinstance(text, str) else text for msgid, text in TEXTS.items()},
        )
    write_catalogue(tmp_path, "tr", {"Start": "Başlangıç", "teilweise": "kısmen"})
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    with app.app_context():
        # Flask-Babel keeps loaded catalogues on a process-wide domain: none of theirs, none of ours.
        get_domain().cache.clear()
        yield app
        get_domain().cache.clear()


def test_a_language_whose_catalogue_is_not_complete_is_marked(made_up_catalogues):
    client = made_up_catalogues.test_client()
    german = page(client, **{"Accept-Language": "de"})
    marked = {code for code, button in german.buttons.items() if "(teilweise)" in button["text"]}
    assert marked == {"tr"}
    client.post("/locale", data={"locale": "en", "next": "/privacy"})
    english = page(client)
    assert english.summary.split() == ["Language:", "English"]
    assert english.buttons["tr"]["text"] == "Türkçe (partly translated)"
    assert english.buttons["en"]["text"] == "English"


# --- choosing the language --------------------------------------------------------------------


@pytest.mark.parametrize("code", list(LOCALES))
def test_each_language_can_be_chosen_and_sets_the_page_direction(client, code):
    response = client.post("/locale", data={"locale": code, "next": "/privacy"})
    assert (response.status_code, response.headers["Location"]) == (303, "/privacy")
    found = page(client, **{"Accept-Language": "de"})
    assert (found.html["lang"], found.html["dir"]) == (code, "rtl" if code in RTL else "ltr")
    assert found.summary.split()[-1] == LOCALES[code]
    assert [value for value, button in found.buttons.items() if button["aria-pressed"] == "true"] == [code]


@pytest.mark.parametrize("wrong", ["xx", "", "DE", "de-DE", "ar;", "x" * 500])
def test_a_language_the_app_does_not_have_is_refused(client, wrong):
    client.post("/locale", data={"locale": "en", "next": "/privacy"})
    response = client.post("/locale", data={"locale": wrong, "next": "/privacy"})
    assert response.status_code == 303
    assert page(client).html["lang"] == "en"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fa-IR,fa;q=0.9", "fa"),
        ("uk", "uk"),
        ("ar-SY,en;q=0.5", "ar"),
        ("tr-TR", "tr"),
        ("ru,en;q=0.8", "ru"),
        ("ja,zh;q=0.5", "de"),
        ("", "de"),
    ],
)
def test_the_browsers_language_counts_when_nothing_was_chosen(client, accept, expected):
    found = page(client, **{"Accept-Language": accept})
    assert (found.html["lang"], found.html["dir"]) == (expected, "rtl" if expected in RTL else "ltr")


def test_the_session_beats_the_browser_and_the_account_beats_both(client, create_user):
    client.post("/locale", data={"locale": "uk", "next": "/privacy"})
    assert page(client, **{"Accept-Language": "fa"}).html["lang"] == "uk"
    user = create_user(Role.COORDINATOR, locale="ar")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert page(client, **{"Accept-Language": "fa"}).html["lang"] == "ar"
    # Choosing while logged in changes the account's setting, which follows to other devices.
    client.post("/locale", data={"locale": "tr", "next": "/privacy"})
    db.session.refresh(user)
    assert user.locale == "tr"
    elsewhere = client.application.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    assert page(elsewhere, **{"Accept-Language": "de"}).html["lang"] == "tr"
