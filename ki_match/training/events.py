"""What happens to a course that the layers above tell people about (see ``ki_match.events``):
the mails themselves are ``notifications``' to send."""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.training.models import Course, CourseSignup


@dataclass(frozen=True, kw_only=True)
class MovedUp:
    """Seats freed and these sign-ups moved up from the waiting list: each now has a seat."""

    course: Course
    signups: list[CourseSignup]


@dataclass(frozen=True, kw_only=True)
class CourseCancelled:
    """A coordinator called the course off; ``signups`` are those who held a seat or waited."""

    course: Course
    actor: object
    signups: list[CourseSignup]
