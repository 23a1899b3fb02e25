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

from sqlalchemy import create_engine, text
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
