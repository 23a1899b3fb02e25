"""A series an initiative sent in, decided as a whole at the desk: the block on the series page and
on each date's request page, "Alle N Termine übernehmen" and declining them all with a reason (in
place with htmx, 303 without JavaScript), and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.orgs.models import Organisation
from ki_match.requests import lifecycle
from ki_match.requests.models import HelpRequest, RequestSeries, RequestStatus
from tests.factories import make_series, make_submitted_series, make_user, other_ki
from tests.support import htmx_headers, outbox, regions

S = RequestStatus


@pytest.fixture
def series(create_user) -> RequestSeries:
    """Four Tuesdays sent in by an initiative member (not logged in)."""
    member = create_user(Role.INITIATIVE)
    first = _tuesday()
    return make_submitted_series(member, first=first, count=4)


def _tuesday():
    day = local_today() + timedelta(days=21)
    return day + timedelta(days=(1 - day.weekday()) % 7)


@pytest.fixture
def desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def dates_of(made: RequestSeries) -> list[HelpRequest]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(HelpRequest).where(HelpRequest.series_id == made.id).order_by(HelpRequest.series_day)
        )
    )


def body(response) -> str:
    return response.get_data(as_text=True)


def organisation_name(made: RequestSeries) -> str:
    return db.session.get(Organisation, dates_of(made)[0].organisation_id).name


# --- the block -----------------------------------------------------------------------------------------


def test_the_series_page_says_who_sent_it_and_offers_all_at_once(client, desk, series):
    page = body(client.get(f"/series/{series.id}"))
    assert f"Serie mit 4 Terminen, eingereicht von {organisation_name(series)}" in page
    assert "Alle 4 Termine übernehmen" in page and "Alle wartenden Termine ablehnen" in page


def test_a_dates_request_page_has_the_block_too(client, desk, series):
    first = dates_of(series)[0]
    page = body(client.get(f"/requests/{first.id}"))
    assert f"Serie mit 4 Terminen, eingereicht von {organisation_name(series)}" in page
    assert "Alle 4 Termine übernehmen" in page
    assert f'name="series-approve-request_id" value="{first.id}"' in page
    # Single dates are still decided one by one.
    assert "In die Vermittlung übernehmen" in page


def test_a_coordinators_own_series_and_a_single_request_have_no_block(client, desk):
    own = make_series(first=_tuesday(), count=2, created_by=desk)
    assert "eingereicht von" not in body(client.get(f"/series/{own.id}"))
    request_id = dates_of(own)[0].id
    assert "Alle 2 Termine übernehmen" not in body(client.get(f"/requests/{request_id}"))


def test_the_count_follows_dates_decided_one_by_one(client, desk, series):
    lifecycle.take_over(dates_of(series)[1].id, desk)
    assert "Alle 3 Termine übernehmen" in body(client.get(f"/series/{series.id}"))


# --- taking over all -----------------------------------------------------------------------------------


def test_taking_over_all_on_the_series_page_in_place(client, desk, series):
    response = client.post(f"/series/{series.id}/approve", headers=htmx_headers("series-dates"))
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page and 'id="series-dates"' in page
    assert "4 Termine sind übernommen und offen für die Vermittlung." in page
    assert "Über alle Termine dieser Serie ist entschieden." in page
    assert page.count("status-open") == 4
    assert {request.status for request in dates_of(series)} == {S.OPEN}
    assert len(outbox("initiative_accepted")) == 1


def test_taking_over_all_from_a_dates_page_answers_its_regions(client, desk, series):
    first = dates_of(series)[0]
    response = client.post(
        f"/series/{series.id}/approve",
        data={"series-approve-request_id": str(first.id)},
        headers=htmx_headers("series-approval"),
    )
    assert response.status_code == 200
    found = regions(body(response))
    assert "4 Termine sind übernommen" in found["series-approval"].html
    # The date's own regions show it open too (out of band).
    assert (
        found["submitted-actions"].oob
        and "In die Vermittlung übernehmen" not in found["submitted-actions"].html
    )
    assert {request.status for request in dates_of(series)} == {S.OPEN}


def test_taking_over_all_without_javascript(client, desk, series):
    response = client.post(f"/series/{series.id}/approve")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/series/{series.id}")
    first = dates_of(series)[0]
    response = client.post(f"/series/{series.id}/approve", data={"series-approve-request_id": str(first.id)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{first.id}")


def test_taking_over_all_twice_is_refused(client, desk, series):
    client.post(f"/series/{series.id}/approve")
    response = client.post(f"/series/{series.id}/approve", headers=htmx_headers("series-dates"))
    assert response.status_code == 409
    assert "schon entschieden" in body(response)
    assert len(outbox("initiative_accepted")) == 1


# --- declining all -------------------------------------------------------------------------------------


def test_declining_all_in_place_sends_one_mail(client, desk, series):
    response = client.post(
        f"/series/{series.id}/decline",
        data={"series-decline-reason": "Keine Sprachlotsin frei"},
        headers=htmx_headers("series-dates"),
    )
    assert response.status_code == 200
    assert "4 Termine sind abgelehnt." in body(response)
    assert {request.status for request in dates_of(series)} == {S.DECLINED}
    [mail] = outbox("initiative_declined")
    assert "Keine Sprachlotsin frei" in mail.body_text


def test_declining_all_needs_a_reason_kept_as_typed(client, desk, series):
    too_long = "y" * 301
    response = client.post(
        f"/series/{series.id}/decline",
        data={"series-decline-reason": too_long},
        headers=htmx_headers("series-dates"),
    )
    assert response.status_code == 422
    page = body(response)
    assert "Bitte höchstens 300 Zeichen." in page.split('id="series-decline-reason-error">', 1)[1]
    assert too_long in page
    first = dates_of(series)[0]
    response = client.post(
        f"/series/{series.id}/decline",
        data={"series-decline-reason": "", "series-decline-request_id": str(first.id)},
    )
    assert response.status_code == 422
    assert "<html" in body(response) and "Bitte geben Sie einen Grund an" in body(response)
    response = client.post(
        f"/series/{series.id}/decline",
        data={"series-decline-reason": " ", "series-decline-request_id": str(first.id)},
        headers=htmx_headers("series-approval"),
    )
    assert response.status_code == 422
    assert "Bitte geben Sie einen Grund an" in regions(body(response))["series-approval"].html
    assert {request.status for request in dates_of(series)} == {S.SUBMITTED}


def test_declining_all_without_javascript(client, desk, series):
    response = client.post(f"/series/{series.id}/decline", data={"series-decline-reason": "Geschlossen"})
    assert response.status_code == 303
    assert {request.status for request in dates_of(series)} == {S.DECLINED}


# --- who may -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_only_coordinators_decide_a_series(client, login_as, series, role):
    login_as(role)
    assert client.post(f"/series/{series.id}/approve").status_code == 403
    assert client.post(f"/series/{series.id}/decline", data={"series-decline-reason": "x"}).status_code == 403
    assert {request.status for request in dates_of(series)} == {S.SUBMITTED}


def test_another_kis_series_does_not_exist(client, auth, series):
    other = make_user(Role.COORDINATOR, ki=other_ki())
    assert auth.login(other.email).status_code == 303
    assert client.post(f"/series/{series.id}/approve").status_code == 404
    assert client.post(f"/series/{series.id}/decline", data={"series-decline-reason": "x"}).status_code == 404
    assert {request.status for request in dates_of(series)} == {S.SUBMITTED}
