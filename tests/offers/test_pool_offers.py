"""Offers across KIs through the shared pool: sent by the same rule, answered in the inbox or by
mail link, confirmed by the asking KI, shown in the history of the helper's own KI — and what
the asking KI sees of her on the way."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.assignments.services import report_hours
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.matching.services import time_warnings
from ki_match.offers.pool import set_pool_sharing
from ki_match.offers.sending import send_offers
from ki_match.profile.services import set_pool_consent
from ki_match.reference.models import Level
from ki_match.requests.models import Assignment, Offer, OfferStatus, RequestKind
from tests.factories import (
    berlin,
    booked,
    in_pool,
    make_available_helper,
    make_helper,
    make_request,
    make_user,
    move_into_past,
    next_tuesday,
    offer_to,
    other_ki,
    sharing,
)
from tests.support import htmx_headers, link_in, outbox

TIGRINYA = (("ti", Level.NATIVE), ("de", Level.B2))
SURNAME, PHONE = "Tesfay", "+49 5251 123456"


@pytest.fixture
def elsewhere(ki):
    other = other_ki()
    sharing(ki, other)
    return other


@pytest.fixture
def saba(elsewhere):
    """A Tigrinya speaker of the other KI who agreed to be asked by phone or video."""
    helper = make_available_helper(
        ki=elsewhere, home="Paderborn", languages=TIGRINYA, display_name=f"Saba {SURNAME}"
    )
    return in_pool(helper, phone=PHONE)


@pytest.fixture
def phone_request(ki, coordinator):
    return make_request(
        ki=ki,
        created_by=coordinator,
        kind=RequestKind.REMOTE,
        where=None,
        lang="ti",
        starts_at=berlin(next_tuesday(), time(10)),
    )


def _secrets(helper) -> list[str]:
    return [SURNAME, helper.user.email, PHONE]


def _shows_any(page: str, helper) -> list[str]:
    return [secret for secret in _secrets(helper) if secret in page]


# --- sending ---------------------------------------------------------------------------------


def test_an_offer_goes_to_a_helper_of_another_ki_who_agreed(phone_request, coordinator, saba):
    result = send_offers(phone_request.id, [saba.id], coordinator)
    assert [offer.helper_id for offer in result.sent] == [saba.id]
    [mail] = outbox("offer", to=saba.user.email)
    assert "Kreis Höxter" in mail.body_text  # the asking KI is named


@pytest.mark.parametrize("missing", ["asking_ki", "helpers_ki", "helper"])
def test_no_offer_without_every_consent(ki, elsewhere, phone_request, coordinator, saba, missing):
    if missing == "asking_ki":
        ki.shares_pool = False
    elif missing == "helpers_ki":
        elsewhere.shares_pool = False
    else:
        saba.pool_remote_ok = False
    db.session.commit()
    assert send_offers(phone_request.id, [saba.id], coordinator).sent == []
    assert db.session.scalar(select(Offer.id).where(Offer.helper_id == saba.id)) is None


def test_another_kis_helper_who_fails_a_rule_is_not_asked(elsewhere, phone_request, coordinator, saba):
    """Own helpers may be asked as near misses; another KI's only as full candidates."""
    at_home = make_request(
        ki=elsewhere, kind=RequestKind.REMOTE, where=None, starts_at=phone_request.starts_at
    )
    booked(at_home, saba)
    result = send_offers(phone_request.id, [saba.id], coordinator)
    assert result.sent == [] and [p.id for p in result.not_allowed] == [saba.id]


# --- the round trip --------------------------------------------------------------------------


def test_round_trip_inbox_confirm_history_calendar(
    client, auth, ki, elsewhere, phone_request, coordinator, saba
):
    [offer] = send_offers(phone_request.id, [saba.id], coordinator).sent

    auth.login(saba.user.email)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert f"offer-card-{offer.id}" in inbox and "Kreis Höxter" in inbox
    answered = client.post(f"/offers/{offer.id}/accept", headers=htmx_headers(f"offer-card-{offer.id}"))
    assert answered.status_code == 200
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED
    auth.logout()

    auth.login(coordinator.email)
    confirmed = client.post(f"/requests/offers/{offer.id}/confirm", headers=htmx_headers("offers"))
    assert confirmed.status_code == 200
    assignment = db.session.scalar(select(Assignment).where(Assignment.offer_id == offer.id))
    assert assignment is not None
    page = client.get(f"/requests/{phone_request.id}").get_data(as_text=True)
    assert f"Saba {SURNAME}" in page and saba.user.email in page  # confirmed: contact for the assignment
    assert client.get(f"/helpers/{saba.id}").status_code == 404  # her page stays her KI's
    auth.logout()

    colleague = make_user(Role.COORDINATOR, ki=elsewhere)
    auth.login(colleague.email)
    history = client.get(f"/helpers/{saba.id}").get_data(as_text=True)
    assert "für <bdi>Kreis Höxter</bdi>" in history
    assert phone_request.client_ref not in history
    assert client.get(f"/requests/{phone_request.id}").status_code == 404
    assert client.post(f"/requests/offers/{offer.id}/withdraw").status_code == 404
    auth.logout()

    auth.login(saba.user.email)
    assert "für <bdi>Kreis Höxter</bdi>" in client.get("/calendar").get_data(as_text=True)
    assert client.get(f"/assignments/{assignment.id}").status_code == 200
    ics = client.get(f"/assignments/{assignment.id}.ics").get_data(as_text=True)
    assert "Kreis Höxter" in ics


def test_she_accepts_by_mail_link(client, phone_request, coordinator, saba):
    [offer] = send_offers(phone_request.id, [saba.id], coordinator).sent
    [mail] = outbox("offer", to=saba.user.email)
    accept_link = link_in(mail)
    page = client.get(accept_link)
    assert page.status_code == 200 and "Kreis Höxter" in page.get_data(as_text=True)
    assert client.post(accept_link).status_code == 303
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED
    [answer] = outbox("offer_accepted", to=coordinator.email)
    assert f"Saba {SURNAME}" in answer.body_text  # accepted: her name, to confirm


# --- what the asking KI sees -------------------------------------------------------------------


def test_before_she_accepts_the_asking_ki_sees_her_first_name_only(
    client, auth, phone_request, coordinator, saba
):
    auth.login(coordinator.email)
    page = client.get(f"/requests/{phone_request.id}").get_data(as_text=True)
    assert "Aus anderen KIs (nur Telefon/Video)" in page and "Saba" in page
    assert _shows_any(page, saba) == []
    sent = client.post(
        f"/requests/{phone_request.id}/offers", data={"helper_ids": [saba.id]}, headers=htmx_headers("offers")
    ).get_data(as_text=True)
    assert "Saba" in sent and _shows_any(sent, saba) == []
    for path in (f"/requests/{phone_request.id}", f"/requests/{phone_request.id}/candidates"):
        assert _shows_any(client.get(path).get_data(as_text=True), saba) == []
    [offer] = db.session.scalars(select(Offer).where(Offer.helper_id == saba.id)).all()
    refreshed = client.get(f"/requests/{phone_request.id}/offers", headers=htmx_headers("offers"))
    assert _shows_any(refreshed.get_data(as_text=True), saba) == []
    # A decline is mailed with her first name.
    client.post("/logout")
    auth.login(saba.user.email)
    client.post(f"/offers/{offer.id}/decline", data={"reason": "keine Zeit"})
    [mail] = outbox("offer_declined", to=coordinator.email)
    assert SURNAME not in mail.body_text + mail.body_html
    viewed = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("pool.%"))).all()
    assert {"pool.candidates_viewed", "pool.helpers_viewed"} <= set(viewed)


def test_after_she_accepted_her_name_but_no_contact(client, auth, phone_request, coordinator, saba):
    offer_to(phone_request, saba, OfferStatus.ACCEPTED)
    auth.login(coordinator.email)
    page = client.get(f"/requests/{phone_request.id}").get_data(as_text=True)
    assert f"Saba {SURNAME}" in page
    assert saba.user.email not in page and PHONE not in page


# --- consent ends --------------------------------------------------------------------------------


def test_her_consent_withdrawn_withdraws_the_other_kis_offers_only(
    ki, phone_request, coordinator, saba, elsewhere
):
    own = offer_to(make_request(ki=elsewhere, kind=RequestKind.REMOTE, where=None), saba)
    [across] = send_offers(phone_request.id, [saba.id], coordinator).sent
    assert set_pool_consent(saba, remote=False, in_person=False, actor=saba.user) == 1
    assert db.session.get(Offer, across.id).status == OfferStatus.WITHDRAWN
    assert db.session.get(Offer, own.id).status == OfferStatus.PENDING
    assert outbox("offer_withdrawn", to=saba.user.email) == []  # she did it herself
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pool.consent_changed"))
    assert event.detail == {"remote": False, "in_person": False}


def test_a_ki_that_stops_sharing_withdraws_offers_both_ways(ki, elsewhere, phone_request, coordinator, saba):
    [across] = send_offers(phone_request.id, [saba.id], coordinator).sent
    admin = make_user(Role.ADMIN, ki=elsewhere)
    assert set_pool_sharing(elsewhere, False, admin) == 1
    assert db.session.get(Offer, across.id).status == OfferStatus.WITHDRAWN
    assert outbox("offer_withdrawn", to=saba.user.email)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "ki.pool_sharing_changed"))


def test_a_confirmed_assignment_across_kis_stays_when_sharing_stops(
    elsewhere, phone_request, coordinator, saba
):
    assignment = booked(phone_request, saba)
    set_pool_sharing(elsewhere, False, make_user(Role.ADMIN, ki=elsewhere))
    assert db.session.get(Assignment, assignment.id).status.value == "confirmed"


# --- the pages that set the consents -----------------------------------------------------------


def test_the_helper_sets_her_consent_on_her_profile(client, auth, saba):
    saba.pool_remote_ok = False
    db.session.commit()
    auth.login(saba.user.email)
    page = client.get("/profile/pool")
    assert page.status_code == 200 and "Vornamen" in page.get_data(as_text=True)
    assert client.post("/profile/pool", data={"pool_remote_ok": "y"}).status_code == 303
    db.session.expire_all()
    assert (saba.pool_remote_ok, saba.pool_in_person_ok) == (True, False)


def test_an_admin_sets_the_kis_sharing(client, auth, ki, login_as):
    ki.shares_pool = False
    db.session.commit()
    login_as(Role.ADMIN)
    assert client.get("/admin/pool").status_code == 200
    assert client.post("/admin/pool", data={"shares_pool": "y"}).status_code == 303
    db.session.expire_all()
    assert ki.shares_pool is True


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.HELPER, Role.INITIATIVE])
def test_only_admins_set_the_kis_sharing(client, login_as, role):
    login_as(role)
    assert client.get("/admin/pool").status_code == 403
    assert client.post("/admin/pool", data={"shares_pool": "y"}).status_code == 403


def test_own_helpers_are_unchanged(ki, coordinator, phone_request):
    helper = make_helper(ki=ki, languages=TIGRINYA)
    assert send_offers(phone_request.id, [helper.id], coordinator).sent


def test_the_asking_ki_approves_her_hours_without_a_link_to_her_page(
    client, auth, phone_request, coordinator, saba
):
    assignment = move_into_past(booked(phone_request, saba))
    report_hours(assignment, saba.user, minutes=60, travel_km=0, note=None)
    auth.login(coordinator.email)
    page = client.get("/requests/approvals").get_data(as_text=True)
    assert f"Saba {SURNAME}" in page and "aus <bdi>Anderes KI</bdi>" in page
    assert f"/helpers/{saba.id}" not in page


def test_a_reschedule_warns_about_her_by_first_name(phone_request, coordinator, saba):
    send_offers(phone_request.id, [saba.id], coordinator)
    phone_request.starts_at = berlin(next_tuesday(), time(15))  # outside her Tuesday morning
    db.session.commit()
    assert time_warnings(phone_request, [saba]) == [("Saba", "hat zu dieser Zeit laut Wochenplan keine Zeit")]
