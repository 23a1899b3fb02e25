"""The digits a language writes numbers with (CLDR's default numbering system of the locale).

Persian writes ۱۲۳ (``arabext``), Arabic per CLDR Latin digits, German and English Latin ones.
Babel formats dates and numbers with ASCII digits whatever the locale, and a translation's
``%(num)d`` does the same, so every number a reader sees passes through ``localize``. A locale
with Latin digits gets ``None`` from ``digit_table`` and nothing is done for it (the fast path).

Pure functions, no Flask. Never used for what a machine reads back: URLs, form values, ids, tel:
links, calendar and CSV files keep ASCII digits.
"""

from __future__ import annotations

import re
from copy import copy
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, format_currency, format_decimal

# The numbering systems of CLDR's default numbering of the languages a KI might offer; a system
# missing here is written with Latin digits.
SYSTEM_DIGITS = {
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
    "beng": "০১২৩৪৫৬৭৮৯",
    "deva": "०१२३४५६७८९",
    "mymr": "၀၁၂၃၄၅၆၇၈၉",
}


@lru_cache(maxsize=64)
def _table_for(identifier: str) -> dict[int, str] | None:
    try:
        locale = Locale.parse(identifier)
    except (ValueError, UnknownLocaleError):
        return None
    digits = SYSTEM_DIGITS.get(locale.default_numbering_system)
    if digits is None:
        return None
    table: dict[int, str] = str.maketrans("0123456789", digits)
    # The percent sign of that numbering system ("٪" in Persian); Babel keeps the pattern's "%".
    percent = locale.number_symbols.get(locale.default_numbering_system, {}).get("percentSign")
    if percent and percent != "%":
        table[ord("%")] = percent
    return table


def digit_table(locale) -> dict[int, str] | None:
    """``str.translate`` table from ASCII digits to ``locale``'s, or None where they are Latin."""
    return _table_for(str(locale)) if locale is not None else None


def localize(text: str, locale) -> str:
    """``text`` with its ASCII digits written as ``locale`` writes them."""
    table = digit_table(locale)
    return text.translate(table) if table else text


PLACEHOLDER = re.compile(r"%\((\w+)\)([#0 +\-]*\d*(?:\.\d+)?)([a-zA-Z])")


def localize_variables(template: str, variables: dict, table: dict[int, str]) -> tuple[str, dict]:
    """A translation's format string and its variables, numbers in the reader's digits.

    Integers and Decimals (not bools) shown plainly (``%(name)d``, ``%(name)s``) become text in
    ``table``'s digits, and their ``%(name)d`` placeholders ``%(name)s``; a number formatted
    otherwise (``%(name).1f``) and everything else is left as it came."""
    numbers = {
        name
        for name, value in variables.items()
        if isinstance(value, int | Decimal) and not isinstance(value, bool)
    }
    if not numbers:
        return template, variables
    placeholders = PLACEHOLDER.findall(template)
    numbers -= {name for name, flags, kind in placeholders if flags or kind not in "ds"}
    if not numbers:
        return template, variables
    template = PLACEHOLDER.sub(lambda match: f"%({match[1]})s" if match[1] in numbers else match[0], template)
    return template, {**variables, **{name: str(variables[name]).translate(table) for name in numbers}}


# --- numbers as a page shows them ----------------------------------------------------------------


@lru_cache(maxsize=64)
def _percent_pattern(identifier: str, decimals: int) -> NumberPattern:
    # The locale's own percent pattern ("#,##0 %", "%#,##0", "#,##0%") with a fixed number of
    # decimals: a share reads "12,5 %" in German, "%12,5" in Turkish.
    pattern = copy(Locale.parse(identifier).percent_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern


def percent(share, locale, decimals: int = 1) -> str:
    """``share`` (0.125 = 12.5 %) as ``locale`` writes a percentage, in its digits."""
    text = _percent_pattern(str(locale), decimals).apply(share, locale, numbering_system="default")
    return localize(text, locale)


def number(value, locale, pattern: str | None = None) -> str:
    """``value`` with ``locale``'s separators and digits (``pattern``: Babel's, e.g. "#,##0.0")."""
    return localize(format_decimal(value, pattern, locale=locale, numbering_system="default"), locale)


def currency(amount, code: str, locale) -> str:
    """``amount`` of ``code`` ("EUR") as ``locale`` writes money, in its digits."""
    return localize(format_currency(amount, code, locale=locale, numbering_system="default"), locale)
