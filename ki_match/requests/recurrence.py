"""A series' rule, unfolded into its dates: pure, no Flask, no database.

A rule repeats weekly, every other week, or on given dates; it runs until a day or for a
number of appointments (skipped dates do not count: "10 Termine" are ten that take place).
School holidays and public holidays of NRW are skipped unless the rule says otherwise, single
dates can be skipped, and single dates moved to another day or time. Every appointment keeps
the date the rule made it for (``rule_day``), so a moved one stays recognisable.

Times are wall-clock times in Berlin, turned into UTC instants by ``ki_match.clock``: an
appointment at 10:00 is at 10:00 in winter and in summer (09:00 UTC, then 08:00 UTC).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ki_match.clock import NonexistentLocalTime, local_to_utc
from ki_match.requests import holidays

MAX_OCCURRENCES = 60
# However many dates a holiday swallows, a rule is not followed further than this.
MAX_SPAN = timedelta(days=3 * 366)


class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    DATES = "dates"


WEEKS_APART = {Frequency.WEEKLY: 1, Frequency.BIWEEKLY: 2}


class SkipReason(enum.StrEnum):
    SCHOOL_HOLIDAY = "ferien"
    PUBLIC_HOLIDAY = "feiertag"
    SKIPPED = "skipped"


BY_DAY_OFF = {
    holidays.DayOff.SCHOOL_HOLIDAY: SkipReason.SCHOOL_HOLIDAY,
    holidays.DayOff.PUBLIC_HOLIDAY: SkipReason.PUBLIC_HOLIDAY,
}


class RecurrenceError(ValueError):
    """The rule cannot be unfolded; ``field`` names what to change (``until``, ``count``, ``dates``…)."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Rule:
    frequency: Frequency
    first_day: date
    start: time
    until: date | None = None
    count: int | None = None
    # For ``Frequency.DATES``: the dates besides ``first_day``.
    dates: tuple[date, ...] = ()
    skip_holidays: bool = True
    skipped: frozenset[date] = frozenset()
    # rule day → (day, time) it was moved to
    moved: Mapping[date, tuple[date, time]] = field(default_factory=dict)


@dataclass(frozen=True)
class Occurrence:
    rule_day: date
    day: date
    start: time
    starts_at: datetime

    @property
    def moved(self) -> bool:
        return self.day != self.rule_day


@dataclass(frozen=True)
class Skip:
    day: date
    reason: SkipReason
    name: str | None = None


@dataclass(frozen=True)
class Expansion:
    occurrences: tuple[Occurrence, ...]
    skipped: tuple[Skip, ...]


def rule_days(rule: Rule) -> Iterator[date]:
    """The dates the rule makes, before any exception, in order."""
    if rule.frequency == Frequency.DATES:
        yield from sorted({rule.first_day, *rule.dates})
        return
    step = timedelta(weeks=WEEKS_APART[rule.frequency])
    day = rule.first_day
    while day - rule.first_day <= MAX_SPAN:
        yield day
        day += step


def on_weekday(day: date, weekday: int | None) -> date:
    """``day`` moved within its own week (Monday to Sunday) to ``weekday`` (0 Monday … 6 Sunday):
    Tuesday to Thursday is two days later, to Monday one day earlier. ``None`` keeps the day. A
    day, not an instant: the time of day is put on it afterwards, so a week with a change of the
    clocks moves the same as any other."""
    if weekday is None:
        return day
    return day + timedelta(days=weekday - day.weekday())


def _check(rule: Rule) -> None:
    if rule.frequency != Frequency.DATES and (rule.until is None) == (rule.count is None):
        raise RecurrenceError("end", "until_or_count")
    if rule.until is not None and rule.until < rule.first_day:
        raise RecurrenceError("until", "before_first")
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        raise RecurrenceError("count", "range")
    if rule.frequency == Frequency.DATES and len(set(rule.dates) | {rule.first_day}) > MAX_OCCURRENCES:
        raise RecurrenceError("dates", "too_many")


def _skip(rule: Rule, day: date, closed: Callable[[date], holidays.Closed | None]) -> Skip | None:
    if day in rule.skipped:
        return Skip(day, SkipReason.SKIPPED)
    if rule.skip_holidays and (off := closed(day)) is not None:
        return Skip(day, BY_DAY_OFF[off.kind], off.name)
    return None


def _occurrence(rule: Rule, rule_day: date) -> Occurrence:
    day, start = rule.moved.get(rule_day, (rule_day, rule.start))
    try:
        starts_at = local_to_utc(day, start)
    except NonexistentLocalTime as error:
        raise RecurrenceError("start", "nonexistent") from error
    return Occurrence(rule_day=rule_day, day=day, start=start, starts_at=starts_at)


def expand(rule: Rule, closed: Callable[[date], holidays.Closed | None] = holidays.closed) -> Expansion:
    """The appointments of ``rule`` and the dates it skips (with why), in order of their rule day.

    Raises :class:`RecurrenceError` for a rule without an end, more than ``MAX_OCCURRENCES``
    appointments, none at all, or a time the clocks skip on one of the days.
    """
    _check(rule)
    occurrences: list[Occurrence] = []
    skipped: list[Skip] = []
    for day in rule_days(rule):
        if rule.until is not None and day > rule.until:
            break
        if rule.count is not None and len(occurrences) == rule.count:
            break
        skip = _skip(rule, day, closed)
        if skip is not None:
            skipped.append(skip)
            continue
        occurrences.append(_occurrence(rule, day))
        if len(occurrences) > MAX_OCCURRENCES:
            raise RecurrenceError("until", "too_many")
    if not occurrences:
        raise RecurrenceError("end", "none")
    return Expansion(tuple(occurrences), tuple(skipped))
