"""Reference data: the towns of Kreis Höxter, the languages of real demand, topics and levels."""

from __future__ import annotations

from itertools import combinations

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import func, select

from ki_match.config import ROOT
from ki_match.orgs.models import Ki
from ki_match.reference.data import TOPICS
from ki_match.reference.geo import distance_km
from ki_match.reference.models import Language, Level, Topic, Town
from ki_match.reference.names import language_name, level_label, topic_name
from ki_match.reference.services import ensure_reference_data

TOWNS = {
    "Bad Driburg",
    "Beverungen",
    "Borgentreich",
    "Brakel",
    "Höxter",
    "Marienmünster",
    "Nieheim",
    "Steinheim",
    "Warburg",
    "Willebadessen",
}
DEMANDED_LANGUAGES = {
    "ar", "kmr", "ckb", "prs", "fa", "ps", "ti", "so", "uk",
    "ru", "tr", "sq", "ro", "bg", "pl", "fr", "en", "de",
}  # fmt: skip


def counts(db) -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Ki, Town, Language, Topic)
    }


def town(db, name: str) -> Town:
    return db.session.scalar(select(Town).where(Town.name == name))


def lang(db, code: str) -> Language:
    return db.session.scalar(select(Language).where(Language.code == code))


def english_catalog() -> dict[str, str]:
    with open(ROOT / "ki_match/translations/en/LC_MESSAGES/messages.po", "rb") as file:
        return {message.id: message.string for message in read_po(file) if message.id}


def in_english(msgid: str) -> str:
    """What the English interface shows: the translation, or the German source while there is none."""
    return english_catalog().get(msgid) or msgid


# --- loading -----------------------------------------------------------------------------------


def test_ensure_reference_data_is_idempotent(db):
    before = counts(db)
    assert before == {"Ki": 1, "Town": 10, "Language": len(DEMANDED_LANGUAGES), "Topic": len(TOPICS)}
    first = ensure_reference_data()
    second = ensure_reference_data()
    db.session.commit()
    assert first.id == second.id
    assert counts(db) == before


def test_seeding_again_keeps_what_an_admin_changed(db):
    town(db, "Höxter").lat = 51.7700
    lang(db, "en").active = False
    db.session.scalar(select(Topic).where(Topic.code == "health")).name = "Gesundheit und Pflege"
    db.session.commit()
    ensure_reference_data()
    db.session.commit()
    db.session.expire_all()
    assert town(db, "Höxter").lat == 51.7700
    assert lang(db, "en").active is False
    assert db.session.scalar(select(Topic.name).where(Topic.code == "health")) == "Gesundheit und Pflege"


def test_seeding_restores_a_missing_town(db):
    db.session.delete(town(db, "Nieheim"))
    db.session.commit()
    ensure_reference_data()
    db.session.commit()
    assert town(db, "Nieheim") is not None
    assert counts(db)["Town"] == 10


# --- towns -------------------------------------------------------------------------------------


def test_the_ten_towns_of_kreis_hoexter_with_plausible_coordinates(db):
    ki = db.session.scalar(select(Ki).where(Ki.slug == "hoexter"))
    assert ki.name == "Kreis Höxter"
    towns = db.session.scalars(select(Town).where(Town.ki_id == ki.id)).all()
    assert {t.name for t in towns} == TOWNS
    for t in towns:
        assert 51.3 <= t.lat <= 52.0, t.name
        assert 8.9 <= t.lon <= 9.5, t.name
    # Ten distinct places, not one coordinate copied around.
    assert len({(t.lat, t.lon) for t in towns}) == 10


def test_distances_between_towns(db):
    brakel, hoexter = town(db, "Brakel"), town(db, "Höxter")
    assert 13 <= distance_km(brakel, hoexter) <= 16
    assert distance_km(brakel, hoexter) == pytest.approx(distance_km(hoexter, brakel))
    assert distance_km(brakel, brakel) == 0
    # Warburg in the south to Steinheim in the north: the length of the Kreis, ~42 km.
    assert 38 <= distance_km(town(db, "Warburg"), town(db, "Steinheim")) <= 46
    towns = db.session.scalars(select(Town)).all()
    for a, b in combinations(towns, 2):
        assert 3 < distance_km(a, b) < 50, (a.name, b.name)


# --- languages ---------------------------------------------------------------------------------


def test_languages_of_real_demand_exist_with_iso_codes(db):
    assert set(db.session.scalars(select(Language.code))) == DEMANDED_LANGUAGES
    assert all(db.session.scalars(select(Language.active)))


@pytest.mark.parametrize(
    ("code", "german", "english"),
    [
        ("ar", "Arabisch", "Arabic"),
        ("de", "Deutsch", "German"),
        ("uk", "Ukrainisch", "Ukrainian"),
        ("ti", "Tigrinya", "Tigrinya"),
        ("ps", "Paschtu", "Pashto"),
        ("prs", "Dari", "Dari"),
    ],
)
def test_language_names_come_from_cldr_in_the_ui_language(app, db, code, german, english):
    language = lang(db, code)
    with app.test_request_context():
        with force_locale("de"):
            assert language_name(language) == german
        with force_locale("en"):
            assert language_name(language) == english
    assert language_name(language, "en") == english


def test_language_variants_are_named_and_distinguishable(app, db):
    with app.test_request_context():
        for locale in ("de", "en"):
            with force_locale(locale):
                names = {code: language_name(lang(db, code)) for code in DEMANDED_LANGUAGES}
                assert "Kurmanji" in names["kmr"]
                assert "Sorani" in names["ckb"]
                assert "Farsi" in names["fa"]
                assert names["prs"] == "Dari"
                # Every language is known to CLDR (no code shown as a name) and no two look alike.
                assert all(name != code for code, name in names.items()), names
                assert len(set(names.values())) == len(names), names
        with force_locale("de"):
            assert language_name(lang(db, "fa")) == "Persisch (Farsi)"
            assert language_name(lang(db, "ckb")) == "Zentralkurdisch (Sorani)"


# --- topics and levels -------------------------------------------------------------------------


def test_seeded_topics_show_in_german_and_as_translated(app, db):
    topics = db.session.scalars(select(Topic)).all()
    assert {t.code: t.name for t in topics} == TOPICS
    with app.test_request_context():
        with force_locale("de"):
            assert {topic_name(t) for t in topics} == set(TOPICS.values())
            assert topic_name(next(t for t in topics if t.code == "work")) == "Jobcenter und Arbeit"
        with force_locale("en"):
            for t in topics:
                assert topic_name(t) == in_english(t.name)


def test_a_topic_added_by_an_admin_shows_its_stored_name(app, db, ki):
    topic = Topic(ki_id=ki.id, code="asylum", name="Asylverfahren")
    db.session.add(topic)
    db.session.commit()
    with app.test_request_context():
        for locale in ("de", "en"):
            with force_locale(locale):
                assert topic_name(topic) == "Asylverfahren"


def test_level_labels(app):
    with app.test_request_context():
        with force_locale("de"):
            assert level_label(Level.NATIVE) == "Muttersprache"
            assert [level_label(level) for level in Level if level != Level.NATIVE] == [
                "A2",
                "B1",
                "B2",
                "C1",
                "C2",
            ]
            assert level_label(3) == "B1"
        with force_locale("en"):
            assert level_label(Level.NATIVE) == in_english("Muttersprache")
            assert level_label(Level.C1) == "C1"
    with pytest.raises(ValueError):
        level_label(1)
