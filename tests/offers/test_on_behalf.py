"""Acting for a helper: an answer recorded by phone and a direct booking follow the same rules as the
helper's own tap and the coordinator's confirmation, races on real parallel connections included."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.assignments.services import withdraw_assignment
from ki_match.extensions import db
from ki_match.offers.answers import AcceptOutcome, Answer, accept_offer, answer_recordable, record_answer
from ki_match.offers.booking import ReasonNeeded, book_directly
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.rules import OfferError
from ki_match.requests.models import (
    Assignment,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
    RequestStatusChange,
)
from tests import factories
from tests.concurrency import race
from tests.factories import offer_to
from tests.support import audit_events, outbox


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def history_notes(request) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(RequestStatusChange.note)
            .where(RequestStatusChange.request_id == request.id, RequestStatusChange.note.is_not(None))
            .order_by(RequestStatusChange.id)
        )
    )


@pytest.fixture
def amina(available_helper):
    return available_helper(display_name="Amina K.")


# --- an answer recorded by phone ---------------------------------------------------------------


def test_a_phone_yes_is_the_helpers_yes_recorded_by_the_coordinator(tuesday_request, amina, coordinator):
    request = tuesday_request(status=RequestStatus.OFFERED)
    offer = offer_to(request, amina)
    assert answer_recordable(offer)

    outcome = record_answer(offer.id, coordinator, Answer.ACCEPT, "  kommt mit dem Bus  ")

    assert outcome == AcceptOutcome.ACCEPTED
    assert fresh(Offer, offer.id).status == OfferStatus.ACCEPTED
    [event] = audit_events("offer.accepted")
    assert event.actor_id == coordinator.id
    assert event.detail == {"on_behalf_of": amina.user_id, "channel": "phone", "with_note": True}
    assert history_notes(request) == ["Amina K. hat telefonisch zugesagt (kommt mit dem Bus)"]
    assert [m.kind for m in outbox()] == ["offer_accepted"]  # the coordinators hear of it, as always


def test_a_phone_yes_in_first_to_accept_confirms_and_mails_the_helper(tuesday_request, amina, coordinator):
    request = tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT)
    offer = offer_to(request, amina)

    assert record_answer(offer.id, coordinator, Answer.ACCEPT) == AcceptOutcome.CONFIRMED

    assignment = db.session.scalar(select(Assignment).where(Assignment.offer_id == offer.id))
    assert assignment.confirmed_by_id == coordinator.id
    assert fresh(HelpRequest, request.id).status == RequestStatus.FILLED
    assert [m.to_address for m in outbox("assignment_confirmed")] == [amina.user.email]
    assert history_notes(request) == ["Amina K. hat telefonisch zugesagt"]


def test_a_phone_no_declines_with_the_note_as_reason(tuesday_request, amina, coordinator):
    request = tuesday_request(status=RequestStatus.OFFERED)
    offer = offer_to(request, amina)

    assert record_answer(offer.id, coordinator, Answer.DECLINE, "ist krank") is None

    offer = fresh(Offer, offer.id)
    assert (offer.status, offer.decline_reason) == (OfferStatus.DECLINED, "ist krank")
    [event] = audit_events("offer.declined")
    assert (event.actor_id, event.detail["on_behalf_of"]) == (coordinator.id, amina.user_id)
    assert history_notes(request) == ["Amina K. hat telefonisch abgesagt (ist krank)"]
    assert not answer_recordable(offer)


def test_a_phone_yes_follows_the_helpers_rules(tuesday_request, amina, coordinator, available_helper):
    # overlap: Amina is confirmed elsewhere at that time already
    other = tuesday_request()
    factories.assignment_for(other, amina, coordinator)
    offer = offer_to(tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT), amina)
    with pytest.raises(OfferError, match="anderen bestätigten Einsatz"):
        record_answer(offer.id, coordinator, Answer.ACCEPT)
    assert fresh(Offer, offer.id).status == OfferStatus.PENDING
    assert history_notes(offer.request) == []  # nothing of the refused yes is kept
    # withdrawn consent: the coordinator hears why, in the coordinator's words
    bilal = available_helper(display_name="Bilal S.", consented=False)
    late = offer_to(tuesday_request(status=RequestStatus.OFFERED), bilal)
    with pytest.raises(OfferError, match="Bilal S. kann nicht bestätigt werden"):
        record_answer(late.id, coordinator, Answer.ACCEPT)
    # an offer already declined by the helper herself
    said_no = offer_to(
        tuesday_request(status=RequestStatus.OFFERED), available_helper(), OfferStatus.DECLINED
    )
    with pytest.raises(OfferError, match="bereits abgelehnt"):
        record_answer(said_no.id, coordinator, Answer.ACCEPT)


def test_only_the_helpers_own_ki_records_an_answer(tuesday_request, coordinator, create_user, ki):
    request = tuesday_request(status=RequestStatus.OFFERED)
    other_ki = factories.other_ki()
    factories.sharing(ki, other_ki)
    guest = factories.in_pool(factories.make_helper(ki=other_ki, display_name="Gast G."))
    offer = offer_to(request, guest)
    assert not answer_recordable(offer)
    with pytest.raises(OfferError, match="Koordination des KIs"):
        record_answer(offer.id, coordinator, Answer.ACCEPT)
    stranger = create_user(Role.COORDINATOR, ki=other_ki)
    own = offer_to(request, factories.make_helper())
    with pytest.raises(OfferError, match="Koordination des KIs"):
        record_answer(own.id, stranger, Answer.ACCEPT)
    assert fresh(Offer, own.id).status == OfferStatus.PENDING


@pytest.mark.parametrize("attempt", range(3))
def test_a_phone_yes_racing_the_helpers_own_tap_counts_once(
    app, tuesday_request, amina, coordinator, attempt
):
    offer = offer_to(tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT), amina)
    offer_id, helper_user_id, coordinator_id = offer.id, amina.user_id, coordinator.id
    results = race(
        app,
        [
            lambda: accept_offer(offer_id, db.session.get(User, helper_user_id)),
            lambda: record_answer(offer_id, db.session.get(User, coordinator_id), Answer.ACCEPT),
        ],
    )
    # Whoever comes second finds the yes given and the seat taken: refused, never a second seat.
    assert AcceptOutcome.CONFIRMED in results, results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert len(outbox("assignment_confirmed")) == 1


@pytest.mark.parametrize("attempt", range(3))
def test_a_phone_yes_and_another_helpers_tap_race_for_the_last_seat(
    app, tuesday_request, amina, available_helper, coordinator, attempt
):
    request = tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT)
    bilal = available_helper()
    by_phone, by_tap = offer_to(request, amina), offer_to(request, bilal)
    ids = (by_phone.id, by_tap.id, coordinator.id, bilal.user_id)
    results = race(
        app,
        [
            lambda: record_answer(ids[0], db.session.get(User, ids[2]), Answer.ACCEPT),
            lambda: accept_offer(ids[1], db.session.get(User, ids[3])),
        ],
    )
    assert sorted(type(r).__name__ for r in results) == ["AcceptOutcome", "OfferError"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.FILLED


# --- booking directly ---------------------------------------------------------------------------


def test_booking_a_candidate_confirms_through_the_confirmation(tuesday_request, amina, coordinator):
    request = tuesday_request()
    other = offer_to(request, factories.make_helper())

    assignment = book_directly(request.id, amina.id, coordinator)

    offer = fresh(Offer, assignment.offer_id)
    assert (offer.status, offer.sent_by_id, offer.helper_id) == (
        OfferStatus.ACCEPTED,
        coordinator.id,
        amina.id,
    )
    assert fresh(HelpRequest, request.id).status == RequestStatus.FILLED
    assert fresh(Offer, other.id).status == OfferStatus.WITHDRAWN  # full: nobody else waits
    assert [m.to_address for m in outbox("assignment_confirmed")] == [amina.user.email]
    [event] = audit_events("offer.booked_directly")
    assert event.actor_id == coordinator.id
    assert event.detail == {
        "on_behalf_of": amina.user_id,
        "channel": "direct",
        "override": None,
        "with_reason": False,
    }
    assert history_notes(request) == ["Amina K. direkt eingeplant"]


def test_a_near_miss_is_booked_only_with_a_reason(tuesday_request, available_helper, coordinator):
    request = tuesday_request()
    # Not free on Tuesday by the week plan: exactly one rule fails.
    carla = available_helper(display_name="Carla M.", slots=((3, time(9), time(13)),))
    with pytest.raises(ReasonNeeded):
        book_directly(request.id, carla.id, coordinator, "   ")
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0

    book_directly(request.id, carla.id, coordinator, "hat am Telefon zugesagt")

    [event] = audit_events("offer.booked_directly")
    assert (event.detail["override"], event.detail["with_reason"]) == ("slot", True)
    assert "hat am Telefon" not in str(event.detail)  # the words are the history's
    [note] = history_notes(request)
    assert note == (
        "Carla M. direkt eingeplant, Ausnahme: hat zu dieser Zeit laut Wochenplan keine Zeit. "
        "Grund: hat am Telefon zugesagt"
    )


def test_rules_that_are_never_set_aside(tuesday_request, amina, available_helper, coordinator):
    reason = "trotzdem"
    # overlapping confirmed assignment
    factories.assignment_for(tuesday_request(), amina, coordinator)
    with pytest.raises(OfferError, match="schon einen Einsatz"):
        book_directly(tuesday_request().id, amina.id, coordinator, reason)
    # no consent, not approved
    for helper in (available_helper(consented=False), available_helper(approved=False)):
        with pytest.raises(OfferError, match="kann nicht bestätigt werden"):
            book_directly(tuesday_request().id, helper.id, coordinator, reason)
    # a request no longer seeking; no free seat
    bilal = available_helper()
    with pytest.raises(OfferError, match="keine Helfenden mehr"):
        book_directly(tuesday_request(status=RequestStatus.CANCELLED).id, bilal.id, coordinator, reason)
    # two rules at once
    far = available_helper(slots=((3, time(9), time(13)),), languages=(("fa", 5), ("de", 4)))
    with pytest.raises(OfferError, match="mehr als einer Bedingung"):
        book_directly(tuesday_request().id, far.id, coordinator, reason)
    # someone already asked answers on the offers block
    request = tuesday_request()
    offer_to(request, bilal)
    with pytest.raises(OfferError, match="schon angefragt"):
        book_directly(request.id, bilal.id, coordinator, reason)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_only_the_requests_own_ki_books_its_own_helpers(tuesday_request, coordinator, create_user, ki):
    request = tuesday_request()
    other_ki = factories.other_ki()
    guest = factories.make_helper(ki=other_ki)
    with pytest.raises(OfferError, match="eigenen KIs"):
        book_directly(request.id, guest.id, coordinator)
    stranger = create_user(Role.COORDINATOR, ki=other_ki)
    with pytest.raises(OfferError, match="anderen KI"):
        book_directly(request.id, guest.id, stranger)


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_booking_the_last_seat_race(
    app, tuesday_request, amina, available_helper, create_user, coordinator, attempt
):
    request = tuesday_request()
    bilal = available_helper()
    other = create_user(Role.COORDINATOR)
    ids = (request.id, amina.id, bilal.id, coordinator.id, other.id)
    results = race(
        app,
        [
            lambda: book_directly(ids[0], ids[1], db.session.get(User, ids[3])),
            lambda: book_directly(ids[0], ids[2], db.session.get(User, ids[4])),
        ],
    )
    assert sorted(type(r).__name__ for r in results) == ["Assignment", "OfferError"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


@pytest.mark.parametrize("attempt", range(3))
def test_a_booking_racing_a_phone_yes_for_the_last_seat(
    app, tuesday_request, amina, available_helper, coordinator, attempt
):
    request = tuesday_request(status=RequestStatus.OFFERED, fill_mode=FillMode.FIRST_TO_ACCEPT)
    offer = offer_to(request, amina)
    bilal = available_helper()
    ids = (request.id, offer.id, bilal.id, coordinator.id)
    results = race(
        app,
        [
            lambda: record_answer(ids[1], db.session.get(User, ids[3]), Answer.ACCEPT),
            lambda: book_directly(ids[0], ids[2], db.session.get(User, ids[3])),
        ],
    )
    assert sorted(type(r).__name__ for r in results) in (
        ["AcceptOutcome", "OfferError"],
        ["Assignment", "OfferError"],
    ), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert len(outbox("assignment_confirmed")) == 1


def test_a_confirmation_after_a_booking_filled_the_request_is_refused(
    tuesday_request, amina, available_helper, coordinator
):
    request = tuesday_request()
    waiting = offer_to(request, available_helper(), OfferStatus.ACCEPTED)
    book_directly(request.id, amina.id, coordinator)
    with pytest.raises(OfferError, match="besetzt"):
        confirm_offer(waiting.id, coordinator)


def test_a_helper_who_said_no_and_calls_back_is_booked_on_her_own_offer(tuesday_request, amina, coordinator):
    request = tuesday_request(status=RequestStatus.OFFERED)
    said_no = offer_to(request, amina, OfferStatus.DECLINED)
    # "hat diese Anfrage abgelehnt" is the one rule she fails: an exception with its reason
    with pytest.raises(ReasonNeeded):
        book_directly(request.id, amina.id, coordinator)
    assert fresh(Offer, said_no.id).status == OfferStatus.DECLINED

    assignment = book_directly(request.id, amina.id, coordinator, "hat es sich anders überlegt")

    assert assignment.offer_id == said_no.id
    assert fresh(Offer, said_no.id).status == OfferStatus.ACCEPTED
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 1
    [event] = audit_events("offer.booked_directly")
    assert event.detail["override"] == "declined"


def test_a_helper_who_gave_her_seat_back_is_not_booked_again(tuesday_request, amina, coordinator):
    request = tuesday_request()
    assignment = factories.assignment_for(request, amina, coordinator)
    withdraw_assignment(assignment.id, amina.user, "krank")
    assert fresh(HelpRequest, request.id).status == RequestStatus.OPEN
    with pytest.raises(OfferError, match="schon eingeplant"):
        book_directly(request.id, amina.id, coordinator, "noch einmal")
