"""``flask --app app create-admin``: the first admin of a KI; ``flask --app app operator create``:
an operator of the installation, above the KIs."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from ki_match.accounts.forms import COMMON_PASSWORDS
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password, normalise_email, user_by_email
from ki_match.clock import utcnow
from ki_match.core.text import normalise_name
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.services import default_ki


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administration", show_default=True)
@click.option(
    "--ki",
    "ki_slug",
    help="The KI's short name (default: the installation's only KI). It must exist (flask ki create).",
)
@click.password_option()
@with_appcontext
def create_admin_command(email: str, name: str, ki_slug: str | None, password: str) -> None:
    """Create an admin account of a KI, e.g. its first one."""
    ki = _ki_for_admin(ki_slug)
    _create_account(email, name, password, role=Role.ADMIN, ki_id=ki.id)
    click.echo(f"Admin {email} of {ki.name} created.")


def _ki_for_admin(slug: str | None) -> Ki:
    """The KI named, or the installation's only one; nothing is assumed beyond that."""
    if slug is None:
        kis = db.session.scalars(select(Ki).order_by(Ki.id).limit(2)).all()
        if len(kis) != 1:
            raise click.ClickException(
                "Name the KI with --ki <slug>"
                if kis
                else "There is no KI yet: create it with flask --app app ki create --slug … --name … --admin …"
            )
        return kis[0]
    ki = default_ki(slug)
    if ki is None:
        raise click.ClickException(
            f"There is no KI {slug!r}: create it first with flask --app app ki create --slug {slug} --name …"
        )
    return ki


operator_cli = AppGroup("operator", help="The operators of this installation, above the KIs.")


@operator_cli.command("create")
@click.argument("email")
@click.option("--name", default="Betrieb", show_default=True)
@click.password_option()
def create_operator_command(email: str, name: str, password: str) -> None:
    """Create an operator account: sets KIs up and closes them, sees figures, no KI's people."""
    _create_account(email, name, password, role=Role.OPERATOR, ki_id=None)
    click.echo(f"Operator {email} created.")


def _create_account(email: str, name: str, password: str, *, role: Role, ki_id: int | None) -> None:
    _check_credentials(email, password)
    if user_by_email(email) is not None:
        raise click.ClickException("An account with this e-mail address exists.")
    db.session.add(
        User(
            ki_id=ki_id,
            email=normalise_email(email),
            display_name=normalise_name(name),
            role=role,
            password_hash=hash_password(password),
            email_verified_at=utcnow(),
        )
    )
    db.session.commit()


def _check_credentials(email: str, password: str) -> None:
    """The rules of the registration form, for the one account created outside it.

    The first admin (or an operator) holds the keys to every account: a typo in the address or
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
