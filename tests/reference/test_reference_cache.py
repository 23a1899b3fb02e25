"""Reference data kept per process: read once, read again after any change, from any process."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ki_match.orgs.models import Ki
from ki_match.reference import cache
from ki_match.reference.models import Language, Topic, Town
from tests.factories import other_ki


@contextmanager
def statements(db):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def next_request(db, ki_id: int) -> Ki:
    """A new session, as the next request has, with the KI as its login statement loads it."""
    db.session.remove()
    return db.session.get(Ki, ki_id)


def test_reference_data_is_read_once_per_version(db, ki):
    ki_id = ki.id
    first = cache.towns(ki), cache.languages(ki), cache.topics(ki)
    again = next_request(db, ki_id)
    with statements(db) as seen:
        assert (cache.towns(again), cache.languages(again), cache.topics(again)) == first
    assert seen == []
    assert [town.name for town in first[0]] == sorted(town.name for town in first[0])
    assert {language.code for language in first[1]} >= {"de", "ar", "prs"}


def test_a_town_added_by_another_process_is_seen_by_the_next_request_of_its_ki_only(db, ki):
    ki_id, other_id = ki.id, other_ki().id
    db.session.commit()
    cache.towns(next_request(db, ki_id)), cache.towns(next_request(db, other_id))
    with Session(db.engine) as admin:  # another process: it shares nothing but the database
        admin.add(Town(ki_id=ki_id, name="Bad Lippspringe", lat=51.78, lon=8.82))
        admin.commit()

    again = next_request(db, ki_id)
    assert "Bad Lippspringe" in {town.name for town in cache.towns(again)}
    with statements(db) as seen:
        assert "Bad Lippspringe" not in {town.name for town in cache.towns(next_request(db, other_id))}
    assert len(seen) == 1  # the KI (a page has it from the login); its towns were kept


def test_a_language_changed_anywhere_is_read_again_for_every_ki_a_topic_for_its_own(db, ki):
    ki_id, other_id = ki.id, other_ki().id
    db.session.commit()
    cache.languages(next_request(db, ki_id)), cache.topics(next_request(db, other_id))
    cache.topics(next_request(db, ki_id))
    with Session(db.engine) as admin:
        admin.scalar(select(Language).where(Language.code == "so")).active = False
        admin.add(Topic(ki_id=other_id, code="asylum", name="Asylverfahren"))
        admin.commit()

    somali = {language.code: language for language in cache.languages(next_request(db, ki_id))}["so"]
    assert somali.active is False
    assert "asylum" in {topic.code for topic in cache.topics(next_request(db, other_id))}
    assert "asylum" not in {topic.code for topic in cache.topics(next_request(db, ki_id))}


def test_the_session_that_changes_reference_data_reads_it_from_the_database(db, ki):
    ki_id = ki.id
    cache.towns(ki)
    db.session.add(Town(ki_id=ki_id, name="Bad Lippspringe", lat=51.78, lon=8.82))
    db.session.flush()
    assert "Bad Lippspringe" in {town.name for town in cache.towns(ki)}
    db.session.rollback()
    assert "Bad Lippspringe" not in {town.name for town in cache.towns(next_request(db, ki_id))}
