"""``flask --app app demo``: realistic demo data for a new database (logins in README.md)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ki_match.accounts.models import User
from ki_match.demo.data import load_demo
from ki_match.extensions import db


@click.command("demo")
@click.option("--if-new", is_flag=True, help="Only if the database holds no users yet.")
@with_appcontext
def demo_command(if_new: bool) -> None:
    """Fill the database with realistic demo data (logins in README.md)."""
    if if_new and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Database already has users; demo data not loaded.")
        return
    click.echo(load_demo())
