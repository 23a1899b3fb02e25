"""Reading a list's filters from the query string: what the link or the filter form asked for,
with anything unreadable taken as "not given" rather than an error."""

from __future__ import annotations

import enum
from datetime import date
from typing import TypeVar

from flask import request

E = TypeVar("E", bound=enum.Enum)


def int_arg(name: str) -> int | None:
    """A positive id, or None."""
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def choice_arg(name: str, choices: type[E], default: E) -> E:
    try:
        return choices(request.args.get(name, default))
    except ValueError:
        return default


def text_arg(name: str = "q", length: int = 100) -> str | None:
    return (request.args.get(name) or "").strip()[:length] or None


def page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1
