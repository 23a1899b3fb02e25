"""The coordinators' course pages: the list, the form (bad input kept, messages next to the
fields), the course page, signing up and removing people, attendance (htmx and without JS),
calling a course off; who may use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.clock import local_date, local_today
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.training.models import Course, CourseAttendance, CourseSignup, SignupStatus
from tests.factories import make_course, make_helper, other_ki
from tests.support import htmx_headers, outbox


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def _form(**fields) -> dict:
    day = (local_today() + timedelta(days=30)).isoformat()
    values = {
        "title": "Qualifizierung Frühjahr",
        "place": "KI Höxter, Raum 3",
        "capacity": "12",
        "qualifies": "y",
        "modules": "Rolle und Haltung\nDolmetschtechniken",
        "dates-0-day": day,
        "dates-0-start": "17:00",
        "dates-0-end": "20:00",
        "dates-0-module": "Rolle und Haltung",
        "dates-1-day": "",
        "dates-1-start": "",
        "dates-1-end": "",
        "intent": "save",
    }
    return {**values, **fields}


def _registered(course, *helpers):
    for helper in helpers:
        db.session.add(CourseSignup(course_id=course.id, helper_id=helper.id, status=SignupStatus.REGISTERED))
    db.session.commit()


def test_the_list_shows_upcoming_then_past_with_seats_and_waiting(client, coordinator):
    past = make_course(title="Herbstkurs 2025", starts_in=timedelta(days=-60), capacity=5)
    soon = make_course(title="Frühjahrskurs", capacity=1)
    _registered(past, make_helper())
    _registered(soon, make_helper())
    db.session.add(CourseSignup(course_id=soon.id, helper_id=make_helper().id, status=SignupStatus.WAITING))
    make_course(ki=other_ki(), title="Fremder Kurs")
    page = body(client.get("/courses"))
    assert page.index("Frühjahrskurs") < page.index("Vergangene Kurse") < page.index("Herbstkurs 2025")
    assert "1 / 1" in page and "1 / 5" in page
    assert "Fremder Kurs" not in page
    assert 'href="/courses/new"' in page and 'href="/courses"' in page  # "Kurse" in the navigation


def test_a_new_course_is_saved_and_shown(client, coordinator):
    assert client.get("/courses/new").status_code == 200
    response = client.post("/courses/new", data=_form())
    assert response.status_code == 303
    course = db.session.scalar(select(Course).where(Course.title == "Qualifizierung Frühjahr"))
    assert [module.name for module in course.modules] == ["Rolle und Haltung", "Dolmetschtechniken"]
    assert len(course.dates) == 1 and course.dates[0].module.name == "Rolle und Haltung"
    page = body(client.get(response.headers["Location"]))
    assert "Qualifizierung Frühjahr" in page and "17:00–20:00" in page


def test_bad_input_comes_back_with_messages_next_to_the_fields_and_keeps_what_was_typed(client, coordinator):
    response = client.post(
        "/courses/new",
        data=_form(**{"title": "", "capacity": "0", "dates-0-end": "16:00", "dates-1-day": "morgen"}),
    )
    page = body(response)
    assert response.status_code == 422
    assert "Bitte geben Sie dem Kurs einen Titel." in page
    assert "Bitte eine Zahl von 1 bis 500 Plätzen." in page
    assert "Das Ende muss nach dem Anfang liegen." in page
    assert "Bitte als Datum eingeben" in page
    assert 'value="16:00"' in page and 'value="morgen"' in page and "KI Höxter, Raum 3" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(Course.id)) is None
    page = body(
        client.post("/courses/new", data=_form(**{"dates-0-day": "", "dates-0-start": "", "dates-0-end": ""}))
    )
    assert "Bitte tragen Sie mindestens einen Termin ein." in page


def test_more_rows_offer_the_typed_modules_and_save_nothing(client, coordinator):
    response = client.post("/courses/new", data=_form(intent="more", modules="Recht\nPraxis"))
    page = body(response)
    assert response.status_code == 200
    assert 'name="dates-4-day"' in page
    assert '<option value="Praxis">Praxis</option>' in page
    assert db.session.scalar(select(Course.id)) is None


def test_edit_keeps_dates_and_more_seats_move_the_waiting_up(client, coordinator):
    course = make_course(capacity=1)
    first, waiting = make_helper(), make_helper()
    _registered(course, first)
    db.session.add(CourseSignup(course_id=course.id, helper_id=waiting.id, status=SignupStatus.WAITING))
    db.session.commit()
    page = body(client.get(f"/courses/{course.id}/edit"))
    assert f'name="dates-0-date_id" type="hidden" value="{course.dates[0].id}"' in page
    data = {"title": course.title, "place": course.place, "capacity": "2", "qualifies": "y", "intent": "save"}
    data["modules"] = "\n".join(module.name for module in course.modules)
    for index, course_date in enumerate(course.dates):
        day = local_date(course_date.starts_at).isoformat()
        data.update(
            {
                f"dates-{index}-date_id": str(course_date.id),
                f"dates-{index}-day": day,
                f"dates-{index}-start": "17:00",
                f"dates-{index}-end": "20:00",
                f"dates-{index}-module": course_date.module.name,
            }
        )
    response = client.post(f"/courses/{course.id}/edit", data=data)
    assert response.status_code == 303
    page = body(client.get(response.headers["Location"]))
    assert "Von der Warteliste nachgerückt" in page
    assert db.session.scalar(select(CourseSignup.status).where(CourseSignup.helper_id == waiting.id)) == (
        SignupStatus.REGISTERED
    )


def test_signing_up_by_phone_and_removing(client, coordinator):
    course = make_course(capacity=1)
    amina, berta = make_helper(display_name="Amina Haddad"), make_helper(display_name="Berta Brandt")
    page = body(client.get(f"/courses/{course.id}"))
    assert "Amina Haddad" in page and "Person anmelden" in page
    client.post(f"/courses/{course.id}/signups", data={"signup-helper_id": str(amina.id)})
    response = client.post(f"/courses/{course.id}/signups", data={"signup-helper_id": str(berta.id)})
    assert response.status_code == 303
    assert "Berta Brandt steht auf der Warteliste (Platz 1)." in body(
        client.get(response.headers["Location"])
    )
    response = client.post(f"/courses/{course.id}/signups/{amina.id}/remove")
    page = body(client.get(response.headers["Location"]))
    assert "Amina Haddad ist vom Kurs abgemeldet." in page and "nachgerückt: Berta Brandt" in page
    # Nobody chosen, or someone of another KI: the page again, with the message at the field.
    stranger = make_helper(ki=other_ki())
    for chosen in ("0", str(stranger.id), "abc"):
        response = client.post(f"/courses/{course.id}/signups", data={"signup-helper_id": chosen})
        assert response.status_code == 422
        assert 'class="field-error"' in body(response)
    assert client.post(f"/courses/{course.id}/signups/{stranger.id}/remove").status_code == 404


def test_attendance_with_htmx_swaps_the_date_and_says_who_qualified(client, coordinator):
    course = make_course(modules=(), starts_in=timedelta(days=-2))
    ayse = make_helper(display_name="Ayşe Yılmaz", checked=False)
    other = make_helper(checked=False)
    _registered(course, ayse, other)
    date_id = course.dates[0].id
    response = client.post(
        f"/courses/{course.id}/dates/{date_id}/attendance",
        data={f"att-{date_id}-present": [str(ayse.id)]},
        headers=htmx_headers(f"course-date-{date_id}"),
    )
    page = body(response)
    assert response.status_code == 200 and "<html" not in page
    assert f'id="course-date-{date_id}"' in page and 'role="status"' in page
    assert "Ayşe Y. hat die Qualifizierung abgeschlossen." in page
    assert f'value="{ayse.id}" id="att-{date_id}-present-{ayse.id}" checked' in page
    assert db.session.get(HelperProfile, ayse.id).qualification_completed_on == local_date(
        course.dates[0].starts_at
    )
    assert db.session.get(HelperProfile, other.id).qualification_completed_on is None


def test_attendance_without_js_and_refused_answers(client, coordinator):
    course = make_course(starts_in=timedelta(days=-10))
    amina = make_helper()
    _registered(course, amina)
    first, second = course.dates
    response = client.post(
        f"/courses/{course.id}/dates/{first.id}/attendance", data={f"att-{first.id}-present": [str(amina.id)]}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#course-date-{first.id}")
    assert "Die Anwesenheit ist gespeichert." in body(client.get(response.headers["Location"]))
    # Someone not registered, bad values: 422 with the message in the date's block.
    for value in (str(make_helper().id), "abc"):
        response = client.post(
            f"/courses/{course.id}/dates/{first.id}/attendance",
            data={f"att-{first.id}-present": [value]},
            headers=htmx_headers(f"course-date-{first.id}"),
        )
        assert response.status_code == 422 and 'class="field-error"' in body(response)
    future = make_course()
    response = client.post(f"/courses/{future.id}/dates/{future.dates[0].id}/attendance", data={})
    assert response.status_code == 422 and "Zukunft" in body(response)
    # A date of another course under this course's address: 404.
    assert client.post(f"/courses/{course.id}/dates/{future.dates[0].id}/attendance").status_code == 404
    assert {row.helper_id for row in db.session.scalars(select(CourseAttendance))} == {amina.id}


def test_cancel_needs_the_tick_then_tells_everyone(client, coordinator):
    course = make_course(title="Abgesagter Kurs")
    amina = make_helper()
    _registered(course, amina)
    response = client.post(f"/courses/{course.id}/cancel", data={})
    assert response.status_code == 422 and "Bitte bestätigen Sie die Absage" in body(response)
    response = client.post(f"/courses/{course.id}/cancel", data={"cancel-confirmed": "y"})
    assert response.status_code == 303
    page = body(client.get(f"/courses/{course.id}"))
    assert "abgesagt am" in page and "Person anmelden" not in page
    assert [mail.to_address for mail in outbox("course_cancelled")] == [amina.user.email]
    assert client.get(f"/courses/{course.id}/edit").status_code == 303


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_others_than_coordinators_are_refused(client, login_as, role):
    course = make_course()
    login_as(role)
    assert client.get("/courses").status_code == 403
    assert client.get(f"/courses/{course.id}").status_code == 403


def test_an_admin_may_and_another_kis_course_is_not_found(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/courses").status_code == 200
    foreign = make_course(ki=other_ki())
    assert client.get(f"/courses/{foreign.id}").status_code == 404
    assert client.get(f"/courses/{foreign.id}/edit").status_code == 404
    assert client.post(f"/courses/{foreign.id}/cancel", data={"cancel-confirmed": "y"}).status_code == 404
    assert db.session.get(Course, foreign.id).cancelled_at is None


def test_the_helpers_record_shows_her_courses_and_attended_dates(client, coordinator):
    course = make_course(title="Grundkurs", starts_in=timedelta(days=-10))
    amina = make_helper()
    _registered(course, amina)
    db.session.add(CourseAttendance(date_id=course.dates[0].id, helper_id=amina.id))
    db.session.commit()
    page = body(client.get(f"/helpers/{amina.id}"))
    assert f'href="/courses/{course.id}">Grundkurs</a>' in page
    assert "angemeldet" in page and "Teilgenommen am" in page
    assert "Für keinen Kurs angemeldet." in body(client.get(f"/helpers/{make_helper().id}"))
