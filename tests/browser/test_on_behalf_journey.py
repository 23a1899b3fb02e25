"""A coordinator acts for helpers: records a yes given by phone, confirms it, and the helper sees the
assignment; books a near miss directly with the reason for the exception, shown in the history.
axe after every swap, at desktop width and at 390 px."""

from __future__ import annotations

import re
import uuid
from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.accounts.services import user_by_email
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Town
from ki_match.requests.models import FillMode, HelpRequest, Offer, RequestKind, RequestStatus
from tests.browser.conftest import follow
from tests.browser.test_coordinator_journey import PASSWORD
from tests.browser.test_coordinator_journey import _helper as make_helper
from tests.factories import berlin, next_tuesday

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _profile_id(email: str) -> int:
    return db.session.scalar(select(HelperProfile.id).where(HelperProfile.user_id == user_by_email(email).id))


def _request(app, code: str, *, offer_to: str | None = None) -> int:
    """An open request for next Tuesday 10:00 in Brakel in ``code``; with a pending offer to the
    helper of that e-mail address (the request then counts as offered)."""
    with app.app_context():
        ki = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        request = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.ACCOMPANIMENT,
            status=RequestStatus.OFFERED if offer_to else RequestStatus.OPEN,
            language_id=db.session.scalar(select(Language.id).where(Language.code == code)),
            starts_at=berlin(next_tuesday(), time(10)),
            duration_minutes=90,
            town_id=db.session.scalar(select(Town.id).where(Town.ki_id == ki.id, Town.name == "Brakel")),
            place="Jobcenter Brakel, Am Markt 1",
            client_ref=f"Fall T-17{uuid.uuid4().hex[:4]}",
            fill_mode=FillMode.COORDINATOR_CONFIRMS,
        )
        db.session.add(request)
        db.session.flush()
        if offer_to:
            db.session.add(Offer(request_id=request.id, helper_id=_profile_id(offer_to)))
        db.session.commit()
        return request.id


def _only_on_wednesdays(app, email: str) -> None:
    """The helper's week plan without Tuesday: for a Tuesday request a near miss ("Wochenplan")."""
    with app.app_context():
        slots = select(AvailabilitySlot).where(AvailabilitySlot.helper_id == _profile_id(email))
        for slot in db.session.scalars(slots):
            if slot.weekday != 2:
                db.session.delete(slot)
        db.session.commit()


def _count_polls(page) -> str:
    """Counts the offers block's own refreshes from now on (sent or held back by app.js); the name
    of the page's counter."""
    page.evaluate(
        """() => {
        window.offersPolls = 0;
        document.addEventListener("htmx:beforeRequest", function (event) {
          if (event.detail.elt.id === "offers") window.offersPolls += 1;
        });
    }"""
    )
    return "offersPolls"


def test_a_yes_by_phone_is_recorded_confirmed_and_seen_by_the_helper(new_page, live_server, axe, log_in):
    name = f"Zarghuna P. {uuid.uuid4().hex[:4]}"
    email = make_helper(live_server.app, name, "ps")
    request_id = _request(live_server.app, "ps", offer_to=email)
    _coordinator_email, coordinator_name = live_server.account(Role.COORDINATOR)

    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto(f"/requests/{request_id}")
    offers = coordinator.locator("#offers")
    row = offers.locator(".offer-row", has_text=name)
    expect(row).to_contain_text("wartet auf Antwort")

    # The form opens in the row, focus on its first line.
    row.get_by_role("link", name="Antwort vom Telefon eintragen").click()
    expect(row.locator(".on-behalf-intro")).to_be_focused()
    axe.check(coordinator)

    # The block looks for answers by itself; with the form open it waits, also once the keyboard
    # has left the form: what was typed survives the polls.
    polls = _count_polls(coordinator)
    row.get_by_label("Notiz (freiwillig)").fill("ruft gleich zurück")
    coordinator.locator("#history-heading").click()
    expect(row.get_by_label("Notiz (freiwillig)")).not_to_be_focused()
    coordinator.wait_for_function(f"() => window.{polls} >= 2")
    expect(row.get_by_label("Notiz (freiwillig)")).to_have_value("ruft gleich zurück")

    # "Abbrechen" puts the link back, with the keyboard on it.
    row.get_by_role("link", name="Abbrechen").click()
    link = row.get_by_role("link", name="Antwort vom Telefon eintragen")
    expect(link).to_be_focused()
    expect(row.get_by_label("Notiz (freiwillig)")).to_have_count(0)
    link.click()
    expect(row.locator(".on-behalf-intro")).to_be_focused()

    # Nothing chosen: the message next to the choice, the note kept.
    coordinator.problems.expect_console_error("status of 422")
    row.get_by_label("Notiz (freiwillig)").fill("hat eben angerufen")
    row.get_by_role("button", name="Antwort eintragen").click()
    expect(row.locator(".field-error")).to_contain_text("Bitte wählen Sie: zugesagt oder abgesagt.")
    expect(row.get_by_label("Notiz (freiwillig)")).to_have_value("hat eben angerufen")
    axe.check(coordinator)

    row.get_by_label("hat telefonisch zugesagt").check()
    row.get_by_role("button", name="Antwort eintragen").click()
    status = coordinator.locator("#offers-status")
    expect(status).to_have_text(f"Eingetragen: {name} hat telefonisch zugesagt.")
    expect(status).to_be_focused()
    row = offers.locator(".offer-row", has_text=name)
    expect(row.get_by_role("link", name="Antwort vom Telefon eintragen")).to_have_count(0)
    # The history has the line at once, as a remark: the status stays "angefragt".
    history = coordinator.locator("#request-history")
    remark = history.locator("tr", has_text=f"{name} hat telefonisch zugesagt (hat eben angerufen)")
    expect(remark).to_contain_text("Vermerk, Status unverändert")
    expect(remark).to_contain_text(coordinator_name)
    expect(history).not_to_contain_text("angefragt → angefragt")
    axe.check(coordinator)

    row.get_by_role("button", name="Bestätigen").click()
    expect(status).to_have_text(f"{name} ist bestätigt.")
    expect(offers).to_contain_text("1 von 1 Plätzen besetzt.")
    coordinator.reload()
    history = coordinator.locator("section", has=coordinator.locator("#history-heading"))
    entry = history.locator("tr", has_text=f"{name} hat telefonisch zugesagt (hat eben angerufen)")
    expect(entry).to_contain_text(coordinator_name)
    axe.check(coordinator)
    coordinator.set_viewport_size(PHONE)
    axe.check(coordinator)

    # The helper finds the assignment, as after her own yes, and had the confirmation mail.
    assert live_server.latest_mail("assignment_confirmed", email)
    helper = new_page()
    helper.set_viewport_size(PHONE)
    log_in(helper, email, PASSWORD)
    helper.goto("/assignments")
    expect(helper.locator("main")).to_contain_text("Paschtu")
    axe.check(helper)


def test_a_near_miss_is_booked_directly_with_a_reason_in_the_history(new_page, live_server, axe, log_in):
    name = f"Ilir B. {uuid.uuid4().hex[:4]}"
    email = make_helper(live_server.app, name, "sq")
    _only_on_wednesdays(live_server.app, email)
    request_id = _request(live_server.app, "sq")

    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, Role.COORDINATOR)
    page.goto(f"/requests/{request_id}?alle=1")
    entry = page.locator("#candidates .candidate", has_text=name)
    expect(entry).to_contain_text("laut Wochenplan keine Zeit")
    axe.check(page)

    follow(entry.get_by_role("link", name=re.compile("^Direkt einplanen")))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} direkt einplanen")
    expect(page.locator("main")).to_contain_text("Ausnahme: hat zu dieser Zeit laut Wochenplan keine Zeit")
    axe.check(page)

    # Without a reason: the message next to the field.
    page.problems.expect_console_error("status of 422")
    page.get_by_role("button", name="Direkt einplanen").click()
    expect(page.locator("#reason-error")).to_have_text("Bitte geben Sie einen Grund für die Ausnahme an.")
    expect(page.get_by_label("Grund für die Ausnahme")).to_have_attribute("aria-invalid", "true")
    axe.check(page)

    page.get_by_label("Grund für die Ausnahme").fill("kann am Dienstag ausnahmsweise")
    page.get_by_role("button", name="Direkt einplanen").click()
    expect(page).to_have_url(re.compile(rf"/requests/{request_id}#offers$"))
    expect(page.locator("#flash")).to_contain_text(f"{name} ist direkt eingeplant.")
    expect(page.locator("#offers .offer-row", has_text=name)).to_contain_text("bestätigt am")
    history = page.locator("section", has=page.locator("#history-heading"))
    expect(history).to_contain_text(
        f"{name} direkt eingeplant, Ausnahme: hat zu dieser Zeit laut Wochenplan keine Zeit. "
        "Grund: kann am Dienstag ausnahmsweise"
    )
    axe.check(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    axe.check(page)
    assert live_server.latest_mail("assignment_confirmed", email)
