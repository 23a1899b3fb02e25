"""A series' rule unfolded into dates: NRW holidays, daylight saving, counts, ends and exceptions.

Pure functions: no app, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from ki_match.clock import local_to_utc
from ki_match.requests import holidays
from ki_match.requests.holidays import DayOff, closed, easter_sunday, public_holidays
from ki_match.requests.recurrence import Frequency, RecurrenceError, Rule, SkipReason, expand, on_weekday

W, B, D = Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.DATES
FERIEN, FEIERTAG, BY_HAND = SkipReason.SCHOOL_HOLIDAY, SkipReason.PUBLIC_HOLIDAY, SkipReason.SKIPPED


def d(text: str) -> date:
    day, month, year = (int(part) for part in text.split("."))
    return date(year, month, day)


def never_closed(day: date):
    return None


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2025, "20.04.2025"), (2026, "05.04.2026"), (2027, "28.03.2027"), (2028, "16.04.2028")],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == d(easter)


# Movable public holidays of NRW as the calendars of the state list them (see the data file's sources).
@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("03.04.2026", "Karfreitag"),
        ("06.04.2026", "Ostermontag"),
        ("14.05.2026", "Christi Himmelfahrt"),
        ("25.05.2026", "Pfingstmontag"),
        ("04.06.2026", "Fronleichnam"),
        ("26.03.2027", "Karfreitag"),
        ("29.03.2027", "Ostermontag"),
        ("06.05.2027", "Christi Himmelfahrt"),
        ("17.05.2027", "Pfingstmontag"),
        ("27.05.2027", "Fronleichnam"),
        ("01.11.2027", "Allerheiligen"),
        ("03.10.2026", "Tag der Deutschen Einheit"),
    ],
)
def test_public_holidays(day, name):
    assert public_holidays(d(day).year)[d(day)] == name


def test_eleven_public_holidays_a_year():
    assert all(len(public_holidays(year)) == 11 for year in range(2025, 2030))


@pytest.mark.parametrize(
    ("day", "kind", "name"),
    [
        ("13.10.2025", DayOff.SCHOOL_HOLIDAY, "Herbstferien"),  # first day
        ("25.10.2025", DayOff.SCHOOL_HOLIDAY, "Herbstferien"),  # last day
        ("27.10.2025", None, None),
        ("20.10.2026", DayOff.SCHOOL_HOLIDAY, "Herbstferien"),
        ("02.11.2026", None, None),
        (
            "01.11.2026",
            DayOff.PUBLIC_HOLIDAY,
            "Allerheiligen",
        ),  # a holiday inside the Ferien is named as such
        ("22.12.2026", None, None),
        ("23.12.2026", DayOff.SCHOOL_HOLIDAY, "Weihnachtsferien"),
        ("06.01.2027", DayOff.SCHOOL_HOLIDAY, "Weihnachtsferien"),
        ("07.01.2027", None, None),
        ("26.05.2026", DayOff.SCHOOL_HOLIDAY, "Pfingstferien"),
        ("18.05.2027", DayOff.SCHOOL_HOLIDAY, "Pfingstferien"),
        ("06.06.2028", None, None),  # 2027/28 has no Pfingstferien
        ("22.03.2027", DayOff.SCHOOL_HOLIDAY, "Osterferien"),
        ("19.07.2027", DayOff.SCHOOL_HOLIDAY, "Sommerferien"),
        ("01.09.2026", DayOff.SCHOOL_HOLIDAY, "Sommerferien"),
        ("22.08.2028", DayOff.SCHOOL_HOLIDAY, "Sommerferien"),
    ],
)
def test_closed_days(day, kind, name):
    found = closed(d(day))
    assert (found.kind, found.name) == (kind, name) if kind else found is None


def test_school_holidays_cover_three_school_years():
    assert holidays.known_until() == d("22.08.2028")
    assert len(holidays.school_holidays()) == 14


@pytest.mark.parametrize(
    ("rule", "closing", "dates", "skips"),
    [
        pytest.param(
            Rule(W, d("06.10.2026"), time(10), until=d("10.11.2026")),
            closed,
            ["06.10.2026", "13.10.2026", "03.11.2026", "10.11.2026"],
            [("20.10.2026", FERIEN, "Herbstferien"), ("27.10.2026", FERIEN, "Herbstferien")],
            id="weekly-until-herbstferien-gap",
        ),
        pytest.param(
            Rule(W, d("06.10.2026"), time(10), until=d("10.11.2026"), skip_holidays=False),
            closed,
            ["06.10.2026", "13.10.2026", "20.10.2026", "27.10.2026", "03.11.2026", "10.11.2026"],
            [],
            id="holidays-kept-when-asked",
        ),
        pytest.param(
            Rule(W, d("15.12.2026"), time(10), count=3),
            closed,
            ["15.12.2026", "22.12.2026", "12.01.2027"],
            [("29.12.2026", FERIEN, "Weihnachtsferien"), ("05.01.2027", FERIEN, "Weihnachtsferien")],
            id="count-counts-only-dates-that-take-place",
        ),
        pytest.param(
            Rule(W, d("06.05.2027"), time(10), count=3),
            closed,
            ["13.05.2027", "20.05.2027", "03.06.2027"],
            [("06.05.2027", FEIERTAG, "Christi Himmelfahrt"), ("27.05.2027", FEIERTAG, "Fronleichnam")],
            id="public-holidays",
        ),
        pytest.param(
            Rule(B, d("12.01.2027"), time(10), until=d("23.02.2027")),
            closed,
            ["12.01.2027", "26.01.2027", "09.02.2027", "23.02.2027"],
            [],
            id="every-other-week-until-inclusive",
        ),
        pytest.param(
            Rule(B, d("12.01.2027"), time(10), until=d("22.02.2027")),
            closed,
            ["12.01.2027", "26.01.2027", "09.02.2027"],
            [],
            id="every-other-week-until-before-a-date",
        ),
        pytest.param(
            Rule(W, d("12.01.2027"), time(10), count=3, skipped=frozenset({d("19.01.2027")})),
            closed,
            ["12.01.2027", "26.01.2027", "02.02.2027"],
            [("19.01.2027", BY_HAND, None)],
            id="single-date-skipped",
        ),
        pytest.param(
            Rule(D, d("01.02.2027"), time(10), dates=(d("10.02.2027"), d("03.02.2027"), d("01.02.2027"))),
            closed,
            ["01.02.2027", "03.02.2027", "10.02.2027"],
            [],
            id="given-dates-sorted-once",
        ),
        pytest.param(
            Rule(D, d("01.02.2027"), time(10), dates=(d("22.03.2027"),)),
            closed,
            ["01.02.2027"],
            [("22.03.2027", FERIEN, "Osterferien")],
            id="given-date-in-ferien",
        ),
    ],
)
def test_expand(rule, closing, dates, skips):
    expansion = expand(rule, closing)
    assert [occurrence.day for occurrence in expansion.occurrences] == [d(day) for day in dates]
    assert [(skip.day, skip.reason, skip.name) for skip in expansion.skipped] == [
        (d(day), reason, name) for day, reason, name in skips
    ]


@pytest.mark.parametrize(
    ("first", "hours_utc"),
    [
        pytest.param("22.10.2026", [8, 9], id="october-switch-to-winter-time"),
        pytest.param("24.03.2027", [9, 8], id="march-switch-to-summer-time"),
    ],
)
def test_wall_clock_time_stays_across_dst(first, hours_utc):
    expansion = expand(Rule(W, d(first), time(10), count=2), never_closed)
    assert [occurrence.starts_at.astimezone(UTC).hour for occurrence in expansion.occurrences] == hours_utc
    assert {occurrence.start for occurrence in expansion.occurrences} == {time(10)}


def test_a_moved_date_keeps_its_rule_day():
    rule = Rule(
        W, d("12.01.2027"), time(10), count=3, moved={d("19.01.2027"): (d("20.01.2027"), time(14, 30))}
    )
    moved = expand(rule, never_closed).occurrences[1]
    assert (moved.rule_day, moved.day, moved.start, moved.moved) == (
        d("19.01.2027"),
        d("20.01.2027"),
        time(14, 30),
        True,
    )
    assert moved.starts_at == datetime(2027, 1, 20, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "field", "code"),
    [
        (Rule(W, d("12.01.2027"), time(10)), "end", "until_or_count"),
        (Rule(W, d("12.01.2027"), time(10), until=d("01.02.2027"), count=3), "end", "until_or_count"),
        (Rule(W, d("12.01.2027"), time(10), until=d("11.01.2027")), "until", "before_first"),
        (Rule(W, d("12.01.2027"), time(10), count=61), "count", "range"),
        (Rule(W, d("12.01.2027"), time(10), count=0), "count", "range"),
        (Rule(W, d("12.01.2027"), time(10), until=d("31.12.2028")), "until", "too_many"),
        (Rule(W, d("20.10.2026"), time(10), until=d("27.10.2026")), "end", "none"),
        (Rule(W, d("21.03.2027"), time(2, 30), count=2, skip_holidays=False), "start", "nonexistent"),
    ],
)
def test_rules_refused(rule, field, code):
    with pytest.raises(RecurrenceError) as refused:
        expand(rule)
    assert (refused.value.field, refused.value.code) == (field, code)


def test_sixty_dates_are_allowed():
    expansion = expand(Rule(W, d("04.01.2027"), time(10), count=60, skip_holidays=False), never_closed)
    assert len(expansion.occurrences) == 60


# --- "this and all following" to another weekday: each date within its own week --------------------

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("day", "weekday", "moved", "utc_hour"),
    [
        pytest.param("02.03.2027", THU, "04.03.2027", 9, id="Tuesday to Thursday: two days later"),
        pytest.param("02.03.2027", MON, "01.03.2027", 9, id="Tuesday to Monday: a day earlier"),
        pytest.param("02.03.2027", TUE, "02.03.2027", 9, id="the same weekday stays"),
        pytest.param("02.03.2027", None, "02.03.2027", 9, id="unchanged"),
        pytest.param("07.03.2027", MON, "01.03.2027", 9, id="Sunday ends its week: to Monday six days back"),
        pytest.param("01.03.2027", SUN, "07.03.2027", 9, id="Monday to Sunday of the same week"),
        pytest.param("30.12.2026", FRI, "01.01.2027", 9, id="across the turn of the year"),
        pytest.param("23.02.2028", TUE, "22.02.2028", 9, id="leap year"),
        # The clocks go forward on Sunday 28.03.2027: 10:00 is 09:00 UTC before, 08:00 UTC after.
        pytest.param("26.03.2027", MON, "22.03.2027", 9, id="DST week: Friday back to Monday, winter time"),
        pytest.param("27.03.2027", SUN, "28.03.2027", 8, id="DST week: onto the Sunday the clocks change"),
        pytest.param("30.03.2027", MON, "29.03.2027", 8, id="week after DST: summer time"),
        # The clocks go back on Sunday 31.10.2027.
        pytest.param("26.10.2027", SUN, "31.10.2027", 9, id="DST ends: onto that Sunday, winter time"),
        pytest.param("29.10.2027", MON, "25.10.2027", 8, id="DST ends: back to Monday, still summer"),
    ],
)
def test_a_date_moves_to_the_weekday_of_its_own_week(day, weekday, moved, utc_hour):
    new_day = on_weekday(d(day), weekday)
    assert new_day == d(moved)
    # The time of day is put on the new day: 10:00 in Berlin stays 10:00 across the change of clocks.
    assert local_to_utc(new_day, time(10)).astimezone(UTC).hour == utc_hour
