"""The KI's reference data as its admins change it: towns, languages, varieties, topics, seed_ki."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from ki_match.orgs.models import Ki
from ki_match.reference import languages, queries, topics, towns
from ki_match.reference.data import LANGUAGES, TOPICS
from ki_match.reference.models import Language, Topic, Town, ki_language
from ki_match.reference.names import language_name, parent_name, topic_name
from ki_match.reference.services import seed_ki
from tests.factories import make_helper, make_request, other_ki, town


def codes(ki) -> set[str]:
    return {language.code for language in queries.languages(ki)}


# --- seed_ki ------------------------------------------------------------------------------------


def test_seed_ki_gives_a_new_ki_the_defaults_and_no_towns(db):
    ki = Ki(slug="heinsberg", name="Kreis Heinsberg")
    db.session.add(ki)
    db.session.flush()
    seed_ki(ki)
    seed_ki(ki)
    db.session.commit()
    assert codes(ki) == {code for code, _cldr, _variant in LANGUAGES}
    assert {topic.code: topic.name for topic in queries.topics(ki)} == TOPICS
    assert queries.towns(ki) == []
    assert db.session.scalar(
        select(func.count()).select_from(ki_language).where(ki_language.c.ki_id == ki.id)
    ) == len(LANGUAGES)


def test_seed_ki_keeps_what_the_admins_changed(db, ki):
    english = queries.language_by_code(ki, "en")
    languages.remove(ki, english)
    health = next(topic for topic in queries.topics(ki) if topic.code == "health")
    topics.rename_topic(health, "Gesundheit und Pflege")
    topics.set_topic_active(health, False)
    db.session.commit()
    seed_ki(ki)
    db.session.commit()
    assert "en" not in codes(ki)
    assert (health.name, health.active) == ("Gesundheit und Pflege", False)


def test_german_cannot_be_removed_and_comes_back(db, ki):
    german = queries.language_by_code(ki, "de")
    with pytest.raises(languages.LanguageError):
        languages.remove(ki, german)
    db.session.execute(ki_language.delete().where(ki_language.c.language_id == german.id))
    seed_ki(ki)
    assert "de" in codes(ki)


# --- towns --------------------------------------------------------------------------------------


def test_add_edit_and_delete_an_unused_town(db, ki):
    added = towns.add_town(ki, name="Lügde", lat=51.95, lon=9.25, served=False, municipality_key="05766036")
    db.session.commit()
    assert queries.town(ki, added.id).served is False
    towns.update_town(added, name="Lügde (Stadt)", lat=51.96, lon=9.24, served=True)
    assert (added.name, added.lat, added.served) == ("Lügde (Stadt)", 51.96, True)
    assert not queries.town_in_use(added)
    towns.delete_town(added)
    db.session.commit()
    assert queries.town(ki, added.id) is None


@pytest.mark.parametrize("use", ["home", "served", "request", "organisation"])
def test_a_town_in_use_cannot_be_deleted(db, ki, use):
    from ki_match.orgs.models import Organisation

    brakel = town("Brakel")
    if use == "home":
        make_helper(home="Brakel")
    elif use == "served":
        helper = make_helper(home="Höxter")
        helper.towns = [brakel]
    elif use == "request":
        make_request(where="Brakel")
    else:
        db.session.add(Organisation(ki_id=ki.id, name="Schule", town_id=brakel.id))
    db.session.commit()
    assert queries.town_in_use(brakel)
    with pytest.raises(towns.TownInUse):
        towns.delete_town(brakel)


def test_served_towns_leave_out_neighbouring_places_but_keep_the_current_one(db, ki):
    warburg = town("Warburg")
    warburg.served = False
    db.session.commit()
    assert warburg not in queries.served_towns(ki)
    assert warburg in queries.served_towns(ki, keep=warburg.id)
    assert warburg in queries.towns(ki)


# --- languages ----------------------------------------------------------------------------------


def test_cldr_search_in_german_english_and_by_code(app):
    with app.test_request_context():
        assert [item.key for item in languages.search_cldr("Tigrinya")][0] == "ti"
        assert "am" in [item.key for item in languages.search_cldr("Amharisch")]
        assert "am" in [item.key for item in languages.search_cldr("amharic")]
        assert languages.search_cldr("fa_AF")[0].key == "fa_AF"
        assert languages.search_cldr("fa-af")[0].key == "fa_AF"
        assert languages.search_cldr("prs")[0].key == "fa_AF"  # the catalogue's code for Dari
        assert languages.search_cldr("Dari")[0].key == "fa_AF"
        assert languages.search_cldr("") == []
        assert len(languages.search_cldr("a", limit=7)) == 7


def test_adding_a_cldr_language_makes_the_catalogue_row_once(db, ki):
    other = other_ki()
    tigre = languages.add_cldr_language(ki, "tig")
    again = languages.add_cldr_language(other, "tig")
    db.session.commit()
    assert tigre.id == again.id and (tigre.code, tigre.cldr) == ("tig", "tig")
    assert "tig" in codes(ki) and "tig" in codes(other)
    with pytest.raises(languages.LanguageError):
        languages.add_cldr_language(ki, "no-such-language")


def test_adding_a_known_regional_form_keeps_the_existing_code(db, ki):
    dari = db.session.scalar(select(Language).where(Language.code == "prs"))
    languages.remove(ki, dari)
    assert languages.add_cldr_language(ki, "fa_AF").id == dari.id
    assert "prs" in codes(ki)
    assert db.session.scalar(select(func.count()).select_from(Language).where(Language.cldr == "fa_AF")) == 1


def test_a_variety_belongs_to_its_ki_and_is_named_as_typed(app, db, ki):
    arabic = queries.language_by_code(ki, "ar")
    syrian = languages.add_variety(ki, "Syrisches Arabisch", arabic)
    second = languages.add_variety(ki, "Irakisches Arabisch", arabic)
    db.session.commit()
    assert (syrian.code, second.code) == ("ar-x-1", "ar-x-2")
    assert syrian.cldr == "ar" and syrian.variety.ki_id == ki.id
    with app.test_request_context(), force_locale("en"):
        assert language_name(syrian) == "Syrisches Arabisch"
        assert parent_name(syrian) == "Arabic"
        assert parent_name(arabic) is None
    other = other_ki()
    assert syrian not in queries.languages(other)
    assert queries.visible_language(other, syrian.id) is None
    assert queries.visible_language(ki, syrian.id) == syrian
    with pytest.raises(languages.LanguageError):
        languages.add_variety(ki, "Syrisch-Damaszenisch", syrian)


def test_removing_a_language_keeps_it_for_helpers_and_requests(db, ki):
    helper = make_helper()  # Arabic and German
    request = make_request()
    arabic = queries.language_by_code(ki, "ar")
    languages.remove(ki, arabic)
    db.session.commit()
    db.session.expire_all()
    assert "ar" not in codes(ki)
    assert "ar" in {entry.language.code for entry in helper.languages}
    assert request.language.code == "ar"


# --- topics -------------------------------------------------------------------------------------


def test_topics_are_per_ki(db, ki):
    other = other_ki()
    added = topics.add_topic(ki, "Asylverfahren")
    db.session.commit()
    assert added.code == "asylverfahren" and added.ki_id == ki.id
    assert added not in queries.topics(other)
    assert len(queries.topics(other)) == len(TOPICS)
    assert topics.add_topic(ki, "Asyl-Verfahren").code == "asyl-verfahren"
    assert topics.add_topic(ki, "Asylverfahren!").code == "asylverfahren-2"


def test_a_renamed_seeded_topic_shows_as_typed(app, db, ki):
    health = next(topic for topic in queries.topics(ki) if topic.code == "health")
    with app.test_request_context(), force_locale("en"):
        assert topic_name(health) == "Health"
        topics.rename_topic(health, "Gesundheit und Pflege")
        assert topic_name(health) == "Gesundheit und Pflege"


def test_a_deactivated_topic_leaves_the_pickers_and_comes_back(db, ki):
    health = next(topic for topic in queries.topics(ki) if topic.code == "health")
    topics.set_topic_active(health, False)
    assert health not in queries.active_topics(ki) and health in queries.topics(ki)
    topics.set_topic_active(health, True)
    assert health in queries.active_topics(ki)


def test_topic_and_town_seed_of_the_other_ki_is_its_own(db, ki):
    other = other_ki()
    assert [t.name for t in queries.towns(other)] == ["Paderborn"]
    mine = {topic.id for topic in queries.topics(ki)}
    assert not mine & {topic.id for topic in queries.topics(other)}
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 2 * len(TOPICS)
    assert db.session.scalar(select(func.count()).select_from(Town).where(Town.ki_id == other.id)) == 1
