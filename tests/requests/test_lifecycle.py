"""The coordinator's rules: sending and withdrawing offers, rescheduling, cancelling,
completing, no-shows, approving reported hours, unfilled requests and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select, update

from ki_match.accounts.models import Role, User
from ki_match.assignments import queries as assignment_queries
from ki_match.assignments.services import approve_report, report_hours, reportable
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import Absence
from ki_match.matching.services import time_warnings
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.sending import send_offers, withdraw_offer
from ki_match.requests import lifecycle
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)
from ki_match.requests.retention import purge_client_data
from tests.concurrency import race
from tests.factories import CLIENT_REF, PLACE, assignment_for, make_request, move_into_past, offer_to
from tests.support import audit_events, frozen_clock, outbox

# --- people ---------------------------------------------------------------------------------


@pytest.fixture
def helper(create_helper):
    """A helper who may receive offers: approved, verified, consent given."""
    return partial(create_helper, consented=True)


def offers_of(request: HelpRequest) -> list[Offer]:
    db.session.expire_all()
    return list(db.session.scalars(select(Offer).where(Offer.request_id == request.id).order_by(Offer.id)))


def status_of(request: HelpRequest) -> RequestStatus:
    db.session.expire_all()
    return db.session.get(HelpRequest, request.id).status


# --- sending offers -------------------------------------------------------------------------


def test_send_offers_creates_offers_mails_them_and_marks_the_request_offered(helper, coordinator):
    request = make_request(created_by=coordinator)
    amina, bilal = helper(), helper()
    result = send_offers(request.id, [amina.id, bilal.id], coordinator)
    assert {offer.helper_id for offer in result.sent} == {amina.id, bilal.id}
    assert result.already_offered == result.not_allowed == []
    offers = offers_of(request)
    assert [(o.status, o.sent_by_id) for o in offers] == [(OfferStatus.PENDING, coordinator.id)] * 2
    assert outbox("offer", to=amina.user.email) and outbox("offer", to=bilal.user.email)
    assert status_of(request) == RequestStatus.OFFERED
    assert len(audit_events("offer.sent")) == 2
    change = db.session.scalar(
        select(RequestStatusChange).where(RequestStatusChange.to_status == RequestStatus.OFFERED)
    )
    assert change.actor_id == coordinator.id


def test_send_offers_skips_who_was_asked_and_refuses_who_may_not_be_asked(
    helper, create_helper, coordinator, create_user
):
    request = make_request()
    asked, fresh = helper(), helper()
    unapproved = helper(approved=False)
    no_consent = create_helper(consented=False)
    inactive = helper()
    inactive.user.active = False
    db.session.commit()
    offer_to(request, asked, OfferStatus.DECLINED)
    result = send_offers(
        request.id, [asked.id, fresh.id, unapproved.id, no_consent.id, inactive.id, 999_999], coordinator
    )
    assert [offer.helper_id for offer in result.sent] == [fresh.id]
    assert [p.id for p in result.already_offered] == [asked.id]
    assert {p.id for p in result.not_allowed} == {unapproved.id, no_consent.id, inactive.id}
    assert {o.helper_id for o in offers_of(request)} == {asked.id, fresh.id}
    assert not outbox("offer", to=unapproved.user.email)


def test_send_offers_ignores_helpers_of_another_ki(helper, coordinator):
    from ki_match.helpers.models import HelperProfile
    from ki_match.reference.services import ensure_reference_data

    other_ki = ensure_reference_data(
        {"slug": "other", "name": "Anderes KI", "towns": [("Paderborn", 51.7, 8.7)]}
    )
    stranger = helper()
    db.session.get(HelperProfile, stranger.id).ki_id = other_ki.id
    db.session.commit()
    request = make_request()
    result = send_offers(request.id, [stranger.id], coordinator)
    assert result.sent == [] and result.not_allowed == [] and result.already_offered == []
    assert offers_of(request) == []
    assert status_of(request) == RequestStatus.OPEN


@pytest.mark.parametrize(
    "status", [RequestStatus.DRAFT, RequestStatus.FILLED, RequestStatus.CANCELLED, RequestStatus.COMPLETED]
)
def test_send_offers_refuses_requests_that_are_not_seeking(helper, coordinator, status):
    request = make_request(status=status)
    with pytest.raises(RequestError, match="keine Helfenden mehr"):
        send_offers(request.id, [helper().id], coordinator)
    assert offers_of(request) == []


def test_send_offers_refuses_an_empty_choice_and_a_past_appointment(helper, coordinator):
    with pytest.raises(RequestError, match="mindestens eine Person"):
        send_offers(make_request().id, [], coordinator)
    past = make_request(starts_in=timedelta(hours=-1))
    with pytest.raises(RequestError, match="vorbei"):
        send_offers(past.id, [helper().id], coordinator)


def test_send_offers_to_an_offered_request_keeps_it_offered(helper, coordinator):
    request = make_request(status=RequestStatus.OFFERED)
    send_offers(request.id, [helper().id], coordinator)
    assert status_of(request) == RequestStatus.OFFERED
    assert len(offers_of(request)) == 1


def test_send_offers_answer_deadline_never_after_the_appointment(helper, coordinator):
    request = make_request(starts_in=timedelta(hours=5))
    send_offers(request.id, [helper().id], coordinator, expires_in=timedelta(days=2))
    [offer] = offers_of(request)
    assert offer.expires_at == db.session.get(HelpRequest, request.id).starts_at


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        (datetime(2026, 12, 8, 9, 54, 10, tzinfo=UTC), datetime(2026, 12, 9, 10, 0, tzinfo=UTC)),
        (datetime(2026, 12, 8, 9, 0, 0, 1, tzinfo=UTC), datetime(2026, 12, 9, 9, 15, tzinfo=UTC)),
        (
            datetime(2026, 12, 8, 9, 45, tzinfo=UTC),
            datetime(2026, 12, 9, 9, 45, tzinfo=UTC),
        ),  # on the quarter
        (
            datetime(2026, 12, 8, 23, 53, tzinfo=UTC),
            datetime(2026, 12, 10, 0, 0, tzinfo=UTC),
        ),  # past midnight
    ],
)
def test_send_offers_answer_deadline_is_a_quarter_hour(helper, coordinator, sent, deadline):
    """Never "bis 10:54": the deadline is rounded up to the next quarter hour (Berlin's too)."""
    request = make_request(starts_at=datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    with frozen_clock(sent):
        send_offers(request.id, [helper().id], coordinator, expires_in=timedelta(days=1))
    [offer] = offers_of(request)
    assert offer.expires_at == deadline
    assert offer.expires_at.astimezone(BERLIN).minute % 15 == 0


@pytest.mark.parametrize("attempt", range(3))
def test_sending_offers_twice_at_once_sends_each_only_once(app, helper, coordinator, create_user, attempt):
    request = make_request()
    amina, bilal = helper(), helper()
    second = create_user(Role.COORDINATOR)
    ids = [amina.id, bilal.id]
    calls = [
        (lambda user_id=user_id: send_offers(request.id, ids, db.session.get(User, user_id)))
        for user_id in (coordinator.id, second.id)
    ]
    results = race(app, calls)
    assert sorted(len(result.sent) for result in results) == [0, 2], results
    assert sorted(len(result.already_offered) for result in results) == [0, 2]
    assert len(offers_of(request)) == 2
    assert len(outbox("offer", to=amina.user.email)) == 1


# --- withdrawing an offer -------------------------------------------------------------------


@pytest.mark.parametrize("before", [OfferStatus.PENDING, OfferStatus.ACCEPTED])
def test_withdraw_offer_ends_it_and_tells_the_helper(helper, coordinator, before):
    amina = helper()
    offer = offer_to(make_request(), amina, before)
    withdraw_offer(offer.id, coordinator)
    [offer] = offers_of(offer.request)
    assert offer.status == OfferStatus.WITHDRAWN
    [mail] = outbox("offer_withdrawn", to=amina.user.email)
    assert "zurückgezogen" in mail.body_text
    assert audit_events("offer.withdrawn")[0].actor_id == coordinator.id


def test_withdrawing_the_last_offer_out_reopens_the_request(helper, coordinator):
    request = make_request(status=RequestStatus.OFFERED)
    first, second = offer_to(request, helper()), offer_to(request, helper(), OfferStatus.DECLINED)
    third = offer_to(request, helper())
    withdraw_offer(first.id, coordinator)
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OFFERED  # the third is still out
    withdraw_offer(third.id, coordinator)
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OPEN
    assert second.status == OfferStatus.DECLINED


@pytest.mark.parametrize("before", [OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN])
def test_withdraw_offer_refuses_ended_offers(helper, coordinator, before):
    amina = helper()
    offer = offer_to(make_request(), amina, before)
    with pytest.raises(RequestError, match="schon beendet"):
        withdraw_offer(offer.id, coordinator)
    assert offers_of(offer.request)[0].status == before
    assert not outbox("offer_withdrawn")


def test_withdraw_offer_refuses_a_confirmed_one(helper, coordinator):
    assignment = assignment_for(make_request(), helper(), coordinator)
    with pytest.raises(RequestError, match="schon bestätigt"):
        withdraw_offer(assignment.offer_id, coordinator)


# --- confirming -----------------------------------------------------------------------------


def test_confirming_twice_or_after_the_request_filled_says_so(helper, coordinator):
    request = make_request()
    amina, bilal = helper(), helper()
    first = offer_to(request, amina, OfferStatus.ACCEPTED)
    second = offer_to(request, bilal, OfferStatus.ACCEPTED)
    confirm_offer(first.id, coordinator)
    with pytest.raises(RequestError, match="schon bestätigt"):
        confirm_offer(first.id, coordinator)
    with pytest.raises(RequestError, match="inzwischen besetzt"):
        confirm_offer(second.id, coordinator)


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_confirming_two_helpers_for_one_seat_race(
    app, helper, coordinator, create_user, attempt
):
    request = make_request()
    offers = [offer_to(request, helper(), OfferStatus.ACCEPTED) for _ in range(2)]
    second = create_user(Role.COORDINATOR)
    calls = [
        (lambda offer_id=offer.id, user_id=user.id: confirm_offer(offer_id, db.session.get(User, user_id)))
        for offer, user in zip(offers, (coordinator, second), strict=True)
    ]
    results = race(app, calls)
    assert sorted(type(r).__name__ for r in results) == ["Assignment", "OfferError"], results
    [error] = [r for r in results if isinstance(r, RequestError)]
    assert "besetzt" in str(error)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert status_of(request) == RequestStatus.FILLED
    assert sorted(o.status for o in offers_of(request)) == [OfferStatus.ACCEPTED, OfferStatus.WITHDRAWN]


# --- rescheduling ---------------------------------------------------------------------------


def _later(request: HelpRequest, hours: int = 24):
    return db.session.get(HelpRequest, request.id).starts_at + timedelta(hours=hours)


def test_reschedule_moves_request_and_assignments_and_tells_everyone(helper, coordinator):
    request = make_request(needed=2)
    confirmed, waiting, said_yes = helper(), helper(), helper()
    assignment = assignment_for(request, confirmed, coordinator)
    pending = offer_to(request, waiting)
    accepted = offer_to(request, said_yes, OfferStatus.ACCEPTED)
    new_start = _later(request)

    result = lifecycle.reschedule(request.id, new_start, 120, coordinator)

    assert result.changed
    db.session.expire_all()
    moved = db.session.get(HelpRequest, request.id)
    assert (moved.starts_at, moved.duration_minutes) == (new_start, 120)
    assignment = db.session.get(Assignment, assignment.id)
    assert (assignment.starts_at, assignment.ends_at) == (new_start, new_start + timedelta(minutes=120))
    assert db.session.get(Offer, pending.id).status == OfferStatus.PENDING
    # a yes for the old time is asked again
    assert db.session.get(Offer, accepted.id).status == OfferStatus.PENDING
    [to_confirmed] = outbox("request_rescheduled", to=confirmed.user.email)
    [to_waiting] = outbox("request_rescheduled", to=waiting.user.email)
    [to_accepted] = outbox("request_rescheduled", to=said_yes.user.email)
    assert PLACE in to_confirmed.body_text  # the confirmed helper knows where to go
    assert PLACE not in to_waiting.body_text + to_waiting.body_html
    assert CLIENT_REF not in to_waiting.body_text + to_confirmed.body_text
    assert "noch einmal zu" in to_accepted.body_text
    local = new_start.astimezone(BERLIN)
    assert f"{local:%H:%M}" in to_waiting.body_text
    [event] = audit_events("request.rescheduled")
    assert event.detail["assignments_moved"] == 1 and event.detail["offers_asked_again"] == 1


def test_reschedule_refused_when_a_confirmed_helper_has_a_clash_names_them(helper, coordinator):
    amina = helper(display_name="Amina Haddad")
    request = make_request()
    assignment_for(request, amina, coordinator)
    elsewhere = make_request(starts_in=timedelta(days=5))
    assignment_for(elsewhere, amina, coordinator)
    before = db.session.get(HelpRequest, request.id).starts_at

    with pytest.raises(RequestError, match="Amina Haddad hat zur neuen Zeit"):
        lifecycle.reschedule(request.id, db.session.get(HelpRequest, elsewhere.id).starts_at, 90, coordinator)

    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).starts_at == before
    assert not outbox("request_rescheduled")


def test_reschedule_warns_about_who_no_longer_fits_the_new_time(helper, coordinator):
    amina = helper(display_name="Amina Haddad")
    request = make_request()
    offer_to(request, amina)
    new_start = _later(request, 48)
    day = new_start.astimezone(BERLIN).date()
    db.session.add(Absence(helper_id=amina.id, first_day=day, last_day=day))
    db.session.commit()
    result = lifecycle.reschedule(request.id, new_start, 90, coordinator)
    warnings = time_warnings(db.session.get(HelpRequest, request.id), result.helpers)
    assert ("Amina Haddad", f"abwesend bis {day.day}.{day.month}.") in warnings


def test_reschedule_without_a_change_does_nothing(helper, coordinator):
    request = make_request()
    offer_to(request, helper())
    starts = db.session.get(HelpRequest, request.id).starts_at
    assert not lifecycle.reschedule(request.id, starts, 90, coordinator).changed
    assert not outbox("request_rescheduled")
    assert not audit_events("request.rescheduled")


def test_reschedule_refuses_the_past_and_finished_requests(coordinator):
    request = make_request()
    with pytest.raises(RequestError, match="Vergangenheit"):
        lifecycle.reschedule(request.id, utcnow() - timedelta(hours=1), 90, coordinator)
    with pytest.raises(RequestError, match="15 Minuten"):
        lifecycle.reschedule(request.id, _later(request), 5, coordinator)
    for status in (
        RequestStatus.COMPLETED,
        RequestStatus.CANCELLED,
        RequestStatus.UNFILLED,
        RequestStatus.DRAFT,
    ):
        finished = make_request(status=status)
        with pytest.raises(RequestError, match="nicht mehr verschoben"):
            lifecycle.reschedule(finished.id, _later(finished), 90, coordinator)


def test_reschedule_of_a_written_translation_moves_the_due_date(helper, coordinator):
    today = utcnow().astimezone(BERLIN).date()
    request = make_request(
        kind=RequestKind.WRITTEN, starts_in=None, where=None, due_on=today + timedelta(days=3)
    )
    offer_to(request, helper())
    result = lifecycle.reschedule(request.id, None, None, coordinator, new_due_on=today + timedelta(days=10))
    assert result.changed
    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).due_on == today + timedelta(days=10)
    with pytest.raises(RequestError, match="Vergangenheit"):
        lifecycle.reschedule(request.id, None, None, coordinator, new_due_on=today - timedelta(days=1))


# --- cancelling -----------------------------------------------------------------------------


def test_cancel_withdraws_offers_cancels_assignments_and_tells_everyone(helper, coordinator, create_user):
    initiative = create_user(Role.INITIATIVE)
    request = make_request(needed=2, requested_by_id=initiative.id)
    confirmed, waiting, declined = helper(), helper(), helper()
    assignment = assignment_for(request, confirmed, coordinator)
    pending = offer_to(request, waiting)
    no = offer_to(request, declined, OfferStatus.DECLINED)

    lifecycle.cancel(request.id, coordinator, "Termin beim Amt entfällt")

    db.session.expire_all()
    assert status_of(request) == RequestStatus.CANCELLED
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.CANCELLED
    assert db.session.get(Offer, pending.id).status == OfferStatus.WITHDRAWN
    assert db.session.get(Offer, no.id).status == OfferStatus.DECLINED
    for person in (confirmed, waiting):
        [mail] = outbox("request_cancelled", to=person.user.email)
        assert "Termin beim Amt entfällt" in mail.body_text
    assert not outbox("request_cancelled", to=declined.user.email)
    assert outbox("request_cancelled", to=initiative.email)
    change = db.session.scalar(
        select(RequestStatusChange).where(RequestStatusChange.to_status == RequestStatus.CANCELLED)
    )
    assert (change.actor_id, change.note) == (coordinator.id, "Termin beim Amt entfällt")
    # the helper's time is free again: the seat and the overlap guard no longer hold it
    other = make_request()
    assert confirm_offer(offer_to(other, confirmed, OfferStatus.ACCEPTED).id, coordinator)


def test_cancel_needs_a_reason_and_an_unfinished_request(helper, coordinator):
    request = make_request()
    with pytest.raises(RequestError, match="Grund"):
        lifecycle.cancel(request.id, coordinator, "   ")
    assert status_of(request) == RequestStatus.OPEN
    for status in (RequestStatus.COMPLETED, RequestStatus.CANCELLED, RequestStatus.DECLINED):
        with pytest.raises(RequestError, match="nicht mehr abgesagt"):
            lifecycle.cancel(make_request(status=status).id, coordinator, "egal")


def test_cancel_refused_once_the_assignment_took_place(helper, coordinator):
    request = make_request()
    assignment = move_into_past(assignment_for(request, helper(), coordinator))
    lifecycle.no_show(assignment.id, coordinator)
    with pytest.raises(RequestError, match="schon stattgefunden"):
        lifecycle.cancel(request.id, coordinator, "zu spät")


# --- completed, no-show, approving reported hours -------------------------------------------


def test_mark_completed_after_the_appointment(helper, coordinator):
    request = make_request(needed=2)
    reported, silent = helper(), helper()
    first = move_into_past(assignment_for(request, reported, coordinator))
    second = move_into_past(assignment_for(request, silent, coordinator))
    report_hours(db.session.get(Assignment, first.id), reported.user, minutes=80, travel_km=10, note=None)

    lifecycle.complete(request.id, coordinator)

    db.session.expire_all()
    assert status_of(request) == RequestStatus.COMPLETED
    assert db.session.get(Assignment, first.id).status == AssignmentStatus.COMPLETED
    assert db.session.get(Assignment, second.id).status == AssignmentStatus.COMPLETED
    assert db.session.get(Assignment, first.id).actual_minutes == 80  # the report stays
    assert outbox("report_hours", to=silent.user.email)
    assert not outbox("report_hours", to=reported.user.email)


def test_mark_completed_refused_before_the_start_and_when_not_filled(helper, coordinator):
    request = make_request()
    assignment_for(request, helper(), coordinator)
    with pytest.raises(RequestError, match="Zukunft"):
        lifecycle.complete(request.id, coordinator)
    with pytest.raises(RequestError, match="Nur besetzte"):
        lifecycle.complete(make_request(starts_in=timedelta(days=-1)).id, coordinator)
    assert status_of(request) == RequestStatus.FILLED


def test_mark_completed_accepts_a_frozen_now(helper, coordinator):
    request = make_request(starts_in=timedelta(days=2))
    assignment_for(request, helper(), coordinator)
    lifecycle.complete(request.id, coordinator, now=utcnow() + timedelta(days=3))
    assert status_of(request) == RequestStatus.COMPLETED


def test_mark_no_show(helper, coordinator):
    amina = helper()
    assignment = move_into_past(assignment_for(make_request(), amina, coordinator))
    lifecycle.no_show(assignment.id, coordinator)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.NO_SHOW
    assert outbox("assignment_no_show", to=amina.user.email)
    assert audit_events("assignment.no_show")[0].actor_id == coordinator.id
    with pytest.raises(RequestError, match="nicht bestätigt"):
        lifecycle.no_show(assignment.id, coordinator)


def test_mark_no_show_refused_before_the_start_and_after_a_report(helper, coordinator):
    amina = helper()
    future = assignment_for(make_request(), amina, coordinator)
    with pytest.raises(RequestError, match="noch nicht begonnen"):
        lifecycle.no_show(future.id, coordinator)
    past = move_into_past(
        assignment_for(make_request(starts_in=timedelta(days=9)), amina, coordinator), days=2
    )
    report_hours(db.session.get(Assignment, past.id), amina.user, minutes=60, travel_km=0, note=None)
    with pytest.raises(RequestError, match="schon Stunden gemeldet"):
        lifecycle.no_show(past.id, coordinator)
    db.session.expire_all()
    assert db.session.get(Assignment, future.id).status == AssignmentStatus.CONFIRMED


def test_approve_report(helper, coordinator):
    amina = helper()
    assignment = move_into_past(assignment_for(make_request(), amina, coordinator))
    with pytest.raises(RequestError, match="noch keine Stunden"):
        approve_report(assignment.id, coordinator)
    report_hours(db.session.get(Assignment, assignment.id), amina.user, minutes=95, travel_km=14, note="ok")
    ki = db.session.get(HelpRequest, assignment.request_id).ki_id
    from ki_match.orgs.models import Ki

    assert [a.id for a in assignment_queries.reports_awaiting_approval(db.session.get(Ki, ki))] == [
        assignment.id
    ]

    approve_report(assignment.id, coordinator)

    db.session.expire_all()
    approved = db.session.get(Assignment, assignment.id)
    assert approved.approved_by_id == coordinator.id and approved.approved_at is not None
    assert not reportable(approved)  # the helper can no longer change it
    [mail] = outbox("report_approved", to=amina.user.email)
    assert "95 Minuten, 14 km" in mail.body_text
    assert assignment_queries.reports_awaiting_approval(db.session.get(Ki, ki)) == []
    with pytest.raises(RequestError, match="schon bestätigt"):
        approve_report(assignment.id, coordinator)
    with pytest.raises(RequestError, match="nicht mehr geändert"):
        report_hours(approved, amina.user, minutes=200, travel_km=14, note=None)


# --- unfilled requests ----------------------------------------------------------------------


def test_mark_unfilled_moves_past_seeking_requests_and_expires_their_offers(helper, coordinator):
    amina, bilal = helper(), helper()
    now = utcnow()
    past = make_request(starts_in=timedelta(days=1), created_by=coordinator)
    waiting = offer_to(past, amina)
    half = make_request(starts_in=timedelta(days=1, hours=3), needed=2, status=RequestStatus.OFFERED)
    assignment_for(half, bilal, coordinator)
    filled = make_request(starts_in=timedelta(days=1, hours=6))
    assignment_for(filled, helper(), coordinator)
    future = make_request(starts_in=timedelta(days=3))
    later = now + timedelta(days=2, hours=1)  # the frozen clock of the cron run
    # Due dates from the cron run's own Berlin day: late in the evening "later" is a day further on.
    run_day = later.astimezone(BERLIN).date()
    written = make_request(
        kind=RequestKind.WRITTEN, starts_in=None, where=None, due_on=run_day - timedelta(days=1)
    )
    written_ok = make_request(kind=RequestKind.WRITTEN, starts_in=None, where=None, due_on=run_day)

    result = lifecycle.mark_unfilled(later)

    assert (result.unfilled, result.offers_expired) == (3, 1)
    for request, status in (
        (past, RequestStatus.UNFILLED),
        (half, RequestStatus.UNFILLED),
        (written, RequestStatus.UNFILLED),
        (filled, RequestStatus.FILLED),
        (future, RequestStatus.OPEN),
        (written_ok, RequestStatus.OPEN),
    ):
        assert status_of(request) == status, request.id
    assert db.session.get(Offer, waiting.id).status == OfferStatus.EXPIRED
    told = len(outbox("request_unfilled", to=coordinator.email))
    assert told == 3  # one mail per request that stayed unfilled
    change = db.session.scalar(
        select(RequestStatusChange).where(
            RequestStatusChange.request_id == past.id, RequestStatusChange.to_status == RequestStatus.UNFILLED
        )
    )
    assert change.actor_id is None

    again = lifecycle.mark_unfilled(later)
    assert (again.unfilled, again.offers_expired) == (0, 0)
    assert len(outbox("request_unfilled", to=coordinator.email)) == told


def test_mark_unfilled_expires_offers_past_their_deadline(helper):
    request = make_request(starts_in=timedelta(days=5))
    late = offer_to(request, helper(), expires_at=utcnow() + timedelta(hours=1))
    in_time = offer_to(request, helper(), expires_at=utcnow() + timedelta(days=2))
    answered = offer_to(request, helper(), OfferStatus.ACCEPTED, expires_at=utcnow() + timedelta(hours=1))
    result = lifecycle.mark_unfilled(utcnow() + timedelta(hours=2))
    assert (result.unfilled, result.offers_expired) == (0, 1)
    assert [o.status for o in offers_of(request)] == [
        OfferStatus.EXPIRED,
        OfferStatus.PENDING,
        OfferStatus.ACCEPTED,
    ]
    assert {late.id, in_time.id, answered.id} == {o.id for o in offers_of(request)}
    assert status_of(request) == RequestStatus.OPEN


# --- retention ------------------------------------------------------------------------------


def _finish(request: HelpRequest, status: RequestStatus, days_ago: int) -> HelpRequest:
    # A state arranged for the test, with its history written below: past the lifecycle's door.
    db.session.execute(update(HelpRequest).where(HelpRequest.id == request.id).values(status=status))
    request = db.session.get(HelpRequest, request.id)
    db.session.add(
        RequestStatusChange(
            request_id=request.id,
            from_status=RequestStatus.FILLED,
            to_status=status,
            at=utcnow() - timedelta(days=days_ago),
        )
    )
    db.session.commit()
    return request


def _client_data(request: HelpRequest):
    db.session.expire_all()
    row = db.session.get(HelpRequest, request.id)
    return row.client_ref, row.place


def test_purge_forgets_client_data_of_requests_finished_long_ago(app):
    old = [
        _finish(make_request(), status, days_ago=91)
        for status in (
            RequestStatus.COMPLETED,
            RequestStatus.CANCELLED,
            RequestStatus.UNFILLED,
            RequestStatus.DECLINED,
        )
    ]
    recent = _finish(make_request(), RequestStatus.COMPLETED, days_ago=30)
    running = make_request(status=RequestStatus.FILLED)

    purged = purge_client_data()

    assert sum(purged.values()) == 4
    for request in old:
        assert _client_data(request) == (None, None)
        # the figures stay
        assert db.session.get(HelpRequest, request.id).language_id is not None
    assert _client_data(recent) == (CLIENT_REF, PLACE)
    assert _client_data(running) == (CLIENT_REF, PLACE)
    [event] = audit_events("requests.client_data_purged")
    assert event.detail == {"count": 4, "older_than_days": 90}
    assert sum(purge_client_data().values()) == 0  # idempotent


def test_purge_period_comes_from_the_argument_the_config_and_a_frozen_now(app):
    recent = _finish(make_request(), RequestStatus.COMPLETED, days_ago=30)
    assert sum(purge_client_data(older_than_days=31).values()) == 0
    app.config["RETENTION_DAYS"] = 29
    assert sum(purge_client_data().values()) == 1
    assert _client_data(recent) == (None, None)
    later = _finish(make_request(), RequestStatus.CANCELLED, days_ago=0)
    assert sum(purge_client_data(older_than_days=90, now=utcnow() + timedelta(days=89)).values()) == 0
    assert sum(purge_client_data(older_than_days=90, now=utcnow() + timedelta(days=91)).values()) == 1
    assert _client_data(later) == (None, None)


# --- the commands ---------------------------------------------------------------------------


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        db.session.commit()
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    return invoke


def test_mark_unfilled_command_is_idempotent(cli, helper):
    request = make_request(starts_in=timedelta(minutes=-30))
    offer_to(request, helper())
    result = cli("requests", "mark-unfilled")
    assert result.exit_code == 0, result.output
    assert "unfilled 1, offers expired 1" in result.output
    assert status_of(request) == RequestStatus.UNFILLED
    assert "unfilled 0, offers expired 0" in cli("requests", "mark-unfilled").output


def test_purge_command(cli):
    old = _finish(make_request(), RequestStatus.COMPLETED, days_ago=100)
    young = _finish(make_request(), RequestStatus.COMPLETED, days_ago=10)
    result = cli("requests", "purge")
    assert result.exit_code == 0, result.output
    assert "purged client data of 1 request(s)" in result.output
    assert _client_data(old) == (None, None)
    assert _client_data(young) == (CLIENT_REF, PLACE)
    result = cli("requests", "purge", "--older-than-days", "5")
    assert "purged client data of 1 request(s)" in result.output
    assert _client_data(young) == (None, None)
    assert cli("requests", "purge", "--older-than-days", "-1").exit_code != 0
