"""Figures as text: for the page (the reader's locale) and for CSV files (German, no units)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask_babel import get_locale
from flask_babel import gettext as _

from ki_match.core import dates
from ki_match.digits import currency, localize, percent
from ki_match.reports.services import Period, PeriodKind, Unit, cents_as_euros

# Units are the same in every language (h, km); the space before them must not break. A share is
# written as the locale writes a percentage ("12,5 %", "%12,5", "۱۲٫۵٪").
NBSP = "\u00a0"


@lru_cache(maxsize=16)
def _pattern(pattern: str) -> NumberPattern:
    # Babel parses a format string on every call; a report formats hundreds of figures.
    return parse_pattern(pattern)


@lru_cache(maxsize=4096, typed=True)
def _formatted(value, pattern: str, locale) -> str:
    # A report repeats the same few figures (0, 1, 50 %) hundreds of times; Babel takes ~10 µs each.
    return localize(_pattern(pattern).apply(value, locale, numbering_system="default"), locale)


@lru_cache(maxsize=1024, typed=True)
def _share(value, locale) -> str:
    return percent(value, locale)


def display(value, unit: Unit, locale: Locale | None = None) -> str:
    """A figure as the page shows it, in ``locale`` (by default the reader's); "–" where there is none."""
    if value is None:
        return "–"
    if unit == Unit.TEXT:
        return str(value)
    locale = locale or get_locale()
    if unit == Unit.SHARE:
        return _share(value, locale)
    if unit in (Unit.MINUTES_AS_HOURS, Unit.DURATION):
        return _formatted(value / 60, "#,##0.0", locale) + NBSP + "h"
    if unit == Unit.KM:
        return _formatted(value, "#,##0", locale) + NBSP + "km"
    if unit == Unit.CENTS:
        return currency(cents_as_euros(value), "EUR", locale)
    return _formatted(value, "#,##0", locale)


class Figures:
    """``display`` for one page: the reader's locale looked up once, each figure formatted once.

    A report shows some 500 figures, most of them a few small numbers, and Flask-Babel's
    get_locale goes through several context proxies on every call.
    """

    def __init__(self, locale: Locale | None = None):
        self.locale = locale or get_locale()
        self._shown: dict[tuple, str] = {}

    def __call__(self, value, unit: Unit) -> str:
        key = (type(value), value, unit)  # 1 and 1.0 are equal keys but may not read the same
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = display(value, unit, self.locale)
        return shown


def csv_text(value, unit: Unit) -> str:
    """A figure for a German spreadsheet: decimal comma, no thousands separator, no unit."""
    if value is None:
        return ""
    if unit == Unit.TEXT:
        return str(value)
    if unit == Unit.SHARE:
        number = Decimal(str(value * 100)).quantize(Decimal("0.1"))
    elif unit in (Unit.MINUTES_AS_HOURS, Unit.DURATION):
        number = (Decimal(str(value)) / 60).quantize(Decimal("0.01"))
    elif unit == Unit.CENTS:
        number = cents_as_euros(value).quantize(Decimal("0.01"))
    else:
        return str(int(value))
    return str(number).replace(".", ",")


def xlsx_value(value, unit: Unit):
    """A figure for a spreadsheet cell as a number, with the cell's number format."""
    if value is None:
        return None, None
    if unit == Unit.TEXT:
        return str(value), None
    if unit == Unit.SHARE:
        return float(value), "0.0%"
    if unit in (Unit.MINUTES_AS_HOURS, Unit.DURATION):
        return round(value / 60, 2), "0.00"
    if unit == Unit.CENTS:
        return float(cents_as_euros(value)), '#,##0.00 "€"'
    return int(value), "0"


def unit_suffix(unit: Unit) -> str:
    """What a file's column header adds, since its cells carry no unit."""
    return {
        Unit.SHARE: " (%)",
        Unit.MINUTES_AS_HOURS: " (h)",
        Unit.DURATION: " (h)",
        Unit.KM: " (km)",
        Unit.CENTS: " (€)",
    }.get(unit, "")


def period_title(period: Period) -> str:
    if period.kind == PeriodKind.MONTH:
        return dates.show(period.first, "month_year")
    if period.kind == PeriodKind.QUARTER:
        return _(
            "%(quarter)d. Quartal %(year)d", quarter=(period.first.month + 2) // 3, year=period.first.year
        )
    if period.kind == PeriodKind.YEAR:
        return str(period.first.year)
    return dates.day_range(period.first, period.last)
