"""Who hears that a training course was called off: everyone signed up, with a seat or waiting.

``create_app`` subscribes ``HANDLERS`` (see ``ki_match.events``); ``training.services`` publishes
``CourseCancelled``. To a helper the KI manages, ``mailing.to_helper`` writes a task instead.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.notifications.mailing import to_helper
from ki_match.training.events import CourseCancelled


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


HANDLERS = {CourseCancelled: course_cancelled}
