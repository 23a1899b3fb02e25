"""Scheduled request housekeeping, run by cron or a systemd timer: ``flask --app app requests …``."""

from __future__ import annotations

import click
from flask import Blueprint

bp = Blueprint("request_commands", __name__, cli_group="requests")


@bp.cli.command("mark-unfilled")
def mark_unfilled_command() -> None:
    """Requests whose time passed without enough helpers become unfilled; old offers expire."""
    from ki_match.offers.services import mark_unfilled

    result = mark_unfilled()
    click.echo(f"unfilled {result.unfilled}, offers expired {result.offers_expired}")


@bp.cli.command("escalate")
def escalate_command() -> None:
    """Requests with automatic follow-up: ask the next candidates where nobody said yes in time."""
    from ki_match.offers.escalation import escalate

    steps = escalate()
    click.echo(f"followed up {len(steps)} request(s), offers sent {sum(step.offers_sent for step in steps)}")


@bp.cli.command("purge")
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=None,
    help="Retention period in days (default: RETENTION_DAYS from the configuration, 90).",
)
def purge_command(older_than_days: int | None) -> None:
    """Forget client references and exact places of requests finished longer ago than the retention period."""
    from ki_match.requests.services import purge_client_data

    purged = purge_client_data(older_than_days)
    click.echo(f"purged client data of {sum(purged.values())} request(s)")
