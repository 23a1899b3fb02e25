"""After a late cancellation of a request marked "Bei kurzfristiger Absage automatisch nachfragen",
the next people are asked at once: those on standby for the day first, then the ranking, as many as
the follow-up limit (else three); recorded as a follow-up step, in the history and the audit. Two
coordinators confirming different helpers for the freed seat at once never overbook it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.assignments.services import withdraw_assignment
from ki_match.clock import local_date
from ki_match.extensions import db
from ki_match.matching.services import match
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.escalation import EscalationStep
from ki_match.orgs.settings import change_settings
from ki_match.reference.models import Level
from ki_match.requests.models import (
    HOLDING_STATES,
    Assignment,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
    RequestStatusChange,
)
from ki_match.standby.models import StandbyDay
from tests.concurrency import race
from tests.desk.test_requests_views import form_data, newest_request
from tests.factories import PASSWORD, assignment_for, make_available_helper, offer_to
from tests.support import audit_events, outbox

WEAKER = (("ar", Level.B2), ("de", Level.B2))


@pytest.fixture
def late_everywhere(ki):
    """Every withdrawal before next Tuesday counts as late (336 hours, the setting's maximum)."""
    change_settings(ki, None, late_cancel_hours=336)
    db.session.commit()


def _asked(request) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Offer.helper_id).where(Offer.request_id == request.id)))


def _withdraw_confirmed(request, coordinator, ki) -> int:
    amina = make_available_helper(ki=ki)
    assignment = assignment_for(request, amina, coordinator)
    withdraw_assignment(assignment.id, amina.user, "Kind krank")
    return amina.id


def test_those_on_standby_are_asked_first_then_the_ranking_up_to_the_limit(
    ki, coordinator, tuesday_request, late_everywhere
):
    request = tuesday_request(standby_auto=True, escalate_after_hours=24, escalate_limit=2)
    better = [make_available_helper(ki=ki) for _ in range(2)]
    standby = make_available_helper(ki=ki, languages=WEAKER)
    db.session.add(StandbyDay(helper_id=standby.id, day=local_date(request.starts_at)))
    db.session.commit()
    ranked = [candidate.helper.id for candidate in match(request).candidates]
    assert ranked.index(standby.id) > max(ranked.index(helper.id) for helper in better)

    amina_id = _withdraw_confirmed(request, coordinator, ki)
    asked = _asked(request) - {amina_id}
    assert standby.id in asked and len(asked) == 2
    assert outbox("offer", to=standby.user.email)
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OFFERED
    [step] = db.session.scalars(select(EscalationStep).where(EscalationStep.request_id == request.id)).all()
    assert step.offers_sent == 2
    notes = db.session.scalars(
        select(RequestStatusChange.note).where(RequestStatusChange.request_id == request.id)
    ).all()
    assert "Nach kurzfristiger Absage automatisch angefragt: 2 Personen (1 auf Abruf)" in notes
    [event] = audit_events("request.late_refill")
    assert (event.detail["asked"], event.detail["standby"]) == (2, 1)


def test_without_a_limit_three_are_asked_and_nobody_twice(ki, coordinator, tuesday_request, late_everywhere):
    request = tuesday_request(standby_auto=True)
    fresh = [make_available_helper(ki=ki) for _ in range(4)]
    declined = make_available_helper(ki=ki)
    offer_to(request, declined, OfferStatus.DECLINED)
    amina_id = _withdraw_confirmed(request, coordinator, ki)
    asked = _asked(request) - {amina_id, declined.id}
    assert len(asked) == 3 and asked <= {helper.id for helper in fresh}
    assert db.session.get(
        Offer, db.session.scalar(select(Offer.id).where(Offer.helper_id == declined.id))
    ).status == (OfferStatus.DECLINED)


@pytest.mark.parametrize(("flag", "late_hours"), [(False, 336), (True, 1)])
def test_nobody_is_asked_without_the_flag_or_when_it_is_not_late(
    ki, coordinator, tuesday_request, flag, late_hours
):
    change_settings(ki, None, late_cancel_hours=late_hours)
    db.session.commit()
    request = tuesday_request(standby_auto=flag)
    make_available_helper(ki=ki)
    amina_id = _withdraw_confirmed(request, coordinator, ki)
    assert _asked(request) == {amina_id}
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == 0
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OPEN


def test_with_nobody_left_the_history_says_so(ki, coordinator, tuesday_request, late_everywhere):
    request = tuesday_request(standby_auto=True)
    _withdraw_confirmed(request, coordinator, ki)
    [step] = db.session.scalars(select(EscalationStep)).all()
    assert step.offers_sent == 0
    notes = db.session.scalars(select(RequestStatusChange.note)).all()
    assert "Nach kurzfristiger Absage: niemand mehr, der automatisch angefragt werden kann" in notes


def test_the_request_form_sets_and_shows_the_flag(client, coordinator):
    assert client.post("/login", data={"email": coordinator.email, "password": PASSWORD}).status_code == 303
    assert 'name="standby_auto"' in client.get("/requests/new").get_data(as_text=True)
    response = client.post("/requests/new", data=form_data(standby_auto="y"))
    assert response.status_code == 303
    request = newest_request()
    assert request.standby_auto
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Bei kurzfristiger Absage werden sofort die Nächsten angefragt" in html
    client.post("/requests/new", data=form_data())
    assert not newest_request().standby_auto


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_filling_the_freed_seat_at_once_never_overbook(
    app, ki, coordinator, create_user, tuesday_request, late_everywhere, attempt
):
    request = tuesday_request(standby_auto=True)
    _withdraw_confirmed(request, coordinator, ki)
    yes = [offer_to(request, make_available_helper(ki=ki), OfferStatus.ACCEPTED).id for _ in range(2)]
    colleague_id = create_user(Role.COORDINATOR).id
    coordinator_id = coordinator.id
    results = race(
        app,
        [
            lambda: confirm_offer(yes[0], db.session.get(User, coordinator_id)).id,
            lambda: confirm_offer(yes[1], db.session.get(User, colleague_id)).id,
        ],
    )
    assert sum(isinstance(result, Exception) for result in results) == 1, results
    db.session.expire_all()
    holding = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.request_id == request.id, Assignment.status.in_(HOLDING_STATES))
    )
    assert holding == 1
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.FILLED
