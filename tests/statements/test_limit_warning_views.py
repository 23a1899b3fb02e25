"""The warning at the approve buttons (the request page and the approvals list) when approving the
reported hours would take the helper over her yearly limit; approving still works."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from ki_match.extensions import db
from ki_match.helpers.models import AllowanceLimit
from ki_match.requests.models import Assignment
from tests.factories import allowance_rate, reported
from tests.support import htmx_headers

WARNING = "Mit dieser Freigabe 1.012,00\xa0€ von 960,00\xa0€ – über der Ehrenamtspauschale"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def near_the_limit(ki, create_helper, coordinator, auth):
    """At 10 €/h: four approved days of 24 hours in 2026 (960,00 €), and a report waiting for
    approval of 5 hours and a ticket of 2,00 € (52,00 €): 1.012,00 € with it."""
    allowance_rate(ki, date(2025, 1, 1), 1000, 30)
    helper = create_helper(display_name="Farah Helferin")
    for day in (2, 3, 4, 5):
        reported(helper, coordinator, utc(2026, 2, day, 6), minutes=1440)
    waiting = reported(
        helper, coordinator, utc(2026, 11, 10, 9), minutes=300, ticket_cents=200, approved=False
    )
    auth.login(coordinator.email)
    return waiting


def test_the_request_page_warns_at_the_approve_button(client, near_the_limit):
    html = client.get(f"/requests/{near_the_limit.request_id}").get_data(as_text=True)
    assert WARNING in html
    button = re.search(rf'<button[^>]*id="approve-{near_the_limit.id}"[^>]*>', html).group(0)
    assert f'aria-describedby="offer-row-a{near_the_limit.id} limit-warning-{near_the_limit.id}"' in button


def test_the_approvals_list_warns_and_approving_still_works(client, near_the_limit):
    html = client.get("/requests/approvals").get_data(as_text=True)
    assert WARNING in html
    button = re.search(rf'<button[^>]*id="approve-{near_the_limit.id}"[^>]*>', html).group(0)
    assert f"limit-warning-{near_the_limit.id}" in button
    response = client.post(
        f"/requests/assignments/{near_the_limit.id}/approve",
        data={"back": "approvals"},
        headers=htmx_headers("approval-list"),
    )
    assert response.status_code == 200
    assert db.session.get(Assignment, near_the_limit.id).approved_at is not None
    assert WARNING not in response.get_data(as_text=True)


def test_no_warning_with_room_left(client, near_the_limit):
    near_the_limit.helper.allowance_limit = AllowanceLimit.UEBUNGSLEITER
    db.session.commit()
    assert "Mit dieser Freigabe" not in client.get("/requests/approvals").get_data(as_text=True)
    assert "Mit dieser Freigabe" not in client.get(f"/requests/{near_the_limit.request_id}").get_data(
        as_text=True
    )
