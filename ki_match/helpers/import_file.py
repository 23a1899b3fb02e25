"""Reading a KI's pool spreadsheet into a header and rows of text (the first step of a pool import).

What offices send: XLSX, and CSV as German Excel writes it — ";" between the cells, UTF-8 with a
byte order mark ("CSV UTF-8") or Windows-1252 ("CSV (Trennzeichen-getrennt)"); "Unicode-Text" is
UTF-16 with tabs. The encoding and the separator are found from the file itself. The first sheet
of a workbook is read; its first row with any text is the header.

Limits keep one upload small: ``MAX_BYTES`` on the file, ``MAX_ROWS`` rows of data, ``MAX_COLUMNS``
columns, and for XLSX (a zip) ``MAX_UNPACKED`` bytes once unpacked.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from openpyxl import load_workbook

from ki_match.core.text import clean_text

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 60
MAX_UNPACKED = 50 * 1024 * 1024
SEPARATORS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(Exception):
    """The file cannot be read as a pool table; the message says why, for the coordinator."""


@dataclass(frozen=True)
class Table:
    """The header's cells and the rows below it: (row number as the spreadsheet shows it, cells)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def read_table(data: bytes) -> Table:
    """The table in ``data`` (CSV or XLSX, told apart by their content, not by the file's name)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("Die Datei ist größer als %(size)s MB. Bitte teilen Sie sie auf.", size=MAX_BYTES // 2**20)
        )
    if not data.strip():
        raise ImportFileError(_("Die Datei ist leer."))
    if data.startswith(OLD_EXCEL_MAGIC):
        raise ImportFileError(
            _("Das ist eine alte Excel-Datei (.xls). Bitte speichern Sie sie als .xlsx oder als CSV.")
        )
    rows = _xlsx_rows(data) if data.startswith(XLSX_MAGIC) else _csv_rows(_decode(data))
    return _table(rows)


def _table(rows) -> Table:
    headers: tuple[str, ...] | None = None
    body: list[tuple[int, tuple[str, ...]]] = []
    for number, raw in enumerate(rows, start=1):
        cells = [_cell(value) for value in raw[:MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if headers is None:
            headers = tuple(cells)
            continue
        if len(body) == MAX_ROWS:
            raise ImportFileError(
                _(
                    "Die Datei hat mehr als %(rows)s Zeilen. Bitte teilen Sie sie in mehrere Dateien auf.",
                    rows=MAX_ROWS,
                )
            )
        body.append((number, tuple(cells[: len(headers)]) + ("",) * (len(headers) - len(cells))))
    if headers is None:
        raise ImportFileError(_("Die Datei ist leer."))
    if not body:
        raise ImportFileError(_("Unter der Kopfzeile steht keine Zeile mit Daten."))
    return Table(headers, tuple(body))


def _cell(value) -> str:
    """A cell as text: numbers without a trailing ".0" (a phone number Excel keeps as a number),
    days as 2026-12-24."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == time(0) else value
    if isinstance(value, date | time):
        return value.isoformat()
    return clean_text(str(value)).strip()


# --- CSV ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFileError(_not_a_table()) from error
    if "\x00" in text:
        raise ImportFileError(_not_a_table())
    return text


def _not_a_table() -> str:
    return _("Die Datei lässt sich nicht lesen. Bitte laden Sie eine CSV- oder XLSX-Datei hoch.")


def _csv_rows(text: str) -> list[list[str]]:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    separator = max(SEPARATORS, key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as error:
        raise ImportFileError(_not_a_table()) from error


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> list[tuple]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise ImportFileError(_("Die Tabelle ist zu groß. Bitte teilen Sie sie auf."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                rows.append(row)
                if len(rows) > MAX_ROWS + 50:  # the header and empty rows above it, with room
                    break
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # noqa: BLE001 - a broken or foreign zip fails in many ways inside openpyxl
        raise ImportFileError(
            _(
                "Die Datei lässt sich nicht als Excel-Tabelle (.xlsx) lesen. Bitte speichern Sie sie "
                "als .xlsx oder als CSV."
            )
        ) from error
    return rows
