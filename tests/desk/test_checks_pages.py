"""The "Nachweise" page: the list, "gesehen am …" per check (htmx and without JS), who may use it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from tests.factories import make_helper, other_ki
from tests.support import audit_events, htmx_headers


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def expired(app):
    """Declaration and training on record, the police certificate seen six years ago."""
    helper = make_helper(display_name="Amina Abgelaufen")
    helper.confidentiality_signed_on = date(2020, 1, 1)
    helper.qualification_completed_on = date(2020, 1, 1)
    helper.police_certificate_seen_on = local_today() - timedelta(days=6 * 366)
    db.session.commit()
    return helper


def _seen(profile, check, day, **kwargs):
    field = f"seen-{profile.id}-{check}-seen_on"
    return {"path": f"/helpers/{profile.id}/checks-due/{check}/seen", "data": {field: day}, **kwargs}


def test_list_shows_what_is_due_and_is_audited(client, coordinator, expired):
    make_helper(ki=other_ki(), display_name="Fremde Person", email="fremd@example.org")
    response = client.get("/helpers/checks-due")
    page = body(response)
    assert response.status_code == 200
    assert "Amina Abgelaufen" in page and "abgelaufen am" in page
    assert "Fremde Person" not in page
    assert f'action="/helpers/{expired.id}/checks-due/police_certificate/seen"' in page
    assert f'value="{local_today().isoformat()}"' in page  # the date defaults to today
    assert audit_events("helper.list_viewed")[-1].detail["list"] == "checks_due"
    assert 'href="/helpers/checks-due"' in page  # in the navigation


def test_filters_and_sorting_answer_the_results_block(client, coordinator, expired):
    missing = make_helper(display_name="Berta Ohne")
    response = client.get("/helpers/checks-due?state=expired", headers=htmx_headers("due-results"))
    page = body(response)
    assert response.status_code == 200 and "<html" not in page
    assert "Amina Abgelaufen" in page and missing.user.display_name not in page
    page = body(client.get("/helpers/checks-due?state=missing&order=name"))
    assert "Berta Ohne" in page and "Amina Abgelaufen" not in page
    assert client.get("/helpers/checks-due?state=nonsense").status_code in (400, 404, 422)


def test_seen_today_with_htmx_swaps_the_row_and_records_who(client, coordinator, expired):
    response = client.post(
        **_seen(
            expired,
            "police_certificate",
            local_today().isoformat(),
            headers=htmx_headers(f"due-row-{expired.id}"),
        )
    )
    page = body(response)
    assert response.status_code == 200 and "<html" not in page
    assert f'id="due-row-{expired.id}"' in page and 'role="status"' in page
    assert "Alle Nachweise sind vorhanden." in page
    profile = db.session.get(HelperProfile, expired.id)
    assert (profile.police_certificate_seen_on, profile.police_certificate_seen_by_id) == (
        local_today(),
        coordinator.id,
    )
    assert profile.confidentiality_seen_by_id is None  # only the check seen now
    [event] = audit_events("helper.checks_updated")
    assert event.actor_id == coordinator.id and event.detail == {"checks": ["police_certificate_seen_on"]}
    assert "Amina Abgelaufen" not in body(client.get("/helpers/checks-due"))


def test_seen_without_js_goes_back_to_the_list_with_its_filters(client, coordinator, expired):
    response = client.post(
        f"/helpers/{expired.id}/checks-due/confidentiality/seen?state=missing&order=name",
        data={f"seen-{expired.id}-confidentiality-seen_on": "02.03.2024"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/helpers/checks-due?state=missing&order=name"
    assert db.session.get(HelperProfile, expired.id).confidentiality_signed_on == date(2024, 3, 2)


@pytest.mark.parametrize("value", ["", "31.02.2026", "morgen", "future"])
def test_a_bad_date_stands_next_to_the_field_with_what_was_typed(client, coordinator, expired, value):
    if value == "future":
        value = (local_today() + timedelta(days=3)).isoformat()
    for headers in ({}, htmx_headers(f"due-row-{expired.id}")):
        response = client.post(**_seen(expired, "police_certificate", value, headers=headers))
        page = body(response)
        assert response.status_code == 422
        field_id = f"seen-{expired.id}-police_certificate-seen_on"
        assert f'id="{field_id}-error"' in page and 'aria-invalid="true"' in page
        assert f'value="{value}"' in page
    assert not audit_events("helper.checks_updated")


def test_another_kis_helper_or_an_unknown_check_is_404(client, coordinator, expired):
    stranger = make_helper(ki=other_ki(), display_name="Fremde Person", email="fremd@example.org")
    today = local_today().isoformat()
    assert client.post(**_seen(stranger, "police_certificate", today)).status_code == 404
    assert client.post(**_seen(expired, "passport", today)).status_code == 404
    assert stranger.police_certificate_seen_on is None


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_are_refused(client, login_as, expired, role):
    login_as(role)
    assert client.get("/helpers/checks-due").status_code == 403
    today = local_today().isoformat()
    assert client.post(**_seen(expired, "police_certificate", today)).status_code == 403


def test_the_checks_form_on_the_helpers_page_records_who_too(client, coordinator, expired):
    client.post(
        f"/helpers/{expired.id}/checks", data={"police_certificate_seen_on": local_today().isoformat()}
    )
    [event] = audit_events("helper.checks_updated")
    assert event.actor_id == coordinator.id
