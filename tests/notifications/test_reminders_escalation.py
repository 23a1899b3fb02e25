"""Reminders before assignments, unanswered-offer reminders and automatic follow-up, with frozen clocks."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.matching.services import match
from ki_match.notifications.reminders import send_reminders
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.escalation import EscalationStep, escalate
from ki_match.outbox.preferences import save_preferences
from ki_match.reference.models import Level
from ki_match.requests import lifecycle
from ki_match.requests.models import (
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)
from tests import factories
from tests.concurrency import race
from tests.factories import assignment_for, berlin, language, next_tuesday, offer_to, town
from tests.support import htmx_headers, outbox

# Approved, consenting, free on Tuesdays 09:00–13:00, living in Brakel.


def tuesday_at(clock: time) -> datetime:
    return berlin(next_tuesday(), clock)


def make_request(coordinator, **fields) -> HelpRequest:
    """Tuesday 10:00, Arabic at B1 (tests/factories.py makes it)."""
    defaults = {"starts_at": tuesday_at(time(10)), "place": "Jobcenter, Am Markt 3"}
    return factories.make_request(created_by=coordinator, **{**defaults, **fields})


def sent_at(offer: Offer, when: datetime) -> Offer:
    offer.created_at = when
    db.session.commit()
    return offer


def refreshed(request: HelpRequest) -> HelpRequest:
    db.session.expire_all()
    return db.session.get(HelpRequest, request.id)


# --- reminders before an assignment -----------------------------------------------------------


def test_helper_is_reminded_once_within_the_window(coordinator, available_helper):
    helper = available_helper()
    request = make_request(coordinator)
    assignment = assignment_for(request, helper, coordinator)
    starts = assignment.starts_at

    assert send_reminders(now=starts - timedelta(hours=25)).assignments == 0
    assert outbox("assignment_reminder") == []

    assert send_reminders(now=starts - timedelta(hours=23)).assignments == 1
    [message] = outbox("assignment_reminder", to=helper.user.email)
    day = starts.astimezone(BERLIN).date()
    assert message.subject == f"Erinnerung: Ihr Einsatz am {format_date(day, 'long', locale='de')}"
    assert "Jobcenter, Am Markt 3" in message.body_text  # confirmed: the exact place is theirs
    assert "Familie A-17" not in message.body_text

    assert send_reminders(now=starts - timedelta(hours=23)).assignments == 0
    assert send_reminders(now=starts - timedelta(hours=1)).assignments == 0
    assert len(outbox("assignment_reminder")) == 1


def test_reminder_is_written_in_the_helpers_language(coordinator, available_helper):
    helper = available_helper(locale="en")
    assignment = assignment_for(make_request(coordinator), helper, coordinator)
    send_reminders(now=assignment.starts_at - timedelta(hours=3))
    [message] = outbox("assignment_reminder")
    day = assignment.starts_at.astimezone(BERLIN).date()
    assert message.subject == f"Reminder: your assignment on {format_date(day, 'long', locale='en')}"
    assert "a reminder: your next assignment is coming up soon." in message.body_text


def test_reminder_window_follows_the_configuration(app, coordinator, available_helper):
    app.config["REMINDER_HOURS_BEFORE"] = 48
    assignment = assignment_for(make_request(coordinator), available_helper(), coordinator)
    assert send_reminders(now=assignment.starts_at - timedelta(hours=47)).assignments == 1


def test_no_reminder_once_the_assignment_began(coordinator, available_helper):
    assignment = assignment_for(make_request(coordinator), available_helper(), coordinator)
    assert send_reminders(now=assignment.starts_at + timedelta(minutes=1)).assignments == 0


@pytest.mark.parametrize("status", [AssignmentStatus.CANCELLED, AssignmentStatus.WITHDRAWN])
def test_no_reminder_for_cancelled_or_withdrawn_assignments(coordinator, available_helper, status):
    assignment = assignment_for(make_request(coordinator), available_helper(), coordinator)
    assignment.status = status
    db.session.commit()
    assert send_reminders(now=assignment.starts_at - timedelta(hours=2)).assignments == 0
    assert outbox("assignment_reminder") == []


def test_a_rescheduled_assignment_is_reminded_again(coordinator, available_helper):
    helper = available_helper()
    request = make_request(coordinator)
    assignment = assignment_for(request, helper, coordinator)
    first_start = assignment.starts_at
    assert send_reminders(now=first_start - timedelta(hours=20)).assignments == 1

    new_start = first_start + timedelta(hours=1)
    lifecycle.reschedule(request.id, new_start, 90, coordinator)
    assert send_reminders(now=new_start - timedelta(hours=20)).assignments == 1
    assert send_reminders(now=new_start - timedelta(hours=19)).assignments == 0
    assert len(outbox("assignment_reminder", to=helper.user.email)) == 2


def test_a_helper_who_switched_reminders_off_gets_none(coordinator, available_helper):
    helper = available_helper()
    assignment = assignment_for(make_request(coordinator), helper, coordinator)
    save_preferences(helper.user, set())
    db.session.commit()
    send_reminders(now=assignment.starts_at - timedelta(hours=2))
    assert outbox("assignment_reminder") == []
    assert outbox("assignment_confirmed", to=helper.user.email)  # mandatory mails still came


def test_remind_command_is_idempotent(app, coordinator, available_helper):
    assignment = assignment_for(make_request(coordinator), available_helper(), coordinator)
    db.session.commit()
    starts = assignment.starts_at
    runner = app.test_cli_runner()
    # The command uses the real clock: move the assignment into the window instead.
    soon = utcnow().replace(microsecond=0) + timedelta(hours=3)
    assignment.starts_at, assignment.ends_at = soon, soon + (assignment.ends_at - starts)
    db.session.commit()
    first = runner.invoke(args=["notifications", "remind"])
    second = runner.invoke(args=["notifications", "remind"])
    assert first.exit_code == 0, first.output
    assert "assignment reminders 1" in first.output
    assert "assignment reminders 0" in second.output
    assert len(outbox("assignment_reminder")) == 1


# --- unanswered offers ------------------------------------------------------------------------


def test_coordinator_hears_once_about_offers_left_unanswered(coordinator, create_user, available_helper):
    other = create_user(Role.COORDINATOR)
    request = make_request(coordinator)
    now = utcnow()
    amina, basma = available_helper(display_name="Amina K."), available_helper(display_name="Basma R.")
    sent_at(offer_to(request, amina, sent_by_id=other.id), now - timedelta(hours=50))
    sent_at(offer_to(request, basma, sent_by_id=other.id), now - timedelta(hours=49))

    assert send_reminders(now=now).unanswered == 2
    [message] = outbox("offer_unanswered")
    assert message.to_address == other.email  # who sent the offers, not the request's creator
    assert "Amina K." in message.body_text and "Basma R." in message.body_text
    assert send_reminders(now=now + timedelta(hours=1)).unanswered == 0
    assert len(outbox("offer_unanswered")) == 1


def test_unanswered_reminder_waits_for_the_limit(coordinator, available_helper):
    request = make_request(coordinator)
    now = utcnow()
    sent_at(offer_to(request, available_helper(), sent_by_id=coordinator.id), now - timedelta(hours=47))
    assert send_reminders(now=now).unanswered == 0
    assert send_reminders(now=now + timedelta(hours=2)).unanswered == 1


@pytest.mark.parametrize("status", [RequestStatus.FILLED, RequestStatus.CANCELLED])
def test_no_unanswered_reminder_once_the_request_needs_nobody(coordinator, available_helper, status):
    request = make_request(coordinator, status=status)
    now = utcnow()
    sent_at(offer_to(request, available_helper(), sent_by_id=coordinator.id), now - timedelta(hours=60))
    assert send_reminders(now=now).unanswered == 0


def test_answered_offers_are_not_reminded_of(coordinator, available_helper):
    request = make_request(coordinator)
    now = utcnow()
    offer = offer_to(request, available_helper(), OfferStatus.DECLINED, sent_by_id=coordinator.id)
    sent_at(offer, now - timedelta(hours=60))
    assert send_reminders(now=now).unanswered == 0


# --- automatic follow-up ----------------------------------------------------------------------


def escalating_request(coordinator, *, after=24, limit=2, **fields) -> HelpRequest:
    return make_request(coordinator, escalate_after_hours=after, escalate_limit=limit, **fields)


def offered_ids(request: HelpRequest) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Offer.helper_id).where(Offer.request_id == request.id).order_by(Offer.id))
    )


def test_follow_up_asks_the_next_ranked_candidates_up_to_the_limit(coordinator, available_helper):
    helpers = [
        available_helper(languages=(("ar", level), ("de", Level.B2)))
        for level in (Level.NATIVE, Level.C2, Level.C1, Level.B2, Level.B1)
    ]
    request = escalating_request(coordinator, limit=2)
    ranked = [candidate.helper.id for candidate in match(request).candidates]
    assert set(ranked) == {helper.id for helper in helpers}
    first = next(helper for helper in helpers if helper.id == ranked[0])
    now = utcnow()
    sent_at(offer_to(request, first, sent_by_id=coordinator.id), now - timedelta(hours=25))

    [step] = escalate(now=now)
    assert step.offers_sent == 2
    # The next two of the request page's ranking, not the last ones.
    assert set(offered_ids(request)) == set(ranked[:3])
    new_offers = db.session.scalars(
        select(Offer).where(Offer.request_id == request.id, Offer.helper_id != first.id)
    )
    assert {offer.sent_by_id for offer in new_offers} == {coordinator.id}
    assert len(outbox("offer")) == 2  # the usual offer mails, through the outbox
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.followed_up"))
    assert (event.subject_id, event.actor_id) == (request.id, None)

    # Idempotent at the same moment, and the limit holds for good.
    assert escalate(now=now) == []
    assert escalate(now=now + timedelta(hours=30)) == []
    assert len(offered_ids(request)) == 3


def test_follow_up_waits_for_the_hours_set(coordinator, available_helper):
    available_helper()
    asked = available_helper()
    request = escalating_request(coordinator, after=24)
    now = utcnow()
    sent_at(offer_to(request, asked, sent_by_id=coordinator.id), now - timedelta(hours=23))
    assert escalate(now=now) == []
    assert len(escalate(now=now + timedelta(hours=2))) == 1


def test_a_second_step_follows_only_when_the_first_found_too_few(coordinator, available_helper):
    asked, second = available_helper(), available_helper()
    request = escalating_request(coordinator, after=10, limit=3)
    now = utcnow()
    sent_at(offer_to(request, asked, sent_by_id=coordinator.id), now - timedelta(hours=11))
    [step] = escalate(now=now)
    assert step.offers_sent == 1
    # Ten hours later nobody said yes; a new helper appeared meanwhile.
    third = available_helper()
    later = now + timedelta(hours=11)
    # The offer sent by the step counts as sent at the step's time.
    [step2] = escalate(now=later)
    assert step2.offers_sent == 1
    assert set(offered_ids(request)) == {asked.id, second.id, third.id}


def test_no_candidates_left_is_logged_once(client, auth, coordinator, available_helper):
    asked = available_helper()
    request = escalating_request(coordinator, after=1)
    now = utcnow()
    sent_at(offer_to(request, asked, sent_by_id=coordinator.id), now - timedelta(hours=2))
    [step] = escalate(now=now)
    assert step.offers_sent == 0
    assert escalate(now=now + timedelta(hours=5)) == []
    assert len(db.session.scalars(select(EscalationStep)).all()) == 1

    auth.login(coordinator.email)
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Automatisches Nachfassen" in html
    assert "keine weiteren Kandidat*innen" in html


def test_step_is_shown_on_the_request_page(client, auth, coordinator, available_helper):
    asked = available_helper()
    available_helper()
    request = escalating_request(coordinator)
    sent_at(offer_to(request, asked, sent_by_id=coordinator.id), utcnow() - timedelta(hours=30))
    escalate(now=utcnow())
    auth.login(coordinator.email)
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Automatisches Nachfassen" in html
    assert "eine weitere Person angefragt" in html


def test_nothing_while_a_yes_waits_for_confirmation(coordinator, available_helper):
    available_helper()
    request = escalating_request(coordinator)
    offer = offer_to(request, available_helper(), OfferStatus.ACCEPTED, sent_by_id=coordinator.id)
    sent_at(offer, utcnow() - timedelta(hours=30))
    assert escalate(now=utcnow()) == []


@pytest.mark.parametrize("status", [RequestStatus.FILLED, RequestStatus.CANCELLED, RequestStatus.DRAFT])
def test_nothing_for_requests_that_need_nobody(coordinator, available_helper, status):
    available_helper()
    request = escalating_request(coordinator, status=status)
    sent_at(offer_to(request, available_helper(), sent_by_id=coordinator.id), utcnow() - timedelta(hours=30))
    assert escalate(now=utcnow()) == []


def test_nothing_once_someone_is_confirmed(coordinator, available_helper):
    available_helper()
    request = escalating_request(coordinator)
    assignment_for(request, available_helper(), coordinator)
    assert refreshed(request).status == RequestStatus.FILLED
    assert escalate(now=utcnow() + timedelta(hours=30)) == []


def test_nothing_without_follow_up_switched_on(coordinator, available_helper):
    available_helper()
    request = make_request(coordinator)
    sent_at(offer_to(request, available_helper(), sent_by_id=coordinator.id), utcnow() - timedelta(hours=100))
    assert escalate(now=utcnow()) == []


def test_a_confirm_racing_the_follow_up_leaves_no_step(coordinator, available_helper, monkeypatch):
    """The request filled between planning and sending: send_offers refuses, the step is taken back."""
    from ki_match.offers import escalation

    available_helper()
    asked = available_helper()
    request = escalating_request(coordinator, fill_mode=FillMode.COORDINATOR_CONFIRMS)
    offer = sent_at(offer_to(request, asked, sent_by_id=coordinator.id), utcnow() - timedelta(hours=30))
    real_send = escalation.send_offers

    def confirm_first(request_id, helper_ids, sender):
        accepted = db.session.get(Offer, offer.id)
        accepted.status = OfferStatus.ACCEPTED
        db.session.commit()
        confirm_offer(offer.id, coordinator)
        return real_send(request_id, helper_ids, sender)

    monkeypatch.setattr(escalation, "send_offers", confirm_first)
    assert escalate(now=utcnow()) == []
    assert db.session.scalars(select(EscalationStep)).all() == []
    assert offered_ids(request) == [asked.id]


def test_escalate_command(app, coordinator, available_helper):
    available_helper()
    request = escalating_request(coordinator)
    sent_at(offer_to(request, available_helper(), sent_by_id=coordinator.id), utcnow() - timedelta(hours=30))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["requests", "escalate"])
    second = runner.invoke(args=["requests", "escalate"])
    assert first.exit_code == 0, first.output
    assert "followed up 1 request(s), offers sent 1" in first.output
    assert "followed up 0 request(s)" in second.output


# --- the request form -------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "kind": "accompaniment",
        "language_id": str(language("ar").id),
        "min_level": "4",
        "topic_id": "0",
        "day": next_tuesday().isoformat(),
        "start": "10:00",
        "duration_minutes": "90",
        "town_id": str(town("Brakel").id),
        "client_ref": "Familie A-17",
        "organisation_id": "0",
        "gender_pref": "",
        "helpers_needed": "1",
        "fill_mode": "confirm",
        "intent": "open",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def newest_request() -> HelpRequest:
    db.session.expire_all()
    return db.session.scalar(select(HelpRequest).order_by(HelpRequest.id.desc()).limit(1))


@pytest.fixture
def logged_in_coordinator(login_as):
    return login_as(Role.COORDINATOR)


def test_form_shows_the_follow_up_fieldset_off_by_default(client, logged_in_coordinator):
    html = client.get("/requests/new").get_data(as_text=True)
    assert "Automatisch nachfassen" in html
    assert 'name="escalates"' in html and 'name="escalates" checked' not in html


def test_follow_up_settings_are_saved(client, logged_in_coordinator):
    response = client.post(
        "/requests/new", data=form_data(escalates="y", escalate_after_hours="12", escalate_limit="4")
    )
    assert response.status_code == 303
    created = newest_request()
    assert (created.escalate_after_hours, created.escalate_limit) == (12, 4)
    edit = client.get(f"/requests/{created.id}/edit").get_data(as_text=True)
    assert 'id="escalates" name="escalates" type="checkbox" value="y"' in edit and "checked" in edit
    html = client.get(f"/requests/{created.id}").get_data(as_text=True)
    assert "höchstens 4 weitere Personen" in html


def test_follow_up_values_are_ignored_while_switched_off(client, logged_in_coordinator):
    response = client.post("/requests/new", data=form_data(escalate_after_hours="0", escalate_limit="99"))
    assert response.status_code == 303
    created = newest_request()
    assert created.escalate_after_hours is None and created.escalate_limit is None


@pytest.mark.parametrize(
    ("after", "limit", "field", "message"),
    [
        ("0", "3", "escalate_after_hours", "Bitte eine Zahl von 1 bis 720 Stunden angeben."),
        ("", "3", "escalate_after_hours", "Bitte angeben, nach wie vielen Stunden nachgefasst wird."),
        ("24", "0", "escalate_limit", "Bitte eine Zahl von 1 bis 20 angeben."),
        ("24", "21", "escalate_limit", "Bitte eine Zahl von 1 bis 20 angeben."),
        ("24", "", "escalate_limit", "Bitte angeben, wie viele Personen höchstens angefragt werden."),
    ],
)
def test_follow_up_settings_are_checked_next_to_their_fields(
    client, logged_in_coordinator, after, limit, field, message
):
    response = client.post(
        "/requests/new", data=form_data(escalates="y", escalate_after_hours=after, escalate_limit=limit)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html
    assert db.session.scalar(select(HelpRequest.id)) is None


def test_inline_validation_reports_follow_up_errors_out_of_band(client, logged_in_coordinator):
    response = client.post(
        "/requests/validate",
        data=form_data(escalates="y", escalate_after_hours="24", escalate_limit="30"),
        headers=htmx_headers("form-feedback"),
    )
    html = response.get_data(as_text=True)
    assert 'id="escalate_limit-error" hx-swap-oob="true">Bitte eine Zahl von 1 bis 20 angeben.' in html


# --- two runs at once -------------------------------------------------------------------------


def test_two_reminder_runs_at_once_send_each_reminder_once(app, coordinator, available_helper):
    assignment = assignment_for(make_request(coordinator), available_helper(), coordinator)
    now = assignment.starts_at - timedelta(hours=2)
    results = race(app, [lambda: send_reminders(now=now).assignments] * 2)
    assert sorted(results) == [0, 1]
    assert len(outbox("assignment_reminder")) == 1


def test_two_follow_up_runs_at_once_take_one_step(app, coordinator, available_helper):
    for _ in range(3):
        available_helper()
    asked = available_helper()
    request = escalating_request(coordinator, limit=2)
    sent_at(offer_to(request, asked, sent_by_id=coordinator.id), utcnow() - timedelta(hours=30))
    now = utcnow()
    results = race(app, [lambda: len(escalate(now=now))] * 2)
    assert sorted(results) == [0, 1]
    assert len(db.session.scalars(select(EscalationStep)).all()) == 1
    assert len(offered_ids(request)) == 3
