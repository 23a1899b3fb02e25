"""A series an initiative sends in, subject to approval: the rules (one submitted request per date,
one mail for the series, the lead time for every date, deciding or withdrawing all dates at once)
and the organisation's routes (the form with its preview, the series page, withdrawing).

The series here are Tuesdays around the next Osterferien (two dates before, two after, two left
out), from the shipped holiday data.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.initiatives import series as rules
from ki_match.initiatives.services import InitiativeError
from ki_match.initiatives.workdays import earliest_day
from ki_match.orgs.models import Organisation
from ki_match.requests import lifecycle
from ki_match.requests.models import HelpRequest, RequestSeries, RequestStatus, RequestStatusChange
from ki_match.requests.recurrence import Frequency, Rule, expand
from tests.factories import language, make_submitted_series, make_user, osterferien_term, town
from tests.support import audit_events, htmx_headers, outbox

S = RequestStatus


@pytest.fixture
def member(auth):
    """An initiative member, logged in with the test client."""
    return auth.as_role(Role.INITIATIVE)


@pytest.fixture
def series(member, coordinator) -> RequestSeries:
    first, until = osterferien_term()
    return make_submitted_series(member, first=first, until=until)


def dates_of(made: RequestSeries) -> list[HelpRequest]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(HelpRequest).where(HelpRequest.series_id == made.id).order_by(HelpRequest.series_day)
        )
    )


def form(**overrides) -> dict:
    first, until = osterferien_term()
    data = {
        "kind": "accompaniment",
        "language_id": str(language("ar").id),
        "min_level": "3",
        "topic_id": "0",
        "day": first.isoformat(),
        "start": "10:00",
        "duration_minutes": "60",
        "town_id": str(town("Brakel").id),
        "place": "Grundschule Brakel",
        "client_ref": "S-12",
        "gender_pref": "",
        "helpers_needed": "1",
        "repeat-frequency": "weekly",
        "repeat-ends": "until",
        "repeat-until": until.isoformat(),
        "repeat-skip_holidays": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def body(response) -> str:
    return response.get_data(as_text=True)


def series_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RequestSeries))


# --- sending a series in (rules) -------------------------------------------------------------------


def test_a_series_is_one_submitted_request_per_date_and_one_mail(member, coordinator):
    other = make_user(Role.COORDINATOR)
    made = make_submitted_series(member, first=osterferien_term()[0], until=osterferien_term()[1])
    dates = dates_of(made)
    assert [request.status for request in dates] == [S.SUBMITTED] * 4
    assert {request.organisation_id for request in dates} == {member.organisation_id}
    assert {request.requested_by_id for request in dates} == {member.id}
    assert [skip.reason.value for skip in made.skips] == ["ferien", "ferien"]
    # One mail to each coordinator and one receipt, for the whole series: naming the number of dates
    # and the first and last.
    to_ki = outbox("initiative_received_ki")
    assert sorted(mail.to_address for mail in to_ki) == sorted([coordinator.email, other.email])
    mail = to_ki[0]
    assert "4 Termine" in mail.subject
    first, last = dates[0].starts_at, dates[-1].starts_at
    assert f"{first.day}. " in mail.body_text and f"{last.day}. " in mail.body_text
    assert "Terminserie mit 4 Terminen eingereicht" in mail.body_text
    assert f"/series/{made.id}" in mail.body_text
    [receipt] = outbox("initiative_received")
    assert receipt.to_address == member.email and f"/initiative/series/{made.id}" in receipt.body_text
    assert len(audit_events("series.submitted")) == 1
    assert len(audit_events("request.submitted")) == 4


def test_a_deactivated_organisation_cannot_send_a_series_in(member):
    db.session.get(Organisation, member.organisation_id).active = False
    db.session.commit()
    first, until = osterferien_term()
    with pytest.raises(InitiativeError):
        make_submitted_series(member, first=first, until=until)
    db.session.rollback()
    assert series_count() == 0 and not outbox()


def test_every_date_must_respect_the_lead_time():
    earliest = local_today() + timedelta(days=5)
    rule = Rule(
        Frequency.DATES,
        earliest + timedelta(days=7),
        time(10),
        dates=(earliest - timedelta(days=1), earliest, earliest + timedelta(days=14)),
        skip_holidays=False,
    )
    assert rules.too_early(expand(rule), earliest) == [earliest - timedelta(days=1)]
    assert rules.too_early(expand(rule), earliest - timedelta(days=1)) == []


# --- deciding the whole series (rules) ---------------------------------------------------------------


def test_taking_over_all_leaves_a_date_decided_on_its_own_alone(series, member, coordinator):
    first, second, third, fourth = dates_of(series)
    lifecycle.take_over(second.id, coordinator)
    lifecycle.decline_submitted(third.id, coordinator, "An diesem Tag geschlossen")
    accepted_before = len(outbox("initiative_accepted"))
    outcome = rules.take_over_series(db.session.get(RequestSeries, series.id), coordinator)
    assert sorted(request.id for request in outcome.changed) == [first.id, fourth.id]
    assert [request.status for request in dates_of(series)] == [S.OPEN, S.OPEN, S.DECLINED, S.OPEN]
    # Each date through the lifecycle: its history names the coordinator.
    change = db.session.scalar(
        select(RequestStatusChange).where(
            RequestStatusChange.request_id == fourth.id, RequestStatusChange.to_status == S.OPEN
        )
    )
    assert change.actor_id == coordinator.id
    # One mail to the organisation for the series (the single take-over had its own before).
    [mail] = outbox("initiative_accepted")[accepted_before:]
    assert mail.to_address == member.email and "2 Termine Ihrer Serie übernommen" in mail.body_text
    assert len(audit_events("series.taken_over")) == 1
    # Nothing waits any more: a second "Alle übernehmen" changes nothing and mails nobody.
    assert not rules.take_over_series(db.session.get(RequestSeries, series.id), coordinator).changed
    assert len(outbox("initiative_accepted")) == accepted_before + 1


def test_declining_all_needs_a_reason_and_sends_one_mail(series, member, coordinator):
    found = db.session.get(RequestSeries, series.id)
    with pytest.raises(lifecycle.RequestError):
        rules.decline_series(found, coordinator, "  ")
    outcome = rules.decline_series(found, coordinator, "Keine Sprachlotsin frei")
    assert len(outcome.changed) == 4
    assert {request.status for request in dates_of(series)} == {S.DECLINED}
    [mail] = outbox("initiative_declined")
    assert mail.to_address == member.email
    assert "Keine Sprachlotsin frei" in mail.body_text and "4 Termine" in mail.body_text


def test_withdrawing_all_takes_back_the_open_dates_only(series, member, coordinator):
    first, second, third, _fourth = dates_of(series)
    lifecycle.take_over(first.id, coordinator)
    lifecycle.decline_submitted(second.id, coordinator, "Geschlossen")
    outcome = rules.withdraw_series(db.session.get(RequestSeries, series.id), member, "Kurs fällt aus")
    assert len(outcome.changed) == 3
    assert [request.status for request in dates_of(series)] == [
        S.CANCELLED,
        S.DECLINED,
        S.CANCELLED,
        S.CANCELLED,
    ]
    [mail] = outbox("initiative_withdrawn_ki")
    assert mail.to_address == coordinator.email and "3 Termine" in mail.subject
    assert third.id  # the third was still submitted and went too


# --- the form and its preview (routes) -----------------------------------------------------------


def test_the_form_offers_a_repetition_with_the_initiatives_preview(client, member):
    page = body(client.get("/initiative/requests/new"))
    assert "Wiederholung" in page and 'name="repeat-frequency"' in page
    assert 'hx-post="/initiative/series/preview"' in page


def test_preview_lists_the_dates_and_the_holiday_gap(client, member):
    response = client.post("/initiative/series/preview", data=form(), headers=htmx_headers("series-preview"))
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page and "4 Termine" in page
    assert page.count("Ferien (Osterferien)") == 2
    assert series_count() == 0


def test_preview_without_javascript_is_the_whole_form(client, member):
    response = client.post("/initiative/series/preview", data=form())
    assert response.status_code == 200
    assert "<html" in body(response) and "4 Termine" in body(response)


@pytest.mark.parametrize("role", [Role.HELPER, Role.COORDINATOR])
def test_preview_is_for_initiatives(client, auth, login_as, role):
    login_as(role)
    assert client.post("/initiative/series/preview", data=form()).status_code == 403


def test_sending_a_series_in(client, member, coordinator):
    response = client.post("/initiative/requests/new", data=form())
    assert response.status_code == 303, body(response)
    made = db.session.scalar(select(RequestSeries))
    assert response.headers["Location"].endswith(f"/initiative/series/{made.id}")
    assert [request.status for request in dates_of(made)] == [S.SUBMITTED] * 4
    assert len(outbox("initiative_received_ki")) == 1


def test_an_early_extra_date_is_refused_at_its_field(client, member):
    first, _until = osterferien_term()
    too_soon = earliest_day(local_today(), 3) - timedelta(days=1)
    if too_soon < local_today():
        too_soon = local_today()
    response = client.post(
        "/initiative/requests/new",
        data=form(
            **{
                "repeat-frequency": "dates",
                "repeat-dates": too_soon.isoformat(),
                "repeat-skip_holidays": None,
            }
        ),
    )
    assert response.status_code == 422
    error = body(response).split('id="repeat-dates-error">', 1)[1].split("</p>", 1)[0]
    assert "Jeder Termin braucht den Vorlauf" in error and dates.show(too_soon, "day_medium", "de") in error
    assert "Grundschule Brakel" in body(response)  # nothing typed is lost
    assert series_count() == 0


def test_a_bad_rule_is_refused_at_its_field_with_the_values_kept(client, member):
    response = client.post("/initiative/requests/new", data=form(**{"repeat-until": "", "notes": "Raum 4"}))
    assert response.status_code == 422
    error = body(response).split('id="repeat-until-error">', 1)[1].split("</p>", 1)[0]
    assert "Bitte angeben, bis wann oder wie oft" in error
    assert "Raum 4" in body(response) and "S-12" in body(response)
    assert series_count() == 0


def test_a_deactivated_organisation_gets_no_series(client, member):
    db.session.get(Organisation, member.organisation_id).active = False
    db.session.commit()
    assert client.post("/initiative/requests/new", data=form()).status_code == 403
    assert series_count() == 0


# --- the organisation's series page (routes) ---------------------------------------------------------


def test_the_series_page_shows_each_date_as_the_organisation_sees_it(client, series, coordinator):
    first = dates_of(series)[0]
    lifecycle.take_over(first.id, coordinator)
    response = client.get(f"/initiative/series/{series.id}")
    assert response.status_code == 200
    page = body(response)
    assert "Termin 1 von 4" in page and "Termin 4 von 4" in page
    assert page.count("in Bearbeitung") == 1 and page.count("eingereicht") == 3
    assert page.count("Ferien (Osterferien)") == 2
    assert "Alle offenen Termine zurückziehen" in page


def test_the_request_list_marks_the_dates_of_a_series(client, series):
    page = body(client.get("/initiative/requests"))
    for number in range(1, 5):
        assert f"Termin {number} von 4" in page
    assert f'href="/initiative/series/{series.id}"' in page


def test_the_start_page_marks_the_dates_of_a_series_too(client, series):
    page = body(client.get("/"))
    assert "Termin 1 von 4" in page and f'href="/initiative/series/{series.id}"' in page


def test_another_organisations_series_does_not_exist(client, series, auth):
    auth.logout()
    other = auth.as_role(Role.INITIATIVE)  # a member of another organisation
    assert other.organisation_id != dates_of(series)[0].organisation_id
    assert client.get(f"/initiative/series/{series.id}").status_code == 404
    response = client.post(f"/initiative/series/{series.id}/withdraw", data={"reason": "weg"})
    assert response.status_code == 404
    assert {request.status for request in dates_of(series)} == {S.SUBMITTED}


def test_a_helper_may_not_see_a_series_page(client, series, auth, login_as):
    auth.logout()
    login_as(Role.HELPER)
    assert client.get(f"/initiative/series/{series.id}").status_code == 403
    assert client.post(f"/initiative/series/{series.id}/withdraw", data={"reason": "x"}).status_code == 403


def test_withdrawing_all_in_place(client, series, coordinator):
    response = client.post(
        f"/initiative/series/{series.id}/withdraw",
        data={"reason": "Kurs fällt aus"},
        headers=htmx_headers("initiative-series"),
    )
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page and "4 Termine sind zurückgezogen." in page
    assert page.count("abgesagt") == 4
    assert "Kein Termin lässt sich mehr zurückziehen" in page
    assert len(outbox("initiative_withdrawn_ki")) == 1


def test_withdrawing_all_without_javascript(client, series):
    response = client.post(f"/initiative/series/{series.id}/withdraw", data={"reason": "Kurs fällt aus"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiative/series/{series.id}")
    assert {request.status for request in dates_of(series)} == {S.CANCELLED}


def test_withdrawing_all_needs_a_reason(client, series):
    too_long = "x" * 301
    response = client.post(
        f"/initiative/series/{series.id}/withdraw",
        data={"reason": too_long},
        headers=htmx_headers("initiative-series"),
    )
    assert response.status_code == 422
    page = body(response)
    assert "Bitte höchstens 300 Zeichen." in page.split('id="reason-error">', 1)[1]
    assert too_long in page  # what was typed stays
    response = client.post(f"/initiative/series/{series.id}/withdraw", data={"reason": ""})
    assert response.status_code == 422
    assert "Bitte nennen Sie kurz den Grund." in body(response)
    assert {request.status for request in dates_of(series)} == {S.SUBMITTED}
