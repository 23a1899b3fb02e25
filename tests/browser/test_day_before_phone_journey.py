"""The day before, at the desk: a helper did not answer "Kommen Sie morgen?" by the deadline, the
coordinator sees her on the start page, calls her, and records "Kommt (telefonisch)": the flag goes
and the request page says she comes. axe at 390 px and at desktop width."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.tomorrow.models import DayBeforeCheck
from tests.browser.conftest import check_both_widths
from tests.browser.test_coordinator_journey import _helper as make_helper
from tests.browser.test_day_before_journey import _confirmed_and_asked

pytestmark = pytest.mark.browser


def _flagged(app, request_id: int) -> int:
    """Her question flagged as the job flags it at the deadline (only hers: the database is shared)."""
    with app.app_context():
        check = (
            db.session.query(DayBeforeCheck)
            .join(DayBeforeCheck.assignment)
            .filter_by(request_id=request_id)
            .one()
        )
        check.flagged_at = utcnow()
        db.session.commit()
        return check.id


def test_the_coordinator_records_that_she_comes(new_page, live_server, axe, log_in):
    app = live_server.app
    name = f"Hamdi C. {uuid.uuid4().hex[:4]}"
    request_id = _confirmed_and_asked(app, make_helper(app, name, "so"))
    check_id = _flagged(app, request_id)

    desk = new_page()
    log_in(desk, "koordination@ki-hoexter.example")
    desk.goto("/")
    row = desk.locator(f"#no-answer-{check_id}")
    expect(row).to_contain_text(name)
    figure = desk.locator("#no-answer-figure .figure")
    before = int(figure.inner_text())
    check_both_widths(desk, axe)

    row.get_by_role("button", name="Kommt (telefonisch)").click()
    expect(desk.locator("#no-answer-status")).to_have_text(
        f"Eingetragen: {name} kommt (telefonisch bestätigt)."
    )
    expect(row).to_have_count(0)
    expect(figure).to_have_text(str(before - 1))
    expect(desk.locator("#no-answer-status")).to_be_focused()
    check_both_widths(desk, axe)

    desk.goto(f"/requests/{request_id}")
    expect(desk.locator("#offers .offer-row", has_text=name)).to_contain_text("telefonisch, eingetragen von")
    expect(desk.locator(f"#day-before-coming-{check_id}")).to_have_count(0)
