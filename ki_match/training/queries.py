"""Reading a KI's courses for the coordinators' pages: the list with its figures, a course's
participants and waiting list, who could still be signed up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.training.models import Course, CourseAttendance, CourseDate, CourseSignup, SignupStatus


@dataclass(frozen=True)
class CourseRow:
    """One course of the list, with its span and its seats."""

    course: Course
    first_start: datetime | None
    last_end: datetime | None
    registered: int
    waiting: int

    @property
    def free(self) -> int:
        return max(self.course.capacity - self.registered, 0)


@dataclass(frozen=True)
class CourseList:
    upcoming: list[CourseRow]
    past: list[CourseRow]


def course_list(ki_id: int, now: datetime) -> CourseList:
    """The KI's courses: those still to come or running (soonest first), then those over (latest
    first). Three statements, however many courses."""
    courses = db.session.scalars(select(Course).where(Course.ki_id == ki_id)).all()
    spans = {
        course_id: (first, last)
        for course_id, first, last in db.session.execute(
            select(CourseDate.course_id, func.min(CourseDate.starts_at), func.max(CourseDate.ends_at))
            .join(Course, Course.id == CourseDate.course_id)
            .where(Course.ki_id == ki_id)
            .group_by(CourseDate.course_id)
        )
    }
    counts: dict[tuple[int, SignupStatus], int] = {
        (course_id, status): number
        for course_id, status, number in db.session.execute(
            select(CourseSignup.course_id, CourseSignup.status, func.count())
            .join(Course, Course.id == CourseSignup.course_id)
            .where(Course.ki_id == ki_id)
            .group_by(CourseSignup.course_id, CourseSignup.status)
        )
    }
    rows = [
        CourseRow(
            course,
            *spans.get(course.id, (None, None)),
            registered=counts.get((course.id, SignupStatus.REGISTERED), 0),
            waiting=counts.get((course.id, SignupStatus.WAITING), 0),
        )
        for course in courses
    ]
    upcoming = [row for row in rows if row.last_end is None or row.last_end > now]
    past = [row for row in rows if row not in upcoming]
    upcoming.sort(key=lambda row: (row.first_start is not None, row.first_start or now, row.course.id))
    past.sort(key=lambda row: (row.first_start, row.course.id), reverse=True)
    return CourseList(upcoming=upcoming, past=past)


def signups(course: Course, status: SignupStatus) -> list[CourseSignup]:
    """The course's sign-ups of ``status`` in the order signed up (the waiting list's order)."""
    return list(
        db.session.scalars(
            select(CourseSignup)
            .where(CourseSignup.course_id == course.id, CourseSignup.status == status)
            .order_by(CourseSignup.signed_up_at, CourseSignup.id)
            .options(selectinload(CourseSignup.helper).selectinload(HelperProfile.user))
        )
    )


def signable_helpers(course: Course) -> list[HelperProfile]:
    """The KI's helpers (active accounts) who are not signed up for the course, by name."""
    holding = select(CourseSignup.helper_id).where(
        CourseSignup.course_id == course.id, CourseSignup.status != SignupStatus.CANCELLED
    )
    return list(
        db.session.scalars(
            select(HelperProfile)
            .join(User, User.id == HelperProfile.user_id)
            .where(
                HelperProfile.ki_id == course.ki_id,
                User.active.is_(True),
                User.deleted_at.is_(None),
                HelperProfile.id.not_in(holding),
            )
            .order_by(func.lower(User.display_name), HelperProfile.id)
            .options(selectinload(HelperProfile.user))
        )
    )


@dataclass(frozen=True)
class HelperCourse:
    """A course the helper signed up for (her sign-up says how it stands) and the dates she attended."""

    signup: CourseSignup
    attended: list[CourseDate]


def helper_courses(helper_id: int) -> list[HelperCourse]:
    """The helper's courses, the latest first, each with the dates she attended. Two statements."""
    signups = db.session.scalars(
        select(CourseSignup)
        .where(CourseSignup.helper_id == helper_id)
        .options(selectinload(CourseSignup.course).selectinload(Course.dates).selectinload(CourseDate.module))
    ).all()
    attended = set(
        db.session.scalars(select(CourseAttendance.date_id).where(CourseAttendance.helper_id == helper_id))
    )
    rows = [
        HelperCourse(
            signup, [course_date for course_date in signup.course.dates if course_date.id in attended]
        )
        for signup in signups
    ]

    def first_start(row: HelperCourse):
        dates = row.signup.course.dates
        return (dates[0].starts_at.timestamp() if dates else 0.0, row.signup.course_id)

    return sorted(rows, key=first_start, reverse=True)
