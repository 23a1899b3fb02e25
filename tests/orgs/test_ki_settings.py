"""A KI's settings: defaults from the configuration, each KI's own value where set, and every
reader (purge, reminders, certificate validity, lead time) using the KI's value."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from ki_match.audit.models import AuditEvent
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.notifications.reminders import send_reminders
from ki_match.orgs.settings import change_settings, settings_for
from ki_match.profile.services import police_certificate_of
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange
from ki_match.requests.retention import purge_client_data
from tests.factories import CLIENT_REF, assignment_for, make_helper, make_request, other_ki
from tests.support import outbox


def test_defaults_come_from_the_configuration(app, ki):
    app.config.update(RETENTION_DAYS=60, REMINDER_HOURS_BEFORE=12, POLICE_CERTIFICATE_VALID_YEARS=3)
    settings = settings_for(ki)
    assert (
        settings.retention_days,
        settings.reminder_hours_before,
        settings.police_certificate_valid_years,
    ) == (
        60,
        12,
        3,
    )
    assert settings.lead_time_days == 3
    assert not settings.coordinators_invite_helpers
    assert not settings.has_contact


def test_a_kis_own_value_wins_over_the_configuration_and_only_for_that_ki(app, ki):
    other = other_ki()
    change_settings(ki, None, retention_days=30, reminder_hours_before=48, contact_phone=" 05271 965-0 ")
    db.session.commit()
    assert settings_for(ki).retention_days == 30
    assert settings_for(ki).reminder_hours_before == 48
    assert settings_for(ki).contact_phone == "05271 965-0"
    assert settings_for(ki).phone_link == "052719650"
    assert settings_for(other).retention_days == app.config["RETENTION_DAYS"] == 90
    change_settings(ki, None, retention_days=None)
    assert settings_for(ki).retention_days == 90


def test_each_change_is_audited_with_old_and_new_values_but_texts_only_by_name(ki):
    changed = change_settings(
        ki,
        None,
        retention_days=120,
        coordinators_invite_helpers=True,
        contact_email="maria.schmidt@kreis.example",
        lead_time_days=3,
    )
    db.session.commit()
    assert changed == ["retention_days", "coordinators_invite_helpers", "contact_email"]
    details = [
        e.detail
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ki.settings_changed"))
    ]
    assert {"field": "retention_days", "old": None, "new": 120} in details
    assert {"field": "coordinators_invite_helpers", "old": False, "new": True} in details
    assert {"field": "contact_email"} in details
    assert "maria" not in str(details)
    assert change_settings(ki, None, retention_days=120) == []


def test_a_setting_that_is_not_one_is_refused(ki):
    with pytest.raises(ValueError):
        change_settings(ki, None, slug="elsewhere")


# --- the readers ----------------------------------------------------------------------------


def _finished(request: HelpRequest, days_ago: int) -> HelpRequest:
    # Arranged for the test past the lifecycle's door, as in tests/requests/test_lifecycle.py.
    db.session.execute(
        update(HelpRequest).where(HelpRequest.id == request.id).values(status=RequestStatus.COMPLETED)
    )
    db.session.add(
        RequestStatusChange(
            request_id=request.id,
            from_status=RequestStatus.FILLED,
            to_status=RequestStatus.COMPLETED,
            at=utcnow() - timedelta(days=days_ago),
        )
    )
    db.session.commit()
    return request


def _client_ref(request: HelpRequest) -> str | None:
    db.session.expire_all()
    return db.session.get(HelpRequest, request.id).client_ref


def test_the_purge_keeps_each_kis_client_data_for_its_own_period(ki):
    other = other_ki()
    change_settings(ki, None, retention_days=30)
    db.session.commit()
    here = _finished(make_request(ki=ki), days_ago=31)
    there = _finished(make_request(ki=other, where="Paderborn"), days_ago=31)
    assert purge_client_data() == {ki.id: 1}
    assert (_client_ref(here), _client_ref(there)) == (None, CLIENT_REF)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "requests.client_data_purged"))
    assert (event.ki_id, event.detail) == (ki.id, {"count": 1, "older_than_days": 30})


def test_the_purge_commands_period_wins_over_every_kis(ki):
    change_settings(ki, None, retention_days=30)
    db.session.commit()
    request = _finished(make_request(ki=ki), days_ago=31)
    assert purge_client_data(older_than_days=40) == {}
    assert _client_ref(request) == CLIENT_REF


def test_reminders_follow_each_kis_hours(ki, coordinator, available_helper):
    change_settings(ki, None, reminder_hours_before=48)
    db.session.commit()
    assignment = assignment_for(make_request(created_by=coordinator), available_helper(), coordinator)
    assert send_reminders(now=assignment.starts_at - timedelta(hours=49)).assignments == 0
    assert send_reminders(now=assignment.starts_at - timedelta(hours=47)).assignments == 1
    assert len(outbox("assignment_reminder")) == 1


def test_a_ki_without_its_own_hours_reminds_at_the_configured_time(ki, coordinator, available_helper):
    change_settings(other_ki(), None, reminder_hours_before=48)
    db.session.commit()
    assignment = assignment_for(make_request(created_by=coordinator), available_helper(), coordinator)
    assert send_reminders(now=assignment.starts_at - timedelta(hours=47)).assignments == 0
    assert send_reminders(now=assignment.starts_at - timedelta(hours=23)).assignments == 1


def test_certificate_validity_is_the_kis(ki):
    profile = make_helper(ki=ki)
    profile.police_certificate_seen_on = date(2025, 1, 10)
    db.session.commit()
    assert police_certificate_of(profile).renew_by == date(2030, 1, 10)
    change_settings(ki, None, police_certificate_valid_years=2)
    db.session.commit()
    assert police_certificate_of(profile).renew_by == date(2027, 1, 10)


def test_the_lead_time_is_read_through_the_settings(ki):
    change_settings(ki, None, lead_time_days=0)
    db.session.commit()
    assert settings_for(ki).lead_time_days == 0 == ki.lead_time_days
