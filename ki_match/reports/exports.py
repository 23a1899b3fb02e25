"""A report table as a file: CSV for German Excel, or XLSX with numbers as numbers.

CSV: UTF-8 with a byte order mark (so Excel reads the umlauts), semicolons, decimal commas.
A cell that starts with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a
spreadsheet never runs a helper's or an organisation's name as a formula.
"""

from __future__ import annotations

import csv
import io

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ki_match.reports.formatting import csv_text, unit_suffix, xlsx_value
from ki_match.reports.services import Period, Table, Unit

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _mixed_units(table: Table) -> bool:
    return any(len(row) > len(table.columns) for row in table.rows)


def _headers(table: Table) -> list[str]:
    if _mixed_units(table):
        return [column.label for column in table.columns] + [_("Einheit")]
    return [column.label + unit_suffix(column.unit) for column in table.columns]


def _unit_name(unit: Unit) -> str:
    return unit_suffix(unit).strip(" ()") or _("Anzahl")


def _rows(table: Table) -> list[list]:
    rows = list(table.rows)
    if table.footer:
        rows.append(table.footer)
    return rows


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([defused(header) for header in _headers(table)])
    mixed = _mixed_units(table)
    for row in _rows(table):
        cells = table.cells(row) if len(row) >= len(table.columns) else []
        line = [defused(csv_text(value, unit)) for value, unit in cells]
        if mixed:
            line.append(_unit_name(table.unit_of(row, len(table.columns) - 1)))
        writer.writerow(line)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Characters Excel refuses in a sheet's name ("Sprachlots*innen" has one).
SHEET_TITLE_REFUSES = str.maketrans({character: "-" for character in "[]:*?/\\"})


def _sheet_title(title: str) -> str:
    return title.translate(SHEET_TITLE_REFUSES)[:31]


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(table.title)
    sheet.append(_headers(table))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    mixed = _mixed_units(table)
    for row in _rows(table):
        values, formats = [], []
        for value, unit in table.cells(row):
            number, number_format = xlsx_value(value, unit)
            # openpyxl writes strings as text cells, never formulas, unless they start with "=".
            values.append(defused(number) if isinstance(number, str) else number)
            formats.append(number_format)
        if mixed:
            values.append(_unit_name(table.unit_of(row, len(table.columns) - 1)))
            formats.append(None)
        sheet.append(values)
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
            if number_format:
                cell.number_format = number_format
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(table: Table, file_format: str, stem: str, period: Period) -> Response:
    if file_format == "csv":
        body, mimetype = to_csv(table), CSV_TYPE
    else:
        body, mimetype = to_xlsx(table), XLSX_TYPE
    response = Response(body, mimetype=mimetype)
    filename = f"ki-match-{stem}-{period.slug}.{file_format}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
