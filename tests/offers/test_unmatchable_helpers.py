"""A helper who may not be matched (consent withdrawn, deactivated, …) keeps nothing open and can
neither accept nor be confirmed: the rules, and every way in (inbox, answer link, the desk)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.answers import Answer, accept_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.rules import OfferError
from ki_match.offers.tokens import answer_token
from ki_match.profile.services import withdraw_consent
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)
from tests.concurrency import race
from tests.factories import assignment_for, make_request, move_into_past, offer_to
from tests.support import htmx_headers, outbox

HELPER_NO_CONSENT = "Sie haben Ihre Einwilligung in die Datenverarbeitung widerrufen"
HELPER_OTHERWISE = "Sie können zurzeit keine Anfragen annehmen"
NOT_CONFIRMABLE = "Amina K. kann nicht bestätigt werden"


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def text(response) -> str:
    return response.get_data(as_text=True)


def flashed(page: str) -> str:
    return page.split('id="flash"')[1].split("</div>")[0]


@pytest.fixture
def amina(create_helper):
    return create_helper(consented=True, display_name="Amina K.")


@pytest.fixture
def asked(amina, coordinator):
    """A pending offer to Amina, the request's only one."""
    return offer_to(make_request(created_by=coordinator, status=RequestStatus.OFFERED), amina)


@pytest.fixture
def waiting(amina, coordinator):
    """Amina said yes; the coordinator has not confirmed yet."""
    return offer_to(
        make_request(created_by=coordinator, status=RequestStatus.OFFERED), amina, OfferStatus.ACCEPTED
    )


def _no_consent(profile: HelperProfile) -> None:
    profile.consent_given_at = None


def _deactivated(profile: HelperProfile) -> None:
    profile.user.active = False


def _unapproved(profile: HelperProfile) -> None:
    profile.approved_at = None


def behind_the_rules_back(profile: HelperProfile, change) -> None:
    """The helper stops being matchable while an offer is still out (a race, or an old row)."""
    change(profile)
    db.session.commit()


# --- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [FillMode.COORDINATOR_CONFIRMS, FillMode.FIRST_TO_ACCEPT])
def test_a_helper_without_consent_cannot_accept(app, amina, coordinator, mode):
    offer = offer_to(make_request(created_by=coordinator, mode=mode, status=RequestStatus.OFFERED), amina)
    behind_the_rules_back(amina, _no_consent)
    with pytest.raises(OfferError, match=HELPER_NO_CONSENT):
        accept_offer(offer.id, amina.user)
    assert fresh(Offer, offer.id).status == OfferStatus.PENDING
    assert db.session.scalar(select(Assignment.id).where(Assignment.offer_id == offer.id)) is None
    assert fresh(HelpRequest, offer.request_id).status == RequestStatus.OFFERED


def test_a_helper_who_is_not_approved_cannot_accept(app, amina, asked):
    behind_the_rules_back(amina, _unapproved)
    with pytest.raises(OfferError, match=HELPER_OTHERWISE):
        accept_offer(asked.id, amina.user)
    assert fresh(Offer, asked.id).status == OfferStatus.PENDING


@pytest.mark.parametrize(
    "change, reason",
    [
        (_no_consent, "Die Einwilligung in die Datenverarbeitung ist widerrufen."),
        (_deactivated, "Das Konto ist deaktiviert."),
        (_unapproved, "Das Profil ist nicht freigegeben."),
    ],
)
def test_the_coordinator_cannot_confirm_a_helper_who_is_not_matchable(
    app, amina, waiting, coordinator, change, reason
):
    behind_the_rules_back(amina, change)
    with pytest.raises(OfferError) as refused:
        confirm_offer(waiting.id, coordinator)
    assert str(refused.value) == f"{NOT_CONFIRMABLE}: {reason}"
    assert db.session.scalar(select(Assignment.id).where(Assignment.offer_id == waiting.id)) is None
    assert fresh(HelpRequest, waiting.request_id).status == RequestStatus.OFFERED


def test_withdrawing_consent_ends_open_offers_and_gives_back_upcoming_assignments(
    app, amina, coordinator, create_helper
):
    other = create_helper(consented=True)
    alone = offer_to(make_request(created_by=coordinator, status=RequestStatus.OFFERED), amina)
    yes_waiting = offer_to(
        make_request(created_by=coordinator, status=RequestStatus.OFFERED, starts_in=timedelta(days=4)),
        amina,
        OfferStatus.ACCEPTED,
    )
    shared_request = make_request(
        created_by=coordinator, status=RequestStatus.OFFERED, starts_in=timedelta(days=5)
    )
    shared = offer_to(shared_request, amina)
    still_out = offer_to(shared_request, other)
    upcoming = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(days=6)), amina, coordinator
    )
    past = move_into_past(
        assignment_for(make_request(created_by=coordinator, starts_in=timedelta(days=7)), amina, coordinator),
        days=2,
    )

    freed = withdraw_consent(amina, amina.user)

    assert freed.offers_withdrawn == 3
    assert [request.id for request in freed.reopened] == [upcoming.request_id]
    for offer in (alone, yes_waiting, shared):
        assert fresh(Offer, offer.id).status == OfferStatus.WITHDRAWN
    assert fresh(Offer, still_out.id).status == OfferStatus.PENDING
    # A request that lost its only candidate looks for one again; one still waiting for another helper stays.
    assert fresh(HelpRequest, alone.request_id).status == RequestStatus.OPEN
    assert fresh(HelpRequest, yes_waiting.request_id).status == RequestStatus.OPEN
    assert fresh(HelpRequest, shared_request.id).status == RequestStatus.OFFERED
    given_back = fresh(Assignment, upcoming.id)
    assert given_back.status == AssignmentStatus.WITHDRAWN
    assert given_back.withdraw_reason == "Einwilligung widerrufen"
    assert fresh(HelpRequest, upcoming.request_id).status == RequestStatus.OPEN
    assert fresh(Assignment, past.id).status == AssignmentStatus.CONFIRMED  # history stays
    # The coordinators are told; nobody stays silently booked.
    assert [message.to_address for message in outbox("assignment_withdrawn")] == [coordinator.email]
    reasons = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action.in_(["offer.withdrawn", "assignment.withdrawn"]))
    ).all()
    assert reasons and all(detail["reason"] == "consent_withdrawn" for detail in reasons)
    profile = fresh(HelperProfile, amina.id)
    assert (profile.consent_given_at, profile.consent_version) == (None, None)


def test_after_withdrawing_consent_an_old_offer_says_why_it_cannot_be_accepted(app, amina, asked):
    withdraw_consent(amina, amina.user)
    with pytest.raises(OfferError, match=HELPER_NO_CONSENT):
        accept_offer(asked.id, amina.user)


# --- the helper's ways in ----------------------------------------------------------------------


@pytest.fixture
def logged_in(auth, amina):
    assert auth.login(amina.user.email).status_code == 303
    return amina


def test_inbox_accept_of_a_helper_without_consent_is_refused_in_the_card(client, logged_in, asked):
    behind_the_rules_back(logged_in, _no_consent)
    response = client.post(f"/offers/{asked.id}/accept", headers=htmx_headers(f"offer-card-{asked.id}"))
    assert response.status_code == 409
    assert HELPER_NO_CONSENT in text(response)
    assert fresh(Offer, asked.id).status == OfferStatus.PENDING


def test_inbox_accept_without_javascript_after_withdrawing_consent(client, logged_in, asked):
    assert client.post("/profile/consent/withdraw").status_code == 303
    response = client.post(f"/offers/{asked.id}/accept")
    assert response.status_code == 303 and response.headers["Location"].endswith("/inbox")
    assert HELPER_NO_CONSENT in flashed(text(client.get("/inbox")))
    assert fresh(Offer, asked.id).status == OfferStatus.WITHDRAWN


def test_the_inbox_tells_a_helper_without_consent_why_no_request_comes(client, logged_in):
    before = text(client.get("/inbox"))
    assert HELPER_NO_CONSENT not in before

    assert client.post("/profile/consent/withdraw").status_code == 303
    page = text(client.get("/inbox"))
    notice = page.split('class="notice"')[1].split("</div>")[0]
    assert HELPER_NO_CONSENT in notice and 'href="/profile/consent"' in notice


def _link(offer: Offer) -> str:
    return f"/offers/answer/{answer_token(offer, Answer.ACCEPT)}"


def test_answer_link_of_a_helper_without_consent_says_why_and_does_nothing(client, amina, asked):
    behind_the_rules_back(amina, _no_consent)
    link = _link(asked)
    page = client.get(link)
    assert page.status_code == 410 and HELPER_NO_CONSENT in text(page)
    response = client.post(link)
    assert response.status_code == 410 and HELPER_NO_CONSENT in text(response)
    assert fresh(Offer, asked.id).status == OfferStatus.PENDING


def test_answer_link_after_withdrawing_consent_says_why(client, amina, asked):
    link = _link(asked)
    withdraw_consent(amina, amina.user)
    response = client.post(link)
    assert response.status_code == 410 and HELPER_NO_CONSENT in text(response)


def test_withdrawing_consent_tells_the_helper_what_ended(client, logged_in, asked, coordinator):
    page = text(client.get("/profile/consent"))
    assert "bestätigte Einsätze, die noch nicht begonnen haben, werden abgesagt" in page
    upcoming = assignment_for(
        make_request(created_by=coordinator, starts_in=timedelta(days=6)), logged_in, coordinator
    )
    response = client.post("/profile/consent/withdraw", follow_redirects=True)
    message = flashed(text(response))
    assert "Ihre Einwilligung ist widerrufen" in message
    assert "Eine offene Anfrage an Sie wurde zurückgezogen." in message
    assert "Ein bestätigter Einsatz ist abgesagt; das Integrationszentrum ist informiert." in message
    assert fresh(Assignment, upcoming.id).status == AssignmentStatus.WITHDRAWN


# --- the coordinator's desk --------------------------------------------------------------------

OFFERS = htmx_headers("offers")


@pytest.fixture
def at_the_desk(auth, coordinator):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def test_desk_confirm_of_a_helper_without_consent_is_a_409_with_the_reason(
    client, at_the_desk, amina, waiting
):
    behind_the_rules_back(amina, _no_consent)
    response = client.post(f"/requests/offers/{waiting.id}/confirm", headers=OFFERS)
    fragment = text(response)
    assert response.status_code == 409
    assert 'id="offers"' in fragment and "<html" not in fragment
    assert f"{NOT_CONFIRMABLE}: Die Einwilligung in die Datenverarbeitung ist widerrufen." in fragment
    # without JavaScript: back to the request page, with the reason
    response = client.post(f"/requests/offers/{waiting.id}/confirm")
    assert response.status_code == 303
    assert NOT_CONFIRMABLE in flashed(text(client.get(response.headers["Location"])))
    assert db.session.scalar(select(Assignment.id).where(Assignment.offer_id == waiting.id)) is None


def test_desk_confirm_after_deactivating_the_helper_says_so(client, at_the_desk, amina, waiting):
    assert client.post(f"/helpers/{amina.id}/deactivate").status_code == 303
    assert fresh(Offer, waiting.id).status == OfferStatus.WITHDRAWN
    assert fresh(HelpRequest, waiting.request_id).status == RequestStatus.OPEN
    response = client.post(f"/requests/offers/{waiting.id}/confirm", headers=OFFERS)
    assert response.status_code == 409
    assert f"{NOT_CONFIRMABLE}: Das Konto ist deaktiviert." in text(response)


def test_the_offers_block_shows_a_withdrawn_yes_without_a_confirm_button(client, at_the_desk, amina, waiting):
    withdraw_consent(amina, amina.user)
    fragment = text(client.get(f"/requests/{waiting.request_id}/offers", headers=OFFERS))
    assert not re.search(rf'action="/requests/offers/{waiting.id}/confirm"', fragment)


def test_a_helper_who_consents_again_can_be_asked_and_accept_again(app, amina, coordinator):
    from ki_match.profile.services import give_consent

    withdraw_consent(amina, amina.user)
    give_consent(amina, amina.user)
    offer = offer_to(make_request(created_by=coordinator, status=RequestStatus.OFFERED), amina)
    accept_offer(offer.id, amina.user)
    assert fresh(Offer, offer.id).status == OfferStatus.ACCEPTED


# --- at the same moment ------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(3))
def test_withdrawing_consent_while_the_coordinator_confirms_never_leaves_a_seat_booked(
    app, amina, waiting, coordinator, attempt
):
    offer_id, helper_id, helper_user_id, coordinator_id = waiting.id, amina.id, amina.user_id, coordinator.id
    results = race(
        app,
        [
            lambda: confirm_offer(offer_id, db.session.get(User, coordinator_id)),
            lambda: withdraw_consent(
                db.session.get(HelperProfile, helper_id), db.session.get(User, helper_user_id)
            ),
        ],
    )
    confirmed, _freed = results
    db.session.expire_all()
    # Whoever came first: the confirmation was refused, or the seat it took was given back.
    holding = db.session.scalars(
        select(Assignment).where(
            Assignment.offer_id == offer_id, Assignment.status == AssignmentStatus.CONFIRMED
        )
    ).all()
    assert holding == [], results
    assert isinstance(confirmed, OfferError | Assignment), results
    assert db.session.get(HelpRequest, waiting.request_id).status == RequestStatus.OPEN
    assert db.session.get(HelperProfile, helper_id).consent_given_at is None
