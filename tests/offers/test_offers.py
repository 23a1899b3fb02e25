"""Offer and assignment rules, including races on real parallel connections."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.assignments.services import report_hours, withdraw_assignment
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.notifications.recipients import offers_sent
from ki_match.offers.answers import AcceptOutcome, Answer, accept_offer, decline_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.rules import why_closed
from ki_match.offers.tokens import answer_token, offer_from_token
from ki_match.requests.events import OffersSent
from ki_match.requests.lifecycle import RequestError, TransitionError, can_transition, transition
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)
from tests import factories
from tests.concurrency import race
from tests.factories import offer_to
from tests.support import outbox


@pytest.fixture
def make_request(ki, coordinator):
    """Requests of this KI, created by the coordinator (tests/factories.py)."""
    return partial(
        factories.make_request, ki=ki, created_by=coordinator, place="Jobcenter Brakel, Am Markt 1"
    )


def test_transitions_follow_the_table(make_request, coordinator):
    request = make_request()
    assert can_transition(RequestStatus.OPEN, RequestStatus.FILLED)
    assert not can_transition(RequestStatus.COMPLETED, RequestStatus.OPEN)
    transition(request, RequestStatus.CANCELLED, actor=coordinator, note="Termin entfällt")
    db.session.commit()
    change = db.session.scalar(
        select(RequestStatusChange).where(RequestStatusChange.request_id == request.id)
    )
    assert (change.from_status, change.to_status, change.actor_id) == (
        RequestStatus.OPEN,
        RequestStatus.CANCELLED,
        coordinator.id,
    )
    with pytest.raises(TransitionError):
        transition(request, RequestStatus.OPEN, actor=coordinator)


def test_accept_then_coordinator_confirms_and_request_fills(make_request, create_helper, coordinator):
    request = make_request()
    amina, bilal = create_helper(), create_helper()
    first, second = offer_to(request, amina), offer_to(request, bilal)

    assert accept_offer(first.id, amina.user) == AcceptOutcome.ACCEPTED
    assert db.session.get(Offer, first.id).status == OfferStatus.ACCEPTED
    assert outbox("offer_accepted", to=coordinator.email)

    assignment = confirm_offer(first.id, coordinator)
    assert assignment.seat == 1
    assert assignment.ends_at - assignment.starts_at == timedelta(minutes=90)
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.FILLED
    # the other helper is told the request is taken, and can no longer accept it
    assert db.session.get(Offer, second.id).status == OfferStatus.WITHDRAWN
    assert outbox("offer_withdrawn", to=bilal.user.email)
    assert outbox("assignment_confirmed", to=amina.user.email)
    with pytest.raises(RequestError, match="schon besetzt"):
        accept_offer(second.id, bilal.user)


def test_first_to_accept_gets_it_and_second_hears_it_is_filled(make_request, create_helper):
    request = make_request(mode=FillMode.FIRST_TO_ACCEPT)
    amina, bilal = create_helper(), create_helper()
    first, second = offer_to(request, amina), offer_to(request, bilal)
    assert accept_offer(first.id, amina.user) == AcceptOutcome.CONFIRMED
    with pytest.raises(RequestError):
        accept_offer(second.id, bilal.user)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_decline_keeps_reason_and_cannot_be_accepted_later(make_request, create_helper, coordinator):
    request = make_request()
    amina = create_helper()
    offer = offer_to(request, amina)
    decline_offer(offer.id, amina.user, "Bin an dem Tag beim Arzt")
    offer = db.session.get(Offer, offer.id)
    assert (offer.status, offer.decline_reason) == (OfferStatus.DECLINED, "Bin an dem Tag beim Arzt")
    assert outbox("offer_declined", to=coordinator.email)
    with pytest.raises(RequestError):
        accept_offer(offer.id, amina.user)


def test_only_the_addressed_helper_can_answer(make_request, create_helper):
    request = make_request()
    amina, other = create_helper(), create_helper()
    offer = offer_to(request, amina)
    with pytest.raises(RequestError):
        accept_offer(offer.id, other.user)
    with pytest.raises(RequestError):
        decline_offer(offer.id, other.user)


def test_expired_offer_cannot_be_accepted(make_request, create_helper):
    request = make_request()
    amina = create_helper()
    offer = offer_to(request, amina)
    offer.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(RequestError, match="abgelaufen"):
        accept_offer(offer.id, amina.user)


def test_withdraw_reopens_request_and_tells_the_coordinator(make_request, create_helper, coordinator):
    request = make_request()
    amina = create_helper()
    offer = offer_to(request, amina, OfferStatus.ACCEPTED)
    assignment = confirm_offer(offer.id, coordinator)
    withdraw_assignment(assignment.id, amina.user, "Mein Kind ist krank")
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OPEN
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.WITHDRAWN
    assert outbox("assignment_withdrawn", to=coordinator.email)
    # the freed seat can be taken again
    bilal = create_helper()
    again = confirm_offer(offer_to(request, bilal, OfferStatus.ACCEPTED).id, coordinator)
    assert again.seat == 1


def test_report_hours_only_after_the_assignment(make_request, create_helper, coordinator):
    request = make_request()
    amina = create_helper()
    assignment = confirm_offer(offer_to(request, amina, OfferStatus.ACCEPTED).id, coordinator)
    with pytest.raises(RequestError, match="nach dem Einsatz"):
        report_hours(assignment, amina.user, minutes=90, travel_km=12, note=None)
    assignment.starts_at = utcnow() - timedelta(days=1)
    assignment.ends_at = assignment.starts_at + timedelta(minutes=90)
    db.session.commit()
    report_hours(assignment, amina.user, minutes=100, travel_km=12, note="Lief gut")
    assert (assignment.actual_minutes, assignment.travel_km, assignment.status) == (
        100,
        12,
        AssignmentStatus.COMPLETED,
    )


def test_database_refuses_overlapping_confirmed_assignments(make_request, create_helper, coordinator):
    amina = create_helper()
    morning = make_request(starts_in=timedelta(days=2), minutes=120)
    overlapping = make_request(starts_in=timedelta(days=2, minutes=60), minutes=60)
    confirm_offer(offer_to(morning, amina, OfferStatus.ACCEPTED).id, coordinator)
    with pytest.raises(RequestError, match="anderen bestätigten Einsatz"):
        confirm_offer(offer_to(overlapping, amina, OfferStatus.ACCEPTED).id, coordinator)


def test_answer_link_token_roundtrip_and_tampering(make_request, create_helper):
    request = make_request()
    amina = create_helper()
    offer = offer_to(request, amina)
    token = answer_token(offer, Answer.ACCEPT)
    assert offer_from_token(token) == (offer, Answer.ACCEPT)
    assert offer_from_token(token[:-2] + "xx") is None
    assert offer_from_token("nonsense") is None


@pytest.mark.parametrize("attempt", range(3))
def test_two_helpers_accepting_a_one_seat_request_race(app, make_request, create_helper, attempt):
    request = make_request(mode=FillMode.FIRST_TO_ACCEPT)
    helpers = [create_helper(), create_helper()]
    offers = [offer_to(request, helper) for helper in helpers]
    # plain ids only: objects of the test's session must not be touched from the threads
    pairs = [(o.id, h.user_id) for o, h in zip(offers, helpers, strict=True)]
    calls = [
        (lambda offer_id=offer_id, user_id=user_id: accept_offer(offer_id, db.session.get(User, user_id)))
        for offer_id, user_id in pairs
    ]
    results = race(app, calls)
    assert sorted(type(r).__name__ for r in results) == ["AcceptOutcome", "OfferError"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.FILLED


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_confirming_one_helper_for_overlapping_times_race(
    app, make_request, create_helper, create_user, attempt
):
    amina = create_helper()
    first = make_request(starts_in=timedelta(days=4), minutes=120)
    second = make_request(starts_in=timedelta(days=4, minutes=30), minutes=120)
    offers = [offer_to(first, amina, OfferStatus.ACCEPTED), offer_to(second, amina, OfferStatus.ACCEPTED)]
    coordinators = [create_user(Role.COORDINATOR), create_user(Role.COORDINATOR)]
    pairs = [(o.id, c.id) for o, c in zip(offers, coordinators, strict=True)]
    calls = [
        (lambda offer_id=offer_id, user_id=user_id: confirm_offer(offer_id, db.session.get(User, user_id)))
        for offer_id, user_id in pairs
    ]
    results = race(app, calls)
    assert sorted(type(r).__name__ for r in results) == ["Assignment", "OfferError"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_why_closed_names_the_reason_an_offer_can_no_longer_be_answered(
    make_request, create_helper, coordinator
):
    request = make_request()
    amina, bilal, carla = create_helper(), create_helper(), create_helper()
    pending = offer_to(request, amina)
    assert why_closed(pending) is None
    assert "bereits zugesagt" in why_closed(offer_to(make_request(), amina, OfferStatus.ACCEPTED))
    assert "bereits abgelehnt" in why_closed(offer_to(make_request(), amina, OfferStatus.DECLINED))
    confirm_offer(offer_to(request, bilal, OfferStatus.ACCEPTED).id, coordinator)
    db.session.expire_all()
    # withdrawn because the request filled: the helper hears the true reason
    assert db.session.get(Offer, pending.id).status == OfferStatus.WITHDRAWN
    assert "schon besetzt" in why_closed(db.session.get(Offer, pending.id))
    cancelled = make_request()
    late = offer_to(cancelled, carla)
    transition(cancelled, RequestStatus.CANCELLED)
    db.session.commit()
    assert "zurückgezogen" in why_closed(late)


def test_an_appointment_that_has_begun_cannot_be_accepted(make_request, create_helper):
    amina = create_helper()
    offer = offer_to(make_request(starts_in=timedelta(minutes=-5)), amina)
    assert why_closed(offer) == "Der Termin ist schon vorbei."
    with pytest.raises(RequestError, match="vorbei"):
        accept_offer(offer.id, amina.user)
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_a_translation_past_its_due_date_cannot_be_accepted(make_request, create_helper):

    today = utcnow().astimezone(BERLIN).date()
    amina = create_helper()
    request = make_request(kind=RequestKind.WRITTEN, due_on=today)
    request.starts_at = request.duration_minutes = None
    db.session.commit()
    offer = offer_to(request, amina)
    assert why_closed(offer) is None  # due today: still possible
    request.due_on = today - timedelta(days=1)
    db.session.commit()
    with pytest.raises(RequestError, match="vorbei"):
        accept_offer(offer.id, amina.user)


def test_send_offer_mail_queues_one_mail_with_both_answer_links(make_request, create_helper):
    amina = create_helper()
    offer = offer_to(make_request(), amina)
    offers_sent(OffersSent(request=offer.request, actor=None, offers=[offer]))
    db.session.commit()
    [message] = outbox("offer", to=amina.user.email)
    # Tokens carry a timestamp, so compare what the links decode to, not their text.
    tokens = re.findall(r"/offers/answer/([^/\s]+)", message.body_text)
    answers = {offer_from_token(token) for token in tokens}
    assert answers == {(offer, Answer.ACCEPT), (offer, Answer.DECLINE)}
    assert "Jobcenter Brakel" not in message.body_text + message.body_html
    assert "Familie A-17" not in message.body_text + message.body_html
