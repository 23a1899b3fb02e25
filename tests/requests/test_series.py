"""The rules of a series (``requests.series``): made like single requests, changed one date or
"this and all following" through the lifecycle, each date on its own."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from ki_match.extensions import db
from ki_match.requests import series
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange
from tests.factories import berlin, booked, make_available_helper, make_request, make_series, next_tuesday


@pytest.fixture
def weekly(coordinator):
    """Four Tuesdays at 10:00, holidays not skipped (the rules here do not depend on them)."""
    return make_series(
        first=next_tuesday() + timedelta(days=7), count=4, skip_holidays=False, created_by=coordinator
    )


def dates_of(made) -> list[HelpRequest]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(HelpRequest).where(HelpRequest.series_id == made.id).order_by(HelpRequest.series_day)
        )
    )


def test_each_date_begins_like_a_single_request(weekly):
    dates = dates_of(weekly)
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
    dates = dates_of(weekly)
    series.cancel_date(dates[2], coordinator, "krank")
    outcome = series.cancel_following(dates_of(weekly)[1], coordinator, "Kurs vorbei")
    assert (outcome.changed, outcome.refused) == (2, [])
    assert [request.status for request in dates_of(weekly)] == [RequestStatus.OPEN] + [
        RequestStatus.CANCELLED
    ] * 3


def test_following_is_by_the_rule_date_not_the_moved_one(weekly, coordinator):
    dates = dates_of(weekly)
    # The last date moved before the second one: it still follows the second in the series.
    series.move_date(dates[3], dates[1].series_day - timedelta(days=1), time(9), coordinator)
    following = series.following(dates_of(weekly)[1])
    assert [request.series_day for request in following] == [request.series_day for request in dates[1:]]


def test_a_date_that_cannot_move_is_named_and_the_others_move(weekly, coordinator):
    dates = dates_of(weekly)
    helper = make_available_helper(slots=((1, time(8), time(18)),))
    booked(dates[2], helper)
    # The helper has another assignment at 15:00 on the third date's day.
    elsewhere = make_request(starts_at=berlin(dates[2].series_day, time(15)))
    booked(elsewhere, helper)
    outcome = series.retime_following(dates[1], time(15), coordinator)
    assert outcome.changed == 2
    assert [day for day, _reason in outcome.refused] == [dates[2].series_day]
    assert "hat zur neuen Zeit schon einen anderen bestätigten Einsatz" in outcome.refused[0][1]
    starts = [request.starts_at for request in dates_of(weekly)]
    assert starts == [
        berlin(dates[0].series_day, time(10)),
        berlin(dates[1].series_day, time(15)),
        berlin(dates[2].series_day, time(10)),
        berlin(dates[3].series_day, time(15)),
    ]


def test_is_changeable(weekly, coordinator):
    first = dates_of(weekly)[0]
    assert series.is_changeable(first)
    assert not series.is_changeable(first, now=first.starts_at)
    series.cancel_date(first, coordinator, "krank")
    assert not series.is_changeable(dates_of(weekly)[0])
