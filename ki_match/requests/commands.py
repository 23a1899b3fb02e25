"""Scheduled request housekeeping, run by cron or a systemd timer: ``flask --app app requests …``.

``escalate`` (automatic follow-up) joins this group from ``ki_match.offers.commands``;
``create_app`` puts the group together.
"""

from __future__ import annotations

import click
from flask import Blueprint

from ki_match.outbox.retention import purge_bodies
from ki_match.requests.lifecycle import mark_unfilled
from ki_match.requests.retention import purge_client_data

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
    help="Retention period in days (default: RETENTION_DAYS from the configuration, 90).",
)
def purge_command(older_than_days: int | None) -> None:
    """Forget the client data of requests finished longer ago than the retention period, and
    the bodies of mails sent long enough ago (README.md, "Privacy and retention")."""
    purged = purge_client_data(older_than_days)
    click.echo(f"purged client data of {sum(purged.values())} request(s)")
    click.echo(f"emptied the bodies of {purge_bodies()} mail(s)")
