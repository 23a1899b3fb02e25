"""Reference data kept per process: the languages and topics, and each KI's towns.

Nearly every page reads them and an admin changes them now and then, so each process keeps
them, as plain frozen rows (never ORM objects, which belong to one session), filed under the
KI's ``reference_version``. That number comes with the login (the session's statement joins
the user's KI), so checking it costs no statement. Any change to a town, language or topic
made through the ORM gives the KIs it concerns a new number in the same transaction
(``_new_versions``): every process sees it with the commit and reads the data again. The
session that made the change reads the database for the rest of its life (its KI object
still holds the old number). A change by a plain SQL statement must call ``changed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from ki_match.extensions import db
from ki_match.orgs.models import Ki, new_reference_version
from ki_match.reference.models import Language, LanguageVariety, Topic, Town

CHANGED = "reference_data_changed"


@dataclass(frozen=True)
class VarietyRow:
    name: str
    ki_id: int


@dataclass(frozen=True)
class LanguageRow:
    id: int
    code: str
    cldr: str
    variant: str | None
    active: bool
    variety: VarietyRow | None = None


@dataclass(frozen=True)
class TopicRow:
    id: int
    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class TownRow:
    id: int
    ki_id: int
    name: str
    lat: float
    lon: float


_kept: dict[tuple[str, int], tuple[int, tuple]] = {}


def _kept_or_read(kind: str, ki: Ki, read: Callable[[], tuple]) -> tuple:
    if db.session.info.get(CHANGED):
        return read()
    version = ki.reference_version
    found = _kept.get((kind, ki.id))
    if found is not None and found[0] == version:
        return found[1]
    rows = read()
    _kept[kind, ki.id] = (version, rows)
    return rows


def _rows(row_type: type, statement) -> tuple:
    return tuple(row_type(*row) for row in db.session.execute(statement))


def languages(ki: Ki) -> tuple[LanguageRow, ...]:
    """Every language of the installation, by id (a variety with its name, as ``Language`` has it)."""
    statement = (
        select(
            Language.id,
            Language.code,
            Language.cldr,
            Language.variant,
            Language.active,
            LanguageVariety.name,
            LanguageVariety.ki_id,
        )
        .outerjoin(LanguageVariety, LanguageVariety.language_id == Language.id)
        .order_by(Language.id)
    )

    def read() -> tuple[LanguageRow, ...]:
        return tuple(
            LanguageRow(*row[:5], variety=VarietyRow(row[5], row[6]) if row[5] is not None else None)
            for row in db.session.execute(statement)
        )

    return _kept_or_read("languages", ki, read)


def topics(ki: Ki) -> tuple[TopicRow, ...]:
    """The KI's topics, by name (as the database orders names)."""
    statement = (
        select(Topic.id, Topic.code, Topic.name, Topic.active)
        .where(Topic.ki_id == ki.id)
        .order_by(Topic.name, Topic.id)
    )
    return _kept_or_read("topics", ki, lambda: _rows(TopicRow, statement))


def towns(ki: Ki) -> tuple[TownRow, ...]:
    """The KI's towns, by name (as the database orders names)."""
    statement = (
        select(Town.id, Town.ki_id, Town.name, Town.lat, Town.lon)
        .where(Town.ki_id == ki.id)
        .order_by(Town.name, Town.id)
    )
    return _kept_or_read("towns", ki, lambda: _rows(TownRow, statement))


def changed(session: Session, ki_ids: set[int] | None = None) -> None:
    """Give the KIs of ``ki_ids`` (None: every KI) a new reference version, in ``session``'s
    transaction, and let this session read reference data from the database from now on."""
    statement = update(Ki.__table__).values(reference_version=new_reference_version())
    if ki_ids is not None:
        statement = statement.where(Ki.__table__.c.id.in_(ki_ids))
    session.connection().execute(statement)
    session.info[CHANGED] = True


@event.listens_for(Session, "after_flush")
def _new_versions(session: Session, flush_context) -> None:
    """A town or a topic concerns its KI; a language (the installation's catalogue) every KI."""
    kis: set[int] = set()
    for item in chain(session.new, session.dirty, session.deleted):
        if isinstance(item, Language | LanguageVariety):
            changed(session)
            return
        if isinstance(item, Town | Topic):
            kis.add(item.ki_id)
    if kis:
        changed(session, kis)
