"""iCalendar for a series of appointments: ONE recurring VEVENT, as a calendar app would keep it.

The rule becomes an RRULE (weekly, INTERVAL=2 for every other week) that runs UNTIL the last date
the rule made; dates given one by one become RDATEs. Dates the series left out (holidays, skipped
by hand) and dates called off are EXDATEs; a date moved to another day or time is a VEVENT of the
same UID with a RECURRENCE-ID naming the rule date it replaces. UNTIL rather than COUNT: in RFC
5545 the EXDATEs use up a COUNT, while the series counts only the dates that take place.
Times are Berlin wall-clock time with the VTIMEZONE of ``calendar.ics``.

The coordinators' event shows every date of the series (``series_calendar``). A helper's own event
(``helper_series_events``, in her download and in her feed, one UID per helper and series) shows
the dates she holds, from the first to the last of them: every other date of the rule in between
(someone else's, one she gave back, one called off or left out) is an EXDATE, and her moved dates
are RECURRENCE-ID overrides with her assignment's place. Holding none any more, her event stays as
a cancelled one, so subscribed calendars drop it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event, vRecur

from ki_match.calendar.ics import PRODID, SEQUENCE_EPOCH, SHORT_KIND, berlin_timezone, calendar_time, location
from ki_match.clock import local_to_utc, utcnow
from ki_match.reference.names import language_name
from ki_match.requests.models import HOLDING_STATES, Assignment, HelpRequest, RequestSeries, RequestStatus
from ki_match.requests.recurrence import WEEKS_APART, Frequency


def uid(found: RequestSeries, host: str) -> str:
    return f"series-{found.id}@{host}"


def helper_uid(found: RequestSeries, helper_id: int, host: str) -> str:
    """One per helper and series: her download and her feed carry the same event."""
    return f"series-{found.id}-helper-{helper_id}@{host}"


@dataclass(frozen=True)
class Shown:
    """What one calendar shows of a series: its UID, the dates that take place in it (in the order
    of their rule days), the rule days it spans, and where each date is (a helper's own only)."""

    uid: str
    taking_place: list[HelpRequest]
    first: date
    last: date
    sequence: int
    link: str
    place: Callable[[HelpRequest], str | None] = lambda _occurrence: None


def _rule_instant(found: RequestSeries, day: date):
    """Where the rule put a date (RECURRENCE-ID, EXDATE), as the calendar writes DTSTART."""
    return calendar_time(local_to_utc(day, found.start_time))


def _is_moved(found: RequestSeries, occurrence: HelpRequest) -> bool:
    return occurrence.starts_at != local_to_utc(occurrence.series_day, found.start_time)


def _sequence(found: RequestSeries, dates: list[HelpRequest], *more: datetime) -> int:
    last = max([found.created_at, *(occurrence.updated_at for occurrence in dates), *more])
    return max(int((last - SEQUENCE_EPOCH).total_seconds()), 0)


def _summary(first: HelpRequest) -> str:
    return f"{SHORT_KIND[first.kind]} · {language_name(first.language)}"


def _rule_days(found: RequestSeries, dates: list[HelpRequest]) -> list[date]:
    return sorted({occurrence.series_day for occurrence in dates} | {skip.day for skip in found.skips})


def _base(event: Event, shown: Shown, occurrence: HelpRequest) -> None:
    event.add("uid", shown.uid)
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("sequence", shown.sequence)
    event.add("url", shown.link)
    event.add("description", _("Alle Termine: %(link)s", link=shown.link))
    event.add("summary", _summary(occurrence))
    place = shown.place(occurrence)
    if place:
        event.add("location", place)


def _main_event(found: RequestSeries, dates: list[HelpRequest], shown: Shown) -> Event:
    first = shown.taking_place[0] if shown.taking_place else dates[0]
    event = Event()
    _base(event, shown, first)
    event.add("dtstart", _rule_instant(found, shown.first))
    event.add("duration", timedelta(minutes=first.duration_minutes or 60))
    spanned = [day for day in _rule_days(found, dates) if shown.first <= day <= shown.last]
    if found.frequency == Frequency.DATES:
        extra = [day for day in spanned if day != shown.first]
        if extra:
            event.add("rdate", [_rule_instant(found, day) for day in extra])
    else:
        until = local_to_utc(shown.last, found.start_time).astimezone(UTC)
        event.add("rrule", vRecur(freq="WEEKLY", interval=WEEKS_APART[found.frequency], until=until))
    held = {occurrence.series_day for occurrence in shown.taking_place}
    left_out = [day for day in spanned if day not in held]
    if left_out:
        event.add("exdate", [_rule_instant(found, day) for day in left_out])
    return event


def _moved_event(found: RequestSeries, occurrence: HelpRequest, shown: Shown) -> Event:
    event = Event()
    _base(event, shown, occurrence)
    event.add("recurrence-id", _rule_instant(found, occurrence.series_day))
    event.add("dtstart", calendar_time(occurrence.starts_at))
    event.add("duration", timedelta(minutes=occurrence.duration_minutes or 60))
    return event


def _events(found: RequestSeries, dates: list[HelpRequest], shown: Shown) -> list[Event]:
    """The recurring VEVENT and one VEVENT per moved date that takes place."""
    moved = [occurrence for occurrence in shown.taking_place if _is_moved(found, occurrence)]
    return [
        _main_event(found, dates, shown),
        *(_moved_event(found, occurrence, shown) for occurrence in moved),
    ]


def calendar_of(events: list[Event]) -> bytes:
    """A VCALENDAR of series events (``series_calendar``, ``helper_series_events``)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(berlin_timezone())
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def series_calendar(found: RequestSeries, dates: list[HelpRequest], *, host: str, link: str) -> bytes:
    """The coordinators' VCALENDAR of the series: every date that was not called off."""
    if not dates:
        return calendar_of([])
    shown = Shown(
        uid=uid(found, host),
        taking_place=[occurrence for occurrence in dates if occurrence.status != RequestStatus.CANCELLED],
        first=found.first_day,
        last=_rule_days(found, dates)[-1],
        sequence=_sequence(found, dates),
        link=link,
    )
    return calendar_of(_events(found, dates, shown))


def _cancelled_event(found: RequestSeries, dates: list[HelpRequest], shown: Shown) -> Event:
    """She holds none of its dates any more: the event her calendar had, called off."""
    event = Event()
    _base(event, shown, dates[0])
    event.add("dtstart", _rule_instant(found, shown.first))
    event.add("duration", timedelta(minutes=dates[0].duration_minutes or 60))
    event.add("status", "CANCELLED")
    event["summary"] = _("Abgesagt: %(what)s", what=str(event["summary"]))
    return event


def helper_series_events(
    found: RequestSeries,
    dates: list[HelpRequest],
    hers: list[Assignment],
    *,
    helper_id: int,
    host: str,
    link: str,
) -> list[Event]:
    """A helper's own event of a series, from ``hers`` (her assignments on its dates, held or not):
    the dates she holds (confirmed or done) take place, with her assignment's place."""
    held = {a.request_id: a for a in hers if a.status.value in HOLDING_STATES}
    taking_place = [o for o in dates if o.id in held and o.status != RequestStatus.CANCELLED]
    days = [o.series_day for o in taking_place] or [
        o.series_day for o in dates if o.id in {a.request_id for a in hers}
    ]
    if not days:
        return []
    shown = Shown(
        uid=helper_uid(found, helper_id, host),
        taking_place=taking_place,
        first=min(days),
        last=max(days),
        sequence=_sequence(found, dates, *(a.confirmed_at for a in hers)) + (0 if taking_place else 1),
        link=link,
        place=lambda occurrence: location(held[occurrence.id]) if occurrence.id in held else None,
    )
    if not taking_place:
        return [_cancelled_event(found, dates, shown)]
    return _events(found, dates, shown)
