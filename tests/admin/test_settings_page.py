"""/admin/settings: the KI's own settings for its admins, with messages next to the fields."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.orgs.settings import settings_for
from tests.factories import other_ki
from tests.support import htmx_headers

GOOD = {
    "contact_phone": "05271 965-0",
    "contact_email": "ki@kreis.example",
    "postal_address": "Moltkestraße 12\n37671 Höxter",
    "office_hours": "Mo–Do 9–15 Uhr",
    "privacy_notice": "Datenschutzbeauftragte: datenschutz@kreis.example",
    "lead_time_days": "5",
    "retention_days": "",
    "reminder_hours_before": "48",
    "police_certificate_valid_years": "3",
    "late_cancel_hours": "24",
    "coordinators_invite_helpers": "y",
    "gate_confidentiality": "y",
    "gate_qualification": "y",
}
GATES = {"gate_confidentiality", "gate_qualification"}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _checkbox(html: str, name: str) -> str:
    [tag] = re.findall(rf'<input[^>]* id="{name}"[^>]*>', html)
    return tag


def _ki(ki_id: int) -> Ki:
    db.session.expire_all()
    return db.session.get(Ki, ki_id)


def test_admin_sees_the_settings_with_the_configured_defaults(client, login_as, ki):
    login_as(Role.ADMIN)
    html = _html(client.get("/admin/settings"))
    assert 'name="contact_phone"' in html and 'name="coordinators_invite_helpers"' in html
    assert "Standard der Installation: 90" in html
    assert 'href="/reports/rates"' in html
    assert 'href="/admin/settings"' in html  # in the navigation


def test_saving_changes_the_admins_own_ki_only_and_audits_each_field(client, login_as, ki):
    other = other_ki()
    login_as(Role.ADMIN)
    response = client.post("/admin/settings", data=GOOD)
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/settings")
    saved = settings_for(_ki(ki.id))
    assert (saved.contact_phone, saved.lead_time_days, saved.reminder_hours_before) == ("05271 965-0", 5, 48)
    assert saved.retention_days == 90 and _ki(ki.id).retention_days is None
    assert saved.coordinators_invite_helpers and saved.late_cancel_hours == 24
    assert settings_for(_ki(other.id)).reminder_hours_before == 24
    fields = {
        event.detail["field"]
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ki.settings_changed"))
    }
    assert fields == set(GOOD) - {"retention_days"} - GATES  # the gates were on already


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "12345", "deutsche Telefonnummer"),
        ("contact_phone", "+1 212 555 0100", "deutsche Telefonnummer"),
        ("contact_email", "kein-at-zeichen", "gültige E-Mail-Adresse"),
        ("retention_days", "3", "von 7 bis 3650"),
        ("reminder_hours_before", "abc", "ganze Zahl"),
        ("police_certificate_valid_years", "11", "von 1 bis 10"),
        ("lead_time_days", "", "Bitte geben Sie eine Zahl an."),
        ("lead_time_days", "31", "von 0 bis 30"),
        ("late_cancel_hours", "0", "von 1 bis 336"),
        ("late_cancel_hours", "337", "von 1 bis 336"),
        ("day_before_hour", "2", "von 6 bis 20"),
        ("day_before_deadline_hour", "24", "von 7 bis 23"),
        ("day_before_deadline_hour", "9", "nach der Uhrzeit der Frage liegen (10 Uhr)"),
    ],
)
def test_bad_input_answers_422_with_the_message_and_keeps_what_was_typed(
    client, login_as, ki, field, value, message
):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/settings", data={**GOOD, field: value}, headers=htmx_headers("settings-form")
    )
    html = _html(response)
    assert response.status_code == 422
    assert "<html" not in html and message in html
    # Everything typed comes back: the bad value and the good ones around it.
    assert f'value="{value}"' in html if value else True
    assert "Moltkestraße 12" in html and "Datenschutzbeauftragte" in html
    assert _ki(ki.id).contact_phone is None


def test_a_german_number_may_be_written_in_the_usual_ways(client, login_as, ki):
    login_as(Role.ADMIN)
    for number in ("+49 5271 965-0", "0049 (5271) 9650", "05271/965 0"):
        assert client.post("/admin/settings", data={**GOOD, "contact_phone": number}).status_code == 303


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.HELPER])
def test_other_roles_may_not(client, login_as, role):
    login_as(role)
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=GOOD).status_code == 403


def test_the_organisations_page_links_to_the_lead_time_setting(client, login_as):
    login_as(Role.ADMIN)
    html = _html(client.get("/admin/organisations"))
    assert 'name="lead_time_days"' not in html and 'href="/admin/settings"' in html


def test_the_gates_are_on_by_default_and_an_admin_turns_them_off_and_on(client, login_as, ki):
    other = other_ki()
    login_as(Role.ADMIN)
    html = _html(client.get("/admin/settings"))
    for name in GATES:
        assert f'name="{name}"' in html
        assert "checked" in _checkbox(html, name)
    assert "Nachweise vor jeder Anfrage" in html and "Führungszeugnis" in html

    data = {name: value for name, value in GOOD.items() if name != "gate_confidentiality"}
    assert client.post("/admin/settings", data=data).status_code == 303
    saved = settings_for(_ki(ki.id))
    assert (saved.gate_confidentiality, saved.gate_qualification) == (False, True)
    assert settings_for(_ki(other.id)).gate_confidentiality
    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "ki.settings_changed",
            AuditEvent.detail["field"].as_string() == "gate_confidentiality",
        )
    )
    assert (event.detail["old"], event.detail["new"]) == (True, False)
    html = _html(client.get("/admin/settings"))
    assert "checked" not in _checkbox(html, "gate_confidentiality")

    assert client.post("/admin/settings", data=GOOD).status_code == 303
    assert settings_for(_ki(ki.id)).gate_confidentiality


def test_the_day_before_hours_are_saved_and_checked_together(client, login_as, ki):
    login_as(Role.ADMIN)
    assert "Standard der Installation: 10" in _html(client.get("/admin/settings"))
    response = client.post(
        "/admin/settings", data={**GOOD, "day_before_hour": "8", "day_before_deadline_hour": "12"}
    )
    assert response.status_code == 303
    saved = settings_for(_ki(ki.id))
    assert (saved.day_before_hour, saved.day_before_deadline_hour) == (8, 12)
    # The deadline left empty is the default (18): a question from 19 o'clock would come after it.
    refused = client.post(
        "/admin/settings", data={**GOOD, "day_before_hour": "19", "day_before_deadline_hour": ""}
    )
    assert refused.status_code == 422
    assert "nach der Uhrzeit der Frage liegen (19 Uhr)" in _html(refused)
