"""iCalendar (RFC 5545) for assignments: one VEVENT each, in Berlin wall-clock time.

Why ``TZID=Europe/Berlin`` with a VTIMEZONE, and UTC only in one hour a year:
an appointment is agreed in Berlin wall-clock time ("Dienstag 10 Uhr im
Jobcenter"), so the event says exactly that. Google, Apple, Outlook and
Thunderbird all know the zone name; RFC 5545 still requires the VTIMEZONE, and
Outlook actually uses its rules, so it carries the two yearly RRULEs (last
Sunday of March and of October) rather than a list of transitions that ends
some day. One case local time cannot express: on the last Sunday of October
the hour 02:00–03:00 happens twice, and RFC 5545 reads such a time as the
first occurrence — an instant in the second one would move an hour. Those
times (and only those) are written in UTC, which every app converts correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from ki_match.clock import BERLIN, utcnow
from ki_match.reference.names import language_name, topic_name
from ki_match.requests.models import HOLDING_STATES, Assignment, RequestKind, RequestStatus

TZID = "Europe/Berlin"
PRODID = "-//KI-Match//Einsaetze//DE"
# SEQUENCE counts seconds since this moment: it grows with every change and stays below 2**31 until 2092.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

SHORT_KIND = {
    RequestKind.ACCOMPANIMENT: _l("Begleitung"),
    RequestKind.ONSITE: _l("Dolmetschen vor Ort"),
    RequestKind.REMOTE: _l("Dolmetschen am Telefon/per Video"),
    RequestKind.WRITTEN: _l("Übersetzung"),
}


def berlin_timezone() -> Timezone:
    """The VTIMEZONE of Europe/Berlin as the EU rule: CEST from the last Sunday of March
    02:00 CET, CET from the last Sunday of October 03:00 CEST (each DTSTART in the
    offset that applies before the change, as RFC 5545 wants)."""
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    zone.add_component(_observance(TimezoneDaylight(), "CEST", 1, 2, datetime(1970, 3, 29, 2, 0)))
    zone.add_component(_observance(TimezoneStandard(), "CET", 2, 1, datetime(1970, 10, 25, 3, 0)))
    return zone


def _observance(part, name: str, hours_before: int, hours_after: int, first: datetime):
    """Summer or winter time: from the last Sunday of ``first``'s month, every year."""
    part.add("tzname", name)
    part.add("tzoffsetfrom", timedelta(hours=hours_before))
    part.add("tzoffsetto", timedelta(hours=hours_after))
    part.add("dtstart", first)
    part.add("rrule", vRecur(freq="YEARLY", bymonth=first.month, byday="-1SU"))
    return part


def _in_repeated_hour(local: datetime) -> bool:
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def calendar_time(instant: datetime) -> datetime:
    """The value to write for a stored UTC ``instant`` (see the module docstring)."""
    local = instant.astimezone(BERLIN)
    if _in_repeated_hour(local):
        return instant.astimezone(UTC)
    return local


def is_cancelled(assignment: Assignment) -> bool:
    return assignment.status not in HOLDING_STATES or assignment.request.status == RequestStatus.CANCELLED


def last_change(assignment: Assignment) -> datetime:
    times = [t for t in (assignment.request.updated_at, assignment.confirmed_at) if t is not None]
    return max(times)


def sequence(assignment: Assignment) -> int:
    """Grows whenever the request changes (a new time bumps ``updated_at``); a
    cancellation counts one more, so the cancelled version always wins."""
    seconds = int((last_change(assignment) - SEQUENCE_EPOCH).total_seconds())
    return max(seconds, 0) + (1 if is_cancelled(assignment) else 0)


def uid(assignment: Assignment, host: str) -> str:
    return f"assignment-{assignment.id}@{host}"


def summary(assignment: Assignment) -> str:
    """Kind and language; for another KI (the shared pool), that KI's name too."""
    request = assignment.request
    text = f"{SHORT_KIND[request.kind]} · {language_name(request.language)}"
    if request.ki_id != assignment.helper.ki_id:
        text += " · " + _("für %(ki)s", ki=request.ki.name)
    return text


def location(assignment: Assignment) -> str | None:
    request = assignment.request
    parts = []
    if request.kind == RequestKind.REMOTE:
        parts.append(_("Telefon/Video"))
    if request.place:
        parts.append(request.place)
    if request.town and not (request.place and request.town.name in request.place):
        parts.append(request.town.name)
    return ", ".join(parts) or None


def description(assignment: Assignment, link: str) -> str:
    request = assignment.request
    lines = []
    if request.topic is not None:
        lines.append(_("Thema: %(topic)s", topic=topic_name(request.topic)))
    if request.client_ref:
        lines.append(_("Klient*in (Kürzel): %(ref)s", ref=request.client_ref))
    if request.kind == RequestKind.WRITTEN and request.due_on:
        lines.append(_("Abgabe bis: %(day)s", day=request.due_on.strftime("%d.%m.%Y")))
    if request.notes:
        lines.append(_("Hinweise: %(notes)s", notes=request.notes))
    lines.append(_("Details: %(link)s", link=link))
    return "\n".join(lines)


def event_day(assignment: Assignment) -> date | None:
    """The local day of the assignment (the due date for a written translation)."""
    if assignment.starts_at is not None:
        return assignment.starts_at.astimezone(BERLIN).date()
    if assignment.request.starts_at is not None:
        return assignment.request.starts_at.astimezone(BERLIN).date()
    return assignment.request.due_on


def assignment_event(assignment: Assignment, *, host: str, link: str) -> Event | None:
    """The VEVENT of one assignment; None if it has neither a time nor a due date."""
    request = assignment.request
    starts = assignment.starts_at or request.starts_at
    event = Event()
    event.add("uid", uid(assignment, host))
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("last-modified", last_change(assignment).replace(microsecond=0))
    event.add("sequence", sequence(assignment))
    if starts is not None:
        minutes = request.duration_minutes or 60
        ends = assignment.ends_at or starts + timedelta(minutes=minutes)
        event.add("dtstart", calendar_time(starts))
        event.add("dtend", calendar_time(ends))
        event.add("summary", summary(assignment))
    elif request.due_on is not None:
        # A written translation has a deadline, not a time: an all-day event that does not block the day.
        event.add("dtstart", request.due_on)
        event.add("dtend", request.due_on + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("summary", _("Abgabe: %(what)s", what=summary(assignment)))
    else:
        return None
    if is_cancelled(assignment):
        # No place and no client for an assignment the helper is no longer confirmed for.
        event.add("status", "CANCELLED")
        event["summary"] = _("Abgesagt: %(what)s", what=str(event["summary"]))
        return event
    event.add("status", "CONFIRMED")
    place = location(assignment)
    if place:
        event.add("location", place)
    event.add("description", description(assignment, link))
    event.add("url", link)
    return event


def build_calendar(
    assignments: Iterable[Assignment],
    *,
    host: str,
    link_for: Callable[[Assignment], str],
    name: str | None = None,
    extra: Iterable[Event] = (),
) -> bytes:
    """A VCALENDAR with the Berlin VTIMEZONE, one VEVENT per assignment, and the ``extra`` events
    (a course's dates, ``calendar.courses``)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", TZID)
        # How often subscribing apps should look again (Apple/Outlook and RFC 7986).
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    calendar.add_component(berlin_timezone())
    for assignment in assignments:
        event = assignment_event(assignment, host=host, link=link_for(assignment))
        if event is not None:
            calendar.add_component(event)
    for event in extra:
        calendar.add_component(event)
    return calendar.to_ical()
