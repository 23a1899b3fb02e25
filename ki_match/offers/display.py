"""When a request is, in the words of every card a helper reads about it."""

from __future__ import annotations

from babel.dates import format_date, format_datetime, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from ki_match.clock import BERLIN
from ki_match.requests.models import HelpRequest

DAY = "EEEE, d. MMMM yyyy"


def request_when(req: HelpRequest) -> str:
    """ "Montag, 4. Mai 2026, 10:00–11:30 Uhr", "fertig bis …" or "Termin noch offen".

    Babel's own formatting with the locale fetched once: Flask-Babel's filters fetch the locale
    and the zone again for every part, and an inbox says this on every card.
    """
    locale = get_locale()
    if req.starts_at:
        starts, ends = req.starts_at.astimezone(BERLIN), req.ends_at
        until = f"–{format_time(ends.astimezone(BERLIN), 'HH:mm', locale=locale)}" if ends else ""
        day, clock = format_datetime(starts, DAY, locale=locale), format_time(starts, "HH:mm", locale=locale)
        return f"{day}, {clock}{until} {_('Uhr')}"
    if req.due_on:
        return _("fertig bis %(date)s", date=format_date(req.due_on, DAY, locale=locale))
    return _("Termin noch offen")
