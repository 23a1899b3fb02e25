"""When a request is, in the words of every card a helper reads about it."""

from __future__ import annotations

from flask_babel import gettext as _

from ki_match.core import dates
from ki_match.requests.models import HelpRequest


def request_when(req: HelpRequest) -> str:
    """ "Montag, 4. Mai 2026, 10:00–11:30 Uhr", "fertig bis …" or "Termin noch offen" (Berlin's day
    and wall-clock time, in the reader's language: ``ki_match.core.dates``)."""
    if req.starts_at:
        return dates.datetime_range(req.starts_at, req.ends_at)
    if req.due_on:
        return _("fertig bis %(date)s", date=dates.show(req.due_on, "day_long"))
    return _("Termin noch offen")
