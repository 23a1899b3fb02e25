"""The yearly statement as an XLSX file: who and which year on top, then the assignments with their
sums (numbers as numbers), then the limit and the Ehrenamtskarte, as the page shows them."""

from __future__ import annotations

import io

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ki_match.reports.exports import XLSX_TYPE, defused
from ki_match.reports.formatting import unit_suffix, xlsx_value
from ki_match.reports.services import Unit
from ki_match.statements.building import Statement


def _append(sheet, cells: list[tuple[object, Unit]], bold: bool = False) -> None:
    values, formats = [], []
    for value, unit in cells:
        number, number_format = xlsx_value(value, unit)
        values.append(defused(number) if isinstance(number, str) else number)
        formats.append(number_format)
    sheet.append(values)
    for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = Font(bold=True)


def to_xlsx(shown: Statement) -> bytes:
    table, total, use = shown.table, shown.total, shown.use
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Jahresübersicht %(year)d", year=shown.year)
    text = Unit.TEXT
    for label, value in (
        (_("Name"), shown.helper.user.display_name),
        (_("Integrationszentrum"), shown.helper.ki.name),
        (_("Jahr"), str(shown.year)),
        (_("Steuerfreie Pauschale"), f"{use.name} ({shown.law})"),
    ):
        _append(sheet, [(label, text), (value, text)])
    sheet.append([])
    _append(sheet, [(column.label + unit_suffix(column.unit), text) for column in table.columns], bold=True)
    for row in table.rows:
        _append(sheet, table.cells(row))
    if table.footer:
        _append(sheet, table.cells(table.footer), bold=True)
    sheet.append([])
    for label, value, unit in (
        (_("Ausgezahlt im Jahr"), total.cents, Unit.CENTS),
        (_("davon je Stunde (pauschal)"), total.flat_cents, Unit.CENTS),
        (_("davon Fahrtkosten (Kilometer und Tickets)"), shown.costs_cents, Unit.CENTS),
        (use.name, use.limit_cents, Unit.CENTS),
        (_("Noch frei"), use.left_cents, Unit.CENTS),
        (_("Stunden im Jahr"), total.minutes, Unit.MINUTES_AS_HOURS),
        (_("Ehrenamtskarte NRW"), shown.card_text(), text),
    ):
        _append(sheet, [(label, text), (value, unit)])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 24
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(shown: Statement, stem: str) -> Response:
    response = Response(to_xlsx(shown), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="ki-match-{stem}-{shown.year}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response
