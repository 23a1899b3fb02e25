"""Scheduled request housekeeping, run by cron or a systemd timer: ``flask --app app requests …``.

``escalate`` (automatic follow-up) joins this group from ``ki_match.offers.commands``;
``create_app`` puts the group together.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Blueprint

from ki_match.accounts.sessions import forget_old_sessions
from ki_match.audit.services import forget_addresses
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.outbox.retention import purge_bodies
from ki_match.requests.lifecycle import mark_unfilled
from ki_match.requests.retention import purge_audit_events, purge_client_data, retention_days

bp = Blueprint("request_commands", __name__, cli_group="requests")


@bp.cli.command("mark-unfilled")
def mark_unfilled_command() -> None:
    """Requests whose time passed without enough helpers become unfilled; old offers expire."""
    result = mark_unfilled()
    click.echo(f"unfilled {result.unfilled}, offers expired {result.offers_expired}")


@bp.cli.command("purge")
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=None,
    help="Retention period in days for every KI (default: each KI's own, set under /admin/settings, "
    "else RETENTION_DAYS from the configuration, 90).",
)
def purge_command(older_than_days: int | None) -> None:
    """Forget the client data of requests finished longer ago than the retention period, the
    bodies of mails sent long enough ago, the network addresses in audit events older than
    the retention period, and audit events older than their KI's retention period (README.md,
    "Privacy and retention")."""
    purged = purge_client_data(older_than_days)
    click.echo(f"purged client data of {sum(purged.values())} request(s)")
    click.echo(f"emptied the bodies of {purge_bodies()} mail(s)")
    forgotten, sessions = forget_old_addresses(older_than_days)
    click.echo(f"forgot the network address of {forgotten} audit event(s)")
    click.echo(f"deleted {sessions} ended login(s)")
    click.echo(f"deleted {purge_audit_events(older_than_days)} audit event(s)")


def forget_old_addresses(older_than_days: int | None) -> tuple[int, int]:
    """Network addresses are kept as long as client data, no longer: cleared in the audit log,
    and ended logins (address, browser) deleted. Returns both counts."""
    before = utcnow() - timedelta(days=retention_days(older_than_days))
    forgotten = forget_addresses(before)
    sessions = forget_old_sessions(before)
    db.session.commit()
    return forgotten, sessions
