"""A helper reports her hours with a ticket instead of kilometres; the coordinator sees at the
approve button that this takes her over the Ehrenamtspauschale, and approves; the helper opens her
yearly statement on a 390 px phone. Axe at both widths."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.accounts.services import user_by_email
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.reports.models import AllowanceRate
from tests.browser.conftest import DEMO_LOGINS, PHONE_SIZE, check_both_widths, follow, settle
from tests.factories import (
    PASSWORD,
    allowance_rate,
    assignment_for,
    first_ki,
    make_helper,
    make_request,
    move_into_past,
    reported,
)

pytestmark = pytest.mark.browser

# A rate of the demo KI from long ago, so that this year's work is paid; taken away again after.
RATE_FROM = date(2001, 1, 1)
WARNING = "Mit dieser Freigabe 1.012,00\xa0€ von 960,00\xa0€ – über der Ehrenamtspauschale"


@pytest.fixture
def near_the_limit(live_server):
    """A fresh helper with four approved days of 24 hours at 10 €/h yesterday (960,00 €, the
    Ehrenamtspauschale of 2026 exactly), and an assignment of yesterday still to report."""
    suffix = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        ki = first_ki()
        left_over = db.session.scalar(
            select(AllowanceRate.id).where(
                AllowanceRate.ki_id == ki.id, AllowanceRate.valid_from == RATE_FROM
            )
        )
        assert left_over is None, "a rate left over from an earlier run"
        rate = allowance_rate(ki, RATE_FROM, 1000, 30)
        helper = make_helper(
            ki=ki, display_name=f"Farah{suffix} Helferin", email=f"farah{suffix}@example.org"
        )
        coordinator = user_by_email(DEMO_LOGINS[Role.COORDINATOR])
        yesterday = (utcnow() - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
        for hour in range(4):
            reported(helper, coordinator, yesterday + timedelta(hours=hour), minutes=1440)
        to_report = move_into_past(
            assignment_for(make_request(ki=ki, created_by=coordinator), helper, coordinator)
        )
        found = helper.user.email, helper.user.display_name, to_report.id
        rate_id = rate.id
    yield found
    with live_server.app.app_context():
        db.session.delete(db.session.get(AllowanceRate, rate_id))
        db.session.commit()


def test_a_ticket_over_the_limit_is_approved_and_shows_in_her_statement(
    new_page, log_in, axe, near_the_limit
):
    email, name, assignment_id = near_the_limit

    # The helper, on her phone, reports five hours and a bus ticket instead of kilometres.
    helper = new_page()
    helper.set_viewport_size(PHONE_SIZE)
    log_in(helper, email, PASSWORD)
    helper.goto(f"/assignments/{assignment_id}")
    form = helper.locator("#report-form")
    form.get_by_label("Stunden", exact=True).fill("5")
    form.get_by_label("Ticket statt Kilometer (Bus, Bahn)").check()
    expect(form.get_by_label("Gefahrene Kilometer (hin und zurück)")).to_be_hidden()
    form.get_by_label("Preis des Tickets in Euro (hin und zurück)").fill("2,00")
    form.get_by_label("Beleg (freiwillig)").fill("Bus R22")
    axe.check(helper)
    form.get_by_role("button", name="Angaben speichern").click()
    expect(helper.locator("#flash")).to_contain_text("Danke! Ihre Angaben sind gespeichert.")
    expect(helper.locator("section[aria-labelledby=reported-heading]")).to_contain_text("2,00\xa0€ – Bus R22")

    # The coordinator sees the ticket and, at the approve button, that it goes over the limit.
    desk = new_page()
    log_in(desk, Role.COORDINATOR)
    desk.goto("/requests/approvals")
    row = desk.locator("tr", has=desk.locator(f"#approve-{assignment_id}"))
    expect(row).to_contain_text("Ticket 2,00\xa0€")
    expect(row.locator(f"#limit-warning-{assignment_id}")).to_have_text(WARNING)
    axe.check(desk)
    row.get_by_role("button", name="Bestätigen").click()
    settle(desk)
    expect(desk.locator("#approval-list [role=status]")).to_have_text(
        f"Die Angaben von {name} sind bestätigt."
    )
    expect(desk.locator(f"#approve-{assignment_id}")).to_have_count(0)
    axe.check(desk)

    # Her yearly statement, from her assignments.
    follow(helper.get_by_role("link", name="Zurück zu meinen Einsätzen"))
    follow(helper.get_by_role("link", name="Meine Jahresübersicht: Aufwandsentschädigung und Stunden"))
    expect(helper.get_by_role("heading", level=1)).to_have_text(f"Jahresübersicht {local_today().year}")
    expect(helper.locator("#statement-table")).to_contain_text("2,00\xa0€")
    expect(helper.locator("#limit-use")).to_contain_text("1.012,00\xa0€ von 960,00\xa0€")
    expect(helper.locator("#limit-use")).to_contain_text("52,00\xa0€")
    expect(helper.locator("#card-standing")).to_contain_text("Ehrenamtskarte NRW")
    check_both_widths(helper, axe)
