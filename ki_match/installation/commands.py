"""``flask --app app ki create``: a new KI from the command line, with its first admin invited."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from ki_match.installation.setup import SetupError, create_ki

ki_cli = AppGroup("ki", help="Set up the integration centres (KIs) of this installation.")


@ki_cli.command("create")
@click.option("--slug", required=True, help="Short name in URLs, e.g. heinsberg (/k/heinsberg/).")
@click.option("--name", required=True, help='Full name, e.g. "Kreis Heinsberg".')
@click.option(
    "--admin", "admin_email", help="E-mail address of the KI's first admin; gets an invitation link."
)
def create_command(slug: str, name: str, admin_email: str | None) -> None:
    """Create a KI, or complete one that exists (idempotent)."""
    if admin_email is not None:
        try:
            validate_email(admin_email, check_deliverability=False)
        except EmailNotValidError as error:
            raise click.BadParameter(str(error), param_hint="--admin") from None
    try:
        done = create_ki(slug, name, admin_email)
    except SetupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{'Created' if done.created else 'Exists'}: {done.ki.name} (/k/{done.ki.slug}/).")
    if done.admin_invited:
        click.echo(f"Invitation mailed to {done.admin.email} (run the mail worker to send it).")
    elif done.admin is not None:
        click.echo(f"{done.admin.email} is already an admin of this KI.")
