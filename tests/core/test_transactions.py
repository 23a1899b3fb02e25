"""A request that only read ends its transaction with COMMIT (``db.end_reading``), so psycopg keeps
the statements it prepared on the connection; one that wrote, or has unflushed changes, is left to
the usual rollback."""

import pytest
from sqlalchemy import select, text

from ki_match.accounts.models import Role
from ki_match.db import end_reading
from ki_match.orgs.models import Ki


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements")
    return db


def test_a_transaction_that_only_read_is_committed(postgres):
    postgres.session.execute(select(Ki.id)).all()
    end_reading(postgres.session())
    assert not postgres.session().in_transaction()


def test_a_transaction_that_wrote_is_left_for_the_rollback(postgres):
    ki = postgres.session.scalars(select(Ki)).first()
    postgres.session.execute(text("UPDATE ki SET name = 'Geändert' WHERE id = :id"), {"id": ki.id})
    end_reading(postgres.session())
    assert postgres.session().in_transaction()
    postgres.session.rollback()
    assert postgres.session.get(Ki, ki.id).name != "Geändert"


def test_unflushed_changes_are_left_for_the_rollback(postgres):
    ki = postgres.session.scalars(select(Ki)).first()
    name = ki.name
    ki.name = "Geändert"
    end_reading(postgres.session())
    assert postgres.session().in_transaction()
    postgres.session.rollback()
    assert postgres.session.get(Ki, ki.id).name == name


def test_pages_read_keep_their_prepared_statements(postgres, client, login_as):
    """psycopg prepares a statement after its fifth run on a connection and forgets all of them on
    ROLLBACK: with the request's transaction rolled back, none would ever be prepared."""
    login_as(Role.COORDINATOR)
    # One connection in the pool, which every request below and the check after them use in turn.
    postgres.session.remove()
    postgres.engine.dispose()
    for _ in range(7):
        assert client.get("/accessibility").status_code == 200
    assert postgres.engine.pool.checkedin() == 1
    prepared = postgres.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("user_session" in statement for statement in prepared)
