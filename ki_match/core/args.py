"""Reading parameters from the query string: what the link or the filter form asked for.

An empty parameter is "not given" (a filter form's "all" option sends one). Anything else that
cannot be read or is out of range — a word where an id belongs, an id beyond the database's
integers, a day beyond the forms' years, an unknown choice — answers 400 with a message that
names the parameter (``QueryError``), rather than silently showing an unfiltered list the person
did not ask for. Text is cleaned like form input.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TypeVar

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from ki_match.core.forms import day_in_range
from ki_match.core.text import clean_text
from ki_match.db import INT_MAX

E = TypeVar("E", bound=enum.Enum)


class QueryError(BadRequest):
    """A query parameter that cannot be read; its description is shown on the error page."""


def _refuse(name: str, value: str, expected: str):
    shown = clean_text(value)[:40]
    raise QueryError(
        _(
            "Die Adresse enthält für „%(name)s“ den Wert „%(value)s“; erwartet wird %(expected)s. "
            "Bitte stellen Sie den Filter auf der Seite neu ein.",
            name=name,
            value=shown,
            expected=expected,
        )
    )


def _given(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    return value or None


def _positive(value: str) -> int | None:
    """A positive whole number the database's integers can hold, or None."""
    if value.isascii() and value.isdigit() and 0 < int(value) <= INT_MAX:
        return int(value)
    return None


def int_arg(name: str) -> int | None:
    """A positive id the database can hold; None when not given."""
    value = _given(name)
    if value is None:
        return None
    number = _positive(value)
    return number if number is not None else _refuse(name, value, _("eine Auswahl aus der Liste"))


def date_arg(name: str) -> date | None:
    """A day in the range the forms take (``core.forms.day_in_range``); None when not given."""
    value = _given(name)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not day_in_range(day):
        return _refuse(name, value, _("ein Datum zwischen 2000 und 2099, z. B. 2027-03-15"))
    return day


def choice_arg(name: str, choices: type[E], default: E) -> E:
    value = _given(name)
    if value is None:
        return default
    try:
        return choices(value)
    except ValueError:
        return _refuse(name, value, _("eine Auswahl aus der Liste"))


def text_arg(name: str = "q", length: int = 100) -> str | None:
    return clean_text(request.args.get(name) or "").strip()[:length] or None


def page_arg() -> int:
    """The page of a long list: 1 when not given; pages past the end are the lists' to handle."""
    value = _given("page")
    if value is None:
        return 1
    number = _positive(value)
    return number if number is not None else _refuse("page", value, _("eine Seitenzahl"))
