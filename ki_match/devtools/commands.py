"""The development commands, registered with Flask's CLI as ``flask.commands`` entry points.

``pyproject.toml`` names ``demo_command`` and ``bench_command``; Flask loads them for every
``flask`` invocation, so this module imports nothing heavy until a command runs. Tests
invoke the command objects directly (``app.test_cli_runner().invoke(demo_command, …)``):
``app.cli`` does not know them.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ki_match.devtools.bench.commands import bench_command

__all__ = ["bench_command", "demo_command"]


@click.command("demo")
@click.option("--if-new", is_flag=True, help="Only if the database holds no users yet.")
@with_appcontext
def demo_command(if_new: bool) -> None:
    """Fill the database with realistic demo data (logins in README.md)."""
    from sqlalchemy import func, select

    from ki_match.accounts.models import User
    from ki_match.devtools.demo.data import load_demo
    from ki_match.extensions import db

    if if_new and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Database already has users; demo data not loaded.")
        return
    summary = load_demo()
    click.echo(summary)
