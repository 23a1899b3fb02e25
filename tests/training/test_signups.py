"""Signing up for a course: seats, the waiting list in order, withdrawing, and the last seat
taken by two helpers at once (on both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.training.events import MovedUp
from ki_match.training.models import CourseSignup, SignupStatus
from ki_match.training.signups import SignupError, lock_course, promote, sign_up, waiting_position, withdraw
from tests.concurrency import race
from tests.factories import make_course, other_ki


def _status(course, helper) -> SignupStatus | None:
    db.session.expire_all()
    return db.session.scalar(
        select(CourseSignup.status).where(
            CourseSignup.course_id == course.id, CourseSignup.helper_id == helper.id
        )
    )


def _me(helper) -> User:
    return db.session.get(User, helper.user_id)


def test_seats_first_then_the_waiting_list_in_the_order_signed_up(ki, create_helper):
    course = make_course(ki=ki, capacity=2)
    helpers = [create_helper() for _ in range(4)]
    for helper in helpers:
        sign_up(course.id, helper.id, _me(helper))
    assert [_status(course, h) for h in helpers] == [
        SignupStatus.REGISTERED,
        SignupStatus.REGISTERED,
        SignupStatus.WAITING,
        SignupStatus.WAITING,
    ]
    signups = {s.helper_id: s for s in db.session.scalars(select(CourseSignup))}
    assert [waiting_position(signups[h.id]) for h in helpers] == [None, None, 1, 2]


def test_signing_up_twice_changes_nothing(ki, create_helper):
    course = make_course(ki=ki, capacity=1)
    amina = create_helper()
    first = sign_up(course.id, amina.id, _me(amina))
    again = sign_up(course.id, amina.id, _me(amina))
    assert first.id == again.id and again.status == SignupStatus.REGISTERED
    assert db.session.scalar(select(func.count()).select_from(CourseSignup)) == 1


def test_a_freed_seat_goes_to_the_first_who_waits_and_is_published(app, ki, create_helper):
    heard = []
    app.extensions["ki_match.events"][MovedUp].append(heard.append)
    course = make_course(ki=ki, capacity=1)
    amina, bilal, chiara = create_helper(), create_helper(), create_helper()
    for helper in (amina, bilal, chiara):
        sign_up(course.id, helper.id, _me(helper))
    moved = withdraw(course.id, amina.id, _me(amina))
    assert [s.helper_id for s in moved] == [bilal.id]
    assert [_status(course, h) for h in (amina, bilal, chiara)] == [
        SignupStatus.CANCELLED,
        SignupStatus.REGISTERED,
        SignupStatus.WAITING,
    ]
    assert [[s.helper_id for s in event.signups] for event in heard] == [[bilal.id]]


def test_leaving_the_waiting_list_moves_nobody_up(ki, create_helper):
    course = make_course(ki=ki, capacity=1)
    amina, bilal, chiara = create_helper(), create_helper(), create_helper()
    for helper in (amina, bilal, chiara):
        sign_up(course.id, helper.id, _me(helper))
    assert withdraw(course.id, bilal.id, _me(bilal)) == []
    assert _status(course, chiara) == SignupStatus.WAITING


def test_signing_up_again_after_withdrawing_queues_at_the_end(ki, create_helper):
    course = make_course(ki=ki, capacity=1)
    amina, bilal, chiara = create_helper(), create_helper(), create_helper()
    for helper in (amina, bilal):
        sign_up(course.id, helper.id, _me(helper))
    withdraw(course.id, amina.id, _me(amina))  # bilal moves up
    sign_up(course.id, chiara.id, _me(chiara))
    again = sign_up(course.id, amina.id, _me(amina))
    assert again.status == SignupStatus.WAITING and waiting_position(again) == 2


def test_a_larger_capacity_moves_the_waiting_up(ki, create_helper, coordinator):
    course = make_course(ki=ki, capacity=1)
    helpers = [create_helper() for _ in range(3)]
    for helper in helpers:
        sign_up(course.id, helper.id, _me(helper))
    locked = lock_course(course.id)
    locked.capacity = 2
    moved = promote(locked, coordinator)
    db.session.commit()
    assert [s.helper_id for s in moved] == [helpers[1].id]
    assert _status(course, helpers[2]) == SignupStatus.WAITING


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("cancelled", "abgesagt"),
        ("over", "vorbei"),
        ("begun", "schon begonnen"),
        ("other_ki", "anderen Integrationszentrum"),
    ],
)
def test_a_helper_cannot_sign_up_for_a_course_that_does_not_take_her(ki, create_helper, case, message):
    helper = create_helper(ki=other_ki()) if case == "other_ki" else create_helper()
    starts_in = {"over": timedelta(days=-30), "begun": timedelta(days=-1)}.get(case, timedelta(days=7))
    course = make_course(ki=ki, starts_in=starts_in)
    if case == "cancelled":
        course.cancelled_at = utcnow()
        db.session.commit()
    with pytest.raises(SignupError, match=message):
        sign_up(course.id, helper.id, _me(helper))


@pytest.mark.parametrize("starts_in", [timedelta(days=-1), timedelta(days=-30)], ids=["begun", "over"])
def test_a_coordinator_may_add_someone_once_the_course_has_begun_or_is_over(
    ki, create_helper, coordinator, starts_in
):
    """Over: someone came without signing up, and her attendance is to be recorded."""
    course = make_course(ki=ki, starts_in=starts_in)
    amina = create_helper()
    assert sign_up(course.id, amina.id, coordinator).status == SignupStatus.REGISTERED


def test_a_refusal_gives_the_course_lock_back(ki, create_helper):
    course = make_course(ki=ki, starts_in=timedelta(days=-1))
    amina = create_helper()
    with pytest.raises(SignupError):
        sign_up(course.id, amina.id, _me(amina))
    assert not db.session().in_transaction()


def test_nobody_withdraws_from_a_course_that_is_over(ki, create_helper, coordinator):
    course = make_course(ki=ki, modules=())
    amina = create_helper()
    sign_up(course.id, amina.id, coordinator)
    course.dates[0].starts_at = utcnow() - timedelta(hours=3)
    course.dates[0].ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    with pytest.raises(SignupError, match="vorbei"):
        withdraw(course.id, amina.id, _me(amina))


def test_sign_ups_and_withdrawals_are_audited_under_the_helper(ki, create_helper, coordinator):
    from ki_match.audit.models import AuditEvent

    course = make_course(ki=ki, capacity=1)
    amina = create_helper()
    sign_up(course.id, amina.id, coordinator)
    withdraw(course.id, amina.id, _me(amina))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("training.%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.subject_type, e.subject_id, e.detail["on_behalf"]) for e in events] == [
        ("training.signed_up", "helper_profile", amina.id, True),
        ("training.withdrawn", "helper_profile", amina.id, False),
    ]


@pytest.mark.parametrize("attempt", range(3))
def test_helpers_signing_up_at_once_never_overbook_the_course(app, ki, create_helper, attempt):
    course = make_course(ki=ki, capacity=2)
    helpers = [create_helper() for _ in range(5)]
    pairs = [(h.id, h.user_id) for h in helpers]
    calls = [
        (
            lambda helper_id=helper_id, user_id=user_id: sign_up(
                course.id, helper_id, db.session.get(User, user_id)
            )
        )
        for helper_id, user_id in pairs
    ]
    results = race(app, calls)
    assert all(isinstance(result, CourseSignup) for result in results), results
    db.session.expire_all()
    counts = dict(
        db.session.execute(
            select(CourseSignup.status, func.count())
            .where(CourseSignup.course_id == course.id)
            .group_by(CourseSignup.status)
        ).all()
    )
    assert counts == {SignupStatus.REGISTERED: 2, SignupStatus.WAITING: 3}


@pytest.mark.parametrize("attempt", range(3))
def test_a_withdrawal_and_a_sign_up_at_once_leave_the_seat_to_one(
    app, ki, create_helper, create_user, attempt
):
    course = make_course(ki=ki, capacity=1)
    amina, bilal, chiara = create_helper(), create_helper(), create_helper()
    sign_up(course.id, amina.id, _me(amina))
    sign_up(course.id, bilal.id, _me(bilal))  # waits
    coordinator_id = create_user(Role.COORDINATOR).id
    results = race(
        app,
        [
            lambda: withdraw(course.id, amina.id, db.session.get(User, coordinator_id)),
            lambda: sign_up(course.id, chiara.id, db.session.get(User, chiara.user_id)),
        ],
    )
    assert not any(isinstance(result, Exception) for result in results), results
    assert _status(course, bilal) == SignupStatus.REGISTERED
    assert _status(course, chiara) == SignupStatus.WAITING
