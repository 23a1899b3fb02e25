"""The command-line tasks an installation is set up and run with."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ki_match.accounts.models import Role, User
from ki_match.devtools.commands import demo_command
from ki_match.orgs.models import Ki
from ki_match.outbox import delivery
from ki_match.outbox.models import OutboxMessage
from ki_match.outbox.queue import queue_mail
from ki_match.reference.models import Language, Topic, Town

ADMIN_PASSWORD = "Lange-Passphrase-fuer-die-IT"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def reference_counts(db) -> dict[str, int]:
    return {model.__name__: count(db, model) for model in (Ki, Town, Language, Topic)}


# --- seed --------------------------------------------------------------------------------------


def test_seed_fills_a_new_database(make_app):
    from ki_match.extensions import db

    app = make_app()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Kreis Höxter" in result.output
    with app.app_context():
        assert reference_counts(db) == {"Ki": 1, "Town": 10, "Language": 18, "Topic": 8}


def test_seed_is_idempotent(cli, db):
    before = reference_counts(db)
    for _ in range(2):
        result = cli("seed")
        assert result.exit_code == 0, result.output
    assert reference_counts(db) == before


# --- create-admin ------------------------------------------------------------------------------


def test_create_admin_makes_a_verified_admin_who_can_log_in(cli, db, client):
    result = cli("create-admin", "IT@Kreis-Hoexter.example", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output

    admin = db.session.scalar(select(User).where(User.email == "it@kreis-hoexter.example"))
    assert admin.role == Role.ADMIN
    assert admin.email_verified_at is not None
    assert admin.active
    assert admin.password_hash != ADMIN_PASSWORD

    response = client.post("/login", data={"email": "it@kreis-hoexter.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_create_admin_asks_for_the_password_twice(cli, db):
    result = cli("create-admin", "it@kreis-hoexter.example", input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert count(db, User) == 1


def test_create_admin_refuses_a_duplicate(cli, db, create_user):
    create_user(Role.COORDINATOR, email="it@kreis-hoexter.example")
    result = cli("create-admin", "IT@kreis-hoexter.example", "--password", ADMIN_PASSWORD)
    assert result.exit_code != 0
    assert "exists" in result.output
    assert count(db, User) == 1
    assert db.session.scalar(select(User.role)) == Role.COORDINATOR


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("it@kreis-hoexter.example", "kurz", id="short-password"),
        pytest.param("it@kreis-hoexter.example", "passwort1234", id="common-password"),
        pytest.param("it-at-kreis-hoexter", ADMIN_PASSWORD, id="not-an-address"),
    ],
)
def test_create_admin_refuses_weak_credentials(cli, db, email, password):
    result = cli("create-admin", email, "--password", password)
    assert result.exit_code != 0
    assert count(db, User) == 0


def test_create_admin_for_another_ki(cli, db):
    from ki_match.installation.setup import create_ki

    heinsberg = create_ki("heinsberg", "Kreis Heinsberg").ki
    result = cli(
        "create-admin", "it@kreis-heinsberg.example", "--ki", "heinsberg", "--password", ADMIN_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "Kreis Heinsberg" in result.output
    admin = db.session.scalar(select(User).where(User.email == "it@kreis-heinsberg.example"))
    assert (admin.role, admin.ki_id) == (Role.ADMIN, heinsberg.id)


def test_create_admin_asks_which_ki_when_there_are_several(cli, db):
    from ki_match.installation.setup import create_ki

    create_ki("heinsberg", "Kreis Heinsberg")
    result = cli("create-admin", "it@kreis-heinsberg.example", "--password", ADMIN_PASSWORD)
    assert result.exit_code != 0
    assert "--ki" in result.output
    assert db.session.scalar(select(User).where(User.email == "it@kreis-heinsberg.example")) is None


def test_create_admin_refuses_a_ki_that_does_not_exist(cli, db):
    result = cli(
        "create-admin", "it@kreis-heinsberg.example", "--ki", "heinsberg", "--password", ADMIN_PASSWORD
    )
    assert result.exit_code != 0
    assert "ki create" in result.output
    assert count(db, User) == 0 and db.session.scalar(select(Ki).where(Ki.slug == "heinsberg")) is None


def test_operator_create_makes_an_operator_in_no_ki_who_lands_on_the_operator_pages(cli, db, client):
    result = cli("operator", "create", "Betrieb@Land.example", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    operator = db.session.scalar(select(User).where(User.email == "betrieb@land.example"))
    assert (operator.role, operator.ki_id, operator.display_name) == (Role.OPERATOR, None, "Betrieb")
    assert operator.email_verified_at is not None

    response = client.post("/login", data={"email": "betrieb@land.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 303
    assert client.get("/").headers["Location"] == "/operator"


@pytest.mark.parametrize(
    "args",
    [
        ("betrieb@land.example", "--password", "kurz"),
        ("betrieb@land.example", "--password", "passwort1234"),
        ("keine-adresse", "--password", ADMIN_PASSWORD),
    ],
)
def test_operator_create_refuses_weak_credentials(cli, db, args):
    result = cli("operator", "create", *args)
    assert result.exit_code != 0
    assert count(db, User) == 0


def test_operator_create_refuses_a_duplicate(cli, db, create_user):
    create_user(Role.COORDINATOR, email="betrieb@land.example")
    result = cli("operator", "create", "betrieb@land.example", "--password", ADMIN_PASSWORD)
    assert result.exit_code != 0 and "exists" in result.output


# --- demo --------------------------------------------------------------------------------------


def test_demo_if_new_leaves_a_database_with_users_alone(cli, db, create_user, monkeypatch):
    create_user(Role.COORDINATOR)

    def must_not_run():
        raise AssertionError("demo data loaded into a database that has users")

    monkeypatch.setattr("ki_match.devtools.demo.data.load_demo", must_not_run)
    result = cli(demo_command, "--if-new")
    assert result.exit_code == 0, result.output
    assert "already has users" in result.output
    assert count(db, User) == 1


def test_demo_if_new_loads_into_an_empty_database(cli, monkeypatch):
    calls = []
    monkeypatch.setattr("ki_match.devtools.demo.data.load_demo", lambda: calls.append(1) or "demo loaded")
    result = cli(demo_command, "--if-new")
    assert result.exit_code == 0, result.output
    assert calls == [1]
    assert "demo loaded" in result.output


# --- notifications send ------------------------------------------------------------------------


def test_notifications_send_delivers_pending_mail(cli, db, create_user):
    delivery.sent_messages.clear()
    user = create_user(Role.HELPER)
    queue_mail(
        kind="verify_email",
        to=user.email,
        subject="Bitte bestätigen",
        template="emails/verify_email",
        key="cli",
        user=user,
        link="http://localhost/verify/x",
    )

    result = cli("notifications", "send")
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert [m["To"] for m in delivery.sent_messages] == [user.email]
    assert db.session.scalar(select(OutboxMessage.sent_at)) is not None

    again = cli("notifications", "send")
    assert "sent 0, failed 0" in again.output
    assert len(delivery.sent_messages) == 1
    delivery.sent_messages.clear()


def test_notifications_send_loop_outlives_a_database_outage(cli, monkeypatch):
    """The worker runs as a service: a database restart must not end it."""
    from ki_match.notifications import commands

    rounds = iter([OperationalError("SELECT 1", {}, Exception("server closed the connection")), (2, 0)])

    def deliver():
        outcome = next(rounds)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt  # the operator stops the worker

    monkeypatch.setattr(commands, "deliver_pending", deliver)
    monkeypatch.setattr(commands.time, "sleep", nap)
    result = cli("notifications", "send", "--loop", "--interval", "0.5")
    assert "sent 2, failed 0" in result.output
    assert len(naps) == 2
