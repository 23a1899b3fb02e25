"""Loading a course for a coordinator's page: found, of the user's KI — or 404.

Never 403: whether another KI's course exists is not for the user to learn.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.orgs.queries import current_ki
from ki_match.training.models import Course, CourseDate


def get_course(course_id: int) -> Course:
    """The course of the current KI with its modules and dates (and each date's attendance), for
    its coordinators and admins."""
    if current_user.role not in (Role.COORDINATOR, Role.ADMIN):
        abort(404)
    course = db.session.scalar(
        select(Course)
        .where(Course.id == course_id, Course.ki_id == current_ki().id)
        .options(
            selectinload(Course.modules),
            selectinload(Course.dates).selectinload(CourseDate.attendances),
        )
    )
    if course is None:
        abort(404)
    return course
