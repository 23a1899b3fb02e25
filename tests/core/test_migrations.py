"""The migrations build exactly the schema the models describe, and can be undone.

Runs on the suite's kind of database (SQLite, or PostgreSQL when
``KI_MATCH_TEST_POSTGRES`` is set), always on a scratch database of its own:
the shared test database stays at head for the other tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from ki_match import create_app
from ki_match.config import database_url
from ki_match.core.health import migration_heads
from ki_match.extensions import db
from ki_match.reference.data import TOPICS
from ki_match.requests.models import RequestKind


def _scratch_databases(tmp_path) -> Iterator[callable]:
    """A factory of empty databases on the suite's engine type, all removed afterwards."""
    server = os.environ.get("KI_MATCH_TEST_POSTGRES")
    created: list[str] = []
    admin = create_engine(make_url(database_url(server)), isolation_level="AUTOCOMMIT") if server else None

    def new() -> str:
        if admin is None:
            return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.sqlite3'}"
        name = f"ki_match_migrations_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    try:
        yield new
    finally:
        if admin is not None:
            with admin.connect() as connection:
                for name in created:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture
def scratch_database(tmp_path):
    yield from _scratch_databases(tmp_path)


@pytest.fixture
def scratch_app(scratch_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database()})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def table_names(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_differences(connection) -> list:
    """What ``flask db check`` would report: models versus the migrated database."""
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            # As configured for Flask-Migrate in create_app: SQLite alters tables in batches.
            "render_as_batch": True,
        },
    )
    return compare_metadata(context, db.metadata)


def check_constraints(engine) -> dict[str, dict[str, str]]:
    found = inspect(engine)
    return {
        table: {check["name"]: check["sqltext"] for check in found.get_check_constraints(table)}
        for table in found.get_table_names()
        if table != "alembic_version"
    }


def overlap_guard(connection) -> set[str]:
    """The database objects that refuse overlapping assignments of one helper (see the migration)."""
    if connection.dialect.name == "postgresql":
        return set(
            connection.execute(
                text(
                    "SELECT conname FROM pg_constraint WHERE contype = 'x' AND conrelid = 'assignment'::regclass"
                )
            ).scalars()
        )
    return set(
        connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'assignment'")
        ).scalars()
    )


@contextmanager
def newer_schema_for_the_factories():
    """Inside, an older revision's database also has the tables and columns the models added later,
    so that the factories (which write through the newest models) can build a world on it; they
    go again, with what was written into them, before the test upgrades."""
    found = inspect(db.engine)
    present = set(found.get_table_names())
    tables = [table for table in db.metadata.sorted_tables if table.name not in present]
    columns = [
        (table.name, column)
        for table in db.metadata.sorted_tables
        if table.name in present
        for column in table.columns
        if column.name not in {c["name"] for c in found.get_columns(table.name)}
    ]
    with db.engine.begin() as connection:
        for table in tables:
            table.create(connection)
        for table, column in columns:
            default = (
                f" DEFAULT {column.server_default.arg.text}" if column.server_default is not None else ""
            )
            kind = column.type.compile(connection.dialect)
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column.name} {kind}{default}"))
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(tables):
                table.drop(connection)
            for table, column in columns:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column.name}"))


def test_upgrade_downgrade_upgrade(scratch_app):
    model_tables = set(db.metadata.tables)

    upgrade()
    assert table_names(db.engine) == model_tables | {"alembic_version"}
    with db.engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) == migration_heads()
        guard = overlap_guard(connection)
    assert guard

    downgrade(revision="base")
    assert table_names(db.engine) == {"alembic_version"}
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0

    upgrade()
    assert table_names(db.engine) == model_tables | {"alembic_version"}
    with db.engine.connect() as connection:
        assert overlap_guard(connection) == guard
        assert schema_differences(connection) == []


def test_models_and_migrations_agree(scratch_app):
    upgrade()
    with db.engine.connect() as connection:
        differences = schema_differences(connection)
    # No known false positives today: should one appear (say, a type SQLite
    # reflects differently), filter that one entry here and explain why.
    assert differences == [], "models and migrations differ; run `flask --app app db migrate`"


def test_check_constraints_match_the_models(scratch_app, scratch_database):
    """Alembic's comparison ignores CHECK constraints, so compare them against ``create_all``.

    Both databases are built by the same SQLAlchemy on the same kind of
    server, so each constraint must come back with the same name and the same
    text as reflected by that server.
    """
    upgrade()
    reference = create_engine(scratch_database())
    try:
        db.metadata.create_all(reference)
        migrated, declared = check_constraints(db.engine), check_constraints(reference)
    finally:
        reference.dispose()
    assert migrated == declared
    # The comparison is not vacuous: a few constraints the tests in test_models.py rely on.
    assert "ck_helper_language_level_range" in migrated["helper_language"]
    assert "ck_user_account_role" in migrated["user_account"]
    assert "ck_help_request_helpers_needed_range" in migrated["help_request"]


def test_a_database_behind_is_detected(scratch_app):
    upgrade()
    downgrade(revision="base")
    with db.engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) != migration_heads()


def test_contact_shares_come_from_the_old_flag_for_the_helpers_confirmed_before_it(scratch_app):
    """0009: a request marked "contact shared" shares the contact of those who held a seat when it
    was shared, not of a helper confirmed after it; going back marks the request again."""
    from datetime import timedelta

    from ki_match.accounts.models import Role
    from ki_match.audit.models import AuditEvent
    from ki_match.clock import utcnow
    from ki_match.reference.services import ensure_reference_data
    from ki_match.requests.models import AssignmentStatus, RequestStatus
    from tests.factories import booked, make_helper, make_request, make_user

    # The rows are made by today's factories at the newest revision, then taken back to 0008:
    # the models know only the newest schema.
    upgrade()
    ensure_reference_data()
    coordinator = make_user(Role.COORDINATOR)
    member = make_user(Role.INITIATIVE)
    request = make_request(
        status=RequestStatus.FILLED, needed=2, organisation_id=member.organisation_id, created_by=coordinator
    )
    shared_at = utcnow() - timedelta(hours=1)
    gone, before, after = (make_helper() for _ in range(3))
    booked(request, gone, status=AssignmentStatus.WITHDRAWN, confirmed_at=shared_at - timedelta(hours=3))
    booked(request, before, seat=1, confirmed_at=shared_at - timedelta(hours=2))
    booked(request, after, seat=2, confirmed_at=shared_at + timedelta(minutes=5))
    db.session.add(
        AuditEvent(
            action="request.contact_shared",
            actor_id=coordinator.id,
            subject_type="help_request",
            subject_id=request.id,
            at=shared_at,
        )
    )
    db.session.commit()
    request_id, organisation_id = request.id, member.organisation_id
    before_id, coordinator_id = before.id, coordinator.id
    db.session.remove()
    downgrade(revision="0008")
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE help_request SET contact_shared = true WHERE id = :id"), {"id": request_id}
        )

    upgrade(revision="0009")
    shares = db.session.execute(
        text("SELECT request_id, helper_id, organisation_id, shared_by_id, ended_at FROM contact_share")
    ).all()
    assert [tuple(share) for share in shares] == [
        (request_id, before_id, organisation_id, coordinator_id, None)
    ]
    # Dropping the column kept the request's rows (a rebuilt table would have cascaded them away).
    kept = db.session.scalar(
        text("SELECT count(*) FROM assignment WHERE request_id = :id"), {"id": request_id}
    )
    assert kept == 3
    db.session.remove()

    downgrade(revision="0008")
    with db.engine.connect() as connection:
        flag = connection.execute(
            text("SELECT contact_shared FROM help_request WHERE id = :id"), {"id": request_id}
        ).scalar()
    assert bool(flag) is True


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar()
            for name in table_names(db.engine) - {"alembic_version"}
        }


def test_rebuilding_user_account_keeps_every_row_that_points_at_it(scratch_app):
    """0011 makes ``user_account.ki_id`` nullable for operators, which rebuilds the table on
    SQLite. Sessions, tokens, helper profiles, requests, offers and the audit log point at
    accounts: none of their rows may go, neither up nor down (env.py switches SQLite's foreign
    keys off around the migrations and checks them before committing)."""
    from ki_match.accounts.models import Role, TokenPurpose
    from ki_match.accounts.services import issue_token
    from ki_match.accounts.sessions import start_session
    from ki_match.reference.services import ensure_reference_data
    from tests.factories import make_helper, make_request, make_user, offer_to

    upgrade()
    ensure_reference_data()
    coordinator = make_user(Role.COORDINATOR)
    helper = make_helper()
    offer_to(make_request(created_by=coordinator), helper, sent_by_id=coordinator.id)
    start_session(helper.user, "127.0.0.1", "test")  # also an audit row naming the helper
    issue_token(coordinator, TokenPurpose.RESET_PASSWORD)
    operator = make_user(Role.OPERATOR)
    start_session(operator, "127.0.0.1", "test")
    db.session.commit()
    before = _row_counts()
    assert before["user_session"] == 2 and before["account_token"] == 1 and before["offer"] == 1
    db.session.remove()

    downgrade(revision="0010")
    # Only the operator goes (a schema without the role has no place for them), with their login.
    expected = before | {
        "user_account": before["user_account"] - 1,
        "user_session": before["user_session"] - 1,
    }
    # (Tables of later revisions are gone at 0010; every other table keeps its rows.)
    back = _row_counts()
    assert back == {name: count for name, count in expected.items() if name in back}
    with db.engine.connect() as connection:
        actors = connection.execute(text("SELECT count(*) FROM audit_event WHERE actor_id IS NULL")).scalar()
    assert actors >= 1  # the operator's login stays in the log, by no one

    upgrade()
    assert _row_counts() == expected
    with db.engine.connect() as connection:
        assert schema_differences(connection) == []
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_reference_data_per_ki_from_the_shared_rows(scratch_app):
    """0012: every KI offers all languages it had, gets its own copy of the topics, and its
    helpers and requests point at its own; going back collapses the copies and keeps the rows."""
    from ki_match.helpers.models import helper_topic
    from ki_match.orgs.models import Ki
    from ki_match.reference.models import Topic
    from ki_match.reference.services import ensure_reference_data
    from tests.factories import make_helper, make_request

    upgrade(revision="0009")
    with newer_schema_for_the_factories():
        first = ensure_reference_data()
        # The second KI as the old schema had it: no topics of its own (they were shared).
        second = Ki(slug="zweites", name="Zweites KI")
        db.session.add(second)
        db.session.flush()
        db.session.execute(
            text("INSERT INTO town (ki_id, name, lat, lon) VALUES (:ki, 'Paderborn', 51.7189, 8.7575)"),
            {"ki": second.id},
        )
        health = db.session.scalar(db.select(Topic).where(Topic.code == "health"))
        mine, theirs = make_helper(ki=first), make_helper(ki=second, home=None)
        mine.topics, theirs.topics = [health], [health]
        request = make_request(ki=second, where=None, kind=RequestKind.REMOTE, topic_id=health.id)
        db.session.commit()
        ids = {"first": first.id, "second": second.id, "health": health.id, "mine": mine.id}
        ids |= {"theirs": theirs.id, "request": request.id}

    upgrade(revision="0012_reference")
    with db.engine.connect() as connection:

        def one(sql, **params):
            return connection.execute(text(sql), params).scalar()

        assert one("SELECT count(*) FROM topic") == 2 * len(TOPICS)
        languages = one("SELECT count(*) FROM language")
        assert one("SELECT count(*) FROM ki_language WHERE ki_id = :ki", ki=ids["second"]) == languages
        copy = one("SELECT id FROM topic WHERE ki_id = :ki AND code = 'health'", ki=ids["second"])
        assert copy != ids["health"]
        assert one("SELECT ki_id FROM topic WHERE id = :id", id=ids["health"]) == ids["first"]
        assert one("SELECT topic_id FROM help_request WHERE id = :id", id=ids["request"]) == copy
        topic_of = "SELECT topic_id FROM helper_topic WHERE helper_id = :helper"
        assert one(topic_of, helper=ids["theirs"]) == copy
        assert one(topic_of, helper=ids["mine"]) == ids["health"]
        assert one("SELECT count(*) FROM town WHERE served") == 11
        assert one("SELECT count(*) FROM assignment") == 0  # nothing else was touched
        assert one("SELECT count(*) FROM help_request") == 1

    downgrade(revision="0009")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM topic")).scalar() == len(TOPICS)
        assert (
            connection.execute(
                text("SELECT topic_id FROM help_request WHERE id = :id"), {"id": ids["request"]}
            ).scalar()
            == ids["health"]
        )
        helpers = connection.execute(
            select(helper_topic.c.helper_id).where(helper_topic.c.topic_id == ids["health"])
        ).scalars()
        assert set(helpers) == {ids["mine"], ids["theirs"]}
