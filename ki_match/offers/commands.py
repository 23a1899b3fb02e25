"""``flask --app app requests escalate``: automatic follow-up, run by cron (see ``escalation``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ki_match.offers.escalation import escalate


@click.command("escalate")
@with_appcontext
def escalate_command() -> None:
    """Requests with automatic follow-up: ask the next candidates where nobody said yes in time."""
    steps = escalate()
    click.echo(f"followed up {len(steps)} request(s), offers sent {sum(step.offers_sent for step in steps)}")
