"""iCalendar for a series of appointments: ONE recurring VEVENT, as a calendar app would keep it.

The rule becomes an RRULE (weekly, INTERVAL=2 for every other week) that runs UNTIL the last date
the rule made; dates given one by one become RDATEs. Dates the series left out (holidays, skipped
by hand) and dates called off are EXDATEs; a date moved to another day or time is a VEVENT of the
same UID with a RECURRENCE-ID naming the rule date it replaces. UNTIL rather than COUNT: in RFC
5545 the EXDATEs use up a COUNT, while the series counts only the dates that take place.
Times are Berlin wall-clock time with the VTIMEZONE of ``calendar.ics``.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event, vRecur

from ki_match.calendar.ics import PRODID, SEQUENCE_EPOCH, SHORT_KIND, berlin_timezone, calendar_time
from ki_match.clock import local_to_utc, utcnow
from ki_match.reference.names import language_name
from ki_match.requests.models import HelpRequest, RequestSeries, RequestStatus
from ki_match.requests.recurrence import WEEKS_APART, Frequency


def uid(found: RequestSeries, host: str) -> str:
    return f"series-{found.id}@{host}"


def _rule_instant(found: RequestSeries, day: date):
    """Where the rule put a date (RECURRENCE-ID, EXDATE), as the calendar writes DTSTART."""
    return calendar_time(local_to_utc(day, found.start_time))


def _is_moved(found: RequestSeries, occurrence: HelpRequest) -> bool:
    return occurrence.starts_at != local_to_utc(occurrence.series_day, found.start_time)


def _sequence(found: RequestSeries, dates: list[HelpRequest]) -> int:
    last = max([found.created_at, *(occurrence.updated_at for occurrence in dates)])
    return max(int((last - SEQUENCE_EPOCH).total_seconds()), 0)


def _summary(first: HelpRequest) -> str:
    return f"{SHORT_KIND[first.kind]} · {language_name(first.language)}"


def _base(event: Event, found: RequestSeries, dates: list[HelpRequest], host: str, link: str) -> None:
    event.add("uid", uid(found, host))
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("sequence", _sequence(found, dates))
    event.add("url", link)
    event.add("description", _("Alle Termine: %(link)s", link=link))


def _main_event(found: RequestSeries, dates: list[HelpRequest], host: str, link: str) -> Event:
    first = dates[0]
    minutes = timedelta(minutes=first.duration_minutes or 60)
    event = Event()
    _base(event, found, dates, host, link)
    event.add("summary", _summary(first))
    event.add("dtstart", _rule_instant(found, found.first_day))
    event.add("duration", minutes)
    rule_days = sorted({occurrence.series_day for occurrence in dates} | {skip.day for skip in found.skips})
    if found.frequency == Frequency.DATES:
        extra = [day for day in rule_days if day != found.first_day]
        if extra:
            event.add("rdate", [_rule_instant(found, day) for day in extra])
    else:
        until = local_to_utc(rule_days[-1], found.start_time).astimezone(UTC)
        event.add("rrule", vRecur(freq="WEEKLY", interval=WEEKS_APART[found.frequency], until=until))
    left_out = [skip.day for skip in found.skips] + [
        occurrence.series_day for occurrence in dates if occurrence.status == RequestStatus.CANCELLED
    ]
    if left_out:
        event.add("exdate", [_rule_instant(found, day) for day in sorted(left_out)])
    return event


def _moved_event(found: RequestSeries, occurrence: HelpRequest, dates, host: str, link: str) -> Event:
    event = Event()
    _base(event, found, dates, host, link)
    event.add("summary", _summary(occurrence))
    event.add("recurrence-id", _rule_instant(found, occurrence.series_day))
    event.add("dtstart", calendar_time(occurrence.starts_at))
    event.add("duration", timedelta(minutes=occurrence.duration_minutes or 60))
    return event


def series_calendar(found: RequestSeries, dates: list[HelpRequest], *, host: str, link: str) -> bytes:
    """The VCALENDAR of the series: its one recurring VEVENT and one VEVENT per moved date."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(berlin_timezone())
    if dates:
        calendar.add_component(_main_event(found, dates, host, link))
        for occurrence in dates:
            if occurrence.status != RequestStatus.CANCELLED and _is_moved(found, occurrence):
                calendar.add_component(_moved_event(found, occurrence, dates, host, link))
    return calendar.to_ical()
