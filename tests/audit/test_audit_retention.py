"""Audit events leave the log after their KI's retention period (whole Europe/Berlin days), through
the purge command; and every action the code records has words on the audit page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from ki_match.audit.labels import ACTION_LABELS, action_label
from ki_match.audit.models import AuditEvent
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.requests.retention import purge_audit_events
from tests.factories import berlin, other_ki


def _event(ki_id, at: datetime, action: str = "helper.viewed") -> int:
    event = AuditEvent(ki_id=ki_id, action=action, at=at)
    db.session.add(event)
    db.session.commit()
    return event.id


def _left(*ids: int) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(AuditEvent.id).where(AuditEvent.id.in_(ids))))


def test_the_oldest_kept_day_is_kept_whole_and_the_day_before_goes(app, ki):
    now = berlin(local_today(), time(12))
    first_kept_day = local_today() - timedelta(days=90)
    kept_early = _event(ki.id, berlin(first_kept_day, time(0, 0)))
    gone_late = _event(ki.id, berlin(first_kept_day, time(0, 0)) - timedelta(seconds=1))
    recent = _event(ki.id, now - timedelta(hours=1))

    assert purge_audit_events(now=now) == 1

    assert _left(kept_early, gone_late, recent) == {kept_early, recent}
    note = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.purged"))
    assert (
        note.ki_id == ki.id and note.detail == {"count": 1, "older_than_days": 90} and note.actor_id is None
    )


def test_each_ki_keeps_its_own_period_and_events_of_no_ki_stay(app, ki):
    elsewhere = other_ki()
    elsewhere.retention_days = 30
    db.session.execute(delete(AuditEvent))
    db.session.commit()
    now = datetime(2028, 3, 1, 11, tzinfo=UTC)  # a leap year's February lies between
    forty_days_ago = now - timedelta(days=40)
    ours = _event(ki.id, forty_days_ago)
    theirs = _event(elsewhere.id, forty_days_ago)
    nobodys = _event(None, forty_days_ago, "login.failure")
    nobodys_old = _event(None, now - timedelta(days=120), "login.failure")

    assert purge_audit_events(now=now) == 1

    assert _left(ours, theirs, nobodys, nobodys_old) == {ours, nobodys, nobodys_old}


def test_the_purge_command_deletes_old_audit_events(app, cli, ki):
    old = _event(ki.id, datetime.now(UTC) - timedelta(days=200))
    recent = _event(ki.id, datetime.now(UTC) - timedelta(days=2))

    result = cli("requests", "purge")

    assert result.exit_code == 0, result.output
    assert "deleted 1 audit event(s)" in result.output
    assert _left(old, recent) == {recent}


def test_every_recorded_action_has_words():
    code = "\n".join(path.read_text() for path in Path("ki_match").rglob("*.py"))
    recorded = set(re.findall(r'record(?:_at_once)?\(\s*"([a-z_]+(?:\.[a-z_]+)?)"', code))
    # Actions chosen by a condition: record("topic.activated" if … else "topic.deactivated").
    recorded |= set(re.findall(r'"([a-z_]+\.[a-z_]+)" if [^"]+ else "', code))
    recorded |= set(re.findall(r'if [^"\n]+ else "([a-z_]+\.[a-z_]+)"', code))
    assert {"helper.viewed", "topic.deactivated", "offer.retracted"} <= recorded
    assert recorded - set(ACTION_LABELS) == set()
    assert action_label("made.up") == "made.up"
