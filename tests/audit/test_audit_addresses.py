"""Login addresses leave the audit log after the retention period; the events themselves stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ki_match.accounts.models import Role, UserSession
from ki_match.audit.models import AuditEvent
from ki_match.audit.services import forget_addresses
from ki_match.clock import utcnow
from ki_match.extensions import db


def _event(action: str, age_days: int, address: str | None, **detail) -> AuditEvent:
    event = AuditEvent(
        action=action, at=utcnow() - timedelta(days=age_days), ip=address, detail=detail or None
    )
    db.session.add(event)
    db.session.commit()
    return event


def test_addresses_older_than_the_cutoff_are_forgotten(app):
    old = _event("login.failure", 100, "203.0.113.7", email_hash="abc", ip="203.0.113.7")
    older_in_detail = _event("login.success", 120, None, remote_addr="198.51.100.4", via="form")
    recent = _event("login.success", 10, "198.51.100.9")

    assert forget_addresses(utcnow() - timedelta(days=90)) == 2
    db.session.commit()

    db.session.expire_all()
    old, older_in_detail, recent = (db.session.get(AuditEvent, e.id) for e in (old, older_in_detail, recent))
    assert old.ip is None and old.detail == {"email_hash": "abc"} and old.action == "login.failure"
    assert older_in_detail.detail == {"via": "form"}
    assert recent.ip == "198.51.100.9"
    assert forget_addresses(utcnow() - timedelta(days=90)) == 0  # again: nothing left to forget


def test_the_purge_command_forgets_old_addresses(app):
    old = _event("login.success", 200, "203.0.113.8")
    recent = _event("login.success", 1, "203.0.113.9")

    result = app.test_cli_runner().invoke(args=["requests", "purge"])

    assert result.exit_code == 0, result.output
    assert "address" in result.output
    db.session.expire_all()
    assert db.session.get(AuditEvent, old.id).ip is None
    assert db.session.get(AuditEvent, recent.id).ip == "203.0.113.9"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.addresses_forgotten"))


def test_the_purge_command_deletes_logins_that_ended_before_the_cutoff(app, create_user):
    user = create_user(Role.HELPER)
    now = utcnow()

    def login(created_days: int, seen_days: int, revoked_days: int | None) -> int:
        row = UserSession(
            token_hash=f"{created_days}-{seen_days}-{revoked_days}".ljust(64, "0"),
            user_id=user.id,
            created_at=now - timedelta(days=created_days),
            last_seen_at=now - timedelta(days=seen_days),
            revoked_at=None if revoked_days is None else now - timedelta(days=revoked_days),
            ip="203.0.113.20",
            user_agent="Firefox",
        )
        db.session.add(row)
        db.session.commit()
        return row.id

    logged_out_long_ago = login(200, 150, 150)
    idle_long_ago = login(200, 120, None)
    logged_out_lately = login(100, 6, 5)
    live = login(1, 0, None)

    result = app.test_cli_runner().invoke(args=["requests", "purge"])

    assert result.exit_code == 0, result.output
    assert "deleted 2 ended login(s)" in result.output
    kept = set(db.session.scalars(select(UserSession.id)))
    assert kept == {logged_out_lately, live}
    assert {logged_out_long_ago, idle_long_ago}.isdisjoint(kept)
