"""A helper's courses are hers: in her export, and gone with her account; the course stays."""

from __future__ import annotations

from sqlalchemy import func, select

from ki_match.extensions import db
from ki_match.privacy.queries import personal_data
from ki_match.privacy.services import delete_helper_account
from ki_match.training.models import Course, CourseAttendance, CourseSignup
from ki_match.training.signups import sign_up
from tests.factories import make_course


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_her_sign_up_and_attendance_are_exported_and_erased_with_her_account(ki, create_helper, coordinator):
    course = make_course(ki=ki)
    amina, bilal = create_helper(), create_helper()
    for helper in (amina, bilal):
        sign_up(course.id, helper.id, coordinator)
        db.session.add(
            CourseAttendance(date_id=course.dates[0].id, helper_id=helper.id, recorded_by_id=coordinator.id)
        )
    db.session.commit()

    export = personal_data(amina.user)["tables"]
    assert [row["course_id"] for row in export["training_signup"]] == [course.id]
    assert [row["date_id"] for row in export["training_attendance"]] == [course.dates[0].id]

    delete_helper_account(amina.user)
    assert db.session.scalars(select(CourseSignup.helper_id)).all() == [bilal.id]
    assert db.session.scalars(select(CourseAttendance.helper_id)).all() == [bilal.id]
    assert _count(Course) == 1
