"""What the helpers asked for a series said, on the series page, and "Alle Zusagen bestätigen": one
helper's yeses confirmed for all open dates at once, with one mail to her."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ki_match.access import Role
from ki_match.clock import utcnow
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.rules import OfferError
from ki_match.offers.series_answers import accepted_by_date, answers, confirm_all
from ki_match.requests.lifecycle import cancel
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus, RequestStatus
from tests.factories import (
    booked,
    make_available_helper,
    make_request,
    make_series,
    next_tuesday,
    series_dates,
)
from tests.offers.test_series_offers import url
from tests.support import audit_events, htmx_headers, outbox


@pytest.fixture
def tuesdays(coordinator):
    return make_series(first=next_tuesday(), count=4, skip_holidays=False, created_by=coordinator)


@pytest.fixture
def amina(ki):
    return make_available_helper(ki=ki, display_name="Amina K.")


def asked(helper: HelperProfile, dates: list[HelpRequest], coordinator, status=OfferStatus.ACCEPTED):
    for date in dates:
        db.session.add(
            Offer(
                request_id=date.id,
                helper_id=helper.id,
                sent_by_id=coordinator.id,
                status=status,
                answered_at=utcnow() if status != OfferStatus.PENDING else None,
            )
        )
    db.session.commit()


def seats_of(helper: HelperProfile) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.helper_id == helper.id)))


# --- where each helper stands ---------------------------------------------------------------------


def test_answers_count_yeses_to_confirm_open_offers_and_seats(tuesdays, amina, ki, coordinator):
    dates = series_dates(tuesdays)
    basma = make_available_helper(ki=ki, display_name="Basma R.")
    asked(amina, dates[:3], coordinator)
    asked(basma, dates[1:], coordinator, status=OfferStatus.PENDING)
    rows = answers(series_dates(tuesdays))
    assert [(row.name, row.to_confirm, len(row.pending), row.holding) for row in rows] == [
        ("Amina K.", 3, 0, 0),
        ("Basma R.", 0, 3, 0),
    ]
    accepted = accepted_by_date(series_dates(tuesdays))
    assert accepted.get(dates[0].id, []) == ["Amina K."]
    assert accepted.get(dates[3].id, []) == []


def test_confirmed_and_called_off_dates_are_no_longer_to_confirm(tuesdays, amina, coordinator):
    dates = series_dates(tuesdays)
    asked(amina, dates, coordinator)
    confirm_all(dates[:2], amina, coordinator)
    [row] = answers(series_dates(tuesdays))
    assert (row.to_confirm, row.holding) == (2, 2)
    cancel(dates[3].id, coordinator, "Schule geschlossen")
    [row] = answers(series_dates(tuesdays))
    assert (row.to_confirm, row.pending, row.holding) == (1, (), 2)


def test_nobody_asked_no_answers(tuesdays):
    assert answers(series_dates(tuesdays)) == []


# --- confirming all -----------------------------------------------------------------------------------


def test_confirming_all_seats_her_on_every_date_she_said_yes_to(tuesdays, amina, coordinator):
    dates = series_dates(tuesdays)
    asked(amina, dates[:3], coordinator)
    outcome = confirm_all(dates, amina, coordinator)
    assert len(outcome.confirmed) == 3 and outcome.refused == []
    assert sorted(seat.request_id for seat in seats_of(amina)) == [date.id for date in dates[:3]]
    assert [date.status for date in series_dates(tuesdays)] == [RequestStatus.FILLED] * 3 + [
        RequestStatus.OPEN
    ]
    assert len(audit_events("assignment.confirmed")) == 3
    # One mail to her for the three dates, none per date.
    [mail] = outbox("assignment_confirmed")
    assert mail.subject == "Ihre Einsätze sind bestätigt"
    assert "Ihre Einsätze für 3 Termine dieser Serie sind bestätigt." in mail.body_text
    for seat in seats_of(amina):
        assert f"/assignments/{seat.id}" in mail.body_text


def test_a_date_that_cannot_be_confirmed_is_named_and_the_others_are(tuesdays, amina, ki, coordinator):
    dates = series_dates(tuesdays)
    asked(amina, dates, coordinator)
    # She was booked for something else at the time of the second date meanwhile.
    clash = make_request(ki=ki, created_by=coordinator, starts_at=dates[1].starts_at)
    booked(clash, amina)
    db.session.commit()
    outcome = confirm_all(series_dates(tuesdays), amina, coordinator)
    assert len(outcome.confirmed) == 3
    [(starts_at, reason)] = outcome.refused
    assert starts_at == dates[1].starts_at and "schon einen anderen bestätigten Einsatz" in reason
    [mail] = outbox("assignment_confirmed")
    assert "3 Termine" in mail.body_text


def test_nothing_to_confirm_is_refused(tuesdays, amina, coordinator):
    dates = series_dates(tuesdays)
    asked(amina, dates, coordinator, status=OfferStatus.PENDING)
    with pytest.raises(OfferError, match="keine Zusage"):
        confirm_all(dates, amina, coordinator)
    assert seats_of(amina) == []


# --- the series page --------------------------------------------------------------------------------


@pytest.fixture
def at_desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def confirm(client, series, helper_id, *, htmx: bool = True):
    return client.post(
        url("series.confirm_helper", series_id=series.id),
        data={"helper_id": helper_id},
        headers=htmx_headers("series-dates") if htmx else {},
    )


def test_the_page_shows_who_said_yes_and_offers_to_confirm_all(client, at_desk, tuesdays, amina):
    asked(amina, series_dates(tuesdays), at_desk)
    page = client.get(url("series.show", series_id=tuesdays.id)).get_data(as_text=True)
    assert "4 Zusagen noch zu bestätigen" in page
    assert "Alle 4 Zusagen bestätigen" in page
    assert page.count("zugesagt, noch zu bestätigen: <bdi>Amina K.</bdi>") == 4


def test_confirming_all_answers_the_table_with_the_new_state(client, at_desk, tuesdays, amina):
    asked(amina, series_dates(tuesdays), at_desk)
    response = confirm(client, tuesdays, amina.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="series-dates"' in html and "<html" not in html
    assert "Amina K. ist für 4 Termine bestätigt." in html
    assert "für 4 Termine bestätigt" in html and "Alle 4 Zusagen bestätigen" not in html
    assert {date.status for date in series_dates(tuesdays)} == {RequestStatus.FILLED}


def test_confirming_all_without_htmx_goes_back_to_the_page(client, at_desk, tuesdays, amina):
    asked(amina, series_dates(tuesdays), at_desk)
    response = confirm(client, tuesdays, amina.id, htmx=False)
    assert response.status_code == 303 and response.location.endswith(f"/series/{tuesdays.id}")
    assert len(seats_of(amina)) == 4


def test_nothing_left_to_confirm_answers_409_with_the_reason(client, at_desk, tuesdays, amina):
    asked(amina, series_dates(tuesdays), at_desk, status=OfferStatus.PENDING)
    response = confirm(client, tuesdays, amina.id)
    assert response.status_code == 409
    assert "keine Zusage, die noch zu bestätigen ist" in response.get_data(as_text=True)


def test_when_every_date_is_refused_the_page_says_why(client, at_desk, ki, tuesdays, amina):
    first = series_dates(tuesdays)[0]
    asked(amina, [first], at_desk)
    booked(make_request(ki=ki, created_by=at_desk, starts_at=first.starts_at), amina)
    db.session.commit()
    response = confirm(client, tuesdays, amina.id)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert f"{dates.show(first.starts_at, 'day_medium', 'de')}: Diese Person hat zu dieser Zeit schon" in html


@pytest.mark.parametrize("helper_id", ["", "abc", "0", "99999999"])
def test_bad_helper_ids_answer_422(client, at_desk, tuesdays, helper_id):
    response = confirm(client, tuesdays, helper_id)
    assert response.status_code == 422
    assert "Diese Person gibt es nicht (mehr)." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_may_not_confirm(client, login_as, tuesdays, amina, coordinator, role):
    asked(amina, series_dates(tuesdays), coordinator)
    login_as(role)
    assert confirm(client, tuesdays, amina.id).status_code == 403
    assert seats_of(amina) == []


def test_with_one_open_date_left_the_page_does_not_count_one_of_one(client, at_desk, tuesdays, amina):
    for date in series_dates(tuesdays)[1:]:
        cancel(date.id, at_desk, "Kurs endet")
    html = client.get(url("series.show", series_id=tuesdays.id)).get_data(as_text=True)
    assert "kann den offenen Termin" in html and "von 1 Terminen" not in html
