"""What each row of a pool spreadsheet says: its columns recognised, its cells read and checked.

Column headers are recognised in German or English, in any case and order, with or without
spaces, hyphens and umlauts ("E-Mail-Adresse", "email", "Telefon", "Tel."). Languages come in
three shapes, which may be mixed:

- one column "Sprachen" with a list: "Arabisch (Muttersprache), Englisch B2; Dari: C1";
- pairs "Sprache 1" / "Niveau 1", "Sprache 2" / "Niveau 2" … (also "Stufe", "Level");
- a column per language, headed with its name ("Arabisch"), holding the level.

A level is A2, B1, B2, C1, C2 or "Muttersprache" ("native"). Towns ("Orte", "Einsatzorte") are a
list of the KI's towns the person helps in; "Wohnort" is the one she lives in. Other columns are
ignored and named in the preview. Nothing here reads or writes helpers: ``imports`` compares the
rows with the pool.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ki_match.core.text import normalise_name
from ki_match.helpers.import_file import ImportFileError, Table
from ki_match.reference.models import Language, Level, Town
from ki_match.reference.municipalities import folded
from ki_match.reference.names import language_name

NAME_LENGTH = 120  # user_account.display_name
EMAIL_LENGTH = 254
PHONE_LENGTH = 40
NOTE_LENGTH = 1000
LIST_SEPARATORS = re.compile(r"[,;/|\n+]+")
PHONE = re.compile(r"^\+?[\d\s()/.\-]{3,}$")


def key(text: str) -> str:
    """A header or a name as compared: folded, letters and digits only ("E-Mail" → "email")."""
    return "".join(character for character in folded(text) if character.isalnum())


class Field(enum.StrEnum):
    NAME = "name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    PHONE = "phone"
    LANGUAGES = "languages"
    TOWNS = "towns"
    HOME_TOWN = "home_town"
    NOTE = "note"


ALIASES = {
    Field.NAME: ("Name", "Vollständiger Name", "Anzeigename", "full name", "display name"),
    Field.FIRST_NAME: ("Vorname", "first name", "given name"),
    Field.LAST_NAME: ("Nachname", "Familienname", "last name", "surname", "family name"),
    Field.EMAIL: ("E-Mail", "E-Mail-Adresse", "Mail", "email address"),
    Field.PHONE: (
        "Telefon",
        "Telefonnummer",
        "Tel",
        "Tel.-Nr.",
        "Handy",
        "Handynummer",
        "Mobil",
        "Mobilnummer",
        "Mobiltelefon",
        "Rufnummer",
        "phone",
        "phone number",
        "telephone",
        "mobile",
    ),
    Field.LANGUAGES: ("Sprachen", "Sprache(n)", "Sprachkenntnisse", "languages", "language skills"),
    Field.TOWNS: (
        "Orte",
        "Ort",
        "Einsatzorte",
        "Einsatzort",
        "Städte",
        "Stadt",
        "Gemeinden",
        "towns",
        "town",
    ),
    Field.HOME_TOWN: ("Wohnort", "Heimatort", "home town", "place of residence", "lives in"),
    Field.NOTE: ("Notiz", "Notizen", "Bemerkung", "Bemerkungen", "Anmerkungen", "Kommentar", "note", "notes"),
}
FIELD_OF_HEADER = {key(alias): name for name, aliases in ALIASES.items() for alias in aliases}
PAIR_LANGUAGE = re.compile(r"^(?:sprache|language)(\d*)$")
PAIR_LEVEL = re.compile(r"^(?:niveau|sprachniveau|stufe|level)(\d*)$")
LEVEL_WORDS = {
    "a2": Level.A2,
    "b1": Level.B1,
    "b2": Level.B2,
    "c1": Level.C1,
    "c2": Level.C2,
    "muttersprache": Level.NATIVE,
    "muttersprachlich": Level.NATIVE,
    "erstsprache": Level.NATIVE,
    "native": Level.NATIVE,
    "nativespeaker": Level.NATIVE,
    "mothertongue": Level.NATIVE,
}
LEVEL_PREFIXES = ("sprachniveau", "niveau", "stufe", "level")


# --- the KI's names for languages and towns ---------------------------------------------------


@dataclass
class Names:
    """Every name a row may use for the KI's languages and towns, by ``key``; loaded once per import."""

    languages: dict[str, Language | None] = field(default_factory=dict)  # None: names two languages
    towns: dict[str, Town] = field(default_factory=dict)
    language_labels: dict[str, str] = field(default_factory=dict)  # key → the name to suggest
    town_labels: dict[str, str] = field(default_factory=dict)


def names_of(languages: Iterable[Language], towns: Iterable[Town]) -> Names:
    names = Names()
    german, english = Locale("de").languages, Locale("en").languages
    for language in languages:
        spoken = {language_name(language, "de"), language_name(language, "en"), language.code}
        if language.variety is None:
            spoken |= {german.get(language.cldr, ""), english.get(language.cldr, ""), language.variant or ""}
        for name in filter(None, spoken):
            found = names.languages.get(key(name), language)
            names.languages[key(name)] = found if found is language else None
        names.language_labels[key(language_name(language, "de"))] = language_name(language)
    for town in towns:
        names.towns[key(town.name)] = town
        names.town_labels[key(town.name)] = town.name
    return names


def _suggestion(wanted: str, labels: dict[str, str]) -> str | None:
    close = difflib.get_close_matches(key(wanted), list(labels), n=1, cutoff=0.6)
    return labels[close[0]] if close else None


# --- the header -------------------------------------------------------------------------------


@dataclass
class Columns:
    """Which cell of a row holds what."""

    fields: dict[Field, int] = field(default_factory=dict)
    pairs: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # number → cells
    by_language: list[tuple[int, Language]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    headers: tuple[str, ...] = ()


def columns_of(headers: tuple[str, ...], names: Names) -> Columns:
    columns = Columns(headers=headers)
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        header_key = key(header)
        if not header_key:
            if header:
                columns.ignored.append(header)
            continue
        if header_key in seen:
            raise ImportFileError(_("Die Spalte „%(column)s“ steht zweimal in der Kopfzeile.", column=header))
        seen[header_key] = header
        if header_key in FIELD_OF_HEADER:
            columns.fields[FIELD_OF_HEADER[header_key]] = index
        elif match := PAIR_LANGUAGE.match(header_key):
            language, level = columns.pairs.get(match.group(1), (None, None))
            columns.pairs[match.group(1)] = (index, level)
        elif match := PAIR_LEVEL.match(header_key):
            language, level = columns.pairs.get(match.group(1), (None, None))
            columns.pairs[match.group(1)] = (language, index)
        elif names.languages.get(header_key) is not None:
            columns.by_language.append((index, names.languages[header_key]))
        else:
            columns.ignored.append(header)
    _check(columns)
    return columns


def _check(columns: Columns) -> None:
    has_name = Field.NAME in columns.fields or Field.LAST_NAME in columns.fields
    if not has_name:
        raise ImportFileError(_("Die Kopfzeile braucht eine Spalte „Name“ (oder „Vorname“ und „Nachname“)."))
    for language, level in columns.pairs.values():
        if language is None:
            raise ImportFileError(
                _("Zur Spalte „%(column)s“ fehlt die Spalte mit der Sprache.", column=columns.headers[level])
            )


# --- a row ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    column: str  # the header as the file has it
    message: str


@dataclass
class Row:
    """One row as read: its values, and what is wrong with them."""

    number: int
    name: str = ""
    email: str | None = None
    phone: str | None = None
    languages: dict[int, int] = field(default_factory=dict)  # language id → level
    towns: list[Town] = field(default_factory=list)
    home_town: Town | None = None
    note: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(column, message))


def read_rows(table: Table, names: Names) -> tuple[Columns, list[Row]]:
    """The table's rows, read and checked on their own (duplicates and the pool are ``imports``'s)."""
    columns = columns_of(table.headers, names)
    return columns, [_row(number, cells, columns, names) for number, cells in table.rows]


def _row(number: int, cells: tuple[str, ...], columns: Columns, names: Names) -> Row:
    row = Row(number)

    def cell(which: Field) -> tuple[str, str]:
        index = columns.fields.get(which)
        return (columns.headers[index], cells[index]) if index is not None else ("", "")

    _name(row, cell(Field.NAME), cell(Field.FIRST_NAME), cell(Field.LAST_NAME))
    _email(row, *cell(Field.EMAIL))
    _phone(row, *cell(Field.PHONE))
    _languages(row, cells, columns, names)
    header, text = cell(Field.TOWNS)
    row.towns = [town for town in (_town(row, header, part, names) for part in _parts(text)) if town]
    header, text = cell(Field.HOME_TOWN)
    row.home_town = _town(row, header, text.strip(), names) if text.strip() else None
    header, text = cell(Field.NOTE)
    if len(text) > NOTE_LENGTH:
        row.problem(header, _("Die Notiz ist länger als %(length)s Zeichen.", length=NOTE_LENGTH))
    row.note = text or None
    return row


def _name(row: Row, whole, first, last) -> None:
    name = normalise_name(whole[1] or f"{first[1]} {last[1]}")
    column = whole[0] or last[0]
    if not name:
        row.problem(column, _("Der Name fehlt."))
    elif len(name) > NAME_LENGTH:
        row.problem(column, _("Der Name ist länger als %(length)s Zeichen.", length=NAME_LENGTH))
    row.name = name


def _email(row: Row, header: str, text: str) -> None:
    if not text:
        return
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        row.problem(header, _("„%(email)s“ ist keine gültige E-Mail-Adresse.", email=text))
        return
    if len(checked.normalized) > EMAIL_LENGTH:
        row.problem(header, _("Die E-Mail-Adresse ist zu lang."))
        return
    row.email = checked.normalized.lower()


def _phone(row: Row, header: str, text: str) -> None:
    if not text:
        return
    if not PHONE.match(text) or len(text) > PHONE_LENGTH:
        row.problem(header, _("„%(phone)s“ ist keine Telefonnummer.", phone=text))
        return
    row.phone = " ".join(text.split())


def phone_key(phone: str | None) -> str:
    """A phone number as compared: its digits, a German +49/0049 written as the leading 0."""
    digits = "".join(character for character in phone or "" if character.isdigit())
    for prefix in ("0049", "49"):
        if digits.startswith(prefix) and (phone or "").lstrip().startswith(("+", "00")):
            return "0" + digits[len(prefix) :]
    return digits


def _parts(text: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]


def _town(row: Row, header: str, text: str, names: Names) -> Town | None:
    town = names.towns.get(key(text))
    if town is None:
        suggestion = _suggestion(text, names.town_labels)
        message = _("„%(town)s“ ist kein Ort dieses KI.", town=text)
        if suggestion:
            message += " " + _("Meinten Sie „%(suggestion)s“?", suggestion=suggestion)
        row.problem(header, message)
    return town


# --- languages --------------------------------------------------------------------------------


def level_of(text: str) -> Level | None:
    wanted = key(text)
    for prefix in LEVEL_PREFIXES:
        if wanted.startswith(prefix) and wanted != prefix:
            wanted = wanted[len(prefix) :]
            break
    return LEVEL_WORDS.get(wanted)


def split_level(item: str) -> tuple[str, str | None]:
    """("Arabisch (Muttersprache)" → "Arabisch", "Muttersprache"); ("Englisch B2" → "Englisch", "B2");
    a bracket that is no level stays in the name ("Kurdisch (Kurmanji)")."""
    item = item.strip()
    if item.endswith(")") and "(" in item:
        name, _, inner = item[:-1].rpartition("(")
        if level_of(inner) is not None or key(inner) == "a1":
            return name.strip(" :-–"), inner.strip()
    words = re.split(r"[\s:\-–]+", item)
    for count in (2, 1):
        if len(words) > count and (level_of(" ".join(words[-count:])) or key(words[-1]) == "a1"):
            return re.sub(r"[\s:\-–]+$", "", item[: item.rfind(words[-count])]), " ".join(words[-count:])
    return item, None


def _language(row: Row, header: str, name: str, names: Names) -> Language | None:
    found = names.languages.get(key(name))
    if found is None and name.endswith(")") and "(" in name:  # "Kurdisch (Sorani)"
        found = names.languages.get(key(name[:-1].rpartition("(")[2]))
    if found is not None:
        return found
    if key(name) in names.languages:
        row.problem(header, _("„%(language)s“ ist nicht eindeutig. Bitte genauer angeben.", language=name))
        return None
    message = _("Unbekannte Sprache „%(language)s“.", language=name)
    suggestion = _suggestion(name, names.language_labels)
    if suggestion:
        message += " " + _("Meinten Sie „%(suggestion)s“?", suggestion=suggestion)
    row.problem(header, message)
    return None


def _level(row: Row, header: str, text: str | None, language_label: str) -> Level | None:
    if not text:
        row.problem(header, _("Bei %(language)s fehlt die Stufe.", language=language_label) + " " + _levels())
        return None
    level = level_of(text)
    if level is None:
        row.problem(header, _("„%(level)s“ ist keine Stufe.", level=text) + " " + _levels())
    return level


def _levels() -> str:
    return _("Möglich sind A2, B1, B2, C1, C2 und Muttersprache.")


def _add(row: Row, header: str, language: Language | None, level: Level | None, label: str) -> None:
    if language is None or level is None:
        return
    if row.languages.get(language.id, level) != level:
        row.problem(header, _("%(language)s steht mit zwei verschiedenen Stufen da.", language=label))
        return
    row.languages[language.id] = int(level)


def _languages(row: Row, cells: tuple[str, ...], columns: Columns, names: Names) -> None:
    index = columns.fields.get(Field.LANGUAGES)
    if index is not None:
        header = columns.headers[index]
        for item in _parts(cells[index]):
            name, level_text = split_level(item)
            language = _language(row, header, name, names)
            if language is not None:
                _add(row, header, language, _level(row, header, level_text, name), name)
    for language_index, level_index in columns.pairs.values():
        name, level_text = split_level(cells[language_index])
        if level_index is not None and cells[level_index]:
            level_text = cells[level_index]
        if not name:
            continue
        header = columns.headers[language_index]
        language = _language(row, header, name, names)
        if language is not None:
            level_header = columns.headers[level_index] if level_index is not None else header
            _add(row, header, language, _level(row, level_header, level_text, name), name)
    for index, language in columns.by_language:
        if cells[index]:
            header = columns.headers[index]
            _add(row, header, language, _level(row, header, cells[index], header), header)
