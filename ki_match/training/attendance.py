"""Who was there on a course's date, and the qualification that attending completes.

A coordinator records a date's attendance once it has come (``record_attendance``): the
registered participants ticked are present, the others are not. Whoever has now attended a date
of every module of a course that ``qualifies`` (every date, for a course without modules) has
completed the Sprachlotsen qualification: ``helpers.services.record_checks`` notes the Berlin
day of the date that completed it, unless she already has a qualification date — that one is
kept. Taking attendance back later never removes a qualification date once set: it is a check
a coordinator may correct on the helper's page, like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import local_date, local_today
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import record_checks
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.locks import lock_row
from ki_match.training.models import Course, CourseAttendance, CourseDate, CourseSignup, SignupStatus


class AttendanceError(RequestError):
    """The attendance cannot be recorded like this; the message says why."""


def _registered(course_id: int) -> dict[int, HelperProfile]:
    signups = db.session.scalars(
        select(CourseSignup)
        .where(CourseSignup.course_id == course_id, CourseSignup.status == SignupStatus.REGISTERED)
        .options(selectinload(CourseSignup.helper).selectinload(HelperProfile.user))
    )
    return {signup.helper_id: signup.helper for signup in signups}


def recordable(course: Course, course_date: CourseDate, today: date) -> bool:
    """Whether the date's attendance may be recorded on ``today``: from its day on, while the
    course is not called off."""
    return not course.is_cancelled and local_date(course_date.starts_at) <= today


def record_attendance(
    date_id: int, present_helper_ids: Iterable[int], actor: User, *, today: date | None = None
) -> list[HelperProfile]:
    """Set who was there on the date to exactly ``present_helper_ids`` among its course's
    registered participants; those who thereby completed the qualification are returned (and
    have their qualification date). People no longer registered keep what was recorded for
    them. Refused (``AttendanceError``) for a date still to come, a course called off, or an id
    that is not a registered participant. Starts a fresh transaction (the course's lock); the
    caller commits."""
    course_id = db.session.scalar(select(CourseDate.course_id).where(CourseDate.id == date_id))
    if course_id is None:
        raise AttendanceError(_l("Diesen Termin gibt es nicht (mehr)."))
    # Under the course's lock: two coordinators saving one date's list at once are served one
    # after the other (the second sees the first's rows), as sign-ups are.
    course = lock_row(Course, course_id)
    course_date = db.session.get(CourseDate, date_id, populate_existing=True)
    if course.ki_id != actor.ki_id:
        raise AttendanceError(_l("Dieser Kurs gehört zu einem anderen Integrationszentrum."))
    if course.is_cancelled:
        raise AttendanceError(_l("Dieser Kurs wurde abgesagt."))
    if not recordable(course, course_date, today or local_today()):
        raise AttendanceError(
            _l("Dieser Termin liegt in der Zukunft: Die Anwesenheit kann erst ab dem Tag eingetragen werden.")
        )
    registered = _registered(course.id)
    present = set(present_helper_ids)
    strangers = present - set(registered)
    if strangers:
        raise AttendanceError(_l("Nur angemeldete Teilnehmende können als anwesend eingetragen werden."))
    recorded = {row.helper_id: row for row in course_date.attendances}
    added = sorted(present - set(recorded))
    taken_back = sorted(
        helper_id for helper_id in set(registered) & set(recorded) if helper_id not in present
    )
    for helper_id in taken_back:
        course_date.attendances.remove(recorded[helper_id])
    for helper_id in added:
        course_date.attendances.append(CourseAttendance(helper_id=helper_id, recorded_by_id=actor.id))
    db.session.flush()
    if added or taken_back:
        record(
            "training.attendance_recorded",
            actor=actor,
            subject=course_date.course,
            date_id=course_date.id,
            present=len(present),
            added=len(added),
            taken_back=len(taken_back),
        )
    if not course.qualifies:
        return []
    return _qualify(course, [registered[helper_id] for helper_id in sorted(present)], actor)


def attended_dates(course: Course, helper_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per helper, the ids of the course's dates she attended."""
    rows = db.session.execute(
        select(CourseAttendance.helper_id, CourseAttendance.date_id)
        .join(CourseDate, CourseDate.id == CourseAttendance.date_id)
        .where(CourseDate.course_id == course.id, CourseAttendance.helper_id.in_(list(helper_ids)))
    )
    attended: dict[int, set[int]] = {}
    for helper_id, date_id in rows:
        attended.setdefault(helper_id, set()).add(date_id)
    return attended


def completed_on(course: Course, attended: set[int]) -> date | None:
    """The Berlin day the course was completed by someone who attended the dates ``attended``:
    the day of the date that gave her the last module she lacked (or, without modules, the last
    date); None while something is missing."""
    dates = [course_date for course_date in course.dates if course_date.id in attended]
    if course.modules:
        firsts = []
        for module in course.modules:
            starts = [course_date.starts_at for course_date in dates if course_date.module_id == module.id]
            if not starts:
                return None
            firsts.append(min(starts))
        return local_date(max(firsts))
    if not course.dates or len(dates) < len(course.dates):
        return None
    return local_date(max(course_date.starts_at for course_date in course.dates))


def _qualify(course: Course, present: list[HelperProfile], actor: User) -> list[HelperProfile]:
    candidates = [profile for profile in present if profile.qualification_completed_on is None]
    attended = attended_dates(course, [profile.id for profile in candidates])
    qualified = []
    for profile in candidates:
        day = completed_on(course, attended.get(profile.id, set()))
        if day is not None:
            record_checks(profile, actor, qualification_completed_on=day)
            qualified.append(profile)
    return qualified
