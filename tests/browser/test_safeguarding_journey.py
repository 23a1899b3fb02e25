"""Safeguarding that matching enforces: an admin turns the gate for the confidentiality declaration
on, a helper without one is "Fast passend" with that reason, a coordinator records the declaration's
date on her page (the existing checks form), and she becomes a candidate. Axe at desktop width and
on a 390 px phone."""

from __future__ import annotations

import uuid
from datetime import time

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.reference.models import Level
from tests.browser.conftest import check_both_widths, follow, main_navigation, open_new_request
from tests.factories import first_ki, make_managed_helper, next_tuesday

pytestmark = pytest.mark.browser


def _gate(app, on: bool) -> None:
    with app.app_context():
        first_ki().gate_confidentiality = on
        db.session.commit()


def test_the_gate_makes_a_helper_without_a_declaration_a_near_miss_until_it_is_recorded(
    new_page, live_server, axe, log_in
):
    suffix = uuid.uuid4().hex[:4]
    name = f"Hodan{suffix} Warsame"
    with live_server.app.app_context():
        helper = make_managed_helper(
            display_name=name,
            languages=(("so", Level.NATIVE), ("de", Level.B2)),
            slots=((1, time(8), time(18)),),
        )
        helper.confidentiality_signed_on = None
        db.session.commit()
        helper_id = helper.id
    _gate(live_server.app, False)
    try:
        _journey(new_page, axe, log_in, helper_id, name, suffix)
    finally:
        _gate(live_server.app, True)  # the demo KI's default


def _journey(new_page, axe, log_in, helper_id: int, name: str, suffix: str) -> None:
    # The admin turns the gate on.
    admin = new_page()
    log_in(admin, Role.ADMIN)
    follow(main_navigation(admin).get_by_role("link", name="Einstellungen"))
    gate = admin.get_by_label("Schweigepflichterklärung unterschrieben")
    expect(gate).not_to_be_checked()
    expect(admin.get_by_role("group", name="Nachweise vor jeder Anfrage")).to_contain_text("Fast passend")
    check_both_widths(admin, axe)
    gate.check()
    admin.get_by_role("button", name="Einstellungen speichern").click()
    expect(admin.locator("#flash")).to_contain_text("Die Einstellungen sind gespeichert.")
    expect(admin.get_by_label("Schweigepflichterklärung unterschrieben")).to_be_checked()

    # Without a declaration she is "Fast passend", with the reason.
    page = new_page()
    log_in(page, Role.COORDINATOR)
    request_path = open_new_request(
        page,
        language="Somali",
        day=next_tuesday().isoformat(),
        town="Brakel",
        place="Grundschule Brakel",
        client_ref=f"Fall G-17{suffix}",
    )
    near = page.locator("#candidates li.near-miss", has_text=name)
    expect(near).to_contain_text("Hinderungsgrund: Schweigepflichterklärung fehlt")
    check_both_widths(page, axe)

    # The coordinator records the date on her page.
    page.goto(f"/helpers/{helper_id}")
    checks = page.locator("#checks")
    checks.get_by_label("Schweigepflichterklärung unterschrieben am").fill(local_today().isoformat())
    checks.get_by_role("button", name="Prüfungen speichern").click()
    expect(checks.get_by_role("status")).to_contain_text("gespeichert")
    check_both_widths(page, axe)

    # Now she is a candidate, to be asked like anyone.
    page.goto(request_path)
    candidates = page.locator("#candidates")
    expect(candidates.locator("li.near-miss", has_text=name)).to_have_count(0)
    expect(candidates.get_by_label(name)).to_be_visible()
    check_both_widths(page, axe)
