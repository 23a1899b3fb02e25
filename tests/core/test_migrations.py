"""The migrations build exactly the schema the models describe, and can be undone.

Runs on the suite's kind of database (SQLite, or PostgreSQL when
``KI_MATCH_TEST_POSTGRES`` is set), always on a scratch database of its own:
the shared test database stays at head for the other tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from ki_match import create_app
from ki_match.config import database_url
from ki_match.core.health import migration_heads
from ki_match.extensions import db


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
    from ki_match.initiatives.models import ContactShare
    from ki_match.reference.services import ensure_reference_data
    from ki_match.requests.models import AssignmentStatus, RequestStatus
    from tests.factories import booked, make_helper, make_request, make_user

    upgrade(revision="0008")
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
    db.session.execute(
        text("UPDATE help_request SET contact_shared = true WHERE id = :id"), {"id": request.id}
    )
    db.session.commit()
    request_id, organisation_id = request.id, member.organisation_id
    before_id, coordinator_id = before.id, coordinator.id
    db.session.remove()

    upgrade(revision="0009")
    [share] = db.session.scalars(db.select(ContactShare)).all()
    assert (share.request_id, share.helper_id, share.organisation_id) == (
        request_id,
        before_id,
        organisation_id,
    )
    assert share.shared_by_id == coordinator_id and share.ended_at is None
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
