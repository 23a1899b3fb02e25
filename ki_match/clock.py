"""Time, the one place that knows the zone: instants are UTC, days and wall-clock times are Berlin's.

Everything stored is an aware UTC instant (``utcnow``); everything a person
enters or reads is a Europe/Berlin date and time. The conversions live here
only, so a daylight-saving rule is decided once: a wall-clock time the clocks
skip (02:30 on the last Sunday of March) is refused with
:class:`NonexistentLocalTime`, and a time that happens twice (02:30 on the last
Sunday of October) means its first occurrence, summer time, unless the caller
asks for the second. Pure functions, no Flask.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    return datetime.now(UTC)


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by the change to summer time (e.g. 29 March 2026, 02:30)."""


def local_to_utc(day: date, wall_clock: time, *, later: bool = False, zone: ZoneInfo = BERLIN) -> datetime:
    """The UTC instant of a local date and wall-clock time (see the module docstring for DST)."""
    local = datetime.combine(day, wall_clock.replace(tzinfo=None), tzinfo=zone).replace(fold=int(later))
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {wall_clock} does not exist in {zone.key}")
    return instant


def local_midnight(day: date) -> datetime:
    """The instant a Berlin day begins (midnight exists on every day in Europe/Berlin)."""
    return local_to_utc(day, time(0))


def local_date(instant: datetime) -> date:
    return instant.astimezone(BERLIN).date()


def local_today(now: datetime | None = None) -> date:
    return local_date(now or utcnow())


def local_parts(instant: datetime | None) -> tuple[date | None, time | None]:
    """(day, time to the minute) in Berlin, for filling a form's date and time fields."""
    if instant is None:
        return None, None
    local = instant.astimezone(BERLIN)
    return local.date(), local.time().replace(second=0, microsecond=0)


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The Berlin calendar month around ``moment``, as UTC instants [first, following)."""
    first = moment.astimezone(BERLIN).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first), local_midnight(following)


QUARTER_HOUR = timedelta(minutes=15)


def round_up_to_quarter_hour(instant: datetime) -> datetime:
    """The next full quarter hour at or after ``instant`` (17:54:10 → 18:00, 18:00:00 stays).
    Berlin is a whole number of hours from UTC, winter and summer, so a quarter hour in UTC is
    one on Berlin's clocks too."""
    since_midnight = instant - instant.replace(hour=0, minute=0, second=0, microsecond=0)
    over = since_midnight % QUARTER_HOUR
    return instant if not over else instant + (QUARTER_HOUR - over)
