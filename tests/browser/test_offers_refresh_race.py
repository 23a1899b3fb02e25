"""A refresh of the offers block still under way when the coordinator confirms must not land after
the confirmation: its older picture would swap the confirmed row (and the message) away, and the
click would seem to have done nothing. The refresh is held in the network until the confirmation
has been answered; the page has dropped it by then, and the confirmation stays."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.requests.models import Offer, OfferStatus
from tests.browser.conftest import settle
from tests.browser.test_coordinator_journey import _helper as make_helper
from tests.browser.test_on_behalf_journey import _profile_id, _request

pytestmark = pytest.mark.browser


def _one_yes_one_waiting(app, yes_email: str, waiting_email: str, request_id: int) -> None:
    """The first helper said yes; the second has not answered (so the block refreshes itself)."""
    with app.app_context():
        db.session.scalar(select(Offer).where(Offer.request_id == request_id)).status = OfferStatus.ACCEPTED
        db.session.add(Offer(request_id=request_id, helper_id=_profile_id(waiting_email)))
        db.session.commit()


def test_a_refresh_under_way_does_not_swallow_a_confirmation(new_page, live_server, log_in):
    suffix = uuid.uuid4().hex[:4]
    yes, waiting = f"Roza A. {suffix}", f"Samir B. {suffix}"
    yes_email = make_helper(live_server.app, yes, "fa")
    waiting_email = make_helper(live_server.app, waiting, "fa")
    request_id = _request(live_server.app, "fa", offer_to=yes_email)
    _one_yes_one_waiting(live_server.app, yes_email, waiting_email, request_id)

    page = new_page()
    log_in(page, Role.COORDINATOR)
    page.goto(f"/requests/{request_id}")
    expect(page.locator("#offers .offer-row", has_text=yes)).to_contain_text("zugesagt")

    # The next refresh is answered by the server at once, before the confirmation, but its
    # answer is held back until the confirmation's has arrived.
    held = []

    def hold(route):
        if route.request.method != "GET":
            route.continue_()
            return
        held.append((route, route.fetch()))

    page.evaluate(
        "() => document.body.addEventListener('htmx:sendAbort', () => { window.refreshDropped = true })"
    )
    page.route(f"**/requests/{request_id}/offers", hold)
    for _ in range(200):  # until the block's next refresh (every 2 s here) is held
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the offers block did not refresh itself"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#offers .offer-row", has_text=yes).get_by_role("button", name="Bestätigen").click()
    expect(page.locator("#offers-status")).to_have_text(f"{yes} ist bestätigt.")
    page.wait_for_function("() => window.refreshDropped === true")

    route, stale = held[0]
    # The page dropped the request: nobody may be listening for its answer any more.
    with contextlib.suppress(PlaywrightError):
        route.fulfill(response=stale)
    expect(page.locator("#offers-status")).to_have_text(f"{yes} ist bestätigt.")
    expect(page.locator("#offers")).to_contain_text("1 von 1 Plätzen besetzt.")


def test_the_message_the_keyboard_is_on_outlives_the_blocks_refresh(new_page, live_server, log_in):
    """After "Ausgewählte anfragen" the keyboard is on the message; the block goes on refreshing
    itself (answers are outstanding), and the message stays, with the focus, instead of going
    away with the old block and leaving the keyboard at the top of the page."""
    suffix = uuid.uuid4().hex[:4]
    asked, next_one = f"Leyla C. {suffix}", f"Omid D. {suffix}"
    asked_email = make_helper(live_server.app, asked, "fa")
    make_helper(live_server.app, next_one, "fa")
    request_id = _request(live_server.app, "fa", offer_to=asked_email)

    page = new_page()
    log_in(page, Role.COORDINATOR)
    page.goto(f"/requests/{request_id}")
    page.locator("#candidates").get_by_label(next_one).check()
    page.locator("#candidates").get_by_role("button", name="Ausgewählte anfragen").click()
    status = page.locator("#offers-status")
    expect(status).to_have_text(f"Anfrage an {next_one} verschickt.")
    expect(status).to_be_focused()

    def refresh(response) -> bool:
        return response.request.method == "GET" and response.url.endswith(f"/requests/{request_id}/offers")

    with page.expect_response(refresh):
        pass  # the block's next refresh (every 2 s here)
    settle(page)
    expect(page.locator("#offers .offer-row", has_text=next_one)).to_contain_text("wartet auf Antwort")
    expect(status).to_have_text(f"Anfrage an {next_one} verschickt.")
    expect(status).to_be_focused()
