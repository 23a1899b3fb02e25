"""A helper's own calendar of a series: ONE recurring event of the dates she holds, in her download
(``/series/<id>/mine.ics``) and in her feed with the same UID; single assignments stay single."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from ki_match.assignments.services import withdraw_assignment
from ki_match.audit.models import AuditEvent
from ki_match.calendar.services import new_feed_token
from ki_match.extensions import db
from ki_match.requests import lifecycle
from ki_match.requests import series as series_rules
from ki_match.requests.models import Assignment, AssignmentStatus
from ki_match.requests.queries import series_requests
from tests.factories import PLACE, booked, make_request, make_series, next_tuesday

BERLIN = ZoneInfo("Europe/Berlin")
HOST = "localhost"


@pytest.fixture
def helper(create_helper, auth):
    """A helper, logged in with the test client."""
    profile = create_helper()
    assert auth.login(profile.user.email).status_code == 303
    return profile


@pytest.fixture
def series(coordinator):
    """Four Tuesdays at 10:00 (no holidays left out), two months ahead."""
    return make_series(
        first=next_tuesday() + timedelta(weeks=8), created_by=coordinator, count=4, skip_holidays=False
    )


def dates(series):
    return series_requests(series.id)


def at(day, clock=time(10)) -> datetime:
    return datetime.combine(day, clock, tzinfo=BERLIN)


def events_of(body: bytes) -> list:
    return Calendar.from_ical(body).walk("VEVENT")


def main_and_moved(body: bytes, uid: str):
    events = [event for event in events_of(body) if str(event["UID"]) == uid]
    main = [event for event in events if "RECURRENCE-ID" not in event]
    assert len(main) == 1, body.decode()
    return main[0], [event for event in events if "RECURRENCE-ID" in event]


def exdates(event) -> list[datetime]:
    found = event.get("EXDATE")
    if found is None:
        return []
    found = found if isinstance(found, list) else [found]
    return sorted(value.dt for entry in found for value in entry.dts)


def her_uid(series, helper) -> str:
    return f"series-{series.id}-helper-{helper.id}@{HOST}"


def take_all(series, helper):
    return [booked(occurrence, helper) for occurrence in dates(series)]


def withdrew_second(series, helper, coordinator, other):
    mine = take_all(series, helper)
    withdraw_assignment(mine[1].id, helper.user, "Arzttermin")


def another_took_third(series, helper, coordinator, other):
    days = dates(series)
    for index, occurrence in enumerate(days):
        booked(occurrence, other if index == 2 else helper)


def second_moved(series, helper, coordinator, other):
    take_all(series, helper)
    second = dates(series)[1]
    series_rules.move_date(second, second.series_day + timedelta(days=1), time(14, 30), coordinator)
    db.session.commit()


def fourth_cancelled(series, helper, coordinator, other):
    take_all(series, helper)
    lifecycle.cancel(dates(series)[3].id, coordinator, "Schule geschlossen")
    db.session.commit()


# case → (weeks held, weeks left out between her first and last, moved: week → new start)
CASES = {
    "all dates hers": (
        lambda series, helper, coordinator, other: take_all(series, helper),
        [0, 1, 2, 3],
        [],
        {},
    ),
    "she withdrew one": (withdrew_second, [0, 2, 3], [1], {}),
    "another person took one": (another_took_third, [0, 1, 3], [2], {}),
    "one moved": (second_moved, [0, 1, 2, 3], [], {1: (1, time(14, 30))}),
    "a date cancelled": (fourth_cancelled, [0, 1, 2], [], {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_her_series_is_one_recurring_event(client, helper, coordinator, create_helper, series, case):
    arrange, held, left_out, moved = CASES[case]
    arrange(series, helper, coordinator, create_helper())
    first = series.first_day
    response = client.get(f"/series/{series.id}/mine.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    main, overrides = main_and_moved(response.data, her_uid(series, helper))
    week = lambda n: first + timedelta(weeks=n)  # noqa: E731
    assert main["DTSTART"].dt == at(week(held[0]))
    rule = main["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule.get("INTERVAL", [1]) == [1]
    assert rule["UNTIL"][0] == at(week(held[-1])).astimezone(UTC)
    assert exdates(main) == [at(week(n)) for n in left_out]
    assert main.get("STATUS") != "CANCELLED"
    assert [(o["RECURRENCE-ID"].dt, o["DTSTART"].dt) for o in overrides] == [
        (at(week(n)), at(week(n) + timedelta(days=shift), clock)) for n, (shift, clock) in moved.items()
    ]
    assert PLACE in str(main["LOCATION"])  # she is confirmed: the place


def test_only_a_helper_holding_a_date_gets_the_file(client, helper, auth, coordinator, create_helper, series):
    assert client.get(f"/series/{series.id}/mine.ics").status_code == 404  # none of its dates
    [only] = [booked(dates(series)[0], helper)]
    assert client.get(f"/series/{series.id}/mine.ics").status_code == 200
    withdraw_assignment(only.id, helper.user, "krank")
    assert client.get(f"/series/{series.id}/mine.ics").status_code == 404  # gave it back
    auth.logout()
    auth.login(coordinator.email)
    assert client.get(f"/series/{series.id}/mine.ics").status_code == 403


def feed_body(client, helper) -> bytes:
    token = new_feed_token(helper, helper.user)
    response = client.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    return response.data


def test_the_feed_shows_the_series_as_the_download_does_and_single_ones_alone(
    client, helper, coordinator, series
):
    take_all(series, helper)
    single = booked(
        make_request(created_by=coordinator, starts_at=at(next_tuesday()).astimezone(UTC)), helper
    )
    body = feed_body(client, helper)
    uids = [str(event["UID"]) for event in events_of(body)]
    assert uids.count(her_uid(series, helper)) == 1
    assert f"assignment-{single.id}@{HOST}" in uids
    assert not [
        uid for uid in uids if uid.startswith("assignment-") and uid != f"assignment-{single.id}@{HOST}"
    ]
    download, _moved = main_and_moved(
        client.get(f"/series/{series.id}/mine.ics").data, her_uid(series, helper)
    )
    in_feed, _moved = main_and_moved(body, her_uid(series, helper))
    assert (in_feed["DTSTART"].dt, in_feed["RRULE"]) == (download["DTSTART"].dt, download["RRULE"])
    fetched = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.feed_fetched"))
    assert fetched.detail["assignments"] == 5  # the dates she was sent, four of them in one event


def test_the_feed_calls_the_series_off_once_she_holds_none_of_it(client, helper, series):
    for assignment in take_all(series, helper):
        withdraw_assignment(assignment.id, helper.user, "umgezogen")
    main, _moved = main_and_moved(feed_body(client, helper), her_uid(series, helper))
    assert main["STATUS"] == "CANCELLED"


def test_her_pages_link_the_series_file(client, helper, coordinator, series):
    mine = take_all(series, helper)
    link = f"/series/{series.id}/mine.ics"
    page = client.get(f"/assignments/{mine[0].id}").get_data(as_text=True)
    assert link in page and "Alle meine Termine dieser Serie in den Kalender" in page
    calendar_page = client.get("/calendar").get_data(as_text=True)
    assert calendar_page.count(link) == 1  # once, at its first date
    single = booked(
        make_request(created_by=coordinator, starts_at=at(next_tuesday()).astimezone(UTC)), helper
    )
    single_page = client.get(f"/assignments/{single.id}").get_data(as_text=True)
    assert "/mine.ics" not in single_page and "einer Serie" not in single_page
    assert db.session.get(Assignment, mine[0].id).status == AssignmentStatus.CONFIRMED


def test_her_assignment_page_says_which_date_of_the_series_it_is(client, helper, series):
    mine = take_all(series, helper)
    total = len(mine)
    for number in (1, total):
        page = client.get(f"/assignments/{mine[number - 1].id}").get_data(as_text=True)
        assert f"Termin {number} von {total} einer Serie" in page
