"""How a helper reads a deadline: "heute, 18:00", "morgen, 18:00", "Mittwoch, 9. Dezember, 18:00".

The day and the time are Berlin's (``ki_match.clock``); the words around them come from the
translations and the date and time from the locale's own CLDR formats (``ki_match.core.dates``:
German "Mittwoch, 9. Dezember", English "Wednesday, December 9"), so no language's word order is
written here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from ki_match.clock import BERLIN, local_today
from ki_match.core import dates


def answer_by(instant: datetime, now: datetime | None = None, *, relative: bool = True) -> str:
    """The words after "Antwort bis" / "reply by" for ``instant``.

    ``relative``: today and tomorrow are named as such (a page is read when it is shown); an
    e-mail, read whenever its reader gets to it, passes False and always names the day."""
    local = instant.astimezone(BERLIN)
    clock = dates.show(local, "time")
    if relative:
        today = local_today(now)
        if local.date() == today:
            return _("heute, %(time)s", time=clock)
        if local.date() == today + timedelta(days=1):
            return _("morgen, %(time)s", time=clock)
    # The weekday spelled out, as people say it.
    return _("%(day)s, %(time)s", day=dates.show(local, "day_long_no_year"), time=clock)
