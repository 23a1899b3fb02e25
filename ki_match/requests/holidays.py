"""The days a series skips by default: NRW school holidays (shipped data) and NRW public holidays.

School holidays come from ``nrw_school_holidays.toml`` (its header names the source: the
Ferienordnung of the NRW school ministry), read once per process. Public holidays follow the
Feiertagsgesetz NRW: fixed dates, and the movable ones counted from Easter Sunday, which is
computed (Gregorian computus), so they are right for any year. Pure functions, no Flask.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("nrw_school_holidays.toml")


class DayOff(enum.StrEnum):
    SCHOOL_HOLIDAY = "ferien"
    PUBLIC_HOLIDAY = "feiertag"


@dataclass(frozen=True)
class Period:
    name: str
    first: date
    last: date


@dataclass(frozen=True)
class Closed:
    """Why a day is off: the kind and its German name ("Herbstferien", "Fronleichnam")."""

    kind: DayOff
    name: str


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


# Feiertagsgesetz NRW § 2: the statutory holidays on weekdays (Easter and Whit Sunday are Sundays).
FIXED = {(1, 1): "Neujahr", (5, 1): "Tag der Arbeit", (10, 3): "Tag der Deutschen Einheit",
         (11, 1): "Allerheiligen", (12, 25): "1. Weihnachtstag", (12, 26): "2. Weihnachtstag"}  # fmt: skip
FROM_EASTER = {-2: "Karfreitag", 1: "Ostermontag", 39: "Christi Himmelfahrt", 50: "Pfingstmontag",
               60: "Fronleichnam"}  # fmt: skip


@cache
def public_holidays(year: int) -> dict[date, str]:
    days = {date(year, month, day): name for (month, day), name in FIXED.items()}
    easter = easter_sunday(year)
    days.update({easter + timedelta(days=offset): name for offset, name in FROM_EASTER.items()})
    return days


@cache
def school_holidays() -> tuple[Period, ...]:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(Period(row["name"], row["first"], row["last"]) for row in data["period"])


def known_until() -> date:
    """The last day the shipped school holidays cover; after it only public holidays are known."""
    return max(period.last for period in school_holidays())


def closed(day: date) -> Closed | None:
    """Why ``day`` is off in NRW (a public holiday wins over a school holiday), or None."""
    name = public_holidays(day.year).get(day)
    if name is not None:
        return Closed(DayOff.PUBLIC_HOLIDAY, name)
    for period in school_holidays():
        if period.first <= day <= period.last:
            return Closed(DayOff.SCHOOL_HOLIDAY, period.name)
    return None
