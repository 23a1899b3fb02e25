"""Calendar files and the private feed: daylight saving, ownership, the secret link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.calendar import ics
from ki_match.calendar.queries import feed_token_digest
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.reference.models import Topic
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import AssignmentStatus, RequestKind, RequestStatus
from tests.factories import PLACE, booked, language, make_request

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def coordinator(create_user):
    return create_user(Role.COORDINATOR, display_name="Katrin Koordination")


@pytest.fixture
def helper(create_helper, auth):
    """A helper, logged in with the test client."""
    profile = create_helper()
    assert auth.login(profile.user.email).status_code == 303
    return profile


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def only_event(body: bytes):
    events = parse(body).events
    assert len(events) == 1, body.decode()
    return events[0]


# --- daylight saving --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "utc_hour"),
    [
        ((2026, 3, 29, 10, 0), 8),  # last Sunday of March: summer time since 02:00, UTC+2
        ((2026, 10, 25, 10, 0), 9),  # last Sunday of October: winter time since 03:00, UTC+1
    ],
)
def test_ics_keeps_10_oclock_berlin_on_daylight_saving_sundays(
    client, helper, ki, coordinator, local, utc_hour
):
    request = make_request(ki=ki, created_by=coordinator, starts_at=berlin(*local), minutes=60)
    assignment = booked(request, helper)

    response = client.get(f"/assignments/{assignment.id}.ics")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    day = date(*local[:3]).strftime("%Y%m%d")
    assert f"DTSTART;TZID=Europe/Berlin:{day}T100000" in text
    assert f"DTEND;TZID=Europe/Berlin:{day}T110000" in text
    event = only_event(response.data)
    assert event.start.tzinfo is not None
    assert (event.start.astimezone(BERLIN).hour, event.start.astimezone(BERLIN).minute) == (10, 0)
    assert event.start.astimezone(UTC) == datetime(*local[:3], utc_hour, 0, tzinfo=UTC)
    assert event.end - event.start == timedelta(hours=1)


def test_vtimezone_rules_agree_with_the_zone_database(app):
    """Our VTIMEZONE, read on its own (not by its well-known name), gives Berlin's offsets."""
    calendar = Calendar()
    zone = ics.berlin_timezone()
    zone["TZID"] = "KI-Match-Berlin"  # a name no library knows: the RRULEs have to do the work
    calendar.add_component(zone)
    own = Calendar.from_ical(calendar.to_ical()).timezones[0].to_tz(lookup_tzid=False)
    for year in range(2024, 2041):
        for month in (1, 3, 4, 10, 11):
            for day in (1, 24, 25, 26, 27, 28, 29, 30, 31):
                for hour in (0, 1, 2, 3, 4, 12):
                    try:
                        instant = datetime(year, month, day, hour, 30, tzinfo=UTC)
                    except ValueError:
                        continue
                    expected = instant.astimezone(BERLIN).utcoffset()
                    assert instant.astimezone(own).utcoffset() == expected, instant


@pytest.mark.parametrize(
    "instant",
    [
        # spring: 02:00–03:00 local does not exist
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 CET
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 CEST, right after the jump
        datetime(2026, 3, 29, 2, 30, tzinfo=UTC),  # 04:30 CEST
        # autumn: 02:00–03:00 local happens twice
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first time
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the second time
        datetime(2026, 10, 25, 2, 30, tzinfo=UTC),  # 03:30 CET
    ],
)
def test_stored_utc_instants_round_trip_through_the_file(client, helper, ki, coordinator, instant):
    request = make_request(ki=ki, created_by=coordinator, starts_at=instant, minutes=30)
    assignment = booked(request, helper)

    event = only_event(client.get(f"/assignments/{assignment.id}.ics").data)

    assert event.start.astimezone(UTC) == instant
    assert event.end.astimezone(UTC) == instant + timedelta(minutes=30)
    assert event.start.astimezone(BERLIN).replace(tzinfo=None) == instant.astimezone(BERLIN).replace(
        tzinfo=None
    )


def test_only_the_repeated_autumn_hour_is_written_in_utc(app):
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    ordinary = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert ics.calendar_time(first).tzinfo is UTC
    assert ics.calendar_time(second).tzinfo is UTC
    assert ics.calendar_time(ordinary).tzinfo == BERLIN
    assert ics.calendar_time(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)).tzinfo == BERLIN


# --- one assignment as a file -----------------------------------------------------------------


def test_ics_download_has_the_details_of_the_confirmed_assignment(client, helper, ki, coordinator):
    topic = db.session.scalar(select(Topic).where(Topic.code == "work"))
    request = make_request(
        ki=ki,
        created_by=coordinator,
        starts_at=berlin(2026, 12, 8, 10, 0),
        topic_id=topic.id,
        notes="Bitte Ausweis mitbringen",
    )
    assignment = booked(request, helper)

    response = client.get(f"/assignments/{assignment.id}.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert re.search(r'filename="?ki-match-einsatz-2026-12-08\.ics"?$', disposition), disposition
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "BEGIN:VTIMEZONE" in text and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    event = only_event(response.data)
    assert str(event["SUMMARY"]) == "Begleitung · Arabisch"
    assert str(event["LOCATION"]) == PLACE
    description = str(event["DESCRIPTION"])
    for expected in ("Jobcenter und Arbeit", "Familie A-17", "Bitte Ausweis mitbringen", "http://localhost/"):
        assert expected in description
    assert str(event["UID"]) == f"assignment-{assignment.id}@localhost"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) > 0
    assert event["DTSTAMP"].dt.tzinfo is not None
    # No one else's name ends up in the helper's calendar.
    assert "Katrin" not in text


def test_written_translation_is_an_all_day_event_on_the_due_date(client, helper, ki, coordinator):
    request = make_request(
        ki=ki,
        created_by=coordinator,
        kind=RequestKind.WRITTEN,
        due_on=date(2026, 12, 11),
        language_id=language("uk").id,
    )
    assignment = booked(request, helper)

    response = client.get(f"/assignments/{assignment.id}.ics")

    assert response.status_code == 200
    assert "2026-12-11" in response.headers["Content-Disposition"]
    assert "DTSTART;VALUE=DATE:20261211" in response.get_data(as_text=True)
    event = only_event(response.data)
    assert event.start == date(2026, 12, 11)
    assert event.end == date(2026, 12, 12)
    assert str(event["SUMMARY"]) == "Abgabe: Übersetzung · Ukrainisch"


def test_sequence_grows_when_the_time_changes_and_when_cancelled(client, helper, ki, coordinator):
    request = make_request(ki=ki, created_by=coordinator, starts_at=berlin(2026, 12, 8, 10, 0))
    assignment = booked(request, helper)
    first = only_event(client.get(f"/assignments/{assignment.id}.ics").data)

    request.updated_at = request.updated_at + timedelta(seconds=5)  # as a reschedule would
    request.starts_at = berlin(2026, 12, 8, 14, 0)
    assignment.starts_at, assignment.ends_at = request.starts_at, request.starts_at + timedelta(minutes=90)
    db.session.commit()
    moved = only_event(client.get(f"/assignments/{assignment.id}.ics").data)

    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved.start.astimezone(BERLIN).hour == 14
    assert str(moved["UID"]) == str(first["UID"])

    with client.application.test_request_context():
        assignment = db.session.merge(assignment)
        confirmed_sequence = ics.sequence(assignment)
        assignment.status = AssignmentStatus.WITHDRAWN
        assert ics.sequence(assignment) == confirmed_sequence + 1
        db.session.rollback()


def test_ics_of_another_helpers_assignment_is_404(client, helper, create_helper, ki, coordinator):
    other = create_helper()
    theirs = booked(make_request(ki=ki, created_by=coordinator), other)
    mine = booked(make_request(ki=ki, created_by=coordinator, starts_at=utcnow() + timedelta(days=9)), helper)

    assert client.get(f"/assignments/{theirs.id}.ics").status_code == 404
    assert client.get(f"/assignments/{mine.id}.ics").status_code == 200
    assert client.get("/assignments/999999.ics").status_code == 404


@pytest.mark.parametrize("status", [AssignmentStatus.WITHDRAWN, AssignmentStatus.CANCELLED])
def test_ics_only_for_confirmed_assignments(client, helper, ki, coordinator, status):
    assignment = booked(make_request(ki=ki, created_by=coordinator), helper, status=status)
    assert client.get(f"/assignments/{assignment.id}.ics").status_code == 404


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_other_roles_get_403_for_calendar_pages(client, login_as, create_helper, ki, role):
    coordinator_user = login_as(role)
    assignment = booked(make_request(ki=ki, created_by=coordinator_user), create_helper())
    assert client.get(f"/assignments/{assignment.id}.ics").status_code == 403
    assert client.get("/calendar").status_code == 403
    assert client.post("/calendar/feed").status_code == 403
    assert client.post("/calendar/feed/delete").status_code == 403


def test_calendar_pages_need_a_login(client, ki):
    for path in ("/calendar", "/assignments/1.ics"):
        response = client.get(path)
        assert response.status_code == 303
        assert "/login" in response.headers["Location"]


# --- the private feed -------------------------------------------------------------------------


def feed_path_on(page: str) -> str:
    match = re.search(r'value="http://localhost(/calendar/feed/[A-Za-z0-9_-]+\.ics)"', page)
    assert match, page
    return match.group(1)


def audit_actions(subject) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "helper_profile", AuditEvent.subject_id == subject.id)
            .where(AuditEvent.action.like("calendar.%"))
            .order_by(AuditEvent.id)
        )
    )


def test_feed_link_is_shown_once_and_works(client, helper, create_helper, ki, coordinator):
    now = utcnow()
    upcoming = booked(make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=4)), helper)
    recent = booked(
        make_request(ki=ki, created_by=coordinator, starts_at=now - timedelta(days=20)),
        helper,
        status=AssignmentStatus.COMPLETED,
    )
    withdrawn = booked(
        make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=6)),
        helper,
        status=AssignmentStatus.WITHDRAWN,
    )
    too_old = booked(
        make_request(ki=ki, created_by=coordinator, starts_at=now - timedelta(days=120)),
        helper,
        status=AssignmentStatus.COMPLETED,
    )
    theirs = booked(
        make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=4, hours=3)),
        create_helper(),
    )

    page = client.get("/calendar").get_data(as_text=True)
    assert "Kalender-Link erstellen" in page and "/calendar/feed/" not in page

    response = client.post("/calendar/feed")
    assert response.status_code == 303
    page = client.get("/calendar").get_data(as_text=True)
    path = feed_path_on(page)
    assert "webcal://localhost/calendar/feed/" in page
    assert "Neuen Link erzeugen (alter Link funktioniert dann nicht mehr)" in page
    # Only the hash is stored, and the page shows the address only this once.
    token = path.removeprefix("/calendar/feed/").removesuffix(".ics")
    assert db.session.get(HelperProfile, helper.id).calendar_token_hash == feed_token_digest(token)
    assert token not in client.get("/calendar").get_data(as_text=True)

    client.post("/logout")  # calendar apps have no session
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    calendar = parse(response.data)
    events = {str(event["UID"]): event for event in calendar.events}
    assert set(events) == {f"assignment-{a.id}@localhost" for a in (upcoming, recent, withdrawn)}
    assert f"assignment-{theirs.id}@localhost" not in events
    assert f"assignment-{too_old.id}@localhost" not in events
    assert str(events[f"assignment-{withdrawn.id}@localhost"]["STATUS"]) == "CANCELLED"
    assert "LOCATION" not in events[f"assignment-{withdrawn.id}@localhost"]
    assert str(events[f"assignment-{upcoming.id}@localhost"]["STATUS"]) == "CONFIRMED"
    assert str(calendar["X-WR-CALNAME"]) == "KI-Match: meine Einsätze"
    # Fetching shows place and client reference: recorded under the helper, as her calendar.
    assert audit_actions(helper) == ["calendar.feed_created", "calendar.feed_fetched"]
    fetched = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.feed_fetched"))
    assert fetched.actor_id == helper.user_id and fetched.detail == {"assignments": 3}


def test_cancelled_request_shows_as_cancelled_in_the_feed(client, helper, ki, coordinator):
    request = make_request(ki=ki, created_by=coordinator, starts_at=utcnow() + timedelta(days=2))
    assignment = booked(request, helper)
    client.post("/calendar/feed")
    path = feed_path_on(client.get("/calendar").get_data(as_text=True))
    transition(request, RequestStatus.CANCELLED)
    db.session.commit()

    event = parse(client.get(path).data).events[0]
    assert str(event["UID"]) == f"assignment-{assignment.id}@localhost"
    assert str(event["STATUS"]) == "CANCELLED"


def test_reset_kills_the_old_feed_link_and_delete_kills_all(client, helper):
    client.post("/calendar/feed")
    old = feed_path_on(client.get("/calendar").get_data(as_text=True))
    assert client.get(old).status_code == 200

    client.post("/calendar/feed")
    new = feed_path_on(client.get("/calendar").get_data(as_text=True))

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    assert client.post("/calendar/feed/delete").status_code == 303
    assert client.get(new).status_code == 404
    assert "Kalender-Link erstellen" in client.get("/calendar").get_data(as_text=True)
    assert audit_actions(helper) == [
        "calendar.feed_created",
        "calendar.feed_fetched",
        "calendar.feed_reset",
        "calendar.feed_fetched",
        "calendar.feed_deleted",
    ]


def test_unknown_feed_token_is_404(client, ki):
    assert client.get("/calendar/feed/not-a-real-token.ics").status_code == 404


def test_feed_of_a_deactivated_account_is_404(client, helper):
    client.post("/calendar/feed")
    path = feed_path_on(client.get("/calendar").get_data(as_text=True))
    helper.user.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_feed_is_rate_limited_per_address(make_app, ki):
    app = make_app(RATELIMIT_ENABLED=True, CALENDAR_FEED_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    statuses = [client.get("/calendar/feed/guess.ics").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_feed_post_needs_the_button_form(client, helper):
    """Without the CSRF token (here: a form that does not validate) nothing changes."""
    app = client.application
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/calendar/feed").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("calendar.%"))
        )
        == 0
    )
