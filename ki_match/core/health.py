"""Liveness and readiness: no login, no personal data."""

from __future__ import annotations

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from ki_match.access import public
from ki_match.config import ROOT
from ki_match.extensions import db

bp = Blueprint("health", __name__)


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_state() -> tuple[bool, str]:
    try:
        with db.engine.connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        current_app.logger.exception("readiness check could not reach the database")
        return False, "database unreachable"
    if current != migration_heads():
        return False, "migrations not at head"
    return True, "ok"


@bp.route("/healthz")
@public
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz():
    ready, detail = database_state()
    return jsonify(status="ok" if ready else "unavailable", detail=detail), (200 if ready else 503)
