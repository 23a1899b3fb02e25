"""``flask --app app create-admin``: the first admin account of a new installation."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext

from ki_match.accounts.forms import COMMON_PASSWORDS
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password, normalise_email, user_by_email
from ki_match.clock import utcnow
from ki_match.core.text import normalise_name
from ki_match.extensions import db
from ki_match.reference.services import ensure_reference_data


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administration", show_default=True)
@click.password_option()
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create the first admin account of a new installation."""
    _check_admin_credentials(email, password)
    if user_by_email(email) is not None:
        raise click.ClickException("An account with this e-mail address exists.")
    ki = ensure_reference_data()
    db.session.add(
        User(
            ki_id=ki.id,
            email=normalise_email(email),
            display_name=normalise_name(name),
            role=Role.ADMIN,
            password_hash=hash_password(password),
            email_verified_at=utcnow(),
        )
    )
    db.session.commit()
    click.echo(f"Admin {email} created.")


def _check_admin_credentials(email: str, password: str) -> None:
    """The rules of the registration form, for the one account created outside it.

    The first admin holds the keys to every account: a typo in the address or
    a short password here would be as bad as anywhere else.
    """
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if not minimum <= len(password) <= 128:
        raise click.BadParameter(f"use {minimum} to 128 characters", param_hint="--password")
    if password.lower() in COMMON_PASSWORDS or password.strip().lower() == email.strip().lower():
        raise click.BadParameter("too easy to guess", param_hint="--password")
