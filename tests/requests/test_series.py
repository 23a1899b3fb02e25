"""The rules of a series (``requests.series``): made like single requests, changed one date or
"this and all following" through the lifecycle, each date on its own."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from ki_match.extensions import db
from ki_match.requests import holidays, series
from ki_match.requests.models import RequestStatus, RequestStatusChange, SeriesSkip
from ki_match.requests.recurrence import SkipReason
from tests.factories import (
    berlin,
    booked,
    make_available_helper,
    make_request,
    make_series,
    next_tuesday,
    series_dates,
)
from tests.support import frozen_clock, outbox

BY_HAND = SkipReason.SKIPPED


@pytest.fixture
def weekly(coordinator):
    """Four Tuesdays at 10:00, holidays not skipped (the rules here do not depend on them)."""
    return make_series(
        first=next_tuesday() + timedelta(days=7), count=4, skip_holidays=False, created_by=coordinator
    )


def test_each_date_begins_like_a_single_request(weekly):
    dates = series_dates(weekly)
    assert len(dates) == 4
    for request in dates:
        history = db.session.scalars(
            select(RequestStatusChange).where(RequestStatusChange.request_id == request.id)
        ).all()
        assert [(change.from_status, change.to_status) for change in history] == [(None, RequestStatus.OPEN)]
    assert [request.series_day for request in dates] == [
        weekly.first_day + timedelta(weeks=week) for week in range(4)
    ]


def test_this_and_all_following_leaves_dates_already_off_alone(weekly, coordinator):
    dates = series_dates(weekly)
    series.cancel_date(dates[2], coordinator, "krank")
    outcome = series.cancel_following(series_dates(weekly)[1], coordinator, "Kurs vorbei")
    assert (outcome.changed, outcome.refused) == (2, [])
    assert [request.status for request in series_dates(weekly)] == [RequestStatus.OPEN] + [
        RequestStatus.CANCELLED
    ] * 3


def test_following_is_by_the_rule_date_not_the_moved_one(weekly, coordinator):
    dates = series_dates(weekly)
    # The last date moved before the second one: it still follows the second in the series.
    series.move_date(dates[3], dates[1].series_day - timedelta(days=1), time(9), coordinator)
    following = series.following(series_dates(weekly)[1])
    assert [request.series_day for request in following] == [request.series_day for request in dates[1:]]


def test_a_date_that_cannot_move_is_named_and_the_others_move(weekly, coordinator):
    dates = series_dates(weekly)
    helper = make_available_helper(slots=((1, time(8), time(18)),))
    booked(dates[2], helper)
    # The helper has another assignment at 15:00 on the third date's day.
    elsewhere = make_request(starts_at=berlin(dates[2].series_day, time(15)))
    booked(elsewhere, helper)
    outcome = series.retime_following(dates[1], time(15), coordinator)
    assert outcome.changed == 2
    assert [day for day, _reason in outcome.refused] == [dates[2].series_day]
    assert "hat zur neuen Zeit schon einen anderen bestätigten Einsatz" in outcome.refused[0][1]
    starts = [request.starts_at for request in series_dates(weekly)]
    assert starts == [
        berlin(dates[0].series_day, time(10)),
        berlin(dates[1].series_day, time(15)),
        berlin(dates[2].series_day, time(10)),
        berlin(dates[3].series_day, time(15)),
    ]


def test_is_changeable(weekly, coordinator):
    first = series_dates(weekly)[0]
    assert series.is_changeable(first)
    assert not series.is_changeable(first, now=first.starts_at)
    series.cancel_date(first, coordinator, "krank")
    assert not series.is_changeable(series_dates(weekly)[0])


# --- this and all following to another weekday ------------------------------------------------------

THURSDAY, MONDAY = 3, 0


def test_following_dates_move_to_the_weekday_of_their_own_week(weekly, coordinator):
    dates = series_dates(weekly)
    outcome = series.retime_following(dates[1], time(15), coordinator, THURSDAY)
    assert (outcome.changed, outcome.refused) == (3, [])
    moved = series_dates(weekly)
    assert [request.starts_at for request in moved] == [
        berlin(dates[0].series_day, time(10)),
        *(berlin(request.series_day + timedelta(days=2), time(15)) for request in dates[1:]),
    ]
    # The rule dates stay: the series (and its calendar file) still knows which date each one was.
    assert [request.series_day for request in moved] == [request.series_day for request in dates]


def test_a_date_landing_on_a_day_the_series_left_out_stays_and_is_named(weekly, coordinator):
    dates = series_dates(weekly)
    db.session.add(
        SeriesSkip(series_id=weekly.id, day=dates[2].series_day + timedelta(days=2), reason=BY_HAND)
    )
    db.session.commit()
    outcome = series.retime_following(dates[1], time(10), coordinator, THURSDAY)
    assert outcome.changed == 2
    assert [day for day, _reason in outcome.refused] == [dates[2].series_day]
    assert "ein Tag, den die Serie auslässt (ausgelassen)" in outcome.refused[0][1]
    assert series_dates(weekly)[2].starts_at == berlin(dates[2].series_day, time(10))


def _fronleichnam_on(day):
    return lambda asked: (
        holidays.Closed(holidays.DayOff.PUBLIC_HOLIDAY, "Fronleichnam") if asked == day else None
    )


def test_a_date_landing_on_a_holiday_stays_when_the_series_skips_holidays(coordinator):
    made = make_series(first=next_tuesday() + timedelta(days=7), count=3, created_by=coordinator)
    dates = series_dates(made)
    closed = _fronleichnam_on(dates[1].series_day + timedelta(days=2))
    outcome = series.retime_following(dates[0], time(10), coordinator, THURSDAY, closed=closed)
    assert [(day, reason.split("(")[1]) for day, reason in outcome.refused] == [
        (dates[1].series_day, "Feiertag: Fronleichnam); der Termin bleibt, wo er ist.")
    ]
    assert outcome.changed == 2


def test_a_series_that_keeps_holidays_moves_onto_them(weekly, coordinator):
    dates = series_dates(weekly)
    closed = _fronleichnam_on(dates[1].series_day + timedelta(days=2))
    outcome = series.retime_following(dates[0], time(10), coordinator, THURSDAY, closed=closed)
    assert (outcome.changed, outcome.refused) == (4, [])


def test_a_date_that_would_land_in_the_past_stays_and_is_named(coordinator):
    made = make_series(first=next_tuesday(), count=2, skip_holidays=False, created_by=coordinator)
    dates = series_dates(made)
    monday_noon = berlin(dates[0].series_day - timedelta(days=1), time(12))
    with frozen_clock(monday_noon):
        outcome = series.retime_following(dates[0], time(10), coordinator, MONDAY)
    assert outcome.changed == 1
    assert outcome.refused == [(dates[0].series_day, "Die neue Zeit liegt in der Vergangenheit.")]
    assert [request.starts_at for request in series_dates(made)] == [
        berlin(dates[0].series_day, time(10)),
        berlin(dates[1].series_day - timedelta(days=1), time(10)),
    ]


def test_a_confirmed_helper_moves_with_the_date_and_is_told(weekly, coordinator):
    dates = series_dates(weekly)
    helper = make_available_helper(slots=((1, time(8), time(18)), (3, time(8), time(18))))
    assignment = booked(dates[3], helper)
    outcome = series.retime_following(dates[2], time(11), coordinator, THURSDAY)
    assert (outcome.changed, outcome.refused) == (2, [])
    db.session.refresh(assignment)
    assert assignment.starts_at == berlin(dates[3].series_day + timedelta(days=2), time(11))
    assert [mail.to_address for mail in outbox(kind="request_rescheduled")] == [helper.user.email]
