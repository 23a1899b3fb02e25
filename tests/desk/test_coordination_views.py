"""The coordinator's side on the request page: sending offers, the offers block and its actions,
the lifecycle forms, and the approvals list. Every route and partial, with and without htmx."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.assignments.services import report_hours
from ki_match.audit.models import AuditEvent
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.offers.confirming import confirm_offer
from ki_match.requests import lifecycle
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.factories import assignment_for, make_helper, make_request, move_into_past, offer_to, other_ki
from tests.support import htmx_headers, outbox, regions

OFFERS = htmx_headers("offers")
LIFECYCLE = htmx_headers("request-lifecycle")


def body(response) -> str:
    return response.get_data(as_text=True)


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


@pytest.fixture
def coordinator(coordinator, auth):
    """Logged in with the test client: the tests here work at the coordinator's desk."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def staff(coordinator):
    return db.session.get(User, coordinator.id)


@pytest.fixture
def helper(create_helper):
    return partial(create_helper, consented=True)


@pytest.fixture
def elsewhere(ki):
    """A request, an offer and an assignment of another KI: they do not exist for this KI's staff."""
    other = other_ki()
    profile = make_helper(ki=other, email="fremd@example.org", display_name="Fremd", home=None, languages=())
    request = make_request(ki=other, where=None, kind=RequestKind.REMOTE)
    offer = offer_to(request, profile, OfferStatus.ACCEPTED)
    past = make_request(ki=other, where=None, kind=RequestKind.REMOTE, starts_in=timedelta(days=5))
    assignment = Assignment(
        request_id=past.id,
        helper_id=profile.id,
        seat=1,
        starts_at=utcnow() - timedelta(days=1),
        ends_at=utcnow() - timedelta(hours=23),
        reported_at=utcnow(),
        actual_minutes=60,
        travel_km=0,
        status=AssignmentStatus.COMPLETED,
    )
    db.session.add(assignment)
    db.session.commit()
    return {"request": request, "offer": offer, "assignment": assignment}


# --- the request page shows our blocks ------------------------------------------------------


def test_request_page_has_the_offers_block_and_the_lifecycle_forms(client, coordinator, helper):
    request = make_request()
    amina = helper(display_name="Amina Haddad")
    offer_to(request, amina)
    page = body(client.get(f"/requests/{request.id}"))
    assert 'id="offers"' in page and "Angefragte Helfende" in page
    assert "Amina Haddad" in page and "wartet auf Antwort" in page
    # polls only the block while an answer is outstanding
    assert f'hx-get="/requests/{request.id}/offers" hx-trigger="every 20s"' in page
    assert f'action="/requests/{request.id}/offers"' in page  # the candidate form posts to offers.send
    assert 'hx-target="#offers"' in page
    assert "Termin verschieben" in page and "Anfrage absagen" in page
    assert 'id="reschedule-day"' in page and 'id="cancel-reason"' in page


def test_offers_block_does_not_poll_without_pending_answers(client, coordinator, helper):
    request = make_request()
    offer_to(request, helper(), OfferStatus.DECLINED, decline_reason="Bin im Urlaub")
    page = body(client.get(f"/requests/{request.id}"))
    assert "every 20s" not in page
    assert "abgelehnt" in page and "Grund: <bdi>Bin im Urlaub</bdi>" in page


def test_offers_partial_and_its_page_fallback(client, coordinator, helper):
    request = make_request()
    offer_to(request, helper(display_name="Amina Haddad"), OfferStatus.ACCEPTED)
    response = client.get(f"/requests/{request.id}/offers", headers=OFFERS)
    fragment = body(response)
    assert response.status_code == 200
    # the block first, then the page's other state regions out of band; never the whole page
    assert fragment.lstrip().startswith('<section id="offers"') and "<html" not in fragment
    assert not regions(fragment)["offers"].oob and regions(fragment)["request-head"].oob
    assert "zugesagt" in fragment and "Bestätigen" in fragment
    without_js = client.get(f"/requests/{request.id}/offers")
    assert without_js.status_code == 303
    assert without_js.headers["Location"] == f"/requests/{request.id}#offers"


# --- sending offers -------------------------------------------------------------------------


def test_send_offers_with_htmx_swaps_the_offers_block(client, coordinator, helper):
    request = make_request()
    amina, bilal = helper(display_name="Amina Haddad"), helper(display_name="Bilal Omar")
    response = client.post(
        f"/requests/{request.id}/offers", data={"helper_ids": [amina.id, bilal.id]}, headers=OFFERS
    )
    fragment = body(response)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "offers-changed"
    assert 'role="status"' in fragment and "Anfragen verschickt an Amina Haddad, Bilal Omar." in fragment
    assert fragment.count("wartet auf Antwort") == 2
    assert "every 20s" in fragment
    assert fresh(HelpRequest, request.id).status == RequestStatus.OFFERED
    assert outbox("offer", to=amina.user.email)
    offer = db.session.scalar(select(Offer).where(Offer.helper_id == amina.id))
    assert offer.sent_by_id == coordinator.id


def test_send_offers_without_js_redirects_with_a_flash(client, coordinator, helper):
    request = make_request()
    amina = helper(display_name="Amina Haddad")
    response = client.post(f"/requests/{request.id}/offers", data={"helper_ids": [str(amina.id)]})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/requests/{request.id}#offers"
    page = body(client.get(response.headers["Location"]))
    assert "Anfrage an Amina Haddad verschickt." in page


def test_send_offers_reports_who_was_skipped(client, coordinator, helper, create_helper):
    request = make_request()
    asked, unapproved = helper(display_name="Amina Haddad"), helper(display_name="Nour Neu", approved=False)
    offer_to(request, asked)
    response = client.post(
        f"/requests/{request.id}/offers", data={"helper_ids": [asked.id, unapproved.id]}, headers=OFFERS
    )
    fragment = body(response)
    assert response.status_code == 200
    assert "Schon angefragt, nicht noch einmal: Amina Haddad." in fragment
    assert "keine Anfragen bekommen dürfen: Nour Neu." in fragment
    assert "HX-Trigger" not in response.headers


def test_send_offers_with_nobody_ticked_is_422(client, coordinator):
    request = make_request()
    response = client.post(f"/requests/{request.id}/offers", data={}, headers=OFFERS)
    assert response.status_code == 422
    assert "mindestens eine Person" in body(response)
    page = client.post(f"/requests/{request.id}/offers", data={})
    assert page.status_code == 422
    assert "<h1>" in body(page) and "mindestens eine Person" in body(page)


def test_send_offers_for_a_filled_request_is_409(client, coordinator, helper):
    request = make_request(status=RequestStatus.FILLED)
    response = client.post(
        f"/requests/{request.id}/offers", data={"helper_ids": [helper().id]}, headers=OFFERS
    )
    assert response.status_code == 409
    assert "keine Helfenden mehr" in body(response)
    assert db.session.scalar(select(Offer).where(Offer.request_id == request.id)) is None


# --- confirm and withdraw -------------------------------------------------------------------


def test_confirm_swaps_the_block_and_withdraws_the_other_offers(client, coordinator, helper):
    request = make_request()
    amina, bilal = helper(display_name="Amina Haddad"), helper(display_name="Bilal Omar")
    first = offer_to(request, amina, OfferStatus.ACCEPTED)
    second = offer_to(request, bilal)
    response = client.post(f"/requests/offers/{first.id}/confirm", headers=OFFERS)
    fragment = body(response)
    assert response.status_code == 200
    assert "Amina Haddad ist bestätigt." in fragment
    assert "bestätigt am" in fragment and "zurückgezogen" in fragment
    assert "every 20s" not in fragment  # nothing left to wait for
    assert fresh(Offer, second.id).status == OfferStatus.WITHDRAWN
    assert fresh(HelpRequest, request.id).status == RequestStatus.FILLED
    assert outbox("assignment_confirmed", to=amina.user.email)


def test_confirm_that_lost_the_race_is_a_409_fragment_with_the_reason(
    client, coordinator, helper, create_user
):
    request = make_request()
    first = offer_to(request, helper(), OfferStatus.ACCEPTED)
    second = offer_to(request, helper(), OfferStatus.ACCEPTED)
    confirm_offer(first.id, create_user(Role.COORDINATOR))  # the other coordinator was faster
    response = client.post(f"/requests/offers/{second.id}/confirm", headers=OFFERS)
    fragment = body(response)
    assert response.status_code == 409
    assert "<html" not in fragment and 'id="offers"' in fragment
    assert "besetzt</p>" in regions(fragment)["request-head"].html  # the true state beside the reason
    assert 'role="status"' in fragment and "inzwischen besetzt" in fragment
    assert "offer-state-error" in fragment
    # without JavaScript: back to the page, with the reason
    response = client.post(f"/requests/offers/{second.id}/confirm")
    assert response.status_code == 303
    assert "inzwischen besetzt" in body(client.get(response.headers["Location"]))


def test_withdraw_an_offer(client, coordinator, helper):
    request = make_request()
    amina = helper(display_name="Amina Haddad")
    offer = offer_to(request, amina)
    response = client.post(f"/requests/offers/{offer.id}/withdraw", headers=OFFERS)
    assert response.status_code == 200
    assert "Die Anfrage an Amina Haddad ist zurückgezogen." in body(response)
    assert fresh(Offer, offer.id).status == OfferStatus.WITHDRAWN
    assert outbox("offer_withdrawn", to=amina.user.email)
    again = client.post(f"/requests/offers/{offer.id}/withdraw", headers=OFFERS)
    assert again.status_code == 409 and "schon beendet" in body(again)
    assert client.post(f"/requests/offers/{offer.id}/withdraw").status_code == 303


# --- no-show and approving hours -----------------------------------------------------------


def test_no_show_and_approve_from_the_offers_block(client, coordinator, staff, helper):
    amina, bilal = helper(display_name="Amina Haddad"), helper(display_name="Bilal Omar")
    request = make_request(needed=2)
    gone = move_into_past(assignment_for(request, amina, staff))
    came = move_into_past(assignment_for(request, bilal, staff))
    report_hours(fresh(Assignment, came.id), bilal.user, minutes=75, travel_km=8, note=None)
    page = body(client.get(f"/requests/{request.id}"))
    assert (
        "Nicht erschienen" in page and "Gemeldet: 75 Minuten, 8 km" in page and "Stunden bestätigen" in page
    )

    response = client.post(f"/requests/assignments/{gone.id}/no-show", headers=OFFERS)
    assert response.status_code == 200 and "Vermerkt: Amina Haddad ist nicht erschienen." in body(response)
    assert fresh(Assignment, gone.id).status == AssignmentStatus.NO_SHOW

    response = client.post(f"/requests/assignments/{came.id}/approve", headers=OFFERS)
    assert response.status_code == 200 and "Die Angaben von Bilal Omar sind bestätigt." in body(response)
    assert fresh(Assignment, came.id).approved_by_id == coordinator.id

    refused = client.post(f"/requests/assignments/{came.id}/no-show", headers=OFFERS)
    assert refused.status_code == 409 and "schon Stunden gemeldet" in body(refused)


def test_approvals_list_and_approving_there(client, coordinator, staff, helper):
    amina = helper(display_name="Amina Haddad")
    assignment = move_into_past(assignment_for(make_request(), amina, staff))
    report_hours(fresh(Assignment, assignment.id), amina.user, minutes=95, travel_km=14, note="Bus")
    page = body(client.get("/requests/approvals"))
    assert "Amina Haddad" in page and ">95<" in page and ">14 km<" in page and "Bus" in page
    response = client.post(
        f"/requests/assignments/{assignment.id}/approve",
        data={"back": "approvals"},
        headers=htmx_headers("approval-list"),
    )
    fragment = body(response)
    assert response.status_code == 200
    assert "<h1" not in fragment and 'role="status"' in fragment
    assert "Die Angaben von Amina Haddad sind bestätigt." in fragment
    assert "Nichts zu bestätigen" in fragment
    again = client.post(
        f"/requests/assignments/{assignment.id}/approve",
        data={"back": "approvals"},
        headers=htmx_headers("approval-list"),
    )
    assert again.status_code == 409 and "schon bestätigt" in body(again)
    no_js = client.post(f"/requests/assignments/{assignment.id}/approve", data={"back": "approvals"})
    assert no_js.status_code == 303 and no_js.headers["Location"] == "/requests/approvals"


def test_dashboard_links_the_hours_figure_to_the_approvals(client, coordinator):
    page = body(client.get("/"))
    assert 'href="/requests/approvals"' in page


# --- the lifecycle forms --------------------------------------------------------------------


def _local(instant: datetime) -> tuple[str, str]:
    local = instant.astimezone(BERLIN)
    return local.date().isoformat(), local.strftime("%H:%M")


def test_reschedule_moves_the_request_and_tells_the_helpers(client, coordinator, staff, helper):
    amina = helper()
    request = make_request()
    assignment = assignment_for(request, amina, staff)
    new_start = fresh(HelpRequest, request.id).starts_at + timedelta(days=1, hours=1)
    day, clock = _local(new_start)
    response = client.post(
        f"/requests/{request.id}/reschedule",
        data={"reschedule-day": day, "reschedule-start": clock, "reschedule-duration_minutes": "45"},
        headers=LIFECYCLE,
    )
    assert response.status_code == 200
    assert "neue Termin ist gespeichert" in regions(body(response))["request-lifecycle"].html
    moved = fresh(HelpRequest, request.id)
    assert (moved.starts_at, moved.duration_minutes) == (new_start, 45)
    assert fresh(Assignment, assignment.id).starts_at == new_start
    assert outbox("request_rescheduled", to=amina.user.email)
    # without JavaScript: back to the page, which says so
    day, clock = _local(new_start + timedelta(hours=1))
    response = client.post(
        f"/requests/{request.id}/reschedule",
        data={"reschedule-day": day, "reschedule-start": clock, "reschedule-duration_minutes": "45"},
    )
    assert response.status_code == 303
    assert "neue Termin ist gespeichert" in body(client.get(response.headers["Location"]))


def test_reschedule_form_errors_are_422_next_to_the_fields(client, coordinator):
    request = make_request()
    yesterday = (utcnow().astimezone(BERLIN).date() - timedelta(days=1)).isoformat()
    for headers in (LIFECYCLE, {}):
        response = client.post(
            f"/requests/{request.id}/reschedule",
            data={"reschedule-day": yesterday, "reschedule-start": "", "reschedule-duration_minutes": "5"},
            headers=headers,
        )
        page = body(response)
        assert response.status_code == 422
        assert "Vergangenheit" in page and "Bitte geben Sie die Uhrzeit an." in page and "720 Minuten" in page
        assert f'value="{yesterday}"' in page and 'value="5"' in page
        assert 'id="reschedule" class="explain" open' in page
        assert ("<html" in page) == (not headers)
    assert fresh(HelpRequest, request.id).duration_minutes == 90


def test_reschedule_refuses_a_time_the_clocks_skip(client, coordinator):
    request = make_request()
    year = utcnow().astimezone(BERLIN).year + 1
    last_sunday_of_march = max(
        date(year, 3, day) for day in range(25, 32) if date(year, 3, day).weekday() == 6
    )
    response = client.post(
        f"/requests/{request.id}/reschedule",
        data={
            "reschedule-day": last_sunday_of_march.isoformat(),
            "reschedule-start": "02:30",
            "reschedule-duration_minutes": "60",
        },
        headers=LIFECYCLE,
    )
    assert response.status_code == 422
    assert "Diese Uhrzeit gibt es am" in body(response)


def test_reschedule_clash_is_409_naming_the_helper_with_values_kept(client, coordinator, staff, helper):
    amina = helper(display_name="Amina Haddad")
    request = make_request()
    assignment_for(request, amina, staff)
    other = make_request(starts_in=timedelta(days=6))
    assignment_for(other, amina, staff)
    day, clock = _local(fresh(HelpRequest, other.id).starts_at)
    response = client.post(
        f"/requests/{request.id}/reschedule",
        data={"reschedule-day": day, "reschedule-start": clock, "reschedule-duration_minutes": "90"},
        headers=LIFECYCLE,
    )
    page = body(response)
    assert response.status_code == 409
    assert "Amina Haddad hat zur neuen Zeit schon einen anderen bestätigten Einsatz" in page
    assert 'role="alert"' in page and f'value="{day}"' in page
    assert 'id="reschedule" class="explain" open' in page


def test_reschedule_a_written_translation(client, coordinator):
    today = utcnow().astimezone(BERLIN).date()
    request = make_request(
        kind=RequestKind.WRITTEN, starts_in=None, where=None, due_on=today + timedelta(days=2)
    )
    page = body(client.get(f"/requests/{request.id}"))
    assert 'id="reschedule-due_on"' in page and 'id="reschedule-day"' not in page
    response = client.post(
        f"/requests/{request.id}/reschedule",
        data={"reschedule-due_on": (today + timedelta(days=9)).isoformat()},
    )
    assert response.status_code == 303
    assert fresh(HelpRequest, request.id).due_on == today + timedelta(days=9)


def test_cancel_with_a_reason(client, coordinator, staff, helper):
    amina = helper()
    request = make_request()
    assignment_for(request, amina, staff)
    empty = client.post(f"/requests/{request.id}/cancel", data={"cancel-reason": "  "}, headers=LIFECYCLE)
    assert empty.status_code == 422 and "Bitte geben Sie einen Grund an." in body(empty)
    response = client.post(f"/requests/{request.id}/cancel", data={"cancel-reason": "Termin entfällt"})
    assert response.status_code == 303
    assert fresh(HelpRequest, request.id).status == RequestStatus.CANCELLED
    [mail] = outbox("request_cancelled", to=amina.user.email)
    assert "Termin entfällt" in mail.body_text
    page = body(client.get(f"/requests/{request.id}"))
    assert "Die Anfrage ist abgesagt." in page
    assert "Anfrage absagen" not in page and "Termin verschieben" not in page


def test_cancel_refused_is_409(client, coordinator, staff, helper):
    request = make_request()
    move_into_past(assignment_for(request, helper(), staff))
    assignment = db.session.scalar(select(Assignment).where(Assignment.request_id == request.id))
    lifecycle.no_show(assignment.id, staff)
    response = client.post(
        f"/requests/{request.id}/cancel", data={"cancel-reason": "zu spät"}, headers=LIFECYCLE
    )
    assert response.status_code == 409 and "schon stattgefunden" in body(response)


def test_mark_completed(client, coordinator, staff, helper):
    amina = helper()
    request = make_request()
    assignment_for(request, amina, staff)
    page = body(client.get(f"/requests/{request.id}"))
    assert "Nach dem Termin können Sie die Anfrage hier als erledigt markieren." in page
    too_early = client.post(f"/requests/{request.id}/complete", headers=LIFECYCLE)
    assert too_early.status_code == 409 and "Zukunft" in body(too_early)
    move_into_past(db.session.scalar(select(Assignment).where(Assignment.request_id == request.id)))
    assert "Als erledigt markieren" in body(client.get(f"/requests/{request.id}"))
    response = client.post(f"/requests/{request.id}/complete", headers=LIFECYCLE)
    assert response.status_code == 200 and "Die Anfrage ist erledigt." in body(response)
    assert "erledigt</p>" in regions(body(response))["request-head"].html
    assert fresh(HelpRequest, request.id).status == RequestStatus.COMPLETED
    assert outbox("report_hours", to=amina.user.email)


# --- who may, and object-level authorisation ------------------------------------------------


ROUTES = [
    ("GET", "/requests/{request}/offers"),
    ("POST", "/requests/{request}/offers"),
    ("POST", "/requests/offers/{offer}/confirm"),
    ("POST", "/requests/offers/{offer}/withdraw"),
    ("POST", "/requests/assignments/{assignment}/no-show"),
    ("POST", "/requests/assignments/{assignment}/approve"),
    ("POST", "/requests/{request}/reschedule"),
    ("POST", "/requests/{request}/cancel"),
    ("POST", "/requests/{request}/complete"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_kis_rows_are_404_and_untouched(client, coordinator, elsewhere, method, path):
    url = path.format(
        request=elsewhere["request"].id, offer=elsewhere["offer"].id, assignment=elsewhere["assignment"].id
    )
    response = client.open(url, method=method, data={"helper_ids": ["1"]}, headers=OFFERS)
    assert response.status_code == 404
    assert fresh(Offer, elsewhere["offer"].id).status == OfferStatus.ACCEPTED
    assert fresh(Assignment, elsewhere["assignment"].id).approved_at is None
    assert fresh(HelpRequest, elsewhere["request"].id).status == RequestStatus.OPEN


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
@pytest.mark.parametrize(("method", "path"), [*ROUTES, ("GET", "/requests/approvals")])
def test_helpers_and_initiatives_are_refused(client, login_as, helper, role, method, path):
    request = make_request()
    offer = offer_to(request, helper(), OfferStatus.ACCEPTED)
    login_as(role)
    url = path.format(request=request.id, offer=offer.id, assignment=1)
    assert client.open(url, method=method, headers=OFFERS).status_code == 403
    assert fresh(Offer, offer.id).status == OfferStatus.ACCEPTED


def test_viewing_and_changing_is_audited(client, coordinator, helper):
    request = make_request()
    amina = helper()
    client.post(f"/requests/{request.id}/offers", data={"helper_ids": [amina.id]}, headers=OFFERS)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"offer.sent", "request.status"} <= actions


def test_times_in_the_offers_block_are_local(client, coordinator, helper):
    request = make_request()
    offer = offer_to(request, helper())
    # 23:30 UTC on a winter day is 00:30 the next day in Berlin
    offer.created_at = datetime(2030, 1, 14, 23, 30, tzinfo=UTC)
    db.session.commit()
    assert "angefragt am Di., 15. Jan., 00:30" in body(
        client.get(f"/requests/{request.id}/offers", headers=OFFERS)
    )
