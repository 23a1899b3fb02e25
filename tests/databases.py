"""Test databases: a new one per purpose, brought to the newest migration.

SQLite by default (a file in a temporary folder of its own). With ``KI_MATCH_TEST_POSTGRES``
set to a server URL (``postgresql://postgres@127.0.0.1:5432/test``) each database
is created on that server and dropped when the session ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from flask import Flask
from sqlalchemy import Engine

from ki_match import create_app
from ki_match.devtools.bench.commands import fresh_database
from ki_match.extensions import db


def new_database(label: str) -> AbstractContextManager[str]:
    """The URI of a new, empty database, removed afterwards (the bench's own ``fresh_database``)."""
    return fresh_database(
        os.environ.get("KI_MATCH_TEST_POSTGRES") or None, keep=False, echo=print, label=label
    )


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
