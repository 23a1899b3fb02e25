"""Coordinators' helper pages: the list with filters, one helper's page, checks, (de)activation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User, UserSession
from ki_match.assignments.queries import monthly_load
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.activation import set_account_active
from ki_match.helpers.models import HelperProfile, helper_town
from ki_match.reference.models import Level
from ki_match.requests.models import AssignmentStatus
from tests.factories import (
    assignment_for,
    make_helper,
    make_request,
    move_into_past,
    other_ki,
    set_status,
    town,
)
from tests.support import audit_events, htmx_headers


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(coordinator, auth):
    """Logged in with the test client: the tests here work at the coordinator's desk."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def stranger(ki, create_user):
    """A helper of another KI: must not exist for this KI's coordinators."""
    return make_helper(
        ki=other_ki(),
        email="fremd@example.org",
        display_name="Fremde Person",
        home=None,
        languages=(),
        consented=False,
    )


# --- the list -------------------------------------------------------------------------------


def test_list_shows_the_kis_helpers_with_their_state(client, coordinator, create_helper, stranger):
    amina = create_helper(display_name="Amina Haddad")
    waiting = create_helper(display_name="Bilal Waiting", approved=False)
    gone = create_helper(display_name="Carla Inactive")
    gone.user.active = False
    db.session.commit()
    page = body(client.get("/helpers"))
    assert "Amina Haddad" in page and "Bilal Waiting" in page and "Carla Inactive" in page
    assert "Fremde Person" not in page
    assert "wartet auf Freigabe" in page and "deaktiviert" in page
    assert f'href="/helpers/{amina.id}"' in page and f'href="/helpers/{waiting.id}"' in page
    assert audit_events("helper.list_viewed")[-1].detail["count"] == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=approved", {"Amina Haddad", "Özlem Yilmaz"}),
        ("state=pending", {"Bilal Waiting"}),
        ("state=inactive", {"Carla Inactive"}),
        ("q=öz", {"Özlem Yilmaz"}),
        ("q=ÖZLEM", {"Özlem Yilmaz"}),
        ("q=haddad", {"Amina Haddad"}),
        ("language=LANG_FA", {"Özlem Yilmaz"}),
        ("town=TOWN_WARBURG", {"Özlem Yilmaz", "Bilal Waiting"}),
        ("state=approved&language=LANG_AR", {"Amina Haddad"}),
    ],
)
def test_list_filters(client, coordinator, create_helper, query, expected):
    from tests.factories import language

    create_helper(display_name="Amina Haddad")
    ozlem = create_helper(display_name="Özlem Yilmaz", languages=(("fa", Level.NATIVE), ("de", Level.B1)))
    create_helper(display_name="Bilal Waiting", approved=False, home="Warburg")
    gone = create_helper(display_name="Carla Inactive")
    gone.user.active = False
    db.session.execute(helper_town.insert().values(helper_id=ozlem.id, town_id=town("Warburg").id))
    db.session.commit()
    query = (
        query.replace("LANG_FA", str(language("fa").id))
        .replace("LANG_AR", str(language("ar").id))
        .replace("TOWN_WARBURG", str(town("Warburg").id))
    )
    page = body(client.get(f"/helpers?{query}"))
    shown = {
        name for name in ("Amina Haddad", "Özlem Yilmaz", "Bilal Waiting", "Carla Inactive") if name in page
    }
    assert shown == expected


def test_list_partial_for_htmx_is_only_the_results_block(client, coordinator, create_helper):
    create_helper(display_name="Amina Haddad")
    response = client.get("/helpers?q=amina", headers=htmx_headers("helper-results"))
    page = body(response)
    assert response.status_code == 200
    assert "<html" not in page and "<h1" not in page
    assert "Amina Haddad" in page
    assert 'id="helper-count" hx-swap-oob="innerHTML"' in page
    assert "1 Person" in page
    assert response.vary and "HX-Target" in response.headers["Vary"]


def test_list_pages(client, coordinator, create_helper):
    from ki_match.helpers.queries import PAGE_SIZE

    for number in range(PAGE_SIZE + 2):
        create_helper(display_name=f"Person {number:02d}")
    first = body(client.get("/helpers"))
    assert "Seite 1 von 2" in first and "Person 00" in first and "Person 26" not in first
    second = body(client.get("/helpers?page=2"))
    assert "Person 26" in second and "Person 00" not in second


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_list_and_profile_are_for_staff_only(client, login_as, create_helper, role):
    amina = create_helper()
    login_as(role)
    assert client.get("/helpers").status_code == 403
    assert client.get(f"/helpers/{amina.id}").status_code == 403
    assert client.post(f"/helpers/{amina.id}/checks", data={}).status_code == 403
    assert client.post(f"/helpers/{amina.id}/deactivate").status_code == 403


def test_navigation_links_the_list(client, coordinator):
    assert 'href="/helpers"' in body(client.get("/"))


# --- one helper -----------------------------------------------------------------------------


def test_profile_page_shows_the_helper_history_and_load_and_is_audited(client, coordinator, create_helper):
    amina = create_helper(display_name="Amina Haddad")
    staff = db.session.get(User, coordinator.id)
    assignment = move_into_past(assignment_for(make_request(), amina, staff), days=2)
    response = client.get(f"/helpers/{amina.id}")
    page = body(response)
    assert response.status_code == 200
    assert "<h1><bdi>Amina Haddad</bdi></h1>" in page
    assert amina.user.email in page
    assert "Arabisch" in page
    assert f'href="/requests/{assignment.request_id}"' in page
    assert "Einsätze pro Monat" in page
    [event] = audit_events("helper.viewed")
    assert (event.subject_type, event.subject_id, event.actor_id) == (
        "helper_profile",
        amina.id,
        coordinator.id,
    )


def test_profile_of_another_ki_or_of_a_deleted_account_is_404(client, coordinator, create_helper, stranger):
    assert client.get(f"/helpers/{stranger.id}").status_code == 404
    assert client.post(f"/helpers/{stranger.id}/checks", data={}).status_code == 404
    assert client.post(f"/helpers/{stranger.id}/deactivate").status_code == 404
    gone = create_helper()
    gone.user.deleted_at = utcnow()
    db.session.commit()
    assert client.get(f"/helpers/{gone.id}").status_code == 404


def test_monthly_load_counts_assignments_by_local_month(create_helper, create_user):
    amina = create_helper()
    staff = create_user(Role.COORDINATOR)
    now = utcnow()
    this_month = move_into_past(assignment_for(make_request(), amina, staff), days=0)
    last_year = assignment_for(make_request(starts_in=timedelta(days=4)), amina, staff)
    move_into_past(last_year, days=400)
    withdrawn = assignment_for(make_request(starts_in=timedelta(days=6)), amina, staff)
    move_into_past(set_status(withdrawn, AssignmentStatus.WITHDRAWN), days=0)
    load = monthly_load(amina, now)
    assert len(load) == 12
    months = [month for month, _count in load]
    assert months == sorted(months) and months[-1] == now.astimezone(BERLIN).date().replace(day=1)
    local_month = this_month.starts_at.astimezone(BERLIN).date().replace(day=1)
    assert dict(load)[local_month] == 1
    assert sum(count for _month, count in load) == 1


# --- checks ---------------------------------------------------------------------------------


def test_checks_are_saved_and_audited_without_dates(client, coordinator, create_helper):
    amina = create_helper()
    response = client.post(
        f"/helpers/{amina.id}/checks",
        data={
            "qualification_completed_on": "2024-05-02",
            "confidentiality_signed_on": "2024-05-03",
            "police_certificate_seen_on": "",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/helpers/{amina.id}"
    profile = db.session.get(HelperProfile, amina.id)
    assert profile.qualification_completed_on == date(2024, 5, 2)
    assert profile.confidentiality_signed_on == date(2024, 5, 3)
    assert profile.police_certificate_seen_on is None
    [event] = audit_events("helper.checks_updated")
    assert event.detail == {"checks": ["qualification_completed_on", "confidentiality_signed_on"]}
    assert "2024" not in str(event.detail)


def test_checks_with_htmx_swap_the_block_with_a_status(client, coordinator, create_helper):
    amina = create_helper()
    seen = (utcnow().astimezone(BERLIN).date() - timedelta(days=10)).isoformat()
    response = client.post(
        f"/helpers/{amina.id}/checks",
        data={"police_certificate_seen_on": seen},
        headers=htmx_headers("checks"),
    )
    page = body(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'role="status"' in page and "gespeichert" in page
    assert "Neues Führungszeugnis nötig bis" in page
    assert f'value="{seen}"' in page


def test_checks_in_the_future_are_refused_with_values_kept(client, coordinator, create_helper):
    amina = create_helper(checked=False)
    tomorrow = (utcnow().astimezone(BERLIN).date() + timedelta(days=2)).isoformat()
    for headers in ({}, htmx_headers("checks")):
        response = client.post(
            f"/helpers/{amina.id}/checks",
            data={"qualification_completed_on": "2023-01-09", "police_certificate_seen_on": tomorrow},
            headers=headers,
        )
        page = body(response)
        assert response.status_code == 422
        assert "liegt in der Zukunft" in page
        assert f'value="{tomorrow}"' in page and 'value="2023-01-09"' in page
        assert 'aria-invalid="true"' in page
        assert ("<h1>" in page) == (not headers)
    assert db.session.get(HelperProfile, amina.id).qualification_completed_on is None


# --- deactivating, reactivating, approving ---------------------------------------------------


def test_deactivate_and_reactivate(client, coordinator, create_helper, auth):
    amina = create_helper()
    response = client.post(f"/helpers/{amina.id}/deactivate")
    assert response.status_code == 303 and response.headers["Location"] == f"/helpers/{amina.id}"
    assert db.session.get(User, amina.user_id).active is False
    assert "ist deaktiviert" in body(client.get(f"/helpers/{amina.id}"))
    assert audit_events("account.deactivated")[0].actor_id == coordinator.id
    client.post(f"/helpers/{amina.id}/reactivate")
    assert db.session.get(User, amina.user_id).active is True


def test_deactivating_ends_the_helpers_sessions(app, coordinator, client, create_helper):
    from tests.factories import PASSWORD

    amina = create_helper()
    helper_client = app.test_client()
    helper_client.post("/login", data={"email": amina.user.email, "password": PASSWORD})
    assert helper_client.get("/inbox").status_code == 200
    client.post(f"/helpers/{amina.id}/deactivate")
    assert helper_client.get("/inbox").status_code == 303  # to the login page
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == amina.user_id)).all()
    assert sessions and all(session.revoked_at is not None for session in sessions)


def test_deactivating_ends_open_offers_and_upcoming_assignments(client, coordinator, create_helper):
    from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus, RequestStatus
    from tests.factories import offer_to
    from tests.support import outbox

    amina = create_helper()
    other = create_helper()
    asked_alone = make_request(status=RequestStatus.OFFERED)
    lonely = offer_to(asked_alone, amina)
    asked_with_other = make_request(status=RequestStatus.OFFERED, starts_in=timedelta(days=4))
    shared = offer_to(asked_with_other, amina, OfferStatus.ACCEPTED)
    still_out = offer_to(asked_with_other, other)
    booked = assignment_for(make_request(starts_in=timedelta(days=5)), amina, coordinator)
    past = move_into_past(
        assignment_for(make_request(starts_in=timedelta(days=6)), amina, coordinator), days=2
    )

    response = client.post(f"/helpers/{amina.id}/deactivate", follow_redirects=True)

    page = body(response)
    assert "2 offene Anfragen an die Person wurden zurückgezogen" in page
    assert f"müssen neu besetzt werden: #{booked.request_id}" in page
    db.session.expire_all()
    assert db.session.get(Offer, lonely.id).status == OfferStatus.WITHDRAWN
    assert db.session.get(Offer, shared.id).status == OfferStatus.WITHDRAWN
    assert db.session.get(Offer, still_out.id).status == OfferStatus.PENDING
    assert (
        db.session.get(HelpRequest, asked_alone.id).status == RequestStatus.OPEN
    )  # nobody is asked any more
    assert db.session.get(HelpRequest, asked_with_other.id).status == RequestStatus.OFFERED
    freed = db.session.get(Assignment, booked.id)
    assert freed.status == AssignmentStatus.WITHDRAWN and freed.withdraw_reason == "Konto deaktiviert"
    assert db.session.get(HelpRequest, booked.request_id).status == RequestStatus.OPEN
    assert db.session.get(Assignment, past.id).status == AssignmentStatus.CONFIRMED  # history stays
    assert [m.to_address for m in outbox("assignment_withdrawn")] == [coordinator.email]
    assert db.session.get(User, amina.user_id).active is False


def test_admin_deactivating_a_helper_account_frees_the_seat(client, auth, login_as, create_helper):
    from ki_match.requests.models import Assignment, HelpRequest, RequestStatus

    coordinator = login_as(Role.COORDINATOR)
    amina = create_helper()
    booked = assignment_for(make_request(), amina, coordinator)
    auth.logout()
    login_as(Role.ADMIN)
    assert client.post(f"/admin/users/{amina.user_id}/active").status_code == 303
    db.session.expire_all()
    assert db.session.get(Assignment, booked.id).status == AssignmentStatus.WITHDRAWN
    assert db.session.get(HelpRequest, booked.request_id).status == RequestStatus.OPEN


def test_a_failed_deactivation_keeps_every_commitment(app, coordinator, create_helper):
    from ki_match.accounts.services import AccountError
    from ki_match.requests.models import Assignment

    amina = create_helper()
    booked = assignment_for(make_request(), amina, coordinator)
    with pytest.raises(AccountError):
        set_account_active(amina.user, False, amina.user)  # nobody deactivates themselves
    db.session.rollback()
    assert db.session.get(Assignment, booked.id).status == AssignmentStatus.CONFIRMED


def test_approve_from_the_profile_returns_there(client, coordinator, create_helper):
    waiting = create_helper(approved=False)
    page = body(client.get(f"/helpers/{waiting.id}"))
    assert "Freigeben" in page
    response = client.post(f"/helpers/{waiting.id}/approve", data={"back": "profile"})
    assert response.headers["Location"] == f"/helpers/{waiting.id}"
    assert db.session.get(HelperProfile, waiting.id).approved_at is not None
    # from the queue, back to the queue
    other = create_helper(approved=False)
    assert client.post(f"/helpers/{other.id}/approve").headers["Location"] == "/helpers/approvals"
