"""Test databases: a new one per purpose, brought to the newest migration.

SQLite by default (a file in a temporary folder). With ``KI_MATCH_TEST_POSTGRES``
set to a server URL (``postgresql://postgres@127.0.0.1:5432/test``) each database
is created on that server and dropped when the session ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from ki_match import create_app
from ki_match.config import database_url
from ki_match.extensions import db


@contextmanager
def new_database(folder: Path, label: str) -> Iterator[str]:
    """The URI of a new, empty database, removed afterwards (a SQLite file goes with ``folder``)."""
    server = os.environ.get("KI_MATCH_TEST_POSTGRES") or None
    if server is None:
        yield f"sqlite:///{folder / f'{label}.sqlite3'}"
        return
    admin_url = make_url(database_url(server))
    name = f"ki_match_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(uri: str) -> str:
    """Build the schema by the real migrations, as ``flask db upgrade`` does."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return uri


class Baseline:
    """The rows the test database holds before any test: the reference data, seeded once.

    ``restore`` brings the database back to exactly these rows, whatever a test
    (or a server thread, or another process) committed: every table emptied,
    the seeded rows written back in one statement per table.
    """

    def __init__(self, engine: Engine):
        self.rows = {}
        with engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in connection.execute(table.select())]
                if rows:
                    self.rows[table] = rows

    def restore(self, engine: Engine) -> None:
        tables = list(reversed(db.metadata.sorted_tables))
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # One round trip; the names are the schema's own.
                deletes = "; ".join(f'DELETE FROM "{table.name}"' for table in tables)  # noqa: S608
                connection.exec_driver_sql(deletes)
            else:
                for table in tables:
                    connection.execute(table.delete())
            for table, rows in self.rows.items():
                connection.execute(table.insert(), rows)


@contextmanager
def rows_kept(app: Flask) -> Iterator[None]:
    """Inside, every test ends back at the rows the database holds now, not at the reference data.

    For a module-scoped fixture that builds rows once for all its tests; when
    the block ends, the database returns to the reference data.
    """
    previous = app.extensions["tests.baseline"]
    with app.app_context():
        app.extensions["tests.baseline"] = Baseline(db.engine)
    try:
        yield
    finally:
        app.extensions["tests.baseline"] = previous
        with app.app_context():
            db.session.remove()
            previous.restore(db.engine)
