"""Signing up for a course, and the waiting list.

One sign-up covers a course's dates. While seats are free a sign-up takes one
(``registered``); past the capacity it waits (``waiting``), in the order signed
up. A seat that frees (someone withdraws, the capacity grows) goes to the first
who waits. Every change of a course's seats first takes the course's lock, so
two helpers signing up for the last seat at the same moment are served one
after the other: one gets the seat, the other the first place on the waiting
list, and the course never holds more than its capacity.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.locks import lock_row
from ki_match.training.events import MovedUp
from ki_match.training.models import Course, CourseDate, CourseSignup, SignupStatus

HOLDING = (SignupStatus.REGISTERED, SignupStatus.WAITING)


class SignupError(RequestError):
    """The sign-up or withdrawal cannot happen; the message says why, in plain words."""


def lock_course(course_id: int) -> Course:
    """Start a fresh transaction that holds the write lock on this course."""
    course = lock_row(Course, course_id)
    if course is None:
        raise SignupError(_l("Diesen Kurs gibt es nicht (mehr)."))
    return course


def first_start(course_id: int) -> datetime | None:
    return db.session.scalar(select(func.min(CourseDate.starts_at)).where(CourseDate.course_id == course_id))


def last_end(course_id: int) -> datetime | None:
    return db.session.scalar(select(func.max(CourseDate.ends_at)).where(CourseDate.course_id == course_id))


def seats_taken(course_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CourseSignup)
        .where(CourseSignup.course_id == course_id, CourseSignup.status == SignupStatus.REGISTERED)
    )


def _own_signup(course_id: int, helper_id: int) -> CourseSignup | None:
    return db.session.scalar(
        select(CourseSignup)
        .where(CourseSignup.course_id == course_id, CourseSignup.helper_id == helper_id)
        .execution_options(populate_existing=True)
    )


def _check_open(course: Course, helper: HelperProfile, actor: User, now: datetime) -> None:
    """Refuse a sign-up the course does not take (any more), in words for whoever acts."""
    if course.ki_id != helper.ki_id:
        raise SignupError(_l("Dieser Kurs gehört zu einem anderen Integrationszentrum."))
    if course.is_cancelled:
        raise SignupError(_l("Dieser Kurs wurde abgesagt."))
    if not helper.user.is_active:
        raise SignupError(_l("Dieses Konto ist nicht aktiv."))
    by_helper = actor.id == helper.user_id
    starts, ends = first_start(course.id), last_end(course.id)
    # A coordinator may still add someone once the course has begun (a catch-up by phone), or
    # is over (someone came without signing up, so her attendance can be recorded); a helper
    # signs up before the first date.
    if ends is None or (by_helper and ends <= now):
        raise SignupError(_l("Dieser Kurs ist schon vorbei."))
    if by_helper and starts is not None and starts <= now:
        raise SignupError(
            _l(
                "Der Kurs hat schon begonnen. Bitte fragen Sie im Integrationszentrum, ob Sie noch dazukommen können."
            )
        )


@contextmanager
def _lock_released_on_refusal():
    """A refusal ends the transaction that holds the course's lock, so nobody waits on it while
    the caller shows the reason."""
    try:
        yield
    except SignupError:
        db.session.rollback()
        raise


def sign_up(course_id: int, helper_id: int, actor: User, *, now: datetime | None = None) -> CourseSignup:
    """Sign the helper up for the course: a seat while one is free, else the waiting list.

    Signing up again while signed up changes nothing (a double tap); after a withdrawal it
    counts as a new sign-up, at the end of the waiting list. Commits."""
    with _lock_released_on_refusal():
        return _sign_up(course_id, helper_id, actor, now or utcnow())


def _sign_up(course_id: int, helper_id: int, actor: User, now: datetime) -> CourseSignup:
    course = lock_course(course_id)
    helper = db.session.get(HelperProfile, helper_id)
    if helper is None:
        raise SignupError(_l("Diese Person gibt es nicht (mehr)."))
    signup = _own_signup(course.id, helper.id)
    if signup is not None and signup.status in HOLDING:
        db.session.commit()
        return signup
    _check_open(course, helper, actor, now)
    status = SignupStatus.REGISTERED if seats_taken(course.id) < course.capacity else SignupStatus.WAITING
    if signup is None:
        signup = CourseSignup(course_id=course.id, helper_id=helper.id, status=status, signed_up_at=now)
        db.session.add(signup)
    else:
        signup.status, signup.signed_up_at, signup.cancelled_at = status, now, None
    db.session.flush()
    record(
        "training.signed_up",
        actor=actor,
        subject=helper,
        course_id=course.id,
        status=status.value,
        on_behalf=actor.id != helper.user_id,
    )
    db.session.commit()
    return signup


def withdraw(
    course_id: int, helper_id: int, actor: User, *, now: datetime | None = None
) -> list[CourseSignup]:
    """Take the helper off the course (their seat or their place on the waiting list); a freed
    seat goes to the first who waits. Returns those who moved up. Commits."""
    with _lock_released_on_refusal():
        return _withdraw(course_id, helper_id, actor, now or utcnow())


def _withdraw(course_id: int, helper_id: int, actor: User, now: datetime) -> list[CourseSignup]:
    course = lock_course(course_id)
    signup = _own_signup(course.id, helper_id)
    if signup is None or signup.status not in HOLDING:
        db.session.commit()
        return []
    ends = last_end(course.id)
    if ends is not None and ends <= now:
        raise SignupError(_l("Dieser Kurs ist schon vorbei."))
    had_seat = signup.status == SignupStatus.REGISTERED
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    db.session.flush()
    record(
        "training.withdrawn",
        actor=actor,
        subject=signup.helper,
        course_id=course.id,
        on_behalf=actor.id != signup.helper.user_id,
    )
    moved = promote(course, actor) if had_seat else []
    db.session.commit()
    return moved


def promote(course: Course, actor: User | None) -> list[CourseSignup]:
    """Give free seats to the first who wait, in the order they signed up. The caller holds the
    course's lock (``lock_course``) and commits; a cancelled course moves nobody up."""
    if course.is_cancelled:
        return []
    free = course.capacity - seats_taken(course.id)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        select(CourseSignup)
        .where(CourseSignup.course_id == course.id, CourseSignup.status == SignupStatus.WAITING)
        .order_by(CourseSignup.signed_up_at, CourseSignup.id)
        .limit(free)
    ).all()
    for signup in waiting:
        signup.status = SignupStatus.REGISTERED
        record("training.moved_up", actor=actor, subject=signup.helper, course_id=course.id)
    db.session.flush()
    if waiting:
        publish(MovedUp(course=course, signups=list(waiting)))
    return list(waiting)


def waiting_position(signup: CourseSignup) -> int | None:
    """Where on the waiting list this sign-up stands (1 = next to move up); None when it does not wait."""
    if signup.status != SignupStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(CourseSignup)
        .where(
            CourseSignup.course_id == signup.course_id,
            CourseSignup.status == SignupStatus.WAITING,
            (CourseSignup.signed_up_at < signup.signed_up_at)
            | ((CourseSignup.signed_up_at == signup.signed_up_at) & (CourseSignup.id < signup.id)),
        )
    )
    return ahead + 1
