"""Dates and times as the reader's language writes them: a few named formats, each from CLDR.

No pattern here is written for one language: each name stands for a CLDR skeleton ("yMMMMd" =
year, month by name, day) that Babel turns into the locale's own pattern, and date and time are
joined the locale's way ("{1}, {0}" in German, "{1}، ساعت {0}" in Persian). The times are
Berlin's: an aware instant is shown in Europe/Berlin, a naive one is taken as UTC (as Flask-Babel's
``datetimeformat`` did), a ``date`` or a ``time`` as it is. Digits follow the locale's numbering
system (``ki_match.digits``).

=======================  ==================================  ===============================
name                     German                              English
=======================  ==================================  ===============================
day_long                 Mittwoch, 9. Dezember 2026          Wednesday, December 9, 2026
day_long_no_year         Mittwoch, 9. Dezember               Wednesday, December 9
day                      9. Dezember 2026                    December 9, 2026
day_medium               9. Dez. 2026                        Dec 9, 2026
day_medium_weekday       Mi., 9. Dez. 2026                   Wed, Dec 9, 2026
day_short                Mi., 9. Dez.                        Wed, Dec 9
month_year               Dezember 2026                       December 2026
time                     18:05                               6:05 PM
datetime_long            Mittwoch, 9. Dezember 2026, 18:05   Wednesday, December 9, 2026, 6:05 PM
datetime_medium          9. Dez. 2026, 18:05                 Dec 9, 2026, 6:05 PM
datetime_medium_weekday  Mi., 9. Dez. 2026, 18:05            Wed, Dec 9, 2026, 6:05 PM
datetime_short           Mi., 9. Dez., 18:05                 Wed, Dec 9, 6:05 PM
=======================  ==================================  ===============================

Ranges: ``time_range`` ("18:00–19:30 Uhr", "6:00 – 7:30 PM"), ``day_range`` ("9.–11. Dez. 2026")
and ``datetime_range`` (the long day with a time range). ``AUDIT_STAMP`` is the machine format of the audit export,
never for reading.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.dates import DateTimePattern, format_interval, get_day_names, match_skeleton, parse_pattern
from flask import Flask
from flask_babel import get_locale

from ki_match.clock import BERLIN
from ki_match.digits import digit_table, localize
from ki_match.digits import number as spelled_number

# Name -> CLDR skeleton of the date. "EEEE" asks for the weekday spelled out: CLDR's skeletons
# shorten it ("Mi."), and a date people read aloud names the day in full.
DAY_SKELETONS = {
    "day_long": "yMMMMEEEEd",
    "day_long_no_year": "MMMMEEEEd",
    "day": "yMMMMd",
    "day_medium": "yMMMd",
    "day_medium_weekday": "yMMMEd",
    "day_short": "MMMEd",
    "month_year": "yMMMM",
}
# Name -> (the date's name, the width of the locale's date-and-time joint).
DATETIMES = {
    "datetime_long": ("day_long", "full"),
    "datetime_medium": ("day_medium", "medium"),
    "datetime_medium_weekday": ("day_medium_weekday", "medium"),
    "datetime_short": ("day_short", "short"),
}
NAMES = (*DAY_SKELETONS, "time", *DATETIMES)

# The machine format of the audit export (a file other programs read); never for a person.
AUDIT_STAMP = "yyyy-MM-dd HH:mm:ss"

_WEEKDAY = re.compile(r"E+|c+")


def _reader_locale(locale) -> Locale:
    if locale is None:
        locale = get_locale() or "de"
    return locale if isinstance(locale, Locale) else Locale.parse(str(locale))


@lru_cache(maxsize=128)
def _day_pattern(locale: Locale, name: str) -> DateTimePattern:
    skeleton = DAY_SKELETONS[name]
    wide = "EEEE" in skeleton
    key = skeleton.replace("EEEE", "E")
    skeletons = locale.datetime_skeletons
    pattern = str(skeletons[key if key in skeletons else match_skeleton(key, skeletons)])
    if wide:
        pattern = _WEEKDAY.sub("EEEE", pattern)
    return parse_pattern(pattern)


@lru_cache(maxsize=32)
def _time_pattern(locale: Locale) -> DateTimePattern:
    # The locale's short time is its hour and minute, on the clock its people use (12 h in English).
    return parse_pattern(locale.time_formats["short"].pattern)


@lru_cache(maxsize=32)
def _hour_skeleton(locale: Locale) -> str:
    return "hm" if "h" in locale.time_formats["short"].pattern else "Hm"


def _local(value):
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BERLIN)
    return value


def _day_text(value, name: str, locale: Locale) -> str:
    return _day_pattern(locale, name).apply(value, locale)


def _time_text(value, locale: Locale) -> str:
    return _time_pattern(locale).apply(value, locale)


def _joined(day: str, clock: str, width: str, locale: Locale) -> str:
    return str(locale.datetime_formats[width]).replace("{1}", day).replace("{0}", clock)


def show(value, name: str, locale=None) -> str:
    """``value`` (date, datetime or time) in the named format; "" for None."""
    if value is None:
        return ""
    locale = _reader_locale(locale)
    value = _local(value)
    if name in DAY_SKELETONS:
        text = _day_text(value, name, locale)
    elif name == "time":
        text = _time_text(value, locale)
    else:
        day, width = DATETIMES[name]
        text = _joined(_day_text(value, day, locale), _time_text(value, locale), width, locale)
    return localize(text, locale)


def time_range(start, end, locale=None) -> str:
    """ "18:00–19:30" ("6:00 – 7:30 PM"): two times of one day, the locale's way."""
    locale = _reader_locale(locale)
    start, end = _local(start), _local(end)
    if isinstance(start, time):
        start, end = datetime.combine(date(2000, 1, 1), start), datetime.combine(date(2000, 1, 1), end)
    text = format_interval(
        start.replace(tzinfo=None), end.replace(tzinfo=None), _hour_skeleton(locale), locale=locale
    )
    return localize(text, locale)


def day_range(first, last, locale=None) -> str:
    """ "9.–11. Dez. 2026" ("Dec 9 – 11, 2026"); one day alone where both are the same."""
    locale = _reader_locale(locale)
    first, last = _day_of(first), _day_of(last)
    if first == last:
        return show(first, "day_medium", locale)
    return localize(format_interval(first, last, DAY_SKELETONS["day_medium"], locale=locale), locale)


def datetime_range(start, end, locale=None) -> str:
    """The long day with its times: "Mittwoch, 9. Dezember 2026, 18:00–19:30 Uhr"."""
    locale = _reader_locale(locale)
    if end is None:
        return show(start, "datetime_long", locale)
    day = show(start, "day_long", locale)
    return _joined(day, time_range(start, end, locale), "full", locale)


def _day_of(value) -> date:
    value = _local(value)
    return value.date() if isinstance(value, datetime) else value


# --- weeks -------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def first_weekday(language: str) -> int:
    """The day a week starts on where ``language`` is mostly spoken (0 = Monday): CLDR's week data
    of the language's likely territory (Persian → Iran → Saturday, English → US → Sunday)."""
    locale = Locale.parse(language)
    if locale.territory is None:
        likely = get_global("likely_subtags").get(locale.language)
        if likely:
            locale = Locale.parse(likely)
    return locale.first_week_day


def week_order(locale=None) -> list[int]:
    """The weekdays (0 = Monday, as stored) in the order the reader's week runs."""
    first = first_weekday(str(_reader_locale(locale)))
    return [(first + offset) % 7 for offset in range(7)]


def weekday_names(locale=None, width: str = "wide") -> list[str]:
    """The names of the weekdays, indexed as stored (0 = Monday), in the reader's language."""
    names = get_day_names(width, locale=_reader_locale(locale))
    return [names[weekday] for weekday in range(7)]


def number(value, locale=None) -> str:
    """A count or an amount as the reader writes it: "1.234" in German, "۱٬۲۳۴" in Persian; "–"
    for none."""
    if value is None:
        return "–"
    locale = _reader_locale(locale)
    if isinstance(value, int) and -1000 < value < 1000 and digit_table(locale) is None:
        return str(value)  # nothing to group, Latin digits: the page's many small counts as they are
    return spelled_number(value, locale)


def year(value, locale=None) -> str:
    """A year as the reader writes it, never grouped: "2026", Persian "۲۰۲۶"."""
    return localize(str(value), _reader_locale(locale))


def register(app: Flask) -> None:
    """Each named format as a Jinja filter (``{{ req.starts_at|datetime_long }}``), the ranges
    (``{{ start|time_range(end) }}``) and ``|number`` for a count shown on its own."""
    for name in NAMES:
        app.jinja_env.filters[name] = lambda value, _name=name: show(value, _name)
    app.jinja_env.filters.update(
        time_range=time_range, day_range=day_range, datetime_range=datetime_range, number=number, year=year
    )
