"""How a helper reads an answer-by time: today, tomorrow or the day named, on Berlin's clocks, in
German and English (whose clock, per CLDR, has 12 hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask_babel import force_locale

from ki_match.clock import utcnow
from ki_match.core.deadlines import answer_by
from tests.factories import berlin

NOW = berlin(date(2026, 12, 8), time(10, 0))  # Tuesday morning


@pytest.mark.parametrize(
    ("deadline", "german", "english"),
    [
        (berlin(date(2026, 12, 8), time(18, 0)), "heute, 18:00", "today, 6:00\u202fPM"),
        (berlin(date(2026, 12, 9), time(18, 0)), "morgen, 18:00", "tomorrow, 6:00\u202fPM"),
        (berlin(date(2026, 12, 9), time(0, 0)), "morgen, 00:00", "tomorrow, 12:00\u202fAM"),
        (
            berlin(date(2026, 12, 10), time(9, 15)),
            "Donnerstag, 10. Dezember, 09:15",
            "Thursday, December 10, 9:15\u202fAM",
        ),
        (
            berlin(date(2027, 1, 4), time(12, 0)),
            "Montag, 4. Januar, 12:00",
            "Monday, January 4, 12:00\u202fPM",
        ),
    ],
)
def test_today_tomorrow_or_the_day_named(app, deadline, german, english):
    with force_locale("de"):
        assert answer_by(deadline, NOW) == german
    with force_locale("en"):
        assert answer_by(deadline, NOW) == english


def test_the_day_is_berlins_not_utcs(app):
    """23:30 in Berlin is already the next day in Berlin but not in UTC, and the other way round."""
    late = berlin(date(2026, 12, 8), time(23, 30))  # 22:30 UTC, still 8 December in UTC
    with force_locale("de"):
        assert answer_by(berlin(date(2026, 12, 9), time(0, 30)), late) == "morgen, 00:30"
        assert answer_by(datetime(2026, 12, 8, 23, 15, tzinfo=UTC), late) == "morgen, 00:15"


def test_across_the_change_to_summer_time(app):
    """Shortly after midnight on 29 March 2026 (still 28 March in UTC); clocks jump 02:00 → 03:00."""
    now = berlin(date(2026, 3, 29), time(0, 30))
    assert now.date() == date(2026, 3, 28)  # UTC would call 18:00 "tomorrow"
    with force_locale("de"):
        assert answer_by(berlin(date(2026, 3, 29), time(18, 0)), now) == "heute, 18:00"  # 16:00 UTC
        assert answer_by(berlin(date(2026, 3, 30), time(9, 0)), now) == "morgen, 09:00"  # 07:00 UTC
        assert answer_by(berlin(date(2026, 3, 31), time(9, 0)), now) == "Dienstag, 31. März, 09:00"


def test_across_the_change_to_winter_time(app):
    now = berlin(date(2026, 10, 24), time(23, 0))
    with force_locale("en"):
        # 25 October has 25 hours; 18:00 that day is 17:00 UTC.
        assert answer_by(datetime(2026, 10, 25, 17, 0, tzinfo=UTC), now) == "tomorrow, 6:00\u202fPM"


def test_a_mail_always_names_the_day(app):
    """A mail is read whenever its reader gets to it: "tomorrow" would be wrong the next day."""
    deadline = berlin(date(2026, 12, 9), time(18, 0))
    with force_locale("de"):
        assert answer_by(deadline, NOW, relative=False) == "Mittwoch, 9. Dezember, 18:00"
    with force_locale("en"):
        assert answer_by(deadline, NOW, relative=False) == "Wednesday, December 9, 6:00\u202fPM"


def test_the_template_filter_reads_the_clock(app):
    with force_locale("de"):
        rendered = app.jinja_env.from_string("{{ when|answer_by }}").render(when=utcnow())
    assert rendered.startswith("heute, ")
