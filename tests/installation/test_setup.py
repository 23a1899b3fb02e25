"""Setting up a KI: the service behind `flask ki create`, the operator's page and the benchmark."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, TokenPurpose, User
from ki_match.installation.setup import SetupError, create_ki
from ki_match.orgs.models import Ki
from ki_match.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.support import link_in

ADMIN = "it@kreis-heinsberg.example"


def kis(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Ki))


def test_create_ki_makes_the_ki_and_invites_its_first_admin(db, client):
    done = create_ki("heinsberg", "Kreis Heinsberg", ADMIN)

    assert done.created and done.admin_invited
    assert (done.ki.slug, done.ki.name, done.ki.active) == ("heinsberg", "Kreis Heinsberg", True)
    admin = done.admin
    assert (admin.role, admin.ki_id, admin.password_hash) == (Role.ADMIN, done.ki.id, None)
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == ADMIN))
    assert "Kreis Heinsberg" in mail.body_text
    path = link_in(mail)
    assert client.get(path).status_code == 200
    assert TokenPurpose.INVITATION.value in mail.link_ref


def test_create_ki_is_idempotent(db):
    first = create_ki("heinsberg", "Kreis Heinsberg", ADMIN)
    count, mails = kis(db), db.session.scalar(select(func.count()).select_from(OutboxMessage))

    again = create_ki("heinsberg", "Kreis Heinsberg", ADMIN)

    assert not again.created and not again.admin_invited
    assert again.ki.id == first.ki.id and again.admin.id == first.admin.id
    assert kis(db) == count
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails


@pytest.mark.parametrize("slug", ["", "kreis heinsberg", "-heinsberg", "heinsberg-", "x" * 41, "hö"])
def test_create_ki_refuses_a_slug_that_cannot_stand_in_a_url(db, slug):
    with pytest.raises(SetupError):
        create_ki(slug, "Kreis Heinsberg")


def test_create_ki_takes_the_slug_in_lower_case(db):
    assert create_ki(" Heinsberg ", "Kreis Heinsberg").ki.slug == "heinsberg"


def test_create_ki_refuses_an_address_of_another_account(db):
    make_user(Role.COORDINATOR, email="someone@example.org")
    with pytest.raises(SetupError):
        create_ki("heinsberg", "Kreis Heinsberg", "someone@example.org")
    assert db.session.scalar(select(Ki).where(Ki.slug == "heinsberg")) is None


def test_ki_create_command(cli, db):
    result = cli("ki", "create", "--slug", "heinsberg", "--name", "Kreis Heinsberg", "--admin", ADMIN)
    assert result.exit_code == 0, result.output
    assert "Created: Kreis Heinsberg (/k/heinsberg/)" in result.output
    assert f"Invitation mailed to {ADMIN}" in result.output

    again = cli("ki", "create", "--slug", "heinsberg", "--name", "Kreis Heinsberg", "--admin", ADMIN)
    assert again.exit_code == 0, again.output
    assert "Exists" in again.output and "already an admin" in again.output
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == ADMIN)) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--slug", "Kreis Heinsberg", "--name", "Kreis Heinsberg"),
        ("--slug", "heinsberg", "--name", " "),
        ("--slug", "heinsberg", "--name", "Kreis Heinsberg", "--admin", "not-an-address"),
    ],
)
def test_ki_create_command_refuses_bad_input(cli, db, args):
    result = cli("ki", "create", *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert db.session.scalar(select(Ki).where(Ki.slug == "heinsberg")) is None
