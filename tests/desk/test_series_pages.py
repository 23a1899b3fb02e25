"""Series at the coordinators' desk: the "Wiederholung" part of the new-request form with its
preview, saving a series, the series page with its changes (one date, this and all following),
and the series as one recurring calendar event.

The series here are "a term around the next Osterferien": Tuesdays from two weeks before them
to two weeks after, from the shipped holiday data (once it has no Osterferien ahead, these tests
say so and skip: the data needs the next school years).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from flask import current_app, url_for
from sqlalchemy import func, select

from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.requests.holidays import school_holidays
from ki_match.requests.models import HelpRequest, RequestSeries, RequestStatus, SeriesSkip
from ki_match.requests.recurrence import Frequency
from tests.factories import (
    berlin,
    booked,
    language,
    make_available_helper,
    make_request,
    make_series,
    series_dates,
    town,
)
from tests.support import audit_events, htmx_headers, outbox


def _next_osterferien():
    today = local_today()
    for period in school_holidays():
        if period.name == "Osterferien" and period.first - timedelta(days=21) > today:
            assert period.first.weekday() == 0 and period.last - period.first == timedelta(days=12)
            return period
    pytest.skip("the shipped school holidays end before the next Osterferien")


@pytest.fixture(scope="module")
def term():
    """first: the Tuesday two weeks before the Osterferien; until: the second Tuesday after them."""
    ferien = _next_osterferien()
    first = ferien.first - timedelta(days=13)
    return Term(
        first=first,
        until=first + timedelta(days=35),
        ferien=[first + timedelta(days=14), first + timedelta(days=21)],
    )


@dataclass
class Term:
    first: date
    until: date
    ferien: list[date]

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=days) for days in (0, 7, 28, 35)]

    def day(self, number: int) -> date:
        return self.dates[number]


def url(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def body(response) -> str:
    return response.get_data(as_text=True)


def act(client, endpoint: str, occurrence: HelpRequest, data: dict):
    """One of a row's changes, sent as htmx sends it (the answer is the dates table)."""
    return client.post(
        url(endpoint, request_id=occurrence.id), data=data, headers=htmx_headers("series-dates")
    )


@pytest.fixture
def coordinator(coordinator, auth):
    """Logged in with the test client: the tests here work at the coordinator's desk."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def form(term: Term, **overrides) -> dict:
    data = {
        "kind": "accompaniment",
        "language_id": str(language("ar").id),
        "min_level": "3",
        "topic_id": "0",
        "day": term.first.isoformat(),
        "start": "10:00",
        "duration_minutes": "60",
        "town_id": str(town("Brakel").id),
        "place": "Grundschule Brakel",
        "client_ref": "S-12",
        "organisation_id": "0",
        "gender_pref": "",
        "helpers_needed": "1",
        "fill_mode": "confirm",
        "intent": "open",
        "repeat-frequency": "weekly",
        "repeat-ends": "until",
        "repeat-until": term.until.isoformat(),
        "repeat-skip_holidays": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def series_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RequestSeries))


def ics_time(day: date, clock: time) -> str:
    return f"{day:%Y%m%d}T{clock:%H%M%S}"


# --- the form and its preview ----------------------------------------------------------------------


def test_the_new_request_form_offers_a_repetition(client, coordinator):
    page = body(client.get(url("requests.new")))
    assert "Wiederholung" in page
    assert 'name="repeat-frequency"' in page and 'id="series-preview"' in page
    assert 'id="repeat-skip_holidays" name="repeat-skip_holidays" type="checkbox" value="y"' in page


def test_preview_lists_the_dates_and_the_holiday_gap(client, coordinator, term):
    response = client.post(url("series.preview"), data=form(term), headers=htmx_headers("series-preview"))
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page
    assert "4 Termine" in page
    assert page.count("<li>") == 6
    assert page.count("Ferien (Osterferien)") == 2
    assert series_count() == 0


def test_preview_without_javascript_is_the_whole_form(client, coordinator, term):
    response = client.post(url("series.preview"), data=form(term))
    assert response.status_code == 200
    assert "<html" in body(response) and "4 Termine" in body(response)
    assert series_count() == 0


def _bad_rules(term: Term) -> list[tuple[dict, str, str]]:
    yesterday = local_today() - timedelta(days=1)
    return [
        (
            {"repeat-until": (term.first - timedelta(days=8)).isoformat()},
            "repeat-until",
            "vor dem ersten Termin",
        ),
        ({"repeat-until": ""}, "repeat-until", "Bitte angeben, bis wann oder wie oft"),
        (
            {"repeat-ends": "count", "repeat-count": ""},
            "repeat-count",
            "Bitte angeben, bis wann oder wie oft",
        ),
        ({"repeat-ends": "count", "repeat-count": "61"}, "repeat-count", "Bitte eine Zahl von 1 bis 60"),
        (
            {"repeat-until": (term.first + timedelta(days=3 * 365)).isoformat()},
            "repeat-until",
            "höchstens 60 Termine",
        ),
        ({"repeat-until": "13.04.27x"}, "repeat-until", "Bitte als Datum eingeben"),
        ({"repeat-skipped": "morgen"}, "repeat-skipped", "„morgen“ ist kein Datum"),
        (
            {"repeat-frequency": "dates", "repeat-dates": yesterday.isoformat()},
            "repeat-dates",
            "in der Vergangenheit",
        ),
        ({"repeat-frequency": "monthly"}, "repeat-frequency", "Keine gültige Auswahl"),
        (
            {"kind": "written", "due_on": term.first.isoformat()},
            "repeat-frequency",
            "Nur ein Termin mit Datum",
        ),
        (
            {"day": term.ferien[0].isoformat(), "repeat-until": term.ferien[1].isoformat()},
            "repeat-frequency",
            "kein einziger Termin",
        ),
    ]


@pytest.mark.parametrize("case", range(11))
def test_a_bad_rule_is_refused_at_its_field(client, coordinator, term, case):
    overrides, field, message = _bad_rules(term)[case]
    response = client.post(url("requests.new"), data=form(term, **overrides))
    assert response.status_code == 422
    page = body(response)
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert "S-12" in page and "Grundschule Brakel" in page  # nothing typed is lost
    assert series_count() == 0
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == 0


# --- saving ------------------------------------------------------------------------------------------


def test_saving_makes_the_series_and_one_open_request_per_date(client, coordinator, term):
    response = client.post(url("requests.new"), data=form(term))
    assert response.status_code == 303
    made = db.session.scalar(select(RequestSeries))
    assert response.location.endswith(url("series.show", series_id=made.id))
    dates = series_dates(made)
    assert [request.series_day for request in dates] == term.dates
    assert [request.starts_at for request in dates] == [berlin(day, time(10)) for day in term.dates]
    assert {request.status for request in dates} == {RequestStatus.OPEN}
    assert {request.client_ref for request in dates} == {"S-12"}
    skips = db.session.scalars(select(SeriesSkip).order_by(SeriesSkip.day)).all()
    assert [(skip.day, skip.reason.value, skip.name) for skip in skips] == [
        (day, "ferien", "Osterferien") for day in term.ferien
    ]
    assert [event.detail["appointments"] for event in audit_events("series.created")] == [4]


def test_saving_as_draft_makes_drafts(client, coordinator, term):
    assert client.post(url("requests.new"), data=form(term, intent="draft")).status_code == 303
    made = db.session.scalar(select(RequestSeries))
    assert {request.status for request in series_dates(made)} == {RequestStatus.DRAFT}


def test_without_repetition_a_single_request_is_made(client, coordinator, term):
    assert client.post(url("requests.new"), data=form(term, **{"repeat-frequency": ""})).status_code == 303
    assert series_count() == 0
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == 1


# --- the series page ------------------------------------------------------------------------------


@pytest.fixture
def term_series(coordinator, term):
    return make_series(first=term.first, until=term.until, created_by=coordinator)


def test_series_page_shows_every_date_and_why_days_were_left_out(client, coordinator, term_series):
    helper = make_available_helper()
    booked(series_dates(term_series)[0], helper)
    page = body(client.get(url("series.show", series_id=term_series.id)))
    assert page.count('<tr id="date-') == 4
    assert helper.user.display_name in page
    assert page.count("Ferien (Osterferien)") == 2
    assert url("calendar.series_ics", series_id=term_series.id) in page
    assert audit_events("series.viewed")


def test_each_date_links_to_its_series(client, coordinator, term_series):
    first = series_dates(term_series)[0]
    page = body(client.get(url("requests.show", request_id=first.id)))
    assert url("series.show", series_id=term_series.id) in page


def test_the_request_list_says_which_date_of_its_series_a_request_is(client, coordinator, term_series):
    single = make_request(created_by=coordinator)
    page = body(client.get(url("requests.index", tab="all")))
    for number in range(1, 5):
        assert f"Serie: Termin {number} von 4" in page
    assert page.count(url("series.show", series_id=term_series.id)) == 4
    assert url("requests.show", request_id=single.id) in page


def test_a_single_request_has_no_series_actions(client, coordinator):
    single = make_request()
    response = client.post(url("series.cancel_date", request_id=single.id), data={"reason": "x"})
    assert response.status_code == 404


def test_unknown_series_is_404(client, coordinator):
    assert client.get(url("series.show", series_id=999999)).status_code == 404


def test_move_one_date(client, coordinator, term, term_series):
    second = series_dates(term_series)[1]
    new_day = term.day(1) + timedelta(days=1)
    response = act(client, "series.move_date", second, {"day": new_day.isoformat(), "start": "14:30"})
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page and f"jetzt am {dates.show(new_day, 'day_medium', 'de')} um 14:30" in page
    assert "verschoben, geplant war" in page
    moved = series_dates(term_series)[1]
    assert (moved.series_day, moved.starts_at) == (term.day(1), berlin(new_day, time(14, 30)))
    assert audit_events("series.date_moved")


def test_moving_needs_a_day_and_keeps_the_time_typed(client, coordinator, term, term_series):
    second = series_dates(term_series)[1]
    response = act(client, "series.move_date", second, {"day": "", "start": "14:30"})
    assert response.status_code == 422
    page = body(response)
    assert f'id="move-day-{second.id}-error">Bitte ein Datum angeben.' in page
    assert 'value="14:30"' in page
    assert series_dates(term_series)[1].starts_at == berlin(term.day(1), time(10))


def test_moving_into_the_past_is_refused(client, coordinator, term_series):
    second = series_dates(term_series)[1]
    yesterday = local_today() - timedelta(days=1)
    response = act(client, "series.move_date", second, {"day": yesterday.isoformat(), "start": "10:00"})
    assert response.status_code == 422
    assert "Vergangenheit" in body(response)


def test_cancel_one_date_tells_its_confirmed_helper(client, coordinator, term_series):
    first = series_dates(term_series)[0]
    helper = make_available_helper()
    booked(first, helper)
    response = client.post(url("series.cancel_date", request_id=first.id), data={"reason": "Schule zu"})
    assert response.status_code == 303
    states = [request.status for request in series_dates(term_series)]
    assert states == [RequestStatus.CANCELLED, RequestStatus.OPEN, RequestStatus.OPEN, RequestStatus.OPEN]
    assert outbox("request_cancelled", to=helper.user.email)
    assert audit_events("series.date_cancelled")


def test_cancel_needs_a_reason(client, coordinator, term_series):
    first = series_dates(term_series)[0]
    response = act(client, "series.cancel_date", first, {"reason": " "})
    assert response.status_code == 422
    assert f'id="cancel-reason-{first.id}-error">' in body(response)
    assert series_dates(term_series)[0].status == RequestStatus.OPEN


def test_cancel_this_and_all_following(client, coordinator, term_series):
    third = series_dates(term_series)[2]
    helper = make_available_helper()
    booked(series_dates(term_series)[3], helper)
    response = act(client, "series.cancel_following", third, {"reason": "Kurs endet früher"})
    assert response.status_code == 200
    assert "2 Termine sind abgesagt." in body(response)
    states = [request.status for request in series_dates(term_series)]
    assert states == [
        RequestStatus.OPEN,
        RequestStatus.OPEN,
        RequestStatus.CANCELLED,
        RequestStatus.CANCELLED,
    ]
    assert outbox("request_cancelled", to=helper.user.email)
    assert [event.detail["cancelled"] for event in audit_events("series.following_cancelled")] == [2]


def test_change_the_time_of_this_and_all_following(client, coordinator, term, term_series):
    second = series_dates(term_series)[1]
    response = act(client, "series.retime_following", second, {"start": "14:00"})
    assert response.status_code == 200
    assert "3 Termine sind auf 14:00 Uhr verlegt." in body(response)
    starts = [request.starts_at for request in series_dates(term_series)]
    assert starts == [berlin(term.day(0), time(10))] + [berlin(day, time(14)) for day in term.dates[1:]]
    assert [event.detail["moved"] for event in audit_events("series.following_retimed")] == [3]


def test_change_the_time_of_drafts(client, coordinator, term):
    drafts = make_series(first=term.first, count=2, open_now=False, created_by=coordinator)
    first = series_dates(drafts)[0]
    response = client.post(url("series.retime_following", request_id=first.id), data={"start": "08:15"})
    assert response.status_code == 303
    assert [request.starts_at for request in series_dates(drafts)] == [
        berlin(term.day(0), time(8, 15)),
        berlin(term.day(1), time(8, 15)),
    ]
    assert {request.status for request in series_dates(drafts)} == {RequestStatus.DRAFT}


def test_a_new_time_needs_a_time(client, coordinator, term_series):
    second = series_dates(term_series)[1]
    response = act(client, "series.retime_following", second, {"start": "25:00"})
    assert response.status_code == 422
    assert f'id="retime_following-start-{second.id}-error">Bitte als Uhrzeit eingeben' in body(response)


def test_move_this_and_all_following_to_thursday(client, coordinator, term, term_series):
    second = series_dates(term_series)[1]
    response = act(client, "series.retime_following", second, {"start": "15:30", "weekday": "3"})
    assert response.status_code == 200
    assert "3 Termine sind auf Donnerstag, 15:30 Uhr verlegt." in body(response)
    starts = [request.starts_at for request in series_dates(term_series)]
    thursdays = [day + timedelta(days=2) for day in term.dates[1:]]
    assert starts == [berlin(term.day(0), time(10))] + [berlin(day, time(15, 30)) for day in thursdays]
    assert [event.detail["weekday"] for event in audit_events("series.following_retimed")] == [3]
    # The calendar file keeps the rule (Tuesdays at 10:00) and shows each moved date as its exception.
    text = body(client.get(url("calendar.series_ics", series_id=term_series.id))).replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 4
    assert f"DTSTART;TZID=Europe/Berlin:{ics_time(term.first, time(10))}" in text
    for rule_day, thursday in zip(term.dates[1:], thursdays, strict=True):
        moved = text.index(f"RECURRENCE-ID;TZID=Europe/Berlin:{ics_time(rule_day, time(10))}")
        event = text[text.rindex("BEGIN:VEVENT", 0, moved) : text.index("END:VEVENT", moved)]
        assert f"DTSTART;TZID=Europe/Berlin:{ics_time(thursday, time(15, 30))}" in event


@pytest.mark.parametrize("weekday", ["7", "-1", "Donnerstag", "3.0"])
def test_a_weekday_not_in_the_list_is_refused_and_the_time_kept(client, coordinator, term_series, weekday):
    second = series_dates(term_series)[1]
    response = act(client, "series.retime_following", second, {"start": "15:30", "weekday": weekday})
    assert response.status_code == 422
    page = body(response)
    assert f'id="retime_following-weekday-{second.id}-error">Bitte einen Wochentag aus der Liste' in page
    typed = re.search(f'<input[^>]*id="retime_following-start-{second.id}"[^>]*>', page).group(0)
    assert 'value="15:30"' in typed
    assert audit_events("series.following_retimed") == []


# --- the calendar file ----------------------------------------------------------------------------


def test_the_series_is_one_recurring_event(client, coordinator, term, term_series):
    second, fourth = series_dates(term_series)[1], series_dates(term_series)[3]
    moved_to = term.day(1) + timedelta(days=1)
    client.post(
        url("series.move_date", request_id=second.id), data={"day": moved_to.isoformat(), "start": "14:30"}
    )
    client.post(url("series.cancel_date", request_id=fourth.id), data={"reason": "Zeugnisse"})
    response = client.get(url("calendar.series_ics", series_id=term_series.id))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    text = body(response).replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 2
    assert f"DTSTART;TZID=Europe/Berlin:{ics_time(term.first, time(10))}" in text
    until = berlin(term.until, time(10))
    assert f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%dT%H%M%SZ};INTERVAL=1" in text
    left_out = [*term.ferien, term.day(3)]
    assert "EXDATE;TZID=Europe/Berlin:" + ",".join(ics_time(day, time(10)) for day in left_out) in text
    assert f"RECURRENCE-ID;TZID=Europe/Berlin:{ics_time(term.day(1), time(10))}" in text
    assert f"DTSTART;TZID=Europe/Berlin:{ics_time(moved_to, time(14, 30))}" in text


def test_every_other_week_in_the_calendar(client, coordinator, term):
    biweekly = make_series(first=term.first, count=3, frequency=Frequency.BIWEEKLY, created_by=coordinator)
    text = body(client.get(url("calendar.series_ics", series_id=biweekly.id))).replace("\r\n ", "")
    assert "INTERVAL=2" in text
    assert f"EXDATE;TZID=Europe/Berlin:{ics_time(term.ferien[0], time(10))}" in text


@pytest.mark.parametrize("role", ["helper", "initiative"])
def test_only_coordinators_see_a_series(client, login_as, term, role):
    made = make_series(first=term.first, count=2)
    login_as(role)
    assert client.get(url("series.show", series_id=made.id)).status_code == 403
    assert client.get(url("calendar.series_ics", series_id=made.id)).status_code == 403
    first = series_dates(made)[0]
    response = client.post(url("series.cancel_date", request_id=first.id), data={"reason": "x"})
    assert response.status_code == 403
    assert series_dates(made)[0].status == RequestStatus.OPEN
