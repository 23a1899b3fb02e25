"""iCalendar for training courses: one VEVENT per date of a course a helper holds a seat in.

Written like the assignments' (``calendar.ics``): Berlin wall-clock time with its VTIMEZONE, a
stable UID per date, and a SEQUENCE that grows with the sign-up's changes. A date of a course
called off, or of one the helper withdrew from, says STATUS:CANCELLED, so a calendar that has
it learns it is off.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from icalendar import Event

from ki_match.calendar.ics import SEQUENCE_EPOCH, calendar_time
from ki_match.clock import utcnow
from ki_match.training.labels import course_where
from ki_match.training.models import Course, CourseDate, CourseSignup, SignupStatus


def is_off(signup: CourseSignup) -> bool:
    return signup.course.is_cancelled or signup.status != SignupStatus.REGISTERED


def _last_change(signup: CourseSignup) -> datetime:
    course = signup.course
    times = [course.created_at, course.cancelled_at, signup.signed_up_at, signup.cancelled_at]
    return max(t for t in times if t is not None)


def sequence(signup: CourseSignup) -> int:
    """Grows with each change of the sign-up or the course's state; being off counts one more."""
    seconds = int((_last_change(signup) - SEQUENCE_EPOCH).total_seconds())
    return max(seconds, 0) + (1 if is_off(signup) else 0)


def uid(course_date: CourseDate, host: str) -> str:
    return f"course-date-{course_date.id}@{host}"


def summary(course: Course, course_date: CourseDate) -> str:
    if course_date.module is not None:
        return f"{course.title} · {course_date.module.name}"
    return course.title


def date_events(signup: CourseSignup, *, host: str, link: str) -> list[Event]:
    """The VEVENTs of the dates of the course ``signup`` is for."""
    course, off = signup.course, is_off(signup)
    events = []
    for course_date in course.dates:
        event = Event()
        event.add("uid", uid(course_date, host))
        event.add("dtstamp", utcnow().replace(microsecond=0))
        event.add("last-modified", _last_change(signup).replace(microsecond=0))
        event.add("sequence", sequence(signup))
        event.add("dtstart", calendar_time(course_date.starts_at))
        event.add("dtend", calendar_time(course_date.ends_at))
        if off:
            event.add("status", "CANCELLED")
            event.add("summary", _("Abgesagt: %(what)s", what=summary(course, course_date)))
        else:
            event.add("status", "CONFIRMED")
            event.add("summary", summary(course, course_date))
            event.add("location", course_where(course, course_date))
            event.add("description", _("Details: %(link)s", link=link))
            event.add("url", link)
        events.append(event)
    return events
