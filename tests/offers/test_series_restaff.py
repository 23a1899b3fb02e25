"""Another person for one date of a series, or this and all following (``offers.series_restaff``),
and the series page's "Andere Person" actions.

The series: four Tuesdays from next week at 10:00 (no holidays skipped), Amina confirmed on all
four. Basma can take every Tuesday; Carla is away on the third one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app, url_for
from sqlalchemy import select

from ki_match.access import Role
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.offers.series_offers import candidates_by_date
from ki_match.offers.series_restaff import candidates_for, chosen_dates, restaff
from ki_match.requests import series
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    RequestStatus,
    RequestStatusChange,
)
from tests.factories import (
    away_on,
    booked,
    make_available_helper,
    make_series,
    next_tuesday,
    other_ki,
    series_dates,
)
from tests.support import audit_events, htmx_headers, outbox


def url(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def tuesdays(coordinator, amina):
    made = make_series(first=next_tuesday(), count=4, skip_holidays=False, created_by=coordinator)
    for date in series_dates(made):
        booked(date, amina)
    return made


@pytest.fixture
def amina(ki):
    return make_available_helper(ki=ki, display_name="Amina K.")


@pytest.fixture
def basma(ki):
    return make_available_helper(ki=ki, display_name="Basma R.")


@pytest.fixture
def carla(ki, tuesdays):
    """Away on the third Tuesday."""
    return away_on(make_available_helper(ki=ki, display_name="Carla M."), series_dates(tuesdays)[2])


def holding(helper) -> list[int]:
    """The request ids the helper is confirmed for."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Assignment.request_id)
            .where(Assignment.helper_id == helper.id, Assignment.status == AssignmentStatus.CONFIRMED)
            .order_by(Assignment.request_id)
        )
    )


def asked(helper) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Offer.request_id).where(Offer.helper_id == helper.id).order_by(Offer.request_id)
        )
    )


# --- which dates, who fits ------------------------------------------------------------------------


def test_the_dates_are_this_and_the_later_ones_still_to_come_with_someone_confirmed(tuesdays, coordinator):
    dates = series_dates(tuesdays)
    series.cancel_date(dates[2], coordinator, "Zeugnisse")
    dates[3].starts_at = dates[3].starts_at - timedelta(days=60)  # already over
    db.session.commit()
    following = [d.id for d in chosen_dates(series_dates(tuesdays)[1], following=True)]
    assert following == [dates[1].id]
    assert [d.id for d in chosen_dates(series_dates(tuesdays)[0], following=False)] == [dates[0].id]


def test_who_fits_how_many_of_the_chosen_dates(tuesdays, amina, basma, carla):
    dates = chosen_dates(series_dates(tuesdays)[1], following=True)
    ranked = candidates_for(candidates_by_date(dates), dates)
    found = {c.helper_id: (c.can_take, c.open_dates) for c in ranked}
    assert found[basma.id] == (3, 3)
    assert found[carla.id] == (2, 3)
    assert amina.id not in found  # she has these dates already


# --- the change -----------------------------------------------------------------------------------


def test_this_and_all_following_go_to_another_person(tuesdays, amina, basma, coordinator):
    dates = series_dates(tuesdays)
    done = restaff(dates[1], amina, basma, coordinator, following=True)
    assert done.released == [d.series_day for d in dates[1:]]
    assert (done.asked, done.refused) == (3, [])
    assert holding(amina) == [dates[0].id]
    assert asked(basma) == [d.id for d in dates[1:]]
    assert [d.status for d in series_dates(tuesdays)] == [RequestStatus.FILLED] + [RequestStatus.OFFERED] * 3
    # Amina hears it once, with every date; Basma is asked in one mail; no alert to the coordinators.
    [released] = outbox("assignment_released", to=amina.user.email)
    assert released.body_text.count("10:00") == 4  # the summary's first date, then each of the three
    [offer] = outbox("offer", to=basma.user.email)
    assert "3 von 4 Terminen" in offer.body_text
    assert outbox("assignment_withdrawn") == []
    [event] = audit_events("series.restaffed")
    assert (event.detail["released"], event.detail["asked"]) == (3, 3)
    history = db.session.scalars(
        select(RequestStatusChange.note).where(RequestStatusChange.request_id == dates[1].id)
    ).all()
    assert "Koordination hat den Termin einer anderen Person gegeben" in history


def test_a_date_the_new_person_cannot_take_keeps_its_helper_and_is_named(tuesdays, amina, carla, coordinator):
    dates = series_dates(tuesdays)
    done = restaff(dates[0], amina, carla, coordinator, following=True)
    assert [day for day, _reason in done.refused] == [dates[2].series_day]
    assert done.refused[0][1].startswith("Carla M. passt an diesem Termin nicht (")
    assert holding(amina) == [dates[2].id]
    assert asked(carla) == [dates[0].id, dates[1].id, dates[3].id]


def test_one_date_without_a_new_person_opens_again(tuesdays, amina, coordinator):
    dates = series_dates(tuesdays)
    done = restaff(dates[1], amina, None, coordinator, following=False)
    assert (done.released, done.asked) == ([dates[1].series_day], 0)
    assert series_dates(tuesdays)[1].status == RequestStatus.OPEN
    assert holding(amina) == [dates[0].id, dates[2].id, dates[3].id]
    assert outbox("offer") == []
    assert len(outbox("assignment_released", to=amina.user.email)) == 1


def test_a_date_she_is_not_confirmed_for_is_named(tuesdays, amina, basma, coordinator):
    dates = series_dates(tuesdays)
    done = restaff(dates[1], basma, amina, coordinator, following=False)
    assert done.released == []
    assert done.refused == [(dates[1].series_day, "Basma R. ist für diesen Termin nicht (mehr) bestätigt.")]
    assert outbox("assignment_released") == []


def test_a_person_already_asked_for_a_date_is_not_asked_twice(tuesdays, amina, basma, coordinator):
    dates = series_dates(tuesdays)
    db.session.add(Offer(request_id=dates[3].id, helper_id=basma.id))
    db.session.commit()
    done = restaff(dates[2], amina, basma, coordinator, following=True)
    assert done.refused == [(dates[3].series_day, "Basma R. wurde für diesen Termin schon angefragt.")]
    assert holding(amina) == [dates[0].id, dates[1].id, dates[3].id]


# --- the series page ------------------------------------------------------------------------------


@pytest.fixture
def at_desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def post(client, endpoint: str, date: HelpRequest, data: dict, *, htmx: bool = True):
    headers = htmx_headers("series-dates") if htmx else {}
    return client.post(url(endpoint, request_id=date.id), data=data, headers=headers)


def test_each_row_offers_another_person_with_who_fits_how_many(client, at_desk, tuesdays, basma, carla):
    page = client.get(url("series.show", series_id=tuesdays.id)).get_data(as_text=True)
    first = series_dates(tuesdays)[0]
    assert "Andere Person für diesen und alle folgenden Termine" in page
    assert f'id="restaff_following-helper_id-{first.id}"' in page
    assert "Basma R. – kann 4 von 4 Terminen" in page
    assert "Carla M. – kann 3 von 4 Terminen" in page


def test_a_row_without_anyone_confirmed_has_no_restaff_action(client, at_desk, coordinator):
    made = make_series(first=next_tuesday(), count=2, skip_holidays=False, created_by=coordinator)
    page = client.get(url("series.show", series_id=made.id)).get_data(as_text=True)
    assert "Andere Person" not in page


def test_restaffing_answers_the_table_to_htmx(client, at_desk, tuesdays, amina, basma):
    dates = series_dates(tuesdays)
    response = post(
        client,
        "series.restaff_following",
        dates[2],
        {"leaving_id": str(amina.id), "helper_id": str(basma.id)},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="series-dates"')
    assert "<html" not in page
    assert "Amina K. ist für 2 Termine freigegeben, Basma R. dafür angefragt." in page
    assert asked(basma) == [dates[2].id, dates[3].id]


def test_restaffing_one_date_without_javascript_redirects(client, at_desk, tuesdays, amina):
    dates = series_dates(tuesdays)
    response = post(
        client, "series.restaff", dates[0], {"leaving_id": str(amina.id), "helper_id": ""}, htmx=False
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url("series.show", series_id=tuesdays.id))
    assert holding(amina) == [d.id for d in dates[1:]]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amina K. ist für 1 Termin freigegeben; er ist wieder offen." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param({"helper_id": "BASMA"}, "leaving_id", "Bitte eine Person aus der Liste wählen.", id="no leaving"),
        pytest.param({"leaving_id": "abc"}, "leaving_id", "Bitte eine Person aus der Liste wählen.", id="bad leaving"),
        pytest.param({"leaving_id": "AMINA", "helper_id": "x1"}, "helper_id", "Bitte eine Person aus der Liste wählen.", id="bad new"),
        pytest.param({"leaving_id": "AMINA", "helper_id": "99999999"}, "helper_id", "Diese Person gibt es nicht (mehr).", id="unknown new"),
        pytest.param({"leaving_id": "AMINA", "helper_id": "OTHER"}, "helper_id", "Diese Person gibt es nicht (mehr).", id="other KI"),
    ],
)  # fmt: skip
def test_bad_input_answers_422_in_its_row(client, at_desk, tuesdays, amina, basma, data, field, message):
    names = {"AMINA": str(amina.id), "BASMA": str(basma.id)}
    if "OTHER" in data.values():
        names["OTHER"] = str(make_available_helper(ki=other_ki()).id)
    data = {key: names.get(value, value) for key, value in data.items()}
    second = series_dates(tuesdays)[1]
    response = post(client, "series.restaff_following", second, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="restaff_following-{field}-{second.id}-error">{message}' in page
    if data.get("helper_id") == str(basma.id):
        # What was chosen is still chosen.
        assert f'<option selected value="{basma.id}">' in page
    assert holding(amina) == [d.id for d in series_dates(tuesdays)]
    assert outbox() == []


def test_another_kis_date_is_404(client, at_desk, amina):
    theirs = make_series(first=next_tuesday(), count=1, skip_holidays=False, ki=other_ki())
    response = post(client, "series.restaff", series_dates(theirs)[0], {"leaving_id": str(amina.id)})
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
@pytest.mark.parametrize("endpoint", ["series.restaff", "series.restaff_following"])
def test_helpers_and_initiatives_may_not_restaff(client, login_as, tuesdays, amina, role, endpoint):
    login_as(role)
    response = post(client, endpoint, series_dates(tuesdays)[0], {"leaving_id": str(amina.id)}, htmx=False)
    assert response.status_code == 403
    assert len(holding(amina)) == 4


def test_a_new_person_who_cannot_take_the_date_changes_nothing_and_says_why(
    client, at_desk, tuesdays, amina, carla
):
    third = series_dates(tuesdays)[2]
    response = post(
        client, "series.restaff", third, {"leaving_id": str(amina.id), "helper_id": str(carla.id)}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (
        f"Nichts geändert. {dates.show(third.series_day, 'day_medium', 'de')}: Carla M. passt an diesem Termin nicht ("
        in page
    )
    assert holding(amina) == [d.id for d in series_dates(tuesdays)]
    assert outbox() == []


def test_a_date_nobody_holds_any_more_changes_nothing_and_says_so(client, at_desk, tuesdays, amina, basma):
    first = series_dates(tuesdays)[0]
    restaff(first, amina, None, at_desk, following=False)
    response = post(
        client, "series.restaff", first, {"leaving_id": str(amina.id), "helper_id": str(basma.id)}
    )
    assert response.status_code == 200
    assert "Nichts geändert: Für diesen Termin ist niemand (mehr) bestätigt." in response.get_data(
        as_text=True
    )
    assert asked(basma) == []
