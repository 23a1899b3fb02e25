"""The request page as a workspace that stays true: opened, the focus is on "Wer passt?"; on a wide
screen the candidates stand beside the facts on the first screen, on a phone a one-line summary
comes first and the candidates next; after every action (offers out, an answer arriving, confirm,
cancel) the badge, the buttons, the history and the offers show one state. axe after each step,
at 1280×800 and at 390×844."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.answers import accept_offer
from ki_match.requests.models import Offer
from tests.browser.conftest import fill_request, settle
from tests.browser.test_coordinator_journey import POLL_WAIT_MS, _helper
from tests.factories import next_tuesday

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _accept(app, request_id: int, email: str) -> None:
    """The helper says yes (in the app of their own; here straight through the same rule)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        offer = db.session.scalar(
            select(Offer)
            .join(HelperProfile, HelperProfile.id == Offer.helper_id)
            .where(Offer.request_id == request_id, HelperProfile.user_id == user.id)
        )
        accept_offer(offer.id, user)


def _on_first_screen(box, viewport) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= viewport["height"]


def _one_state(page, badge: str, *, editable: bool, history: str) -> None:
    """The badge, the edit button and the newest history line agree."""
    expect(page.locator("#request-head .status-badge")).to_have_text(badge)
    expect(page.locator("#request-head").get_by_role("link", name="Bearbeiten")).to_have_count(
        1 if editable else 0
    )
    expect(page.locator("#request-history tbody tr").last).to_contain_text(history)


def test_the_request_workspace_stays_true_after_every_action(new_page, live_server, axe, log_in):
    suffix = uuid.uuid4().hex[:4]
    first, second = f"Gul M. {suffix}", f"Nasrin P. {suffix}"
    first_email = _helper(live_server.app, first, "ps")
    _helper(live_server.app, second, "ps")

    page = new_page()
    page.set_viewport_size(WIDE)
    log_in(page, Role.COORDINATOR)
    page.goto("/requests/new")
    fill_request(
        page,
        language="Paschtu",
        day=next_tuesday().isoformat(),
        town="Brakel",
        place="Rathaus Brakel",
        client_ref=f"Fall W-17{suffix}",
    )
    page.get_by_role("button", name="Anfrage öffnen").click()

    # Opened: the page starts at its candidates, with the keyboard there too.
    expect(page).to_have_url(re.compile(r"/requests/\d+#candidates-heading$"))
    request_id = int(re.search(r"/requests/(\d+)", page.url).group(1))
    heading = page.get_by_role("heading", name="Wer passt?")
    expect(heading).to_be_focused()
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text(first)

    # The workspace at 1280×800: the candidates beside the facts, both on the first screen.
    page.evaluate("window.scrollTo(0, 0)")
    facts = page.get_by_role("heading", name="Angaben").bounding_box()
    listed = heading.bounding_box()
    first_candidate = candidates.locator(".candidate").first.bounding_box()
    assert _on_first_screen(listed, WIDE) and _on_first_screen(facts, WIDE), (listed, facts)
    assert _on_first_screen(first_candidate, WIDE), first_candidate
    assert facts["x"] > listed["x"] + listed["width"] / 2 and abs(facts["y"] - listed["y"]) < 40
    _one_state(page, "offen", editable=True, history="offen")
    axe.check(page)

    # Offers out: the offers, the badge, the history and the list of candidates together.
    candidates.get_by_label(first).check()
    candidates.get_by_label(second).check()
    candidates.get_by_role("button", name="Ausgewählte anfragen").click()
    offers = page.locator("#offers")
    expect(page.locator("#offers-status")).to_be_focused()
    expect(offers.locator(".offer-row")).to_have_count(2)
    _one_state(page, "angefragt", editable=True, history="offen → angefragt")
    expect(candidates.locator(".candidate", has_text=first)).to_contain_text("schon angefragt")
    axe.check(page)

    # The offers refresh themselves with the page's state; what is being typed elsewhere stays.
    page.locator("#cancel summary").click()
    page.get_by_label("Grund").fill("erst noch überlegen")
    offers_path = f"/requests/{request_id}/offers"
    with page.expect_response(lambda response: response.url.endswith(offers_path)):
        pass
    settle(page)
    expect(page.get_by_label("Grund")).to_have_value("erst noch überlegen")

    # A yes arrives by itself, with what confirming it would do, said before.
    _accept(live_server.app, request_id, first_email)
    row = offers.locator(".offer-row", has_text=first)
    expect(row).to_contain_text(
        "Damit ist die Anfrage besetzt: eine weitere Anfrage wird zurückgezogen.", timeout=POLL_WAIT_MS
    )
    axe.check(page)

    # Confirm (the browser asks first): filled, no more editing, nobody else waiting, one state.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Bestätigen").click()
    expect(page.locator("#offers-status")).to_contain_text(f"{first} ist bestätigt.")
    assert "eine weitere Anfrage wird zurückgezogen" in dialogs[0]
    _one_state(page, "besetzt", editable=False, history="angefragt → besetzt")
    expect(offers.locator(".offer-row", has_text=second)).to_contain_text("zurückgezogen")
    expect(page.locator("#request-lifecycle")).to_contain_text("Nach dem Termin")
    expect(candidates.get_by_role("button", name="Ausgewählte anfragen")).to_have_count(0)
    axe.check(page)

    # Called off from the lifecycle panel: said there, and everything else follows.
    page.locator("#cancel summary").click()
    page.get_by_label("Grund").fill("Termin entfällt")
    page.locator("#cancel").get_by_role("button", name="Anfrage absagen").click()
    message = page.locator("#request-lifecycle [role=status]")
    expect(message).to_contain_text("Die Anfrage ist abgesagt.")
    expect(message).to_be_focused()
    _one_state(page, "abgesagt", editable=False, history="besetzt → abgesagt")
    expect(offers.locator(".offer-row", has_text=first)).to_contain_text("vom KI abgesagt")
    axe.check(page)

    # On a phone: the one-line summary first, then the candidates, the facts after them.
    phone = new_page()
    phone.set_viewport_size(PHONE)
    log_in(phone, Role.COORDINATOR)
    phone.goto(f"/requests/{request_id}")
    summary = phone.locator(".request-summary").bounding_box()
    listed = phone.get_by_role("heading", name="Wer passt?").bounding_box()
    facts = phone.get_by_role("heading", name="Angaben").bounding_box()
    assert summary["y"] < listed["y"] < facts["y"], (summary, listed, facts)
    assert _on_first_screen(listed, PHONE), listed
    axe.check(phone)
