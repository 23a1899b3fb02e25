"""Dates, times and numbers as each language writes them (``ki_match.core.dates``, ``ki_match.digits``):
every named format in the seven languages of the interface, Persian digits (Arabic keeps Latin
ones, as CLDR has it), percentages, numbers put into translations, the week's first day, and
that no template or module writes a date pattern of its own again."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext, ngettext

from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.core.money import euros
from ki_match.extensions import db
from ki_match.notifications.certificates import send_check_reminders
from ki_match.reports.formatting import display
from ki_match.reports.services import Unit
from ki_match.standby.models import StandbyDay
from tests.factories import PASSWORD, make_helper
from tests.support import outbox

ROOT = Path(__file__).resolve().parents[2]
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Wednesday 9 December 2026, 18:05 in Berlin (17:05 UTC).
INSTANT = datetime(2026, 12, 9, 17, 5, tzinfo=UTC)
END = datetime(2026, 12, 9, 18, 30, tzinfo=UTC)

EXPECTED = {
    "de": {
        "day_long": "Mittwoch, 9. Dezember 2026",
        "day_long_no_year": "Mittwoch, 9. Dezember",
        "day": "9. Dezember 2026",
        "day_medium": "9. Dez. 2026",
        "day_medium_weekday": "Mi., 9. Dez. 2026",
        "day_short": "Mi., 9. Dez.",
        "month_year": "Dezember 2026",
        "time": "18:05",
        "datetime_long": "Mittwoch, 9. Dezember 2026, 18:05",
        "datetime_medium": "9. Dez. 2026, 18:05",
        "datetime_medium_weekday": "Mi., 9. Dez. 2026, 18:05",
        "datetime_short": "Mi., 9. Dez., 18:05",
    },
    "en": {
        "day_long": "Wednesday, December 9, 2026",
        "day_long_no_year": "Wednesday, December 9",
        "day": "December 9, 2026",
        "day_medium": "Dec 9, 2026",
        "day_medium_weekday": "Wed, Dec 9, 2026",
        "day_short": "Wed, Dec 9",
        "month_year": "December 2026",
        "time": "6:05\u202fPM",
        "datetime_long": "Wednesday, December 9, 2026, 6:05\u202fPM",
        "datetime_medium": "Dec 9, 2026, 6:05\u202fPM",
        "datetime_medium_weekday": "Wed, Dec 9, 2026, 6:05\u202fPM",
        "datetime_short": "Wed, Dec 9, 6:05\u202fPM",
    },
    "ar": {
        "day_long": "الأربعاء، 9 ديسمبر 2026",
        "day_long_no_year": "الأربعاء، 9 ديسمبر",
        "day": "9 ديسمبر 2026",
        "day_medium": "9 ديسمبر 2026",
        "day_medium_weekday": "الأربعاء، 9 ديسمبر 2026",
        "day_short": "الأربعاء، 9 ديسمبر",
        "month_year": "ديسمبر 2026",
        "time": "6:05 م",
        "datetime_long": "الأربعاء، 9 ديسمبر 2026، 6:05 م",
        "datetime_medium": "9 ديسمبر 2026، 6:05 م",
        "datetime_medium_weekday": "الأربعاء، 9 ديسمبر 2026، 6:05 م",
        "datetime_short": "الأربعاء، 9 ديسمبر، 6:05 م",
    },
    "fa": {
        "day_long": "چهارشنبه، ۹ دسامبر ۲۰۲۶",
        "day_long_no_year": "چهارشنبه ۹ دسامبر",
        "day": "۹ دسامبر ۲۰۲۶",
        "day_medium": "۹ دسامبر ۲۰۲۶",
        "day_medium_weekday": "چهارشنبه ۹ دسامبر ۲۰۲۶",
        "day_short": "چهارشنبه ۹ دسامبر",
        "month_year": "دسامبر ۲۰۲۶",
        "time": "۱۸:۰۵",
        "datetime_long": "چهارشنبه، ۹ دسامبر ۲۰۲۶، ساعت ۱۸:۰۵",
        "datetime_medium": "۹ دسامبر ۲۰۲۶،\u200f ۱۸:۰۵",
        "datetime_medium_weekday": "چهارشنبه ۹ دسامبر ۲۰۲۶،\u200f ۱۸:۰۵",
        "datetime_short": "چهارشنبه ۹ دسامبر،\u200f ۱۸:۰۵",
    },
    "uk": {
        "day_long": "середа, 9 грудня 2026\u202fр.",
        "day_long_no_year": "середа, 9 грудня",
        "day": "9 грудня 2026\u202fр.",
        "day_medium": "9 груд. 2026\u202fр.",
        "day_medium_weekday": "ср, 9 груд. 2026\u202fр.",
        "day_short": "ср, 9 груд.",
        "month_year": "грудень 2026\u202fр.",
        "time": "18:05",
        "datetime_long": "середа, 9 грудня 2026\u202fр., 18:05",
        "datetime_medium": "9 груд. 2026\u202fр., 18:05",
        "datetime_medium_weekday": "ср, 9 груд. 2026\u202fр., 18:05",
        "datetime_short": "ср, 9 груд., 18:05",
    },
    "ru": {
        "day_long": "среда, 9 декабря 2026\u202fг.",
        "day_long_no_year": "среда, 9 декабря",
        "day": "9 декабря 2026\u202fг.",
        "day_medium": "9 дек. 2026\u202fг.",
        "day_medium_weekday": "ср, 9 дек. 2026\u202fг.",
        "day_short": "ср, 9 дек.",
        "month_year": "декабрь 2026\u202fг.",
        "time": "18:05",
        "datetime_long": "среда, 9 декабря 2026\u202fг., 18:05",
        "datetime_medium": "9 дек. 2026\u202fг., 18:05",
        "datetime_medium_weekday": "ср, 9 дек. 2026\u202fг., 18:05",
        "datetime_short": "ср, 9 дек., 18:05",
    },
    "tr": {
        "day_long": "9 Aralık 2026 Çarşamba",
        "day_long_no_year": "9 Aralık Çarşamba",
        "day": "9 Aralık 2026",
        "day_medium": "9 Ara 2026",
        "day_medium_weekday": "9 Ara 2026 Çar",
        "day_short": "9 Ara Çar",
        "month_year": "Aralık 2026",
        "time": "18:05",
        "datetime_long": "9 Aralık 2026 Çarşamba 18:05",
        "datetime_medium": "9 Ara 2026 18:05",
        "datetime_medium_weekday": "9 Ara 2026 Çar 18:05",
        "datetime_short": "9 Ara Çar 18:05",
    },
}
RANGES = {
    "de": ("18:05–19:30 Uhr", "9.–11. Dez. 2026", "Mittwoch, 9. Dezember 2026, 18:05–19:30 Uhr"),
    "en": (
        "6:05\u2009–\u20097:30\u202fPM",
        "Dec 9\u2009–\u200911, 2026",
        "Wednesday, December 9, 2026, 6:05\u2009–\u20097:30\u202fPM",
    ),
    "ar": ("6:05–7:30 م", "9–11 ديسمبر 2026", "الأربعاء، 9 ديسمبر 2026، 6:05–7:30 م"),
    "fa": ("۱۸:۰۵ تا ۱۹:۳۰", "۹ تا ۱۱ دسامبر ۲۰۲۶", "چهارشنبه، ۹ دسامبر ۲۰۲۶، ساعت ۱۸:۰۵ تا ۱۹:۳۰"),
    "uk": ("18:05–19:30", "9–11 груд. 2026\u202fр.", "середа, 9 грудня 2026\u202fр., 18:05–19:30"),
    "ru": ("18:05—19:30", "9—11 дек. 2026\u202fг.", "среда, 9 декабря 2026\u202fг., 18:05—19:30"),
    "tr": ("18:05–19:30", "9–11 Ara 2026", "9 Aralık 2026 Çarşamba 18:05–19:30"),
}


@pytest.mark.parametrize("locale", list(EXPECTED))
@pytest.mark.parametrize("name", dates.NAMES)
def test_each_named_format_in_each_language(locale, name):
    assert dates.show(INSTANT, name, locale) == EXPECTED[locale][name]


@pytest.mark.parametrize("locale", list(RANGES))
def test_ranges(locale):
    times, days, long = RANGES[locale]
    assert dates.time_range(INSTANT, END, locale) == times
    assert dates.day_range(date(2026, 12, 9), date(2026, 12, 11), locale) == days
    assert dates.datetime_range(INSTANT, END, locale) == long


def test_values_of_each_kind():
    """A naive datetime is UTC (as Flask-Babel took it), a date and a wall-clock time are shown as
    they are, None is nothing; the day is Berlin's: 23:30 UTC is already the next day there."""
    assert dates.show(datetime(2026, 12, 9, 17, 5), "time", "de") == "18:05"
    assert dates.show(date(2026, 12, 9), "day", "de") == "9. Dezember 2026"
    assert dates.show(time(7, 30), "time", "fa") == "۷:۳۰"
    assert dates.time_range(time(9), time(12), "de") == "09:00–12:00 Uhr"
    assert dates.show(None, "day", "de") == ""
    assert dates.show(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "day", "en") == "January 1, 2027"
    assert dates.day_range(date(2026, 12, 9), date(2026, 12, 9), "de") == "9. Dez. 2026"


@pytest.mark.parametrize(
    ("locale", "first", "names"),
    [
        ("de", 0, ("Montag", "Sonntag")),
        ("uk", 0, ("понеділок", "неділя")),
        ("ru", 0, ("понедельник", "воскресенье")),
        ("tr", 0, ("Pazartesi", "Pazar")),
        ("en", 6, ("Monday", "Sunday")),
        ("fa", 5, ("دوشنبه", "یکشنبه")),
        ("ar", 5, ("الاثنين", "الأحد")),
    ],
)
def test_the_week_starts_where_the_language_is_at_home(locale, first, names):
    """CLDR's week data of the language's likely territory: Iran and Egypt start on Saturday,
    the US on Sunday; weekdays stay numbered as stored (0 = Monday)."""
    order = dates.week_order(locale)
    assert order[0] == first and sorted(order) == list(range(7))
    assert order == [(first + step) % 7 for step in range(7)]
    assert (dates.weekday_names(locale)[0], dates.weekday_names(locale)[6]) == names


@pytest.mark.parametrize(
    ("locale", "half", "whole", "money"),
    [
        ("de", "12,5\xa0%", "100,0\xa0%", "1.234,50\xa0€"),
        ("en", "12.5%", "100.0%", "€1,234.50"),
        ("ar", "12.5%", "100.0%", "\u200f1,234.50\xa0€"),
        ("fa", "۱۲٫۵٪", "۱۰۰٫۰٪", "\u200e€\xa0۱٬۲۳۴٫۵۰"),
        ("tr", "%12,5", "%100,0", "€1.234,50"),
        ("ru", "12,5\xa0%", "100,0\xa0%", "1\xa0234,50\xa0€"),
    ],
)
def test_percent_and_money_per_language(app, locale, half, whole, money):
    """A report's share the locale's way ("100.0 %" in English before); euros in its digits."""
    assert display(0.125, Unit.SHARE, locale) == half
    assert display(1, Unit.SHARE, locale) == whole
    with app.test_request_context("/"), force_locale(locale):
        assert euros(123450) == money


def test_numbers_in_translations_take_persian_digits_and_stay_as_they_are_in_german(app):
    """Made-up msgids no catalogue has: the German text with the reader's digits."""
    template = "{{ ngettext('%(num)d Probetermin', '%(num)d Probetermine', 12) }}|{{ _('%(a)d von %(b)s', a=3, b='x') }}"
    later = lazy_gettext("Probeeinsätze %(year)d", year=2026)
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert ngettext("%(num)d Probetermin", "%(num)d Probetermine", 12) == "12 Probetermine"
        assert render_template_string(template) == "12 Probetermine|3 von x"
        with force_locale("fa"):
            assert ngettext("%(num)d Probetermin", "%(num)d Probetermine", 12) == "۱۲ Probetermine"
            assert gettext("Probeeinsätze %(year)d", year=2026) == "Probeeinsätze ۲۰۲۶" == str(later)
            assert gettext("%(amount)s", amount=Decimal("2.5")) == "۲.۵"
            assert render_template_string(template) == "۱۲ Probetermine|۳ von x"
            # Not numbers: a flag and a text (a URL, an id already made text) stay as they came.
            assert gettext("%(flag)s %(link)s", flag=True, link="/requests/12") == "True /requests/12"
            # A number formatted its own way keeps its format (and so its digits) rather than break.
            assert gettext("%(hours).1f h, %(num)d", hours=2, num=2) == "2.0 h, ۲"
            # Values are still escaped where the template escapes.
            assert render_template_string("{{ _('%(n)d %(w)s', n=1, w='<b>') }}") == "۱ &lt;b&gt;"
        with force_locale("ar"):
            assert ngettext("%(num)d Probetermin", "%(num)d Probetermine", 12) == "12 Probetermine"


@pytest.fixture
def standby_page(client, ki):
    """The page of a logged-in helper with a day on standby in three days, in her language."""

    def page(locale: str) -> tuple[date, str]:
        profile = make_helper(ki=ki, email=f"{locale}@example.org")
        profile.user.locale = locale
        day = local_today() + timedelta(days=3)
        db.session.add(StandbyDay(helper_id=profile.id, day=day))
        db.session.commit()
        client.post("/logout")
        response = client.post("/login", data={"email": profile.user.email, "password": PASSWORD})
        assert response.status_code == 303
        return day, client.get("/standby").get_data(as_text=True)

    return page


ENGLISH_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]  # fmt: skip


def test_a_helper_page_names_the_day_in_english_and_in_persian_digits(standby_page):
    day, html = standby_page("en")
    english = f"{ENGLISH_DAYS[day.weekday()]}, {ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}"
    assert english in html
    day, html = standby_page("fa")
    shown = re.search(r'id="standby-day-\d+">([^<]*)<', html)[1]
    assert shown == dates.show(day, "day_long", "fa")
    assert str(day.year).translate(PERSIAN) in shown and not re.search(r"[0-9]", shown)
    heading = re.search(r'id="standby-days-heading">(.*?)</h2>', html, re.S)[1]
    assert "(۱)" in heading and not re.search(r"[0-9]", heading)  # the count in Persian digits too


def test_a_year_is_never_grouped(app):
    with app.test_request_context("/"):
        assert dates.year(2026, "fa") == "۲۰۲۶"
        assert dates.year(2026, "de") == dates.year(2026, "ar") == "2026"


def test_a_mail_names_the_day_in_its_readers_language(app, ki):
    """The police certificate's reminder, eight weeks ahead of 1 February 2027."""
    ki.police_certificate_valid_years = 5
    readers = {}
    for locale in ("en", "fa", "de"):
        profile = make_helper(ki=ki, email=f"{locale}@example.org")
        profile.user.locale = locale
        profile.confidentiality_signed_on = profile.qualification_completed_on = date(2020, 1, 1)
        profile.police_certificate_seen_on = date(2022, 2, 1)
        readers[locale] = profile.user.email
    db.session.commit()
    send_check_reminders(date(2026, 12, 7))
    [english] = outbox("certificate_reminder", to=readers["en"])
    [persian] = outbox("certificate_reminder", to=readers["fa"])
    [german] = outbox("certificate_reminder", to=readers["de"])
    assert "February 1, 2027" in english.body_text and "February 1, 2027" in english.body_html
    assert "۱ فوریه ۲۰۲۷" in persian.body_text
    assert "1. Februar 2027" in german.body_text


# A date or time pattern written by hand: Babel's ("d. MMMM yyyy", "EEE d. MMM", "HH:mm",
# "d.M.yyyy", "LLLL yyyy") or strftime's ("%d.%m.%Y"). The audit export's machine format lives in
# core/dates.py.
HAND_WRITTEN = re.compile(
    r"""d\.\s?MMM|EEEE?,?\s?d|MMMM\s?y|LLLL|["']d\.M\.y|["']HH:mm|%d\.%m\.%Y|%H:%M["']|"""
    r"""(date|datetime|time)format\(["']"""
)
# Files a person never reads: the .ics text of a calendar event keeps its ASCII day, and the form
# field shows a time as the browser's time input wants it.
MACHINE = {
    "ki_match/core/dates.py",
    "ki_match/calendar/ics.py",
    "ki_match/core/forms.py",
}


def test_no_template_or_module_writes_its_own_date_pattern():
    found = []
    for folder, suffixes in (("templates", {".html", ".txt"}), ("ki_match", {".py"})):
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix not in suffixes or relative in MACHINE:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if HAND_WRITTEN.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_the_lint_finds_what_it_is_for():
    for line in ('x|dateformat("d. MMM yyyy")', 'format_date(d, "EEEE, d. MMMM yyyy")', '"d.M.yyyy"',
                 'x|datetimeformat("HH:mm")', 'day.strftime("%d.%m.%Y")', 'format_date(x, "LLLL yyyy")'):  # fmt: skip
        assert HAND_WRITTEN.search(line), line
    assert not HAND_WRITTEN.search("{{ req.starts_at|datetime_long }}")


def test_the_profile_week_starts_on_the_readers_first_day(client, ki):
    profile = make_helper(ki=ki)
    profile.user.locale = "en"
    db.session.commit()
    assert client.post("/login", data={"email": profile.user.email, "password": PASSWORD}).status_code == 303
    week = client.get("/profile").get_data(as_text=True).split('<dl class="facts week">', 1)[1]
    assert re.findall(r"<dt>(\w+)</dt>", week.split("</dl>", 1)[0]) == [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    ]  # fmt: skip


def test_a_count_shown_on_its_own():
    assert (dates.number(12, "de"), dates.number(1234, "de"), dates.number(1234, "en")) == (
        "12",
        "1.234",
        "1,234",
    )
    assert (dates.number(12, "fa"), dates.number(1234, "fa"), dates.number(12, "ar")) == ("۱۲", "۱٬۲۳۴", "12")
    assert dates.number(None, "de") == "–"
