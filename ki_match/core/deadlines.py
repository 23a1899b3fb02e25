"""How a helper reads a deadline: "heute, 18:00", "morgen, 18:00", "Mittwoch, 9. Dezember, 18:00".

The day and the time are Berlin's (``ki_match.clock``); the words around them come from the
translations and the date from the locale's own CLDR pattern (German "Mittwoch, 9. Dezember",
English "Wednesday, December 9"), so no language's word order is written here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from babel import Locale
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from ki_match.clock import BERLIN, local_today

# Skeletons (CLDR): the month by name with day and weekday, and the 24-hour time.
DAY_SKELETON = "MMMMEd"
TIME_SKELETON = "Hm"
WEEKDAY = re.compile(r"E+")


def _pattern(locale: Locale, skeleton: str) -> str:
    return str(locale.datetime_skeletons[skeleton])


def answer_by(instant: datetime, now: datetime | None = None, *, relative: bool = True) -> str:
    """The words after "Antwort bis" / "reply by" for ``instant``.

    ``relative``: today and tomorrow are named as such (a page is read when it is shown); an
    e-mail, read whenever its reader gets to it, passes False and always names the day."""
    local = instant.astimezone(BERLIN)
    locale = get_locale() or Locale.parse("de")
    clock = format_datetime(local, _pattern(locale, TIME_SKELETON), rebase=False)
    if relative:
        today = local_today(now)
        if local.date() == today:
            return _("heute, %(time)s", time=clock)
        if local.date() == today + timedelta(days=1):
            return _("morgen, %(time)s", time=clock)
    # The CLDR pattern shortens the weekday ("Mi."); spelled out, it reads as people say it.
    day_pattern = WEEKDAY.sub("EEEE", _pattern(locale, DAY_SKELETON))
    day = format_datetime(local, day_pattern, rebase=False)
    return _("%(day)s, %(time)s", day=day, time=clock)
