"""A late withdrawal is a "kurzfristige Absage": when it is late (the KI's ``late_cancel_hours``),
how it is kept (assignment, history, audit), who hears of it, that the request re-opens with every
earlier offer and answer kept, and the coordinators' dashboard tile that lists such requests until
someone takes them again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.assignments.services import is_late, withdraw_assignment
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.matching.services import match
from ki_match.offers.confirming import confirm_offer
from ki_match.orgs.settings import change_settings, settings_for
from ki_match.requests.models import (
    Assignment,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)
from tests.factories import assignment_for, make_available_helper, make_request, offer_to, other_ki
from tests.support import audit_events, delivered_text, outbox

HOUR = timedelta(hours=1)


def test_the_installation_default_is_48_hours_and_a_kis_own_value_wins(app, ki):
    assert settings_for(ki).late_cancel_hours == 48
    app.config["LATE_CANCEL_HOURS"] = 36
    assert settings_for(ki).late_cancel_hours == 36
    change_settings(ki, None, late_cancel_hours=12)
    assert settings_for(ki).late_cancel_hours == 12


@pytest.mark.parametrize(
    ("setting", "starts_in", "late"),
    [
        (None, 47 * HOUR, True),
        (None, 49 * HOUR, False),
        (12, 11 * HOUR, True),
        (12, 13 * HOUR, False),
        (96, 95 * HOUR, True),
        (96, 97 * HOUR, False),
        (336, 13 * 24 * HOUR, True),
    ],
)
def test_late_follows_the_kis_setting(ki, coordinator, setting, starts_in, late):
    change_settings(ki, None, late_cancel_hours=setting)
    db.session.commit()
    request = make_request(created_by=coordinator, starts_in=starts_in)
    assignment = assignment_for(request, make_available_helper(ki=ki), coordinator)
    assert is_late(assignment) is late


@pytest.mark.parametrize(
    ("setting", "due_in_days", "late"), [(None, 1, True), (None, 4, False), (120, 4, True)]
)
def test_a_written_translation_is_late_by_its_due_day(ki, coordinator, setting, due_in_days, late):
    change_settings(ki, None, late_cancel_hours=setting)
    db.session.commit()
    due_on = utcnow().astimezone(BERLIN).date() + timedelta(days=due_in_days)
    request = make_request(created_by=coordinator, kind=RequestKind.WRITTEN, town_id=None, due_on=due_on)
    assignment = assignment_for(request, make_available_helper(ki=ki), coordinator)
    assert is_late(assignment) is late


@pytest.fixture
def late_case(ki, coordinator):
    """A request in 20 hours with a declined, a pending and a confirmed helper; the confirmed one
    gives it back."""
    request = make_request(created_by=coordinator, starts_in=20 * HOUR)
    declined = offer_to(request, make_available_helper(ki=ki), OfferStatus.DECLINED, decline_reason="Urlaub")
    pending = offer_to(request, make_available_helper(ki=ki))
    amina = make_available_helper(ki=ki)
    assignment = assignment_for(request, amina, coordinator)
    return request, declined, pending, amina, assignment


def _offer_states(request) -> dict:
    return dict(
        db.session.execute(select(Offer.id, Offer.status).where(Offer.request_id == request.id)).all()
    )


def test_a_late_withdrawal_is_kept_as_a_kurzfristige_absage_and_reopens_with_answers_kept(
    late_case, create_user, coordinator
):
    request, declined, pending, amina, assignment = late_case
    colleague = create_user(Role.COORDINATOR)
    before = _offer_states(request)
    withdraw_assignment(assignment.id, amina.user, "Kind krank")
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).withdrawn_late
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OPEN
    notes = db.session.scalars(
        select(RequestStatusChange.note).where(RequestStatusChange.request_id == request.id)
    ).all()
    assert "Kurzfristige Absage: Helfer*in hat abgesagt" in notes
    [event] = audit_events("assignment.withdrawn")
    assert event.detail["late"] is True
    # The earlier offers and answers stay as they were (the pending one ended when the seat was filled).
    assert _offer_states(request) == before
    assert before[declined.id] == OfferStatus.DECLINED and before[pending.id] == OfferStatus.WITHDRAWN
    assert db.session.get(Offer, declined.id).decline_reason == "Urlaub"
    assert declined.helper_id not in {
        c.helper.id for c in match(db.session.get(HelpRequest, request.id)).candidates
    }
    # Every coordinator hears of it, in words that say it is late.
    for person in (coordinator, colleague):
        [mail] = outbox("assignment_withdrawn", to=person.email)
        assert "Kurzfristige Absage" in mail.subject and "48 Stunden" in mail.subject
        assert "Kurzfristige Absage" in delivered_text(mail)


def test_an_early_withdrawal_is_not_late(ki, coordinator, create_user):
    change_settings(ki, None, late_cancel_hours=12)
    db.session.commit()
    colleague = create_user(Role.COORDINATOR)
    request = make_request(created_by=coordinator, starts_in=20 * HOUR)
    amina = make_available_helper(ki=ki)
    assignment = assignment_for(request, amina, coordinator)
    withdraw_assignment(assignment.id, amina.user, "Termin verlegt")
    assert not db.session.get(Assignment, assignment.id).withdrawn_late
    [mail] = outbox("assignment_withdrawn", to=coordinator.email)
    assert "Kurzfristig" not in mail.subject
    assert not outbox("assignment_withdrawn", to=colleague.email)


def _start_page(client, coordinator) -> str:
    assert client.post("/login", data={"email": coordinator.email, "password": "richtig-gutes-passwort"})
    return client.get("/").get_data(as_text=True)


def test_the_tile_lists_late_cancellations_until_someone_takes_the_seat_again(
    client, ki, late_case, coordinator
):
    request, _declined, _pending, amina, assignment = late_case
    early = make_request(created_by=coordinator, starts_in=10 * 24 * HOUR)
    early_helper = make_available_helper(ki=ki)
    withdraw_assignment(assignment_for(early, early_helper, coordinator).id, early_helper.user, "verlegt")
    elsewhere = other_ki()
    theirs = make_request(ki=elsewhere, starts_in=20 * HOUR)
    their_helper = make_available_helper(ki=elsewhere)
    withdraw_assignment(assignment_for(theirs, their_helper, coordinator).id, their_helper.user, "krank")
    assert "Kurzfristige Absagen" not in _start_page(client, coordinator)

    withdraw_assignment(assignment.id, amina.user, "Kind krank")
    html = client.get("/").get_data(as_text=True)
    assert 'id="late-cancellations"' in html
    assert f'href="/requests/{request.id}"' in html
    assert (
        f'href="/requests/{early.id}"' not in html.split('id="late-cancellations"')[1].split("</section>")[0]
    )
    assert f'href="/requests/{theirs.id}"' not in html

    bilal = make_available_helper(ki=ki)
    confirm_offer(offer_to(request, bilal, OfferStatus.ACCEPTED).id, coordinator)
    assert 'id="late-cancellations"' not in client.get("/").get_data(as_text=True)
