"""Who hears what of a training course: a helper who moved up from the waiting list, and everyone
signed up (with a seat or waiting) when it is called off.

``create_app`` subscribes ``HANDLERS`` (see ``ki_match.events``); ``training.signups`` publishes
``MovedUp``, ``training.services`` ``CourseCancelled``. To a helper the KI manages,
``mailing.to_helper`` writes a task instead.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.notifications.mailing import to_helper
from ki_match.training.events import CourseCancelled, MovedUp
from ki_match.training.helper_queries import card_id
from ki_match.urls import public_url


def moved_up(event: MovedUp) -> None:
    """Each helper who moved up from the waiting list hears she has a seat, with the dates: once per
    move-up (a sign-up made again after withdrawing is a new one, its time in the key)."""
    course = event.course
    for signup in event.signups:
        to_helper(
            signup.helper,
            kind="course_moved_up",
            key=f"course-moved-up:{signup.id}:{signup.signed_up_at:%Y%m%d%H%M%S%f}",
            subject=_l("Sie haben einen Platz im Kurs „%(title)s“", title=course.title),
            template="emails/course_moved_up",
            course=course,
            link=public_url("training.index", _anchor=card_id(course.id)),
        )


def course_cancelled(event: CourseCancelled) -> None:
    for signup in event.signups:
        to_helper(
            signup.helper,
            kind="course_cancelled",
            key=f"course-cancelled:{event.course.id}:{signup.helper_id}",
            subject=_l("Kurs abgesagt: %(title)s", title=event.course.title),
            template="emails/course_cancelled",
            course=event.course,
        )


HANDLERS = {MovedUp: moved_up, CourseCancelled: course_cancelled}
