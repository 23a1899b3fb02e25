"""Every read of a KI's reference data: the pickers' towns, languages and topics."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, or_, select

from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, LanguageVariety, Topic, Town, ki_language


def towns(ki: Ki) -> list[Town]:
    """All the KI's towns, served or not (where its helpers may live)."""
    return list(db.session.scalars(select(Town).where(Town.ki_id == ki.id).order_by(Town.name)))


def served_towns(ki: Ki, keep: Town | int | None = None) -> list[Town]:
    """The towns the KI takes requests in, and ``keep`` (a request's current town) in any case."""
    keep_id = keep.id if isinstance(keep, Town) else keep
    served = Town.served.is_(True) if keep_id is None else or_(Town.served.is_(True), Town.id == keep_id)
    return list(db.session.scalars(select(Town).where(Town.ki_id == ki.id, served).order_by(Town.name)))


def town(ki: Ki, town_id: int) -> Town | None:
    return db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.id == town_id))


def town_named(ki: Ki, name: str) -> Town | None:
    return db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == name))


def town_in_use(town: Town) -> bool:
    """Whether any row points at the town (helpers' home and served towns, requests, organisations).

    Read from the schema's foreign keys, so a table that later points at towns counts too.
    """
    references = [
        key.parent
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "town"
    ]
    return any(db.session.scalar(select(exists().where(column == town.id))) for column in references)


def offered(ki: Ki):
    """A select of the ids of the languages the KI offers in its pickers."""
    return select(ki_language.c.language_id).where(ki_language.c.ki_id == ki.id)


def languages(ki: Ki, keep: Iterable[Language] = ()) -> list[Language]:
    """The KI's languages, and those of ``keep`` (a request's own) in any case. In no order: sort
    them by their name in the reader's language."""
    found = list(db.session.scalars(select(Language).where(Language.id.in_(offered(ki)))))
    return found + [language for language in dict.fromkeys(keep) if language not in found]


def offers(ki: Ki, language: Language) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(ki_language.c.ki_id == ki.id, ki_language.c.language_id == language.id))
        )
    )


def language(ki: Ki, language_id: int) -> Language | None:
    """A language the KI offers, by id."""
    return db.session.scalar(select(Language).where(Language.id == language_id, Language.id.in_(offered(ki))))


def language_by_code(ki: Ki, code: str) -> Language | None:
    """A language the KI offers, by code."""
    return db.session.scalar(select(Language).where(Language.code == code, Language.id.in_(offered(ki))))


def visible_language(ki: Ki, language_id: int) -> Language | None:
    """A catalogue language the KI may add: one every KI shares, or a variety it made itself."""
    own_or_shared = or_(LanguageVariety.ki_id.is_(None), LanguageVariety.ki_id == ki.id)
    return db.session.scalar(
        select(Language)
        .outerjoin(LanguageVariety, LanguageVariety.language_id == Language.id)
        .where(Language.id == language_id, own_or_shared)
    )


def shared_languages_by_cldr(keys: Iterable[str]) -> dict[str, Language]:
    """Catalogue languages that are no variety, by CLDR key (the first, for a key used twice)."""
    found: dict[str, Language] = {}
    rows = db.session.scalars(
        select(Language)
        .outerjoin(LanguageVariety, LanguageVariety.language_id == Language.id)
        .where(Language.cldr.in_(list(keys)), LanguageVariety.language_id.is_(None))
        .order_by(Language.variant.is_not(None), Language.id)
    )
    for row in rows:
        found.setdefault(row.cldr, row)
    return found


def all_languages() -> list[Language]:
    return list(db.session.scalars(select(Language)))


def language_by_code_anywhere(code: str) -> Language | None:
    return db.session.scalar(select(Language).where(Language.code == code))


def variety_named(ki: Ki, name: str) -> LanguageVariety | None:
    return db.session.scalar(
        select(LanguageVariety).where(LanguageVariety.ki_id == ki.id, LanguageVariety.name == name)
    )


def topics(ki: Ki) -> list[Topic]:
    """All the KI's topics, active or not, for its admins."""
    return list(db.session.scalars(select(Topic).where(Topic.ki_id == ki.id).order_by(Topic.id)))


def active_topics(ki: Ki, keep: Topic | None = None) -> list[Topic]:
    """The KI's active topics, and ``keep`` (a request's own topic) in any case."""
    found = list(
        db.session.scalars(
            select(Topic).where(Topic.ki_id == ki.id, Topic.active.is_(True)).order_by(Topic.id)
        )
    )
    return found + [keep] if keep is not None and keep not in found else found


def topic(ki: Ki, topic_id: int) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.ki_id == ki.id, Topic.id == topic_id))


def active_topic(ki: Ki, topic_id: int) -> Topic | None:
    return db.session.scalar(
        select(Topic).where(Topic.ki_id == ki.id, Topic.id == topic_id, Topic.active.is_(True))
    )


def topic_codes(ki: Ki) -> set[str]:
    return set(db.session.scalars(select(Topic.code).where(Topic.ki_id == ki.id)))
