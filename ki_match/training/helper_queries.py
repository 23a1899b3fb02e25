"""What the helper's "Kurse" page and her calendar read about courses: every SELECT of them.

A course is upcoming while it is not called off and its last date is not over. Each one comes as
a ``CourseCard``: the course, its seats, and where this helper stands with it (a seat, a place on
the waiting list, or nothing yet), the one truth the page, its buttons and the calendar use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.training.models import (
    Course,
    CourseAttendance,
    CourseDate,
    CourseSignup,
    SignupStatus,
)
from ki_match.training.signups import waiting_position

# What a card shows of a course, loaded with it in a fixed number of statements.
_DETAILS = (
    selectinload(Course.modules),
    selectinload(Course.dates).selectinload(CourseDate.module),
)


def card_id(course_id: int) -> str:
    """The id of the course's card on the helper's Kurse page (links from mails and calendars)."""
    return f"course-card-{course_id}"


@dataclass(frozen=True)
class CourseCard:
    course: Course
    taken: int  # seats held
    signup: CourseSignup | None  # this helper's, unless withdrawn
    position: int | None  # her place on the waiting list
    now: datetime

    @property
    def free(self) -> int:
        return max(self.course.capacity - self.taken, 0)

    @property
    def registered(self) -> bool:
        return self.signup is not None and self.signup.status == SignupStatus.REGISTERED

    @property
    def waiting(self) -> bool:
        return self.signup is not None and self.signup.status == SignupStatus.WAITING

    @property
    def begun(self) -> bool:
        dates = self.course.dates
        return bool(dates) and dates[0].starts_at <= self.now

    @property
    def action(self) -> str | None:
        """The button the card offers: ``withdraw`` while signed up, ``sign_up`` or ``wait`` before
        the first date (a helper does not sign up for a course that has begun), else none."""
        if self.registered or self.waiting:
            return "withdraw"
        if self.begun or self.course.is_cancelled:
            return None
        return "sign_up" if self.free else "wait"

    @property
    def dom_id(self) -> str:
        return card_id(self.course.id)


def _seats(course_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(CourseSignup.course_id, func.count())
        .where(CourseSignup.course_id.in_(course_ids), CourseSignup.status == SignupStatus.REGISTERED)
        .group_by(CourseSignup.course_id)
    )
    return dict(rows.all())


def _own_signups(course_ids: list[int], helper: HelperProfile) -> dict[int, CourseSignup]:
    signups = db.session.scalars(
        select(CourseSignup).where(
            CourseSignup.course_id.in_(course_ids),
            CourseSignup.helper_id == helper.id,
            CourseSignup.status != SignupStatus.CANCELLED,
        )
    )
    return {signup.course_id: signup for signup in signups}


def cards_for(courses: list[Course], helper: HelperProfile, now: datetime | None = None) -> list[CourseCard]:
    now = now or utcnow()
    ids = [course.id for course in courses]
    seats, own = _seats(ids), _own_signups(ids, helper)
    return [
        CourseCard(
            course=course,
            taken=seats.get(course.id, 0),
            signup=own.get(course.id),
            position=waiting_position(own[course.id]) if course.id in own else None,
            now=now,
        )
        for course in courses
    ]


def _ends():
    """Each course's first start and last end, as a subquery to join."""
    return (
        select(
            CourseDate.course_id,
            func.min(CourseDate.starts_at).label("starts"),
            func.max(CourseDate.ends_at).label("ends"),
        )
        .group_by(CourseDate.course_id)
        .subquery()
    )


def upcoming_courses(helper: HelperProfile, now: datetime | None = None) -> list[Course]:
    """The courses of the helper's KI not called off whose last date is not over, soonest first."""
    now = now or utcnow()
    span = _ends()
    return list(
        db.session.scalars(
            select(Course)
            .join(span, span.c.course_id == Course.id)
            .where(Course.ki_id == helper.ki_id, Course.cancelled_at.is_(None), span.c.ends > now)
            .order_by(span.c.starts, Course.id)
            .options(*_DETAILS)
        )
    )


def upcoming_cards(helper: HelperProfile, now: datetime | None = None) -> list[CourseCard]:
    now = now or utcnow()
    return cards_for(upcoming_courses(helper, now), helper, now)


def course_card(course_id: int, helper: HelperProfile) -> CourseCard | None:
    """One course of the helper's KI as its card (called off or over ones too); None for any other."""
    course = db.session.scalar(
        select(Course).where(Course.id == course_id, Course.ki_id == helper.ki_id).options(*_DETAILS)
    )
    return cards_for([course], helper)[0] if course is not None else None


@dataclass
class PastCourse:
    course: Course
    attended: list[CourseDate] = field(default_factory=list)


def past_courses(helper: HelperProfile, now: datetime | None = None) -> list[PastCourse]:
    """The helper's courses that are over (she held a seat, or a coordinator recorded her at a date),
    newest first, each with the dates she attended."""
    now = now or utcnow()
    span = _ends()
    attended_course = (
        select(CourseDate.course_id)
        .join(CourseAttendance, CourseAttendance.date_id == CourseDate.id)
        .where(CourseAttendance.helper_id == helper.id)
    )
    seat = select(CourseSignup.course_id).where(
        CourseSignup.helper_id == helper.id, CourseSignup.status == SignupStatus.REGISTERED
    )
    courses = db.session.scalars(
        select(Course)
        .join(span, span.c.course_id == Course.id)
        .where(
            Course.ki_id == helper.ki_id,
            span.c.ends <= now,
            or_(Course.id.in_(attended_course), Course.id.in_(seat) & Course.cancelled_at.is_(None)),
        )
        .order_by(span.c.ends.desc(), Course.id.desc())
        .options(*_DETAILS)
    ).all()
    attended = _attended_dates(helper, [course.id for course in courses])
    return [PastCourse(course, attended.get(course.id, [])) for course in courses]


def _attended_dates(helper: HelperProfile, course_ids: list[int]) -> dict[int, list[CourseDate]]:
    dates = db.session.scalars(
        select(CourseDate)
        .join(CourseAttendance, CourseAttendance.date_id == CourseDate.id)
        .where(CourseAttendance.helper_id == helper.id, CourseDate.course_id.in_(course_ids))
        .order_by(CourseDate.starts_at)
    )
    found = defaultdict(list)
    for course_date in dates:
        found[course_date.course_id].append(course_date)
    return found


# --- the calendar ------------------------------------------------------------------------------


def registered_signup(course_id: int, helper: HelperProfile) -> CourseSignup | None:
    """The helper's sign-up with a seat in this course of her KI, with the course and its dates."""
    return db.session.scalar(
        select(CourseSignup)
        .join(Course, Course.id == CourseSignup.course_id)
        .where(
            CourseSignup.course_id == course_id,
            CourseSignup.helper_id == helper.id,
            CourseSignup.status == SignupStatus.REGISTERED,
            Course.ki_id == helper.ki_id,
        )
        .options(selectinload(CourseSignup.course).options(*_DETAILS))
    )


def feed_signups(helper: HelperProfile, since: datetime) -> list[CourseSignup]:
    """The sign-ups whose dates go into the helper's calendar feed: those with a seat, and those
    she withdrew from (their dates then say they are off), of courses not over ``since``."""
    span = _ends()
    return list(
        db.session.scalars(
            select(CourseSignup)
            .join(span, span.c.course_id == CourseSignup.course_id)
            .where(
                CourseSignup.helper_id == helper.id,
                CourseSignup.status.in_((SignupStatus.REGISTERED, SignupStatus.CANCELLED)),
                span.c.ends >= since,
            )
            .order_by(span.c.starts, CourseSignup.id)
            .options(selectinload(CourseSignup.course).options(*_DETAILS))
        )
    )
