"""My assignments: the lists, the detail page with the exact place, withdrawing, and reporting hours."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.assignments.services import report_hours, reportable, withdraw_assignment, withdrawable
from ki_match.audit.models import AuditEvent
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.factories import (
    CLIENT_REF,
    PASSWORD,
    PLACE,
    assignment_for,
    make_request,
    move_into_past,
    offer_to,
    set_status,
)
from tests.support import htmx_headers, outbox

NOTE_HINT = "Bitte keine persönlichen oder vertraulichen Angaben – nur, was für die Abrechnung wichtig ist."


@pytest.fixture
def amina(create_helper, auth):
    profile = create_helper(home="Höxter")
    assert auth.login(profile.user.email).status_code == 303
    return profile


@pytest.fixture
def confirmed(amina, coordinator):
    return assignment_for(make_request(created_by=coordinator), amina, coordinator)


@pytest.fixture
def done(confirmed):
    return move_into_past(confirmed)


# --- the lists ------------------------------------------------------------------------------


def test_upcoming_and_past_assignments(client, amina, coordinator):
    soon = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(days=2)), amina, coordinator
    )
    later = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(days=9)), amina, coordinator
    )
    written = assignment_for(
        make_request(
            created_by=coordinator,
            kind=RequestKind.WRITTEN,
            starts_in=None,
            where=None,
            due_on=date.today() + timedelta(days=5),
        ),
        amina,
        coordinator,
    )
    to_report = move_into_past(
        assignment_for(
            make_request(created_by=coordinator, starts_in=timedelta(days=20)), amina, coordinator
        ),
        2,
    )
    reported = move_into_past(
        assignment_for(
            make_request(created_by=coordinator, starts_in=timedelta(days=21)), amina, coordinator
        ),
        5,
    )
    report_hours(reported, amina.user, minutes=60, travel_km=4, note=None)
    withdrawn = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(days=30)), amina, coordinator
    )
    withdraw_assignment(withdrawn.id, amina.user, "krank")
    cancelled = set_status(
        assignment_for(
            make_request(created_by=coordinator, starts_in=timedelta(days=31)), amina, coordinator
        ),
        AssignmentStatus.CANCELLED,
    )
    no_show = set_status(
        move_into_past(
            assignment_for(
                make_request(created_by=coordinator, starts_in=timedelta(days=32)), amina, coordinator
            ),
            9,
        ),
        AssignmentStatus.NO_SHOW,
    )

    waiting = offer_to(
        make_request(created_by=coordinator, starts_in=timedelta(days=4)), amina, OfferStatus.ACCEPTED
    )

    body = client.get("/assignments").get_data(as_text=True)
    upcoming, rest = body.split('id="waiting-heading"')
    waiting_part, rest = rest.split('id="called-off-heading"')
    called_off, past = rest.split('id="past-heading"')
    assert "Kommende Einsätze (3)" in upcoming
    positions = [upcoming.index(f'/assignments/{a.id}"') for a in (soon, later)]
    assert positions == sorted(positions)
    assert f'/assignments/{written.id}"' in upcoming and "fertig bis" in upcoming
    assert "Bestätigt – der Einsatz ist Ihrer." in upcoming
    # said yes, not confirmed yet: waiting, and it leads to the offer in the inbox
    assert f'/inbox#offer-card-{waiting.id}"' in waiting_part
    assert "das Integrationszentrum bestätigt noch" in waiting_part
    # given back or called off, but still ahead: never among the past ones
    for assignment in (withdrawn, cancelled):
        assert f'/assignments/{assignment.id}"' in called_off
    assert "Von Ihnen abgesagt." in called_off and "Vom Integrationszentrum abgesagt." in called_off
    assert "Bestätigt" not in called_off
    for assignment in (to_report, reported, no_show):
        assert f'/assignments/{assignment.id}"' in past
    assert past.index(f'/assignments/{to_report.id}"') < past.index(f'/assignments/{reported.id}"')
    assert "bitte melden Sie nach dem Einsatz Ihre Stunden" in past
    assert "Stunden gemeldet, das Integrationszentrum prüft sie" in past
    assert "nicht erschienen" in past
    assert "Brakel" in upcoming
    # the lists never show where exactly or for whom
    assert PLACE not in body and CLIENT_REF not in body


def test_lists_are_only_the_helpers_own(client, amina, coordinator, create_helper):
    other = create_helper()
    theirs = assignment_for(make_request(created_by=coordinator), other, coordinator)
    body = client.get("/assignments").get_data(as_text=True)
    assert f'/assignments/{theirs.id}"' not in body
    assert "Kommende Einsätze (0)" in body


# --- the detail page ------------------------------------------------------------------------


def test_confirmed_assignment_shows_the_exact_place_and_is_audited(client, confirmed):
    response = client.get(f"/assignments/{confirmed.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert PLACE in body and CLIENT_REF in body
    assert 'id="withdraw-form"' in body
    assert 'id="report-form"' not in body  # not before the assignment
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "assignment.viewed", AuditEvent.subject_id == confirmed.id
        )
    )
    assert event is not None and event.actor_id == confirmed.helper.user_id


@pytest.mark.parametrize(
    "status", [AssignmentStatus.WITHDRAWN, AssignmentStatus.CANCELLED, AssignmentStatus.NO_SHOW]
)
def test_no_exact_place_once_the_assignment_is_off(client, confirmed, status):
    set_status(confirmed, status)
    body = client.get(f"/assignments/{confirmed.id}").get_data(as_text=True)
    assert "Brakel" in body
    assert PLACE not in body and CLIENT_REF not in body
    assert 'id="withdraw-form"' not in body and 'id="report-form"' not in body


def test_calendar_link_only_for_a_confirmed_assignment(client, create_helper, coordinator):
    profile = create_helper()
    assignment = assignment_for(make_request(created_by=coordinator), profile, coordinator)
    later = make_request(created_by=coordinator, starts_in=timedelta(days=5))
    withdrawn = assignment_for(later, profile, coordinator)
    withdraw_assignment(withdrawn.id, profile.user, "krank")
    assert client.post("/login", data={"email": profile.user.email, "password": PASSWORD}).status_code == 303

    assert ".ics herunterladen" not in client.get(f"/assignments/{withdrawn.id}").get_data(as_text=True)
    body = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert ".ics herunterladen" in body
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\.ics herunterladen', body)
    assert link and str(assignment.id) in link.group(1)


def test_another_helpers_assignment_is_not_found(client, amina, coordinator, create_helper):
    other = create_helper()
    theirs = assignment_for(make_request(created_by=coordinator), other, coordinator)
    assert client.get(f"/assignments/{theirs.id}").status_code == 404
    assert client.post(f"/assignments/{theirs.id}/withdraw", data={"reason": "x"}).status_code == 404
    assert (
        client.post(f"/assignments/{theirs.id}/report", data={"hours": 1, "travel_km": 0}).status_code == 404
    )
    assert client.get("/assignments/999999").status_code == 404
    assert db.session.get(Assignment, theirs.id).status == AssignmentStatus.CONFIRMED


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_only_helpers_have_assignments(client, login_as, create_helper, coordinator, role):
    assignment = assignment_for(make_request(created_by=coordinator), create_helper(), coordinator)
    login_as(role)
    assert client.get("/assignments").status_code == 403
    assert client.get(f"/assignments/{assignment.id}").status_code == 403
    assert client.post(f"/assignments/{assignment.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"/assignments/{assignment.id}/report", data={"hours": 1}).status_code == 403
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.CONFIRMED


def test_anonymous_visitors_are_sent_to_the_login(client, create_helper, coordinator):
    assignment = assignment_for(make_request(created_by=coordinator), create_helper(), coordinator)
    for response in (
        client.get("/assignments"),
        client.get(f"/assignments/{assignment.id}"),
        client.post(f"/assignments/{assignment.id}/withdraw", data={"reason": "x"}),
    ):
        assert response.status_code == 303 and "/login" in response.headers["Location"]


# --- withdrawing ----------------------------------------------------------------------------


def test_withdraw_needs_a_reason_and_keeps_what_was_typed(client, confirmed):
    response = client.post(
        f"/assignments/{confirmed.id}/withdraw", data={"reason": "   "}, headers=htmx_headers("withdraw-form")
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.lstrip().startswith('<form id="withdraw-form"')
    assert "Bitte schreiben Sie kurz, warum Sie absagen." in body and 'aria-invalid="true"' in body

    too_long = "Mein Auto ist kaputt " + "z" * 300
    response = client.post(f"/assignments/{confirmed.id}/withdraw", data={"reason": too_long})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<h1" in body and too_long in body and "höchstens 300 Zeichen" in body
    assert db.session.get(Assignment, confirmed.id).status == AssignmentStatus.CONFIRMED


def test_withdraw_frees_the_seat_reopens_the_request_and_tells_the_coordinator(
    client, confirmed, coordinator
):
    request_id = confirmed.request_id
    assert db.session.get(HelpRequest, request_id).status == RequestStatus.FILLED
    response = client.post(f"/assignments/{confirmed.id}/withdraw", data={"reason": "Mein Kind ist krank"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/assignments")
    assignment = db.session.get(Assignment, confirmed.id)
    assert (assignment.status, assignment.withdraw_reason) == (
        AssignmentStatus.WITHDRAWN,
        "Mein Kind ist krank",
    )
    assert db.session.get(HelpRequest, request_id).status == RequestStatus.OPEN
    assert outbox("assignment_withdrawn", to=coordinator.email)
    page = client.get("/assignments").get_data(as_text=True)
    assert "Sie haben den Einsatz abgesagt" in page


def test_a_late_withdrawal_goes_to_every_coordinator_at_once(client, amina, coordinator, create_user):
    """Under 48 hours to go: the page says so first, and every coordinator of the KI hears of it
    (the one responsible for the request, and the others)."""
    colleague = create_user(Role.COORDINATOR)
    soon = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(hours=30)), amina, coordinator
    )
    page = client.get(f"/assignments/{soon.id}").get_data(as_text=True)
    assert "weniger als 48 Stunden" in page

    client.post(f"/assignments/{soon.id}/withdraw", data={"reason": "Bus fällt aus"})
    mails = outbox("assignment_withdrawn")
    assert {mail.to_address for mail in mails} == {coordinator.email, colleague.email}
    assert all("Kurzfristige Absage" in mail.subject for mail in mails)
    assert "Kurzfristige Absage: Der Einsatz beginnt in weniger als 48 Stunden." in mails[0].body_text


def test_a_withdrawal_in_good_time_goes_to_the_coordinator_responsible(
    client, amina, coordinator, create_user
):
    create_user(Role.COORDINATOR)
    later = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(days=5)), amina, coordinator
    )
    assert "weniger als 48 Stunden" not in client.get(f"/assignments/{later.id}").get_data(as_text=True)
    client.post(f"/assignments/{later.id}/withdraw", data={"reason": "Termin"})
    mails = outbox("assignment_withdrawn")
    assert [mail.to_address for mail in mails] == [coordinator.email]
    assert "Kurzfristig" not in mails[0].subject + mails[0].body_text


def test_withdraw_with_htmx_navigates_to_the_list(client, confirmed):
    response = client.post(
        f"/assignments/{confirmed.id}/withdraw",
        data={"reason": "Termin"},
        headers=htmx_headers("withdraw-form"),
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/assignments")


def test_no_withdrawing_once_it_has_begun(client, done):
    body = client.get(f"/assignments/{done.id}").get_data(as_text=True)
    assert 'id="withdraw-form"' not in body
    response = client.post(
        f"/assignments/{done.id}/withdraw", data={"reason": "zu spät"}, follow_redirects=True
    )
    assert "Der Einsatz hat schon begonnen" in response.get_data(as_text=True)
    assert db.session.get(Assignment, done.id).status == AssignmentStatus.CONFIRMED


# --- reporting hours ------------------------------------------------------------------------


def test_report_form_after_the_assignment_with_the_privacy_hint(client, done):
    body = client.get(f"/assignments/{done.id}").get_data(as_text=True)
    assert 'id="report-form"' in body and "Stunden melden" in body
    assert NOTE_HINT in body
    assert "Geplant waren etwa 90 Minuten" in body


def test_no_hours_before_the_assignment(client, confirmed):
    response = client.post(
        f"/assignments/{confirmed.id}/report",
        data={"hours": 1, "minutes": 30, "travel_km": 12},
        follow_redirects=True,
    )
    assert "Stunden können erst nach dem Einsatz gemeldet werden." in response.get_data(as_text=True)
    assert db.session.get(Assignment, confirmed.id).reported_at is None


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"hours": "", "minutes": "", "travel_km": "12"}, "minutes", "wie lange der Einsatz gedauert hat"),
        ({"hours": "0", "minutes": "0", "travel_km": "12"}, "minutes", "wie lange der Einsatz gedauert hat"),
        ({"hours": "25", "minutes": "", "travel_km": "12"}, "hours", "von 0 bis 24"),
        ({"hours": "24", "minutes": "30", "travel_km": "12"}, "minutes", "höchstens 24 Stunden"),
        ({"hours": "eins", "minutes": "", "travel_km": "12"}, "hours", ""),
        ({"hours": "1", "minutes": "", "travel_km": ""}, "travel_km", "0, wenn Sie nicht gefahren sind"),
        ({"hours": "1", "minutes": "", "travel_km": "-3"}, "travel_km", "von 0 bis 1000"),
        ({"hours": "1", "minutes": "", "travel_km": "3", "note": "n" * 501}, "note", "höchstens 500 Zeichen"),
    ],
)
def test_invalid_report_is_422_with_the_values_kept(client, done, data, field, message):
    response = client.post(f"/assignments/{done.id}/report", data=data, headers=htmx_headers("report-form"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.lstrip().startswith('<form id="report-form"')
    tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*>', body)
    assert tag and 'aria-invalid="true"' in tag.group(0)
    assert f'id="{field}-error"' in body
    assert message in body
    for value in data.values():
        if value:
            assert value in body
    assert db.session.get(Assignment, done.id).reported_at is None


def test_invalid_report_without_javascript_is_the_whole_page(client, done):
    response = client.post(f"/assignments/{done.id}/report", data={"hours": "2", "travel_km": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<h1" in body and PLACE in body
    assert 'name="hours"' in body and 'value="2"' in body


@pytest.mark.parametrize(
    "data, minutes",
    [({"hours": "1", "minutes": "30"}, 90), ({"minutes": "90"}, 90), ({"hours": "2"}, 120)],
)
def test_report_hours_as_minutes_or_hours_and_minutes(client, done, data, minutes):
    response = client.post(
        f"/assignments/{done.id}/report", data={**data, "travel_km": "18", "note": " Parkticket 3 € "}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/assignments/{done.id}")
    assignment = db.session.get(Assignment, done.id)
    assert (assignment.actual_minutes, assignment.travel_km, assignment.report_note) == (
        minutes,
        18,
        "Parkticket 3 €",
    )
    assert assignment.status == AssignmentStatus.COMPLETED and assignment.reported_at is not None
    page = client.get(f"/assignments/{done.id}").get_data(as_text=True)
    assert "Danke! Ihre Angaben sind gespeichert." in page
    assert "noch nicht – Sie können die Angaben bis dahin ändern" in page


def test_report_can_be_changed_until_approved(client, done, coordinator):
    client.post(f"/assignments/{done.id}/report", data={"hours": "1", "minutes": "30", "travel_km": "18"})
    page = client.get(f"/assignments/{done.id}").get_data(as_text=True)
    assert "Stunden ändern" in page
    form = page.split('id="report-form"')[1].split("</form>")[0]
    assert re.search(r'name="hours"[^>]*value="1"|value="1"[^>]*name="hours"', form)
    assert re.search(r'name="minutes"[^>]*value="30"|value="30"[^>]*name="minutes"', form)

    client.post(f"/assignments/{done.id}/report", data={"hours": "2", "travel_km": "20"})
    assert db.session.get(Assignment, done.id).actual_minutes == 120

    assignment = db.session.get(Assignment, done.id)
    assignment.approved_at = utcnow()
    assignment.approved_by_id = coordinator.id
    db.session.commit()
    page = client.get(f"/assignments/{done.id}").get_data(as_text=True)
    assert 'id="report-form"' not in page
    assert "Stunden bestätigt am" in page and "ja, am" in page
    response = client.post(
        f"/assignments/{done.id}/report", data={"hours": "5", "travel_km": "99"}, follow_redirects=True
    )
    assert "schon bestätigt" in response.get_data(as_text=True)
    assert db.session.get(Assignment, done.id).actual_minutes == 120


# --- the rules behind the forms -------------------------------------------------------------


def test_withdrawable_and_reportable_follow_the_clock_and_the_status(confirmed, coordinator):
    assert withdrawable(confirmed) and not reportable(confirmed)
    move_into_past(confirmed)
    assert not withdrawable(confirmed) and reportable(confirmed)
    confirmed.approved_at = utcnow()
    assert not reportable(confirmed)
    confirmed.approved_at = None
    for status in (AssignmentStatus.WITHDRAWN, AssignmentStatus.CANCELLED, AssignmentStatus.NO_SHOW):
        confirmed.status = status
        assert not withdrawable(confirmed) and not reportable(confirmed)
    db.session.rollback()
