"""Working days in North Rhine-Westphalia: Monday to Friday without the public holidays.

Pure date arithmetic, no Flask and no database, so the lead-time rule can be tested alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def nrw_holidays(year: int) -> frozenset[date]:
    """The statutory public holidays of North Rhine-Westphalia in ``year``."""
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),  # Neujahr
            easter - timedelta(days=2),  # Karfreitag
            easter + timedelta(days=1),  # Ostermontag
            date(year, 5, 1),  # Tag der Arbeit
            easter + timedelta(days=39),  # Christi Himmelfahrt
            easter + timedelta(days=50),  # Pfingstmontag
            easter + timedelta(days=60),  # Fronleichnam
            date(year, 10, 3),  # Tag der Deutschen Einheit
            date(year, 11, 1),  # Allerheiligen
            date(year, 12, 25),  # 1. Weihnachtstag
            date(year, 12, 26),  # 2. Weihnachtstag
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in nrw_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def earliest_day(today: date, lead_days: int) -> date:
    """The first date an appointment may fall on when ``lead_days`` working days must lie between.

    With three days asked on a Monday, Tuesday to Thursday are the three days: Thursday is the
    first allowed date. Any later date is allowed too, weekends and holidays included.
    """
    return add_working_days(today, lead_days)
