"""When a helper can help: weekly wall-clock slots and absent days. Pure functions, no Flask.

Slots are weekly windows in local wall-clock time (weekday 0 = Monday, start and
end as ``datetime.time``); absences are inclusive ranges of local days. Anything
with those attributes works: the ORM rows, or the small dataclasses below.

Decisions, so that matching, the profile pages and the tests agree:

* A span is covered when it lies inside the slots of its local weekday. Slots
  that touch (09:00–12:00 and 12:00–14:00) count as one window 09:00–14:00: the
  helper entered them that way for a reason, and they are not an overlap.
* A span that crosses local midnight (or ends exactly at 00:00) is not covered.
  A slot ends at 23:59 at the latest, so no slot can reach midnight; such rare
  night requests are for the coordinator to arrange by hand.
* An absence excludes every span that touches one of its days, even partly.
* The engine takes UTC instants; ``ki_match.clock`` turns local dates and
  wall-clock times into them (and decides the daylight-saving cases).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from ki_match.clock import BERLIN

WEEKDAYS = range(7)


class SlotLike(Protocol):
    weekday: int
    starts: time
    ends: time


class AbsenceLike(Protocol):
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Slot:
    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True)
class Absence:
    first_day: date
    last_day: date


# --- validating a week --------------------------------------------------------------------


@dataclass(frozen=True)
class SlotProblem:
    """What is wrong with one row. ``kind`` is ``"order"`` (end not after start) or
    ``"overlap"`` (with the row at index ``other``); the page words it."""

    kind: str
    other: int | None = None


def slots_overlap(a: SlotLike, b: SlotLike) -> bool:
    """Same weekday and sharing some time; slots that only touch do not overlap."""
    return a.weekday == b.weekday and a.starts < b.ends and b.starts < a.ends


def validate_slots(slots: Sequence[SlotLike]) -> list[list[SlotProblem]]:
    """One list of problems per row, in the order given (empty lists mean all is well).

    A row whose end is not after its start is reported for that; it is not
    compared with others, since its "overlap" would mean nothing.
    """
    out_of_order = {index for index, slot in enumerate(slots) if slot.ends <= slot.starts}
    problems: list[list[SlotProblem]] = [
        [SlotProblem("order")] if i in out_of_order else [] for i in range(len(slots))
    ]
    for index, slot in enumerate(slots):
        if index in out_of_order:
            continue
        for other_index, other in enumerate(slots):
            if other_index != index and other_index not in out_of_order and slots_overlap(slot, other):
                problems[index].append(SlotProblem("overlap", other_index))
    return problems


# --- is someone available ----------------------------------------------------------------


def _windows(slots: Iterable[SlotLike], weekday: int) -> list[tuple[time, time]]:
    """The day's slots with touching or overlapping ones joined, in order."""
    merged: list[list[time]] = []
    for slot in sorted((s for s in slots if s.weekday == weekday), key=lambda s: s.starts):
        if merged and slot.starts <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], slot.ends)
        else:
            merged.append([slot.starts, slot.ends])
    return [(starts, ends) for starts, ends in merged]


def absent_on(absences: Iterable[AbsenceLike], first: date, last: date) -> bool:
    """True when any absence shares a day with ``first``…``last`` (both inclusive)."""
    return any(a.first_day <= last and first <= a.last_day for a in absences)


def is_available(
    slots: Iterable[SlotLike],
    absences: Iterable[AbsenceLike],
    start_utc: datetime,
    end_utc: datetime,
    zone: ZoneInfo = BERLIN,
) -> bool:
    """Whether the helper can take the whole span ``start_utc``–``end_utc``.

    Both ends must be timezone-aware. The span is turned into local wall-clock
    time of ``zone`` (so a 10:00 appointment is 10:00 in winter and in summer
    alike) and must lie inside one window of that weekday's slots, on a day
    without absence. See the module docstring for midnight and absences.
    """
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("is_available needs timezone-aware datetimes")
    if end_utc <= start_utc:
        raise ValueError("the span must end after it starts")
    local_start = start_utc.astimezone(zone)
    local_end = end_utc.astimezone(zone)
    # The last local day the span touches: a span ending at 00:00 does not touch that day.
    last_day = (local_end - timedelta(microseconds=1)).date()
    slots = list(slots)
    if absent_on(absences, local_start.date(), last_day):
        return False
    if local_end.date() != local_start.date():
        return False  # across midnight (or ending at 00:00): never covered, see above
    begins, ends = local_start.timetz().replace(tzinfo=None), local_end.timetz().replace(tzinfo=None)
    return any(
        window_start <= begins and ends <= window_end
        for window_start, window_end in _windows(slots, local_start.weekday())
    )


# --- showing a week ----------------------------------------------------------------------


def format_span(starts: time, ends: time) -> str:
    return f"{starts:%H:%M}–{ends:%H:%M}"


def week_table(
    slots: Iterable[SlotLike], order: Sequence[int] = WEEKDAYS
) -> list[tuple[int, list[tuple[time, time]]]]:
    """Each day of the week, Monday to Sunday or in ``order`` (a reader's week may start on
    Saturday or Sunday: ``ki_match.core.dates.week_order``), with its slots in order (an empty
    list on free days)."""
    slots = list(slots)
    return [(weekday, sorted((s.starts, s.ends) for s in slots if s.weekday == weekday)) for weekday in order]


def weekday_names(locale: str = "de") -> list[str]:
    """Monday first, in ``locale`` (CLDR names through Babel)."""
    names = get_day_names("wide", locale=locale)
    return [names[weekday] for weekday in WEEKDAYS]


def readable_week(slots: Iterable[SlotLike], locale: str = "de") -> list[str]:
    """One line per day with slots, Monday first: ``"Dienstag 09:00–12:00, 14:00–17:00"``."""
    names = weekday_names(locale)
    return [
        f"{names[weekday]} " + ", ".join(format_span(starts, ends) for starts, ends in spans)
        for weekday, spans in week_table(slots)
        if spans
    ]
