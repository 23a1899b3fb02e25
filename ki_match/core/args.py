"""Reading parameters from the query string: what the link or the filter form asked for, with
anything unreadable or out of range (an id beyond the database's integers, a day beyond the
forms' years) taken as "not given" rather than an error, and text cleaned like form input."""

from __future__ import annotations

import enum
from datetime import date
from typing import TypeVar

from flask import request

from ki_match.core.forms import day_in_range
from ki_match.core.text import clean_text
from ki_match.db import INT_MAX

E = TypeVar("E", bound=enum.Enum)


def int_arg(name: str) -> int | None:
    """A positive id the database can hold, or None."""
    value = request.args.get(name, type=int)
    return value if value and 0 < value <= INT_MAX else None


def date_arg(name: str) -> date | None:
    """A day in the range the forms take (``core.forms.day_in_range``), or None."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if day_in_range(day) else None


def choice_arg(name: str, choices: type[E], default: E) -> E:
    try:
        return choices(request.args.get(name, default))
    except ValueError:
        return default


def text_arg(name: str = "q", length: int = 100) -> str | None:
    return clean_text(request.args.get(name) or "").strip()[:length] or None


def page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1
