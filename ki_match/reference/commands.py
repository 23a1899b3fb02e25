"""``flask --app app seed``: the reference data (KI, towns, languages, topics) where missing."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ki_match.extensions import db
from ki_match.reference.services import ensure_reference_data


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load reference data (KI, towns, languages, topics) where missing."""
    ki = ensure_reference_data()
    db.session.commit()
    click.echo(f"Reference data ready for {ki.name}.")
