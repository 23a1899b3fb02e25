"""Creating, changing and calling off a course; attendance and the qualification it completes."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import local_date, local_today
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.training.attendance import AttendanceError, record_attendance
from ki_match.training.models import Course, CourseAttendance, CourseSignup, SignupStatus
from ki_match.training.services import (
    CourseData,
    CourseError,
    DateData,
    cancel_course,
    create_course,
    update_course,
)
from ki_match.training.signups import SignupError, sign_up
from tests.factories import berlin, make_course, make_managed_helper, make_user, other_ki
from tests.support import audit_events, outbox


def _data(**fields) -> CourseData:
    day = local_today() + timedelta(days=20)
    values = {
        "title": "Sprachlotsen-Qualifizierung Frühjahr",
        "capacity": 10,
        "place": "KI Höxter, Moltkestraße 12",
        "modules": ["Rolle und Haltung", "Dolmetschtechniken"],
        "dates": [
            DateData(day=day, start=time(17), end=time(20), module="Rolle und Haltung"),
            DateData(day=day + timedelta(days=7), start=time(17), end=time(20), module="Dolmetschtechniken"),
        ],
    }
    return CourseData(**{**values, **fields})


def _errors(data: CourseData, ki) -> dict:
    with pytest.raises(CourseError) as raised:
        create_course(ki, data, make_user(Role.COORDINATOR, ki=ki))
    return {name: [str(message) for message in messages] for name, messages in raised.value.errors.items()}


def test_create_stores_modules_in_order_and_dates_in_utc(ki, coordinator):
    course = create_course(ki, _data(), coordinator)
    db.session.commit()
    assert [module.name for module in course.modules] == ["Rolle und Haltung", "Dolmetschtechniken"]
    first = course.dates[0]
    assert first.starts_at == berlin(local_today() + timedelta(days=20), time(17))
    assert first.module.name == "Rolle und Haltung"
    assert course.created_by_id == coordinator.id
    assert audit_events("training.course_created")[-1].subject_id == course.id


def test_validation_says_what_is_wrong_next_to_each_field(ki):
    day = local_today() + timedelta(days=3)
    errors = _errors(
        _data(
            title="  ",
            capacity=0,
            place="",
            online=False,
            modules=["Haltung", "haltung"],
            dates=[
                DateData(day=day, start=time(18), end=time(17)),
                DateData(day=day, start=time(9), end=time(10), module="Unbekannt"),
                DateData(day=day, start=None, end=time(10)),
                DateData(day=date(2027, 3, 28), start=time(2, 30), end=time(4)),
            ],
        ),
        ki,
    )
    assert errors["title"] == ["Bitte geben Sie dem Kurs einen Titel."]
    assert errors["capacity"] == ["Bitte eine Zahl von 1 bis 500 Plätzen."]
    assert errors["place"] == ["Bitte geben Sie einen Ort an oder kreuzen Sie „online“ an."]
    assert errors["modules"] == ["Das Modul „haltung“ steht zweimal in der Liste."]
    assert errors["dates-0-end"] == ["Das Ende muss nach dem Anfang liegen."]
    assert errors["dates-1-module"] == ["Bitte eines der Module dieses Kurses wählen."]
    assert errors["dates-2-start"] == ["Bitte die Anfangszeit angeben."]
    assert "Uhren" in errors["dates-3-start"][0]
    assert db.session.scalar(select(Course.id)) is None


def test_at_least_one_date_and_online_is_a_place(ki):
    errors = _errors(_data(place=None, online=True, capacity=501, dates=[DateData()]), ki)
    assert set(errors) == {"dates", "capacity"}
    assert errors["dates"] == ["Bitte tragen Sie mindestens einen Termin ein."]


def test_update_matches_modules_by_name_and_dates_by_id(ki, coordinator):
    course = make_course(ki=ki)
    first, second = course.dates
    data = _data(
        modules=["Dolmetschtechniken", "Rolle und Haltung", "Recht"],
        dates=[
            DateData(
                day=local_date(first.starts_at), start=time(9), end=time(12), module="Recht", date_id=first.id
            ),
            DateData(date_id=second.id, remove=True),
            DateData(day=local_today() + timedelta(days=40), start=time(10), end=time(11)),
        ],
    )
    module_ids = {module.name: module.id for module in course.modules}
    update_course(course.id, data, coordinator)
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert [module.name for module in course.modules] == ["Dolmetschtechniken", "Rolle und Haltung", "Recht"]
    assert {module.name: module.id for module in course.modules if module.name != "Recht"} == module_ids
    assert [(d.id == first.id, d.module.name if d.module else None) for d in course.dates] == [
        (True, "Recht"),
        (False, None),
    ]
    assert audit_events("training.course_updated")


def test_more_seats_move_the_first_who_waits_up_and_fewer_than_registered_are_refused(
    ki, coordinator, create_helper
):
    course = make_course(ki=ki, capacity=1)
    amina, berta = create_helper(), create_helper()
    sign_up(course.id, amina.id, coordinator)
    sign_up(course.id, berta.id, coordinator)
    dates = [
        DateData(
            date_id=d.id, day=local_date(d.starts_at), start=time(17), end=time(20), module=d.module.name
        )
        for d in course.dates
    ]
    _, moved = update_course(course.id, _data(capacity=2, dates=dates), coordinator)
    assert [signup.helper_id for signup in moved] == [berta.id]
    with pytest.raises(CourseError) as raised:
        update_course(course.id, _data(capacity=1, dates=dates), coordinator)
    assert "Es sind schon 2 Personen angemeldet" in str(raised.value.errors["capacity"][0])


def test_a_date_with_attendance_cannot_be_removed(ki, coordinator, create_helper):
    course = make_course(ki=ki, starts_in=timedelta(days=-1), modules=())
    helper = create_helper()
    _registered(course, helper)
    record_attendance(course.dates[0].id, [helper.id], coordinator)
    db.session.commit()
    data = _data(modules=[], dates=[DateData(date_id=course.dates[0].id, remove=True)])
    with pytest.raises(CourseError) as raised:
        update_course(course.id, data, coordinator)
    assert "dates-0-remove" in raised.value.errors


def test_cancel_tells_everyone_signed_up_and_a_managed_helper_through_a_task(ki, coordinator, create_helper):
    course = make_course(ki=ki, capacity=1, title="Herbstkurs")
    seated, waiting = create_helper(), make_managed_helper(ki=ki)
    gone = create_helper()
    for helper in (seated, waiting, gone):
        sign_up(course.id, helper.id, coordinator)
    from ki_match.training.signups import withdraw

    withdraw(course.id, gone.id, coordinator)
    cancel_course(course.id, coordinator)
    cancel_course(course.id, coordinator)  # twice: nothing more
    mails = outbox("course_cancelled")
    assert [mail.to_address for mail in mails] == [seated.user.email]
    assert mails[0].subject == "Kurs abgesagt: Herbstkurs"
    assert "Herbstkurs" in mails[0].body_text
    from ki_match.notifications.tasks import CoordinatorTask

    tasks = list(
        db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.kind == "course_cancelled"))
    )
    assert [task.helper_id for task in tasks] == [waiting.id]
    assert db.session.get(Course, course.id).is_cancelled
    assert len(audit_events("training.course_cancelled")) == 1
    with pytest.raises(SignupError):
        update_course(course.id, _data(), coordinator)


# --- attendance ------------------------------------------------------------------------------------


def _registered(course, *helpers):
    for helper in helpers:
        db.session.add(CourseSignup(course_id=course.id, helper_id=helper.id, status=SignupStatus.REGISTERED))
    db.session.commit()


def _present(date_id) -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(select(CourseAttendance.helper_id).where(CourseAttendance.date_id == date_id))
    )


@pytest.fixture
def past_course(ki):
    """Two modules, dates 15 and 8 days ago."""
    return make_course(ki=ki, starts_in=timedelta(days=-15))


def test_attendance_is_set_to_exactly_the_registered_ones_given(past_course, coordinator, create_helper):
    amina, berta, waiting = (create_helper(checked=False) for _ in range(3))
    _registered(past_course, amina, berta)
    db.session.add(CourseSignup(course_id=past_course.id, helper_id=waiting.id, status=SignupStatus.WAITING))
    db.session.commit()
    date_id = past_course.dates[0].id
    record_attendance(date_id, [amina.id, berta.id], coordinator)
    db.session.commit()
    assert _present(date_id) == {amina.id, berta.id}
    record_attendance(date_id, [berta.id], coordinator)
    db.session.commit()
    assert _present(date_id) == {berta.id}
    with pytest.raises(AttendanceError):
        record_attendance(date_id, [waiting.id], coordinator)
    assert audit_events("training.attendance_recorded")[-1].detail["taken_back"] == 1


def test_every_module_attended_qualifies_on_the_day_of_the_last(past_course, coordinator, create_helper):
    amina = create_helper(checked=False)
    _registered(past_course, amina)
    first, second = past_course.dates
    assert record_attendance(second.id, [amina.id], coordinator) == []
    qualified = record_attendance(first.id, [amina.id], coordinator)
    db.session.commit()
    assert [profile.id for profile in qualified] == [amina.id]
    profile = db.session.get(HelperProfile, amina.id)
    assert profile.qualification_completed_on == local_date(second.starts_at)
    assert profile.qualification_seen_by_id == coordinator.id
    # Taken back: the qualification date stays; recorded again: nobody "becomes" qualified twice.
    record_attendance(first.id, [], coordinator)
    db.session.commit()
    assert db.session.get(HelperProfile, amina.id).qualification_completed_on == local_date(second.starts_at)
    assert record_attendance(first.id, [amina.id], coordinator) == []


def test_an_earlier_qualification_date_is_kept(past_course, coordinator, create_helper):
    amina = create_helper(checked=False)
    amina.qualification_completed_on = date(2024, 5, 1)
    _registered(past_course, amina)
    for course_date in past_course.dates:
        assert record_attendance(course_date.id, [amina.id], coordinator) == []
    db.session.commit()
    assert db.session.get(HelperProfile, amina.id).qualification_completed_on == date(2024, 5, 1)


def test_a_course_without_modules_is_completed_by_every_date(ki, coordinator, create_helper):
    course = make_course(ki=ki, modules=(), starts_in=timedelta(days=-3))
    assert len(course.dates) == 1
    amina = create_helper(checked=False)
    _registered(course, amina)
    assert record_attendance(course.dates[0].id, [amina.id], coordinator)[0].id == amina.id
    db.session.commit()
    assert db.session.get(HelperProfile, amina.id).qualification_completed_on == local_date(
        course.dates[0].starts_at
    )


def test_a_course_that_does_not_qualify_sets_no_date(ki, coordinator, create_helper):
    course = make_course(ki=ki, modules=(), starts_in=timedelta(days=-3), qualifies=False)
    amina = create_helper(checked=False)
    _registered(course, amina)
    assert record_attendance(course.dates[0].id, [amina.id], coordinator) == []
    db.session.commit()
    assert db.session.get(HelperProfile, amina.id).qualification_completed_on is None


def test_a_future_date_another_kis_course_and_a_cancelled_one_are_refused(ki, coordinator, create_helper):
    amina = create_helper(checked=False)
    future = make_course(ki=ki)
    _registered(future, amina)
    with pytest.raises(AttendanceError, match="Zukunft"):
        record_attendance(future.dates[0].id, [amina.id], coordinator)
    foreign = make_course(ki=other_ki(), starts_in=timedelta(days=-3))
    with pytest.raises(AttendanceError, match="anderen Integrationszentrum"):
        record_attendance(foreign.dates[0].id, [], coordinator)
    past = make_course(ki=ki, starts_in=timedelta(days=-3))
    cancel_course(past.id, db.session.get(User, coordinator.id))
    with pytest.raises(AttendanceError, match="abgesagt"):
        record_attendance(past.dates[0].id, [], coordinator)
    assert db.session.scalar(select(CourseAttendance.helper_id)) is None


def test_another_kis_course_cannot_be_changed_or_called_off(ki, coordinator):
    foreign = make_course(ki=other_ki())
    with pytest.raises(SignupError, match="anderen Integrationszentrum"):
        update_course(foreign.id, _data(), coordinator)
    with pytest.raises(SignupError, match="anderen Integrationszentrum"):
        cancel_course(foreign.id, coordinator)
    assert db.session.get(Course, foreign.id).cancelled_at is None


@pytest.mark.parametrize("attempt", range(2))
def test_two_coordinators_saving_one_dates_attendance_at_once_are_served_in_turn(
    app, past_course, create_helper, attempt
):
    amina, berta = create_helper(checked=False), create_helper(checked=False)
    _registered(past_course, amina, berta)
    date_id = past_course.dates[0].id
    coordinators = [make_user(Role.COORDINATOR).id, make_user(Role.COORDINATOR).id]

    def save(user_id: int) -> str:
        try:
            record_attendance(date_id, [amina.id, berta.id], db.session.get(User, user_id))
            db.session.commit()
        except Exception as error:  # a duplicate row, say: the race's helper passes on RequestError only
            return repr(error)
        return "saved"

    from tests.concurrency import race

    results = race(app, [lambda user_id=user_id: save(user_id) for user_id in coordinators])
    assert results == ["saved", "saved"]
    db.session.expire_all()
    assert _present(date_id) == {amina.id, berta.id}


@pytest.mark.parametrize(
    ("place", "online", "date_place", "said"),
    [
        ("KI, Raum 3", False, None, "KI, Raum 3"),
        ("KI, Raum 3", True, None, "KI, Raum 3 oder online"),
        (None, True, None, "online"),
        ("KI, Raum 3", True, "Rathaus Brakel", "Rathaus Brakel"),
    ],
)
def test_where_a_course_or_one_of_its_dates_takes_place(app, place, online, date_place, said):
    from ki_match.training.labels import course_where
    from ki_match.training.models import CourseDate

    with app.test_request_context():
        course = Course(place=place, online=online)
        assert course_where(course, CourseDate(place=date_place)) == said
