"""When a request is, in the words of every card a helper reads about it."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache

from babel.dates import format_date, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from ki_match.clock import BERLIN
from ki_match.requests.models import HelpRequest


def request_when(req: HelpRequest) -> str:
    """ "Montag, 4. Mai 2026, 10:00–11:30 Uhr", "fertig bis …" or "Termin noch offen" (Berlin's day
    and wall-clock time)."""
    locale = str(get_locale() or "de")
    if req.starts_at:
        starts, ends = req.starts_at.astimezone(BERLIN), req.ends_at
        until = f"–{_clock(ends.astimezone(BERLIN).time(), locale)}" if ends else ""
        return f"{_day(starts.date(), locale)}, {_clock(starts.time(), locale)}{until} {_('Uhr')}"
    if req.due_on:
        return _("fertig bis %(date)s", date=_day(req.due_on, locale))
    return _("Termin noch offen")


# Babel spells a date out in some 50 µs and an inbox names a dozen; a date or a time in a locale
# always reads the same, so each process keeps the ones it has spelled.
@lru_cache(maxsize=4096)
def _day(day: date, locale: str) -> str:
    return format_date(day, "EEEE, d. MMMM yyyy", locale=locale)


@lru_cache(maxsize=1024)
def _clock(wall: time, locale: str) -> str:
    return format_time(wall, "HH:mm", locale=locale)
