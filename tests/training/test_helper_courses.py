"""The helper's "Kurse" page: upcoming courses as cards, signing up and withdrawing (with and
without htmx), the waiting list, refusals next to the card, her past courses, the course's dates
as .ics and in her feed, and the mail when she moves up from the waiting list."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.calendar.services import new_feed_token
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.notifications.tasks import CoordinatorTask
from ki_match.training.models import CourseAttendance, CourseSignup, SignupStatus
from ki_match.training.signups import sign_up, withdraw
from tests.factories import make_course, make_managed_helper, other_ki
from tests.support import delivered_text, htmx_headers, outbox

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


@pytest.fixture
def amina(create_helper, auth):
    """A helper, logged in with the test client."""
    profile = create_helper(display_name="Amina Haddad")
    assert auth.login(profile.user.email).status_code == 303
    return profile


def _user(helper) -> User:
    return db.session.get(User, helper.user_id)


def _status(course, helper) -> SignupStatus | None:
    db.session.expire_all()
    return db.session.scalar(
        select(CourseSignup.status).where(
            CourseSignup.course_id == course.id, CourseSignup.helper_id == helper.id
        )
    )


def _card(page: str, course) -> str:
    """The markup of the course's card on the page (up to the next card or section)."""
    match = re.search(rf'<article id="course-card-{course.id}".*?</article>', page, re.S)
    assert match, page
    return match.group(0)


def _fill(course, create_helper, seats: int) -> None:
    for _ in range(seats):
        other = create_helper()
        sign_up(course.id, other.id, _user(other))


# --- the page -------------------------------------------------------------------------------------


def test_upcoming_courses_soonest_first_with_their_dates_in_berlin_time(client, ki, amina):
    later = make_course(ki=ki, title="Aufbaukurs Gesundheit", starts_in=timedelta(days=40), capacity=8)
    sooner = make_course(
        ki=ki, title="Grundkurs Sprachlotsen", description="Drei Abende zum Einstieg.", online=True
    )
    make_course(ki=ki, title="Abgesagter Kurs", cancelled_at=utcnow())
    make_course(ki=ki, title="Vorbei", starts_in=timedelta(days=-30))
    make_course(ki=other_ki(), title="Kurs eines anderen KI")
    online_only = make_course(
        ki=ki, title="Online-Abend", place=None, online=True, modules=(), starts_in=timedelta(days=60)
    )

    page = client.get("/training").get_data(as_text=True)

    assert page.index("Grundkurs Sprachlotsen") < page.index("Aufbaukurs Gesundheit")
    assert page.index("Aufbaukurs Gesundheit") < page.index("Online-Abend")
    for absent in ("Abgesagter Kurs", "Vorbei", "Kurs eines anderen KI"):
        assert absent not in page
    card = _card(page, sooner)
    assert "Drei Abende zum Einstieg." in card
    assert "Rolle und Haltung, Dolmetschtechniken" in card
    assert "KI Höxter, Moltkestraße 12 oder online" in card
    assert "12 von 12 Plätzen frei" in card
    for course_date in sooner.dates:
        day = course_date.starts_at.astimezone(BERLIN)
        assert f"{WEEKDAYS[day.weekday()]}, {day.day}. " in card
        assert f"{day:%Y}, 17:00–20:00 Uhr" in card
    assert ">Anmelden</button>" in card
    assert "8 von 8 Plätzen frei" in _card(page, later)
    assert ">online<" in _card(page, online_only).replace("<dd>", ">").replace("</dd>", "<")


def test_a_helper_not_yet_approved_sees_the_courses_and_signs_up(client, ki, create_helper, auth):
    newcomer = create_helper(approved=False, consented=False, checked=False)
    assert auth.login(newcomer.user.email).status_code == 303
    course = make_course(ki=ki)
    assert "Kurse" in client.get("/").get_data(as_text=True)
    assert course.title in client.get("/training").get_data(as_text=True)
    assert client.post(f"/training/{course.id}/sign-up").status_code == 303
    assert _status(course, newcomer) == SignupStatus.REGISTERED


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_only_helpers_have_the_course_pages(client, login_as, ki, role):
    course = make_course(ki=ki)
    login_as(role)
    assert client.get("/training").status_code == 403
    assert client.post(f"/training/{course.id}/sign-up").status_code == 403
    assert client.post(f"/training/{course.id}/withdraw").status_code == 403
    assert client.get(f"/training/{course.id}.ics").status_code == 403
    assert db.session.scalar(select(CourseSignup)) is None


def test_anonymous_visitors_are_sent_to_the_login(client, ki):
    course = make_course(ki=ki)
    for response in (
        client.get("/training"),
        client.post(f"/training/{course.id}/sign-up"),
        client.post(f"/training/{course.id}/withdraw"),
        client.get(f"/training/{course.id}.ics"),
    ):
        assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_another_kis_course_is_not_found(client, amina):
    theirs = make_course(ki=other_ki())
    assert client.post(f"/training/{theirs.id}/sign-up").status_code == 404
    assert client.post(f"/training/{theirs.id}/withdraw").status_code == 404
    assert client.get(f"/training/{theirs.id}.ics").status_code == 404
    assert client.post("/training/999999/sign-up").status_code == 404
    assert db.session.scalar(select(CourseSignup)) is None


# --- signing up and withdrawing -----------------------------------------------------------------


def test_signing_up_and_withdrawing_without_javascript(client, ki, amina):
    course = make_course(ki=ki, capacity=3)

    response = client.post(f"/training/{course.id}/sign-up")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/training#course-card-{course.id}")
    assert _status(course, amina) == SignupStatus.REGISTERED
    page = client.get("/training").get_data(as_text=True)
    assert "Sie sind angemeldet. Wir freuen uns auf Sie!" in page  # the flash
    card = _card(page, course)
    assert "Sie sind angemeldet." in card and "2 von 3 Plätzen frei" in card
    assert ">Vom Kurs abmelden</button>" in card and f'href="/training/{course.id}.ics"' in card

    assert client.post(f"/training/{course.id}/withdraw").status_code == 303
    assert _status(course, amina) == SignupStatus.CANCELLED
    page = client.get("/training").get_data(as_text=True)
    assert "Sie sind vom Kurs abgemeldet." in page
    assert ">Anmelden</button>" in _card(page, course)


def test_signing_up_with_htmx_swaps_the_card(client, ki, amina):
    course = make_course(ki=ki, capacity=3)
    target = f"course-card-{course.id}"

    response = client.post(f"/training/{course.id}/sign-up", headers=htmx_headers(target))

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<article id="{target}"') and "<h1" not in body
    assert 'role="status"' in body and "Sie sind angemeldet. Wir freuen uns auf Sie!" in body
    assert ">Vom Kurs abmelden</button>" in body and 'hx-target="#' + target + '"' in body

    response = client.post(f"/training/{course.id}/withdraw", headers=htmx_headers(target))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Sie sind vom Kurs abgemeldet." in body and ">Anmelden</button>" in body
    assert _status(course, amina) == SignupStatus.CANCELLED


def test_a_full_course_offers_the_waiting_list_and_shows_the_place_on_it(client, ki, amina, create_helper):
    course = make_course(ki=ki, capacity=2)
    _fill(course, create_helper, 2)
    before = create_helper()
    sign_up(course.id, before.id, _user(before))  # first on the waiting list

    card = _card(client.get("/training").get_data(as_text=True), course)
    assert "ausgebucht – Warteliste" in card and ">Auf die Warteliste</button>" in card

    response = client.post(f"/training/{course.id}/sign-up", headers=htmx_headers(f"course-card-{course.id}"))

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sie stehen auf der Warteliste (Platz 2). Wird ein Platz frei, bekommen Sie eine E-Mail." in body
    assert "Sie stehen auf der Warteliste (Platz 2).</p>" in body.replace("\n", "")
    assert ">Vom Kurs abmelden</button>" in body and ".ics" not in body  # no calendar without a seat
    assert _status(course, amina) == SignupStatus.WAITING


def test_a_refusal_is_shown_next_to_the_card(client, ki, amina, create_helper):
    """A course that has begun takes no helper's sign-up: the card says so and offers no button;
    a sign-up sent anyway (an old page) gets the reason in the card, with and without htmx."""
    course = make_course(ki=ki, starts_in=timedelta(days=-1))  # its second date is still ahead
    reason = (
        "Der Kurs hat schon begonnen. Bitte fragen Sie im Integrationszentrum, ob Sie noch dazukommen können."
    )
    card = _card(client.get("/training").get_data(as_text=True), course)
    assert reason in card and "</button>" not in card

    response = client.post(f"/training/{course.id}/sign-up", headers=htmx_headers(f"course-card-{course.id}"))
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "offer-state-error" in body and reason in body and body.lstrip().startswith("<article")

    response = client.post(f"/training/{course.id}/sign-up")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "<h1>Kurse</h1>" in page and reason in _card(page, course)
    assert _status(course, amina) is None


def test_a_cancelled_course_refuses_the_sign_up(client, ki, amina):
    course = make_course(ki=ki, cancelled_at=utcnow())
    response = client.post(f"/training/{course.id}/sign-up", headers=htmx_headers(f"course-card-{course.id}"))
    assert response.status_code == 409
    assert "Dieser Kurs wurde abgesagt." in response.get_data(as_text=True)
    assert _status(course, amina) is None


# --- past courses and the qualification -------------------------------------------------------


def test_past_courses_show_the_dates_attended_and_the_qualification(client, ki, amina, coordinator):
    done = make_course(ki=ki, title="Grundkurs 2026", starts_in=timedelta(days=-30))
    db.session.add(CourseSignup(course_id=done.id, helper_id=amina.id, status=SignupStatus.REGISTERED))
    db.session.add(
        CourseAttendance(date_id=done.dates[1].id, helper_id=amina.id, recorded_by_id=coordinator.id)
    )
    missed = make_course(ki=ki, title="Aufbaukurs 2026", starts_in=timedelta(days=-60))
    db.session.add(CourseSignup(course_id=missed.id, helper_id=amina.id, status=SignupStatus.REGISTERED))
    make_course(ki=ki, title="Nicht ihrer", starts_in=timedelta(days=-30))
    amina.qualification_completed_on = date(2026, 11, 20)
    db.session.commit()

    page = client.get("/training").get_data(as_text=True)

    past = page[page.index("Ihre vergangenen Kurse") :]
    assert "Ihre vergangenen Kurse (2)" in past and "Nicht ihrer" not in past
    assert past.index("Grundkurs 2026") < past.index("Aufbaukurs 2026")
    attended = done.dates[1].starts_at.astimezone(BERLIN)
    grundkurs = past[past.index("Grundkurs 2026") : past.index("Aufbaukurs 2026")]
    assert f"{attended.day}. " in grundkurs and "Dolmetschtechniken" in grundkurs
    assert "Rolle und Haltung" not in grundkurs  # the date she missed
    assert "Keine Teilnahme vermerkt." in past[past.index("Aufbaukurs 2026") :]
    assert "Ihre Qualifizierung ist abgeschlossen: am 20. November 2026." in page


# --- calendar ------------------------------------------------------------------------------------


def _events(body: bytes):
    return Calendar.from_ical(body).events


def test_the_course_ics_has_one_event_per_date_in_berlin_time(client, ki, amina):
    course = make_course(ki=ki, modules=("Rolle und Haltung", "Dolmetschtechniken", "Praxis"))
    sign_up(course.id, amina.id, _user(amina))

    response = client.get(f"/training/{course.id}.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    first_day = course.dates[0].starts_at.astimezone(BERLIN).date()
    assert f"ki-match-kurs-{first_day.isoformat()}.ics" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "BEGIN:VTIMEZONE" in text
    events = _events(response.data)
    assert len(events) == 3
    for event, course_date in zip(events, course.dates, strict=True):
        day = course_date.starts_at.astimezone(BERLIN).date().strftime("%Y%m%d")
        assert f"DTSTART;TZID=Europe/Berlin:{day}T170000" in text
        assert f"DTEND;TZID=Europe/Berlin:{day}T200000" in text
        assert str(event["UID"]) == f"course-date-{course_date.id}@localhost"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["SUMMARY"]) == f"{course.title} · {course_date.module.name}"
        assert str(event["LOCATION"]) == "KI Höxter, Moltkestraße 12"
    # The same file again: the same UIDs, so a calendar updates rather than doubles the dates.
    again = _events(client.get(f"/training/{course.id}.ics").data)
    assert [str(e["UID"]) for e in again] == [str(e["UID"]) for e in events]


def test_a_called_off_course_says_so_and_a_seat_is_needed(client, ki, amina, create_helper):
    course = make_course(ki=ki, capacity=1)
    assert client.get(f"/training/{course.id}.ics").status_code == 404  # not signed up
    _fill(course, create_helper, 1)
    sign_up(course.id, amina.id, _user(amina))
    assert client.get(f"/training/{course.id}.ics").status_code == 404  # waiting: no seat yet

    mine = make_course(ki=ki)
    sign_up(mine.id, amina.id, _user(amina))
    mine.cancelled_at = utcnow()
    db.session.commit()
    events = _events(client.get(f"/training/{mine.id}.ics").data)
    assert len(events) == 2
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert all(str(e["SUMMARY"]).startswith("Abgesagt: ") and "LOCATION" not in e for e in events)


def test_the_private_feed_carries_the_course_dates(client, ki, amina):
    course = make_course(ki=ki)
    sign_up(course.id, amina.id, _user(amina))
    left = make_course(ki=ki, title="Verlassen")
    sign_up(left.id, amina.id, _user(amina))
    withdraw(left.id, amina.id, _user(amina))
    make_course(ki=ki, title="Nicht angemeldet")
    token = new_feed_token(amina, _user(amina))

    events = _events(client.get(f"/calendar/feed/{token}.ics").data)

    by_uid = {str(e["UID"]): e for e in events}
    for course_date in course.dates:
        assert str(by_uid[f"course-date-{course_date.id}@localhost"]["STATUS"]) == "CONFIRMED"
    for course_date in left.dates:
        assert str(by_uid[f"course-date-{course_date.id}@localhost"]["STATUS"]) == "CANCELLED"
    assert len(events) == 4


# --- moving up from the waiting list -------------------------------------------------------------


def test_moving_up_queues_one_mail_with_the_dates(client, ki, amina, create_helper):
    course = make_course(ki=ki, capacity=1, title="Grundkurs Sprachlotsen")
    waiting = create_helper(display_name="Dilan Toprak")
    sign_up(course.id, amina.id, _user(amina))
    sign_up(course.id, waiting.id, _user(waiting))

    response = client.post(
        f"/training/{course.id}/withdraw", headers=htmx_headers(f"course-card-{course.id}")
    )
    assert response.status_code == 200
    client.post(f"/training/{course.id}/withdraw")  # a second tap changes nothing

    assert _status(course, waiting) == SignupStatus.REGISTERED
    mails = outbox("course_moved_up")
    assert len(mails) == 1 and mails[0].to_address == waiting.user.email
    assert mails[0].subject == "Sie haben einen Platz im Kurs „Grundkurs Sprachlotsen“"
    text = delivered_text(mails[0])
    assert "Hallo Dilan Toprak," in text and "jetzt angemeldet" in text
    day = course.dates[0].starts_at.astimezone(BERLIN)
    assert f"{day.day}. " in text and "17:00–20:00 Uhr (Rolle und Haltung)" in text
    assert f"/training#course-card-{course.id}" in text
    assert outbox(to=amina.user.email) == []


def test_moving_up_again_after_signing_up_again_is_a_new_mail(ki, create_helper):
    course = make_course(ki=ki, capacity=1)
    first, second = create_helper(), create_helper()
    sign_up(course.id, first.id, _user(first))
    sign_up(course.id, second.id, _user(second))
    withdraw(course.id, first.id, _user(first))  # second moves up
    withdraw(course.id, second.id, _user(second))
    sign_up(course.id, first.id, _user(first))  # a seat again, at once
    sign_up(course.id, second.id, _user(second), now=utcnow() + timedelta(seconds=1))  # waits again
    withdraw(course.id, first.id, _user(first))  # second moves up a second time
    assert len(outbox("course_moved_up", to=second.user.email)) == 2


def test_a_managed_helper_who_moves_up_is_a_task_for_the_coordinators(app, ki, create_helper, coordinator):
    course = make_course(ki=ki, capacity=1)
    holder = create_helper()
    ahmad = make_managed_helper(ki=ki)
    sign_up(course.id, holder.id, _user(holder))
    sign_up(course.id, ahmad.id, coordinator)
    withdraw(course.id, holder.id, _user(holder))
    assert outbox("course_moved_up") == []
    tasks = db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.helper_id == ahmad.id)).all()
    assert [task.kind for task in tasks] == ["course_moved_up"]
