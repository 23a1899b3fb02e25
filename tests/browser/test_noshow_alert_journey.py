"""The requester says the helper did not come: the initiative member who asked reports "Helfer*in
ist nicht gekommen"; every coordinator gets the mail, the start page's tile counts it; the
coordinator opens the tile and marks it handled, and it is gone. axe at both widths.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.requests.models import RequestStatus
from tests.browser.conftest import DEMO_LOGINS, check_both_widths, follow, settle
from tests.factories import booked, make_helper, make_request, move_into_past

pytestmark = pytest.mark.browser


def _yesterdays_assignment(app) -> tuple[int, int, str]:
    """A request of the demo organisation, asked by the demo member, with a helper of its own
    confirmed for yesterday: (request id, assignment id, helper's name)."""
    marker = uuid.uuid4().hex[:8]
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.INITIATIVE]))
        coordinator = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.COORDINATOR]))
        request = make_request(
            created_by=coordinator,
            status=RequestStatus.FILLED,
            organisation_id=member.organisation_id,
            requested_by_id=member.id,
        )
        helper = make_helper(display_name=f"Nour Fehlt{marker}", email=f"fehlt.{marker}@example.org")
        assignment = move_into_past(booked(request, helper))
        return request.id, assignment.id, helper.user.display_name


def test_no_show_reported_alerted_and_handled(new_page, live_server, log_in, axe):
    request_id, assignment_id, name = _yesterdays_assignment(live_server.app)

    # The member who asked: the helper did not come.
    initiative = new_page()
    log_in(initiative, Role.INITIATIVE)
    initiative.goto(f"/initiative/requests/{request_id}")
    panel = initiative.locator("#signoff-panel")
    panel.get_by_text("Problem melden").click()
    panel.get_by_label("Helfer*in ist nicht gekommen").check()
    panel.get_by_role("button", name="Rückmeldung senden").click()
    settle(initiative)
    panel = initiative.locator("#signoff-panel")
    expect(panel.get_by_role("status")).to_contain_text("Helfer*in ist nicht gekommen")
    check_both_widths(initiative, axe)

    coordinator_email, _ = live_server.account(Role.COORDINATOR)
    mail = live_server.latest_mail("absence_reported", coordinator_email)
    assert name in mail.body_text and f"Anfrage #{request_id}" in mail.body_text

    # The coordinator: the tile on the start page, the list behind it, "Erledigt".
    coordinator = new_page()
    log_in(coordinator, Role.COORDINATOR)
    coordinator.goto("/")
    tile = coordinator.get_by_role("link", name="Nicht erschienen")
    expect(tile.locator(".figure")).not_to_have_text("0")
    check_both_widths(coordinator, axe)
    follow(tile)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Nicht erschienen")
    report = coordinator.locator(f"#absence-{assignment_id}")
    expect(report).to_contain_text(name)
    expect(report).to_contain_text(f"Anfrage {request_id}")
    check_both_widths(coordinator, axe)
    with coordinator.expect_navigation(wait_until="load"):
        report.get_by_role("button", name="Erledigt").click()
    expect(coordinator.locator("#flash")).to_contain_text(f"Erledigt: {name}")
    expect(coordinator.locator(f"#absence-{assignment_id}")).to_have_count(0)
    check_both_widths(coordinator, axe)
