"""Declarative base, column types and small model helpers shared by every domain."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Enum, ForeignKey, MetaData, String, Table, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

# The largest value of an INTEGER column (PostgreSQL's int4; SQLite takes more, but ids and
# numbers must mean the same on both). Ids in URLs and numbers in forms stay below it.
INT_MAX = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A point in time, always stored and returned as UTC.

    SQLite keeps no zone, PostgreSQL does; this type makes both hand back
    aware datetimes so comparisons never mix naive and aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint on the enum's values, on every database."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def association(
    name: str, owner: str, owner_table: str, other: str, other_table: str, *, index_other=False
) -> Table:
    """A many-to-many table between two models; its rows go with their owner (ON DELETE CASCADE)."""
    return Table(
        name,
        Base.metadata,
        Column(owner, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column(other, ForeignKey(f"{other_table}.id"), primary_key=True, index=index_other or None),
    )


@dataclass
class Page:
    """One page of a longer list: its rows (or cards), how many there are in all, page x of y."""

    items: list
    total: int
    page: int
    pages: int
    offers: dict = field(default_factory=dict)  # the request list's offer summary per request


def page_number(total: int, wanted: int, size: int) -> tuple[int, int]:
    """(page, pages): ``wanted`` brought within the pages ``total`` rows fill at ``size`` a page."""
    pages = max(1, math.ceil(total / size))
    return min(max(1, wanted), pages), pages


# What PostgreSQL assumes a random read costs, relative to a sequential one. The server's default
# (4) models spinning disks; on SSDs, or with the working set in memory as here, a random read
# costs about the same, and PostgreSQL's documentation suggests 1.1. With 4, it scanned the whole
# state's users or helper languages to avoid a few hundred index lookups in the KI's own helpers.
RANDOM_PAGE_COST = 1.1


@event.listens_for(Engine, "connect")
def _postgres_settings(dbapi_connection, connection_record):
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET random_page_cost = {RANDOM_PAGE_COST}")
    # A SET inside a transaction that is rolled back is undone, so end this one now.
    dbapi_connection.commit()


def end_reading(session: Session) -> None:
    """End a request's transaction that wrote nothing with COMMIT instead of the ROLLBACK that
    closing the session would send, so the connection keeps its prepared statements.

    psycopg prepares a statement on the server once it has run it five times on a connection, and
    PostgreSQL then skips planning it again: the planning took longer than the execution for most
    of a page's statements. But psycopg forgets every prepared statement on ROLLBACK (and deallocates
    them), and each request ended with one, so nothing was ever prepared. For a transaction that
    wrote nothing, COMMIT and ROLLBACK leave the database the same; PostgreSQL itself says whether
    it wrote (a transaction gets an id with its first write or row lock). Anything not yet flushed
    is left to the rollback, as before."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    wrote = session.scalar(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL"))
    if not wrote:
        session.commit()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, WAL for concurrent readers, and wait instead of failing on a lock."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class folded(FunctionElement):
    """A text column in lower case, for searching.

    PostgreSQL's lower() knows ä and Ä; SQLite's only knows ASCII, so SQLite
    gets Python's ``str.lower`` as a function registered on each connection.
    """

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _folded_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw):
    return f"ki_match_lower({compiler.process(element.clauses, **kw)})"


@event.listens_for(Engine, "connect")
def _sqlite_lower(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(
            "ki_match_lower",
            1,
            lambda value: value.lower() if isinstance(value, str) else value,
            deterministic=True,
        )
