"""The demo's training courses: one coming up (four modules on Saturdays of the coming weeks, full,
two on the waiting list) and one held last spring or autumn, its attendance recorded.

Who takes part follows from the people already made: volunteers not yet qualified sign up for the
coming course; the past course's participants are the Sprachlots*innen qualified most recently,
whose qualification it completed (their ``qualification_completed_on`` becomes its last day: only
ever moved earlier, so no request of the demo's year asked for a qualification they lacked).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from ki_match.clock import local_to_utc
from ki_match.devtools.demo.clock import is_office_day
from ki_match.devtools.demo.people import APPROVED, Cast, DemoHelper
from ki_match.helpers.models import HelperKind
from ki_match.training.models import (
    Course,
    CourseAttendance,
    CourseDate,
    CourseModule,
    CourseSignup,
    SignupStatus,
)

CAPACITY = 12
WAITING = 2
PAST_ATTENDEES = 8
PLACE = "Kommunales Integrationszentrum, Musterstraße 1, 37671 Höxter, Seminarraum 2"
MODULES = (
    "Rolle und Haltung als Sprachlots*in",
    "Dolmetschen im Gespräch",
    "Behörden, Schule und Gesundheit",
    "Schweigepflicht, Grenzen und Selbstschutz",
)
PAST_MODULES = MODULES[:3]
DESCRIPTION = (
    "Die Qualifizierung für Sprachlots*innen des Kreises, samstags von 10 bis 15 Uhr. Wer an jedem "
    "Modul teilgenommen hat, ist qualifizierte*r Sprachlots*in."
)


def _saturdays(first: date, count: int) -> list[date]:
    """``count`` Saturdays from ``first`` on, a week apart, skipping public holidays."""
    day = first + timedelta(days=(5 - first.weekday()) % 7)
    found = []
    while len(found) < count:
        if is_office_day(day, saturday_ok=True):
            found.append(day)
        day += timedelta(days=7)
    return found


def _course(cast: Cast, title: str, modules: tuple[str, ...], days: list[date], created: datetime) -> Course:
    course = Course(
        ki_id=cast.ki.id,
        title=title,
        description=DESCRIPTION,
        place=PLACE,
        capacity=CAPACITY,
        qualifies=True,
        created_at=created,
        created_by_id=cast.coordinators[0].id,
    )
    course.modules = [CourseModule(name=name, position=index) for index, name in enumerate(modules)]
    course.dates = [
        CourseDate(module=module, starts_at=local_to_utc(day, time(10)), ends_at=local_to_utc(day, time(15)))
        for module, day in zip(course.modules, days, strict=True)
    ]
    return course


def _season(day: date) -> str:
    """What a course starting on ``day`` is called: "Winter 2026/27", "Frühjahr 2027"…"""
    if day.month in (12, 1, 2):
        first = day.year if day.month == 12 else day.year - 1
        return f"Winter {first}/{str(first + 1)[-2:]}"
    if day.month < 6:
        return f"Frühjahr {day.year}"
    return f"Sommer {day.year}" if day.month < 9 else f"Herbst {day.year}"


def courses(rng: random.Random, now: datetime, today: date, cast: Cast) -> list[Course]:
    """The coming course and the past one, with their sign-ups and attendance."""
    return [_coming(rng, now, today, cast), _past(cast)]


def _coming(rng: random.Random, now: datetime, today: date, cast: Cast) -> Course:
    days = _saturdays(today + timedelta(days=10), len(MODULES))
    course = _course(
        cast, f"Sprachlotsen-Qualifizierung {_season(days[0])}", MODULES, days, now - timedelta(days=30)
    )
    volunteers = [
        helper
        for helper in cast.helpers
        if helper.state == APPROVED and helper.profile.kind == HelperKind.VOLUNTEER
    ]
    chosen = rng.sample(volunteers, min(len(volunteers), CAPACITY + WAITING))
    for index, helper in enumerate(chosen):
        status = SignupStatus.REGISTERED if index < CAPACITY else SignupStatus.WAITING
        signed_up = now - timedelta(days=28 - index, hours=index % 5)
        course.signups.append(
            CourseSignup(helper_id=helper.profile.id, status=status, signed_up_at=signed_up)
        )
    return course


def _past(cast: Cast) -> Course:
    """The course that qualified the demo's most recently qualified Sprachlots*innen: its last
    Saturday on or before the earliest of their days."""
    attendees = _latest_qualified(cast.helpers, PAST_ATTENDEES)
    earliest = min(helper.profile.qualification_completed_on for helper in attendees)
    last = earliest - timedelta(days=(earliest.weekday() - 5) % 7)
    days = _saturdays(last - timedelta(weeks=len(PAST_MODULES) + 1), len(PAST_MODULES))
    course = _course(
        cast,
        f"Sprachlotsen-Qualifizierung {_season(days[0])}",
        PAST_MODULES,
        days,
        local_to_utc(days[0] - timedelta(days=60), time(9)),
    )
    coordinator = cast.coordinators[0]
    for index, helper in enumerate(attendees):
        signed_up = local_to_utc(days[0] - timedelta(days=40 - index), time(11))
        course.signups.append(
            CourseSignup(helper_id=helper.profile.id, status=SignupStatus.REGISTERED, signed_up_at=signed_up)
        )
        for course_date in course.dates:
            course_date.attendances.append(
                CourseAttendance(
                    helper_id=helper.profile.id,
                    recorded_at=course_date.ends_at + timedelta(hours=2),
                    recorded_by_id=coordinator.id,
                )
            )
        helper.profile.qualification_completed_on = days[-1]
    return course


def _latest_qualified(helpers: list[DemoHelper], count: int) -> list[DemoHelper]:
    """The ``count`` approved Sprachlots*innen qualified most recently (ties in the demo's order)."""
    qualified = [
        helper
        for helper in helpers
        if helper.state == APPROVED
        and helper.profile.kind == HelperKind.SPRACHLOTSE
        and helper.profile.qualification_completed_on is not None
    ]
    qualified.sort(key=lambda helper: helper.profile.qualification_completed_on, reverse=True)
    return qualified[:count]
