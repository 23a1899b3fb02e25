"""One helper for a whole series: the ranking of "Wer passt für die ganze Serie?", asking one helper
for every date she can take (the series page's action), and answering them together in the inbox.

The series: four Tuesdays from next week at 10:00 (no holidays skipped). Amina can take all four;
Basma is away on the second one.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from flask import current_app, url_for
from flask_babel import format_datetime
from sqlalchemy import select

from ki_match.access import Role
from ki_match.extensions import db
from ki_match.offers.series_offers import SeriesCandidate, accept_all, rank_series, series_candidates
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import Offer, OfferStatus, RequestStatus
from tests.factories import away_on, make_available_helper, make_series, next_tuesday, other_ki, series_dates
from tests.support import audit_events, htmx_headers, outbox


def url(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


# --- the ranking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_date", "expected"),
    [
        pytest.param({}, [], id="no open date"),
        pytest.param(
            {1: [(7, "Zora", 1.0)], 2: [(7, "Zora", 1.0), (8, "Amina", 5.0)]},
            [(7, (1, 2)), (8, (2,))],
            id="all dates before a better score on fewer",
        ),
        pytest.param(
            {1: [(8, "Basma", 1.0), (7, "Amina", 2.0)], 2: [(8, "Basma", 1.0), (7, "Amina", 2.0)]},
            [(7, (1, 2)), (8, (1, 2))],
            id="as many dates: the better match first",
        ),
        pytest.param(
            {2: [(8, "basma", 1.0), (7, "Amina", 1.0)]},
            [(7, (2,)), (8, (2,))],
            id="same dates and score: by name",
        ),
    ],
)
def test_helpers_who_can_take_more_dates_come_first(per_date, expected):
    ranked = rank_series(per_date, 2)
    assert [(candidate.helper_id, candidate.request_ids) for candidate in ranked] == expected


def test_a_candidate_says_whether_she_takes_all():
    assert SeriesCandidate(1, "Amina", (1, 2), 2).takes_all
    assert not SeriesCandidate(1, "Amina", (2,), 2).takes_all


# --- with a real series -----------------------------------------------------------------------------


@pytest.fixture
def tuesdays(coordinator):
    return make_series(first=next_tuesday(), count=4, skip_holidays=False, created_by=coordinator)


@pytest.fixture
def amina(ki):
    return make_available_helper(ki=ki, display_name="Amina K.")


@pytest.fixture
def basma(ki, tuesdays):
    """Away on the second Tuesday of the series."""
    return away_on(make_available_helper(ki=ki, display_name="Basma R."), series_dates(tuesdays)[1])


def test_candidates_are_ranked_by_the_dates_they_can_take(tuesdays, amina, basma):
    dates = series_dates(tuesdays)
    ranked = series_candidates(dates)
    assert [(c.helper_id, c.can_take, c.open_dates) for c in ranked] == [(amina.id, 4, 4), (basma.id, 3, 4)]
    assert ranked[1].request_ids == tuple(sorted(d.id for d in dates if d.id != dates[1].id))


def test_dates_not_looking_for_anyone_do_not_count(tuesdays, amina, coordinator):
    dates = series_dates(tuesdays)
    transition(dates[0], RequestStatus.CANCELLED, actor=coordinator)
    db.session.commit()
    assert [(c.can_take, c.open_dates) for c in series_candidates(series_dates(tuesdays))] == [(3, 3)]


@pytest.fixture
def at_desk(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def test_the_series_page_shows_who_can_take_how_many_dates(client, at_desk, tuesdays, amina, basma):
    page = client.get(url("series.show", series_id=tuesdays.id)).get_data(as_text=True)
    assert "Wer passt für die ganze Serie?" in page
    assert page.index("kann 4 von 4 Terminen") < page.index("kann 3 von 4 Terminen")
    assert page.index("Amina K.") < page.index("Basma R.")


def ask(client, series, helper_id, *, htmx: bool = True):
    """ "Für alle passenden Termine anfragen" for ``helper_id`` (the form's text as sent)."""
    headers = htmx_headers("series-dates") if htmx else {}
    return client.post(
        url("series.offer_all", series_id=series.id), data={"helper_id": str(helper_id)}, headers=headers
    )


def offers_of(helper) -> list[Offer]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Offer).where(Offer.helper_id == helper.id).order_by(Offer.request_id))
    )


def test_asking_for_all_dates_sends_an_offer_for_each_date_she_can_take(
    client, at_desk, tuesdays, amina, basma
):
    response = ask(client, tuesdays, basma.id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Basma R. ist für 3 von 4 Terminen angefragt." in page
    dates = series_dates(tuesdays)
    assert [offer.request_id for offer in offers_of(basma)] == [d.id for d in dates if d.id != dates[1].id]
    assert offers_of(amina) == []
    assert all(d.status == RequestStatus.OFFERED for d in dates if d.id != dates[1].id)
    assert len(audit_events("offer.sent")) == 3
    [mail] = outbox("offer", to=basma.user.email)
    assert "3 von 4 Terminen" in mail.body_text
    assert mail.body_text.count("/offers/answer/") == 6  # a yes and a no for each date


def test_asking_for_all_four_dates_says_so_in_one_mail(client, at_desk, tuesdays, amina):
    assert ask(client, tuesdays, amina.id).status_code == 200
    [mail] = outbox("offer", to=amina.user.email)
    assert "alle 4 Termine" in mail.body_text


def test_asking_again_skips_the_dates_already_asked(client, at_desk, tuesdays, amina):
    first = series_dates(tuesdays)[0]
    db.session.add(Offer(request_id=first.id, helper_id=amina.id))
    db.session.commit()
    response = ask(client, tuesdays, amina.id, htmx=False)
    assert response.status_code == 303
    assert len(offers_of(amina)) == 4
    again = ask(client, tuesdays, amina.id)
    assert again.status_code == 409
    assert "schon angefragt" in again.get_data(as_text=True)
    assert len(offers_of(amina)) == 4


def test_a_helper_who_fits_no_date_is_not_asked(client, at_desk, tuesdays, ki):
    unavailable = make_available_helper(ki=ki, slots=((3, time(9), time(13)),))  # Wednesdays only
    response = ask(client, tuesdays, unavailable.id)
    assert response.status_code == 409
    assert "passt zu keinem offenen Termin" in response.get_data(as_text=True)
    assert offers_of(unavailable) == []


@pytest.mark.parametrize("helper_id", ["", "abc", "99999999999999", "0", "other-ki"])
def test_bad_helper_ids_answer_422_with_a_message(client, at_desk, tuesdays, helper_id):
    if helper_id == "other-ki":
        helper_id = str(make_available_helper(ki=other_ki()).id)
    response = ask(client, tuesdays, helper_id)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "Person" in page
    assert db.session.scalar(select(Offer.id)) is None


def test_an_unknown_series_is_404(client, at_desk, amina):
    response = client.post(url("series.offer_all", series_id=987654), data={"helper_id": str(amina.id)})
    assert response.status_code == 404


def test_another_kis_series_is_404(client, at_desk, amina):
    theirs = make_series(first=next_tuesday(), count=2, skip_holidays=False, ki=other_ki())
    response = ask(client, theirs, amina.id, htmx=False)
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_may_not_ask(client, login_as, tuesdays, amina, role):
    login_as(role)
    response = ask(client, tuesdays, amina.id, htmx=False)
    assert response.status_code == 403
    assert offers_of(amina) == []


def test_a_date_begun_meanwhile_is_left_out(client, at_desk, tuesdays, amina):
    first = series_dates(tuesdays)[0]
    first.starts_at = first.starts_at - timedelta(days=30)
    db.session.commit()
    ask(client, tuesdays, amina.id, htmx=False)
    assert first.id not in [offer.request_id for offer in offers_of(amina)]
    assert len(offers_of(amina)) == 3


# --- "Alle annehmen" in the inbox -----------------------------------------------------------------


@pytest.fixture
def asked_amina(tuesdays, amina, coordinator, auth):
    """Amina, logged in, asked for all four Tuesdays."""
    for date in series_dates(tuesdays):
        db.session.add(Offer(request_id=date.id, helper_id=amina.id, sent_by_id=coordinator.id))
    db.session.commit()
    assert auth.login(amina.user.email).status_code == 303
    return amina


def test_the_inbox_groups_the_offers_of_a_series(client, asked_amina, tuesdays):
    page = client.get(url("offers.inbox")).get_data(as_text=True)
    assert page.count('class="card offer-series"') == 1
    assert "Serie mit 4 Terminen" in page
    assert url("offers.accept_series", series_id=tuesdays.id) in page
    assert page.count('id="accept-') == 5  # one "Alle annehmen" besides the four single answers


def test_a_single_offer_of_a_series_is_not_grouped(client, tuesdays, amina, coordinator, auth):
    db.session.add(
        Offer(request_id=series_dates(tuesdays)[0].id, helper_id=amina.id, sent_by_id=coordinator.id)
    )
    db.session.commit()
    auth.login(amina.user.email)
    page = client.get(url("offers.inbox")).get_data(as_text=True)
    assert "offer-series" not in page and "Alle annehmen" not in page


def test_accepting_all_says_yes_to_each_open_offer_of_the_series(client, asked_amina, tuesdays):
    expired = offers_of(asked_amina)[0]
    expired.expires_at = expired.request.starts_at - timedelta(days=20)
    db.session.commit()
    response = client.post(
        url("offers.accept_series", series_id=tuesdays.id), headers=htmx_headers("offer-list")
    )
    assert response.status_code == 200
    assert "Sie haben für 3 Termine zugesagt." in response.get_data(as_text=True)
    statuses = [offer.status for offer in offers_of(asked_amina)]
    assert statuses == [OfferStatus.PENDING] + [OfferStatus.ACCEPTED] * 3
    assert len(audit_events("offer.accepted")) == 3
    # The coordinators get one mail for the three yeses, which names each date.
    [mail] = outbox("offer_accepted")
    assert mail.subject == f"Zusage für 3 Termine der Serie {tuesdays.id}"
    for offer in offers_of(asked_amina)[1:]:
        assert format_datetime(offer.request.starts_at, "EEEE, d. MMMM yyyy, HH:mm") in mail.body_text
    assert f"/series/{tuesdays.id}" in mail.body_text


def test_a_single_yes_left_by_accepting_all_is_the_usual_mail(asked_amina):
    declined, open_offer = offers_of(asked_amina)[:2]
    declined.status = OfferStatus.DECLINED
    db.session.commit()
    answer = accept_all([declined, open_offer], asked_amina.user)
    assert len(answer.accepted) == 1 and "bereits abgelehnt" in answer.refused[0][1]
    [mail] = outbox("offer_accepted")
    assert mail.subject == f"Zusage für Anfrage #{open_offer.request_id}"


def test_accepting_all_without_htmx_goes_back_to_the_inbox(client, asked_amina, tuesdays):
    response = client.post(url("offers.accept_series", series_id=tuesdays.id))
    assert response.status_code == 303
    assert {offer.status for offer in offers_of(asked_amina)} == {OfferStatus.ACCEPTED}


def test_accepting_all_of_a_series_without_her_open_offers_is_404(client, asked_amina, tuesdays, coordinator):
    other = make_series(first=next_tuesday(), count=2, skip_holidays=False, created_by=coordinator)
    assert client.post(url("offers.accept_series", series_id=other.id)).status_code == 404
    assert client.post(url("offers.accept_series", series_id=987654)).status_code == 404
    assert {offer.status for offer in offers_of(asked_amina)} == {OfferStatus.PENDING}


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE])
def test_only_helpers_accept_all(client, login_as, tuesdays, amina, coordinator, role):
    for date in series_dates(tuesdays):
        db.session.add(Offer(request_id=date.id, helper_id=amina.id, sent_by_id=coordinator.id))
    db.session.commit()
    login_as(role)
    assert client.post(url("offers.accept_series", series_id=tuesdays.id)).status_code == 403
    assert {offer.status for offer in offers_of(amina)} == {OfferStatus.PENDING}
