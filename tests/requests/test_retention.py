"""The retention purge: once a request has long been over, its client reference, exact place and
what people typed about it are gone from every table, mail bodies included."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from ki_match.accounts.models import Role
from ki_match.assignments.services import approve_report, report_hours, withdraw_assignment
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.initiatives.services import answer_question, ask_back
from ki_match.offers.answers import decline_offer
from ki_match.outbox.delivery import deliver_pending
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from ki_match.requests import lifecycle
from ki_match.requests.models import Assignment, HelpRequest, RequestStatus, RequestStatusChange
from ki_match.requests.retention import purge_client_data
from tests.factories import (
    CLIENT_REF,
    PLACE,
    confirmed_through_rules,
    make_helper,
    make_request,
    make_user,
    move_into_past,
    offer_to,
)
from tests.support import copies_of

STREET = "Am Markt 1"  # part of PLACE: a place typed into a note is rarely typed whole
TYPED = f"{CLIENT_REF} wartet vor {STREET}"


def _submitted_and_discussed(coordinator):
    """A request an initiative sent in urgently, talked over, taken on, declined by one helper,
    then called off: every free text of its way names the client and the place."""
    member = make_user(Role.INITIATIVE)
    request = make_request(
        status=RequestStatus.SUBMITTED,
        starts_in=timedelta(days=10),
        organisation_id=member.organisation_id,
        requested_by_id=member.id,
        created_by=member,
        notes=f"Bitte nach {TYPED} fragen",
        urgent=True,
        urgent_reason=f"Termin für {TYPED} steht fest",
    )
    ask_back(request.id, coordinator, f"Ist {TYPED} richtig?")
    answer_question(db.session.get(HelpRequest, request.id), member, f"Ja, {TYPED}")
    lifecycle.take_over(request.id, coordinator)
    helper = make_helper()
    offer = offer_to(db.session.get(HelpRequest, request.id), helper)
    decline_offer(offer.id, helper.user, f"Ich kenne {TYPED}")
    lifecycle.cancel(request.id, coordinator, f"{TYPED} ist umgezogen")
    return request


def _done_and_reported(coordinator):
    """A request whose first confirmed helper withdrew; the second went and reported hours."""
    request = make_request(created_by=coordinator, notes=f"Notiz: {TYPED}")
    going, leaving = make_helper(), make_helper()
    other = confirmed_through_rules(request, leaving, coordinator)
    withdraw_assignment(other.id, leaving.user, f"Krank, sorry an {TYPED}")
    assignment = confirmed_through_rules(db.session.get(HelpRequest, request.id), going, coordinator)
    move_into_past(assignment)
    assignment = db.session.get(Assignment, assignment.id)
    report_hours(assignment, going.user, minutes=95, travel_km=14, note=f"{TYPED}, alles gut")
    approve_report(assignment.id, coordinator)
    lifecycle.complete(request.id, coordinator)
    return request, assignment


def test_after_the_purge_no_column_of_any_table_holds_the_client_or_the_place(app, coordinator):
    cancelled = _submitted_and_discussed(coordinator)
    completed, assignment = _done_and_reported(coordinator)
    deliver_pending()
    # One mail about the request did not go out: its body must go as well.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == db.session.scalar(select(OutboxMessage.id).limit(1)))
        .values(status=DeliveryStatus.FAILED)
    )
    db.session.commit()
    assert copies_of(CLIENT_REF, STREET)  # the scenario really put copies everywhere

    purged = purge_client_data(now=utcnow() + timedelta(days=91))

    assert sum(purged.values()) == 2
    assert copies_of(CLIENT_REF, STREET) == [], "\n".join(copies_of(CLIENT_REF, STREET))
    # What the statistics and the delivery log need stays.
    kept = db.session.get(Assignment, assignment.id)
    assert (kept.actual_minutes, kept.travel_km, kept.approved_at is not None) == (95, 14, True)
    for request in (cancelled, completed):
        row = db.session.get(HelpRequest, request.id)
        assert row.language_id is not None and row.town_id is not None
        history = db.session.scalars(
            select(RequestStatusChange).where(RequestStatusChange.request_id == request.id)
        ).all()
        assert history and all(change.at is not None for change in history)
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert mails and all(mail.to_address and mail.kind and mail.status for mail in mails)
    assert sum(purge_client_data(now=utcnow() + timedelta(days=92)).values()) == 0  # idempotent


def test_a_request_not_yet_due_keeps_what_people_typed(app, coordinator):
    request = make_request(created_by=coordinator, notes=f"Notiz: {TYPED}")
    lifecycle.cancel(request.id, coordinator, f"{TYPED} ist umgezogen")
    deliver_pending()

    assert sum(purge_client_data(now=utcnow() + timedelta(days=89)).values()) == 0

    row = db.session.get(HelpRequest, request.id)
    assert (row.client_ref, row.place, row.notes) == (CLIENT_REF, PLACE, f"Notiz: {TYPED}")
    notes = db.session.scalars(
        select(RequestStatusChange.note).where(RequestStatusChange.request_id == request.id)
    ).all()
    assert f"{TYPED} ist umgezogen" in notes
