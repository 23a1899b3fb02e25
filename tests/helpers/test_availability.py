"""The availability rules: overlaps, absences, wall-clock time across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ki_match.clock import NonexistentLocalTime, local_to_utc
from ki_match.helpers.availability import (
    Absence,
    Slot,
    SlotProblem,
    absent_on,
    is_available,
    readable_week,
    slots_overlap,
    validate_slots,
    week_table,
)

MONDAY, TUESDAY, SATURDAY, SUNDAY = 0, 1, 5, 6


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_span(day: date, starts: time, ends: time) -> tuple[datetime, datetime]:
    return local_to_utc(day, starts), local_to_utc(day, ends)


# --- overlaps -----------------------------------------------------------------------------


def test_touching_slots_do_not_overlap():
    assert not slots_overlap(Slot(TUESDAY, time(9), time(12)), Slot(TUESDAY, time(12), time(14)))
    assert not slots_overlap(Slot(TUESDAY, time(12), time(14)), Slot(TUESDAY, time(9), time(12)))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((time(9), time(12)), (time(11, 59), time(14))),  # one minute shared
        ((time(9), time(12)), (time(10), time(11))),  # inside
        ((time(9), time(12)), (time(9), time(12))),  # the same
        ((time(10), time(11)), (time(9), time(12))),  # around
    ],
)
def test_slots_sharing_time_overlap(a, b):
    assert slots_overlap(Slot(TUESDAY, *a), Slot(TUESDAY, *b))
    assert slots_overlap(Slot(TUESDAY, *b), Slot(TUESDAY, *a))


def test_the_same_hours_on_different_days_do_not_overlap():
    assert not slots_overlap(Slot(MONDAY, time(9), time(12)), Slot(TUESDAY, time(9), time(12)))


def test_validate_slots_reports_each_row():
    rows = [
        Slot(TUESDAY, time(9), time(12)),
        Slot(TUESDAY, time(12), time(14)),  # touches row 0: fine
        Slot(TUESDAY, time(13), time(15)),  # overlaps row 1
        Slot(MONDAY, time(10), time(9)),  # ends before it starts
        Slot(MONDAY, time(8), time(8)),  # ends when it starts
        Slot(MONDAY, time(7), time(11)),  # would "overlap" row 3 if that were taken seriously
    ]
    assert validate_slots(rows) == [
        [],
        [SlotProblem("overlap", 2)],
        [SlotProblem("overlap", 1)],
        [SlotProblem("order")],
        [SlotProblem("order")],
        [],
    ]


def test_validate_slots_accepts_an_empty_week():
    assert validate_slots([]) == []


# --- absences -----------------------------------------------------------------------------

HOLIDAY = Absence(date(2026, 5, 4), date(2026, 5, 8))  # Monday to Friday, both days included
EVERY_DAY = [Slot(day, time(8), time(18)) for day in range(7)]


@pytest.mark.parametrize(
    ("day", "available"),
    [
        (date(2026, 5, 3), True),  # the Sunday before
        (date(2026, 5, 4), False),  # first day
        (date(2026, 5, 6), False),
        (date(2026, 5, 8), False),  # last day
        (date(2026, 5, 9), True),  # the Saturday after
    ],
)
def test_absence_days_are_inclusive(day, available):
    assert is_available(EVERY_DAY, [HOLIDAY], *local_span(day, time(10), time(12))) is available


def test_absence_touching_part_of_a_range_counts():
    assert absent_on([HOLIDAY], date(2026, 5, 8), date(2026, 5, 10))
    assert absent_on([HOLIDAY], date(2026, 5, 1), date(2026, 5, 4))
    assert not absent_on([HOLIDAY], date(2026, 5, 9), date(2026, 5, 10))


def test_absence_is_judged_in_local_days():
    # 23:30 UTC on 3 May is already 4 May, 01:30, in Berlin: the holiday has begun.
    night = [Slot(MONDAY, time(0), time(3))]
    assert not is_available(night, [HOLIDAY], utc(2026, 5, 3, 23, 30), utc(2026, 5, 4, 0, 30))
    assert is_available(night, [], utc(2026, 5, 3, 23, 30), utc(2026, 5, 4, 0, 30))


# --- slots covering a span ----------------------------------------------------------------


def test_a_slot_must_cover_the_whole_span():
    slots = [Slot(TUESDAY, time(9), time(12))]
    tuesday = date(2026, 6, 2)
    assert is_available(slots, [], *local_span(tuesday, time(9), time(12)))
    assert not is_available(slots, [], *local_span(tuesday, time(11), time(12, 30)))
    assert not is_available(slots, [], *local_span(tuesday, time(8, 30), time(10)))
    assert not is_available(slots, [], *local_span(date(2026, 6, 3), time(9), time(12)))  # Wednesday


def test_touching_slots_cover_a_span_across_their_border():
    slots = [Slot(TUESDAY, time(9), time(12)), Slot(TUESDAY, time(12), time(14))]
    assert is_available(slots, [], *local_span(date(2026, 6, 2), time(10), time(13)))
    gap = [Slot(TUESDAY, time(9), time(12)), Slot(TUESDAY, time(12, 30), time(14))]
    assert not is_available(gap, [], *local_span(date(2026, 6, 2), time(10), time(13)))


def test_spans_across_local_midnight_are_not_covered():
    slots = [Slot(MONDAY, time(20), time(23, 59)), Slot(TUESDAY, time(0), time(3))]
    # 23:00 Monday to 01:00 Tuesday, Berlin summer time
    assert not is_available(slots, [], utc(2026, 6, 1, 21), utc(2026, 6, 1, 23))
    # ending exactly at midnight touches the next day as well
    assert not is_available(slots, [], utc(2026, 6, 1, 20), utc(2026, 6, 1, 22))
    # each half on its own is fine
    assert is_available(slots, [], utc(2026, 6, 1, 20), utc(2026, 6, 1, 21, 59))
    assert is_available(slots, [], utc(2026, 6, 1, 22), utc(2026, 6, 1, 23))


def test_naive_or_reversed_spans_are_refused():
    with pytest.raises(ValueError):
        is_available(EVERY_DAY, [], datetime(2026, 6, 1, 10), datetime(2026, 6, 1, 11))
    with pytest.raises(ValueError):
        is_available(EVERY_DAY, [], utc(2026, 6, 1, 11), utc(2026, 6, 1, 10))


# --- daylight saving: the last Sundays of March and October 2026 -------------------------

SUNDAY_AND_MONDAY = [Slot(SUNDAY, time(9), time(13)), Slot(MONDAY, time(9), time(13))]


@pytest.mark.parametrize(
    ("day", "utc_start"),
    [
        (date(2026, 3, 22), utc(2026, 3, 22, 9)),  # Sunday, still winter time (UTC+1)
        (date(2026, 3, 29), utc(2026, 3, 29, 8)),  # clocks go forward at 02:00: summer time (UTC+2)
        (date(2026, 3, 30), utc(2026, 3, 30, 8)),  # the Monday after
        (date(2026, 10, 18), utc(2026, 10, 18, 8)),  # Sunday, still summer time
        (date(2026, 10, 25), utc(2026, 10, 25, 9)),  # clocks go back at 03:00: winter time again
        (date(2026, 10, 26), utc(2026, 10, 26, 9)),  # the Monday after
    ],
)
def test_ten_to_twelve_local_is_covered_around_the_changes(day, utc_start):
    start, end = local_span(day, time(10), time(12))
    assert start == utc_start
    assert end - start == (utc(2026, 1, 1, 12) - utc(2026, 1, 1, 10))
    assert is_available(SUNDAY_AND_MONDAY, [], start, end)


def test_the_same_utc_hours_mean_different_local_hours_in_winter_and_summer():
    # 08:00–10:00 UTC: 09:00–11:00 in winter (covered), 10:00–12:00 in summer (covered);
    # 07:00–09:00 UTC: 08:00–10:00 in winter (not covered), 09:00–11:00 in summer (covered).
    assert is_available(SUNDAY_AND_MONDAY, [], utc(2026, 3, 22, 8), utc(2026, 3, 22, 10))
    assert is_available(SUNDAY_AND_MONDAY, [], utc(2026, 3, 29, 8), utc(2026, 3, 29, 10))
    assert not is_available(SUNDAY_AND_MONDAY, [], utc(2026, 3, 22, 7), utc(2026, 3, 22, 9))
    assert is_available(SUNDAY_AND_MONDAY, [], utc(2026, 3, 29, 7), utc(2026, 3, 29, 9))
    # and back in October
    assert is_available(SUNDAY_AND_MONDAY, [], utc(2026, 10, 18, 7), utc(2026, 10, 18, 9))
    assert not is_available(SUNDAY_AND_MONDAY, [], utc(2026, 10, 25, 7), utc(2026, 10, 25, 9))


def test_half_past_two_on_the_march_change_does_not_exist():
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(date(2026, 3, 29), time(2, 30))
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(date(2026, 3, 29), time(2, 0))
    # the minutes around the gap are fine
    assert local_to_utc(date(2026, 3, 29), time(1, 59)) == utc(2026, 3, 29, 0, 59)
    assert local_to_utc(date(2026, 3, 29), time(3, 0)) == utc(2026, 3, 29, 1, 0)


def test_a_span_across_the_march_gap_is_judged_by_its_real_instants():
    # 01:30 winter time to 03:30 summer time: one hour long, inside a 01:00–04:00 slot
    night = [Slot(SUNDAY, time(1), time(4))]
    start, end = utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30)
    assert is_available(night, [], start, end)
    assert not is_available([Slot(SUNDAY, time(1), time(3))], [], start, end)


def test_half_past_two_on_the_october_change_happens_twice():
    first = local_to_utc(date(2026, 10, 25), time(2, 30))
    second = local_to_utc(date(2026, 10, 25), time(2, 30), later=True)
    assert first == utc(2026, 10, 25, 0, 30)  # summer time, the first occurrence
    assert second == utc(2026, 10, 25, 1, 30)  # winter time, an hour later
    night = [Slot(SUNDAY, time(2), time(3))]
    assert is_available(night, [], first, first.replace(minute=45))
    assert is_available(night, [], second, second.replace(minute=45))


def test_other_time_zones_can_be_asked():
    slots = [Slot(MONDAY, time(9), time(12))]
    # 09:00–10:00 UTC on a Monday in June: 10:00–11:00 in London, 13:30–14:30 in Kabul.
    assert is_available(slots, [], utc(2026, 6, 1, 9), utc(2026, 6, 1, 10), zone=ZoneInfo("Europe/London"))
    assert not is_available(slots, [], utc(2026, 6, 1, 9), utc(2026, 6, 1, 10), zone=ZoneInfo("Asia/Kabul"))


# --- showing the week ---------------------------------------------------------------------


def test_readable_week_lists_days_with_time_from_monday():
    slots = [
        Slot(TUESDAY, time(14), time(17)),
        Slot(SATURDAY, time(10), time(12, 30)),
        Slot(TUESDAY, time(9), time(12)),
        Slot(MONDAY, time(18), time(20)),
    ]
    assert readable_week(slots) == [
        "Montag 18:00–20:00",
        "Dienstag 09:00–12:00, 14:00–17:00",
        "Samstag 10:00–12:30",
    ]
    assert readable_week(slots, locale="en")[1] == "Tuesday 09:00–12:00, 14:00–17:00"
    assert readable_week([]) == []


def test_week_table_has_all_seven_days():
    table = week_table([Slot(SUNDAY, time(9), time(13))])
    assert [weekday for weekday, _ in table] == list(range(7))
    assert table[SUNDAY][1] == [(time(9), time(13))]
    assert table[MONDAY][1] == []
