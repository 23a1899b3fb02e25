"""How a sign-up's state and a course's place are called on the pages, in mails and calendars."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ki_match.training.models import Course, CourseDate, SignupStatus

SIGNUP_LABELS = {
    SignupStatus.REGISTERED: _l("angemeldet"),
    SignupStatus.WAITING: _l("auf der Warteliste"),
    SignupStatus.CANCELLED: _l("abgemeldet"),
}


def course_where(course: Course, course_date: CourseDate | None = None) -> str:
    """Where the course (or this one of its dates, if it has a place of its own) takes place."""
    if course_date is not None and course_date.place:
        return course_date.place
    if course.place and course.online:
        return _("%(place)s oder online", place=course.place)
    return course.place or _("online")
