"""The admins' pages for towns, languages and topics, and the pickers that follow them."""

from __future__ import annotations

import pytest

from ki_match.accounts.models import Role
from ki_match.reference import languages, queries
from ki_match.reference.models import Topic
from tests.factories import make_helper, make_request, make_user, other_ki, town
from tests.support import htmx_headers


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _topic(ki, code="health") -> Topic:
    return next(topic for topic in queries.topics(ki) if topic.code == code)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.HELPER])
def test_only_admins_keep_reference_data(client, login_as, role, ki):
    login_as(role)
    brakel, health = town("Brakel"), _topic(ki)
    for url in (
        "/admin/towns",
        "/admin/languages",
        "/admin/topics",
        f"/admin/towns/{brakel.id}",
        f"/admin/topics/{health.id}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/towns/new", data={"name": "X", "lat": "51", "lon": "9"}).status_code == 403
    assert client.post(f"/admin/topics/{health.id}/active").status_code == 403


def test_another_kis_rows_are_not_found(client, admin, db):
    other = other_ki()
    paderborn = queries.towns(other)[0]
    their_topic = _topic(other)
    arabic = queries.language_by_code(other, "ar")
    variety = languages.add_variety(other, "Paderborner Arabisch", arabic)
    db.session.commit()
    assert client.get(f"/admin/towns/{paderborn.id}").status_code == 404
    assert client.post(f"/admin/towns/{paderborn.id}/delete").status_code == 404
    assert client.get(f"/admin/topics/{their_topic.id}").status_code == 404
    assert client.post(f"/admin/topics/{their_topic.id}/active").status_code == 404
    assert client.post(f"/admin/languages/{variety.id}/remove").status_code == 404
    page = _html(client.get("/admin/towns"))
    assert "Paderborn" not in page and "Brakel" in page
    assert "Paderborner Arabisch" not in _html(client.get("/admin/languages"))


# --- towns --------------------------------------------------------------------------------------


def test_search_the_nrw_list_as_a_page_and_as_a_partial(client, admin):
    page = _html(client.get("/admin/towns?q=heinsb"))
    assert "<bdi>Heinsberg</bdi> übernehmen" in page and "05370016" in page and "<h1>" in page
    partial = client.get("/admin/towns?q=heinsb", headers=htmx_headers("municipality-results"))
    assert partial.status_code == 200
    assert "<bdi>Heinsberg</bdi> übernehmen" in _html(partial) and "<h1>" not in _html(partial)
    assert 'hx-trigger="search, keyup delay:200ms changed"' in page
    assert "Keine Gemeinde gefunden." in _html(client.get("/admin/towns?q=Atlantis"))


def test_picking_a_municipality_fills_the_form_and_saves_its_key(client, admin, db, ki):
    picked = client.get("/admin/towns?key=05370016", headers=htmx_headers("town-add"))
    form = _html(picked)
    assert 'value="Heinsberg"' in form and 'value="05370016"' in form and "<h1>" not in form
    assert 'value="51,0506"' in form  # German decimal comma in the German interface
    response = client.post(
        "/admin/towns/new",
        data={
            "name": "Heinsberg",
            "lat": "51,0506",
            "lon": "6,1119",
            "served": "y",
            "municipality_key": "05370016",
        },
    )
    assert response.status_code == 303
    added = queries.town_named(ki, "Heinsberg")
    assert (added.lat, added.lon, added.served, added.municipality_key) == (51.0506, 6.1119, True, "05370016")


def test_a_typed_town_without_served_is_a_neighbouring_place(client, admin, ki):
    response = client.post("/admin/towns/new", data={"name": "Lügde", "lat": "51.95", "lon": "9.25"})
    assert response.status_code == 303
    added = queries.town_named(ki, "Lügde")
    assert added.served is False and added.municipality_key is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Brakel", "lat": "51", "lon": "9"}, "name", "Diesen Ort gibt es schon."),
        ({"name": "", "lat": "51", "lon": "9"}, "name", "Bitte geben Sie einen Namen ein."),
        ({"name": "Neu", "lat": "91", "lon": "9"}, "lat", "Bitte eine Zahl zwischen -90 und 90 eingeben."),
        ({"name": "Neu", "lat": "51", "lon": "abc"}, "lon", "Bitte als Zahl in Grad eingeben"),
        ({"name": "Neu", "lat": "nan", "lon": "9"}, "lat", "Bitte eine Zahl zwischen"),
        (
            {"name": "Neu", "lat": "51", "lon": "9", "municipality_key": "99999999"},
            "municipality_key",
            "Diese Gemeinde kennen wir nicht.",
        ),
    ],
)
def test_bad_town_input_answers_422_next_to_the_field(client, admin, ki, data, field, message):
    response = client.post("/admin/towns/new", data=data)
    assert response.status_code == 422
    html = _html(response)
    assert message in html
    if data["name"]:
        assert f'value="{data["name"]}"' in html  # what was typed stays
    assert len(queries.towns(ki)) == 10


def test_edit_a_town_and_keep_a_used_one(client, admin, db, ki):
    make_helper(home="Warburg")
    warburg = town("Warburg")
    page = _html(client.get(f"/admin/towns/{warburg.id}"))
    assert "kann nicht gelöscht werden" in page and "Warburg löschen" not in page
    response = client.post(
        f"/admin/towns/{warburg.id}", data={"name": "Warburg", "lat": "51,49", "lon": "9,14"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (warburg.lat, warburg.served) == (51.49, False)
    refused = client.post(f"/admin/towns/{warburg.id}/delete", follow_redirects=True)
    assert "wird noch verwendet" in _html(refused)
    assert queries.town(ki, warburg.id) is not None
    bad = client.post(f"/admin/towns/{warburg.id}", data={"name": "Brakel", "lat": "51", "lon": "9"})
    assert bad.status_code == 422 and "Diesen Ort gibt es schon." in _html(bad)


def test_delete_an_unused_town(client, admin, db, ki):
    nieheim = town("Nieheim")
    assert "Nieheim löschen" in _html(client.get(f"/admin/towns/{nieheim.id}"))
    assert client.post(f"/admin/towns/{nieheim.id}/delete").status_code == 303
    assert queries.town_named(ki, "Nieheim") is None


def test_request_forms_offer_served_towns_but_keep_the_current_one(client, login_as, db, ki):
    warburg = town("Warburg")
    request = make_request(where="Warburg")
    warburg.served = False
    db.session.commit()
    login_as(Role.COORDINATOR)
    new = _html(client.get("/requests/new"))
    assert ">Warburg<" not in new and ">Brakel<" in new
    assert ">Warburg<" in _html(client.get(f"/requests/{request.id}/edit"))


def test_profile_offers_every_town_of_the_ki(client, login_as, db):
    town("Warburg").served = False
    db.session.commit()
    login_as(Role.HELPER)
    assert "Warburg" in _html(client.get("/profile/where"))


# --- languages ----------------------------------------------------------------------------------


def test_find_a_language_by_its_english_name_and_add_it(client, admin, auth, db, ki):
    page = client.get("/admin/languages?q=amharic", headers=htmx_headers("language-results"))
    html = _html(page)
    assert "Amharisch hinzufügen" in html and "<h1>" not in html
    response = client.post("/admin/languages/add", data={"key": "am"})
    assert response.status_code == 303
    assert "am" in {language.code for language in queries.languages(ki)}
    assert "schon in der Liste" in _html(client.get("/admin/languages?q=Amharisch"))
    # a helper of the KI finds it in the profile's picker, one of another KI does not
    auth.logout()
    auth.login(make_helper().user.email)
    assert "Amharisch" in _html(client.get("/profile/languages"))
    auth.logout()
    auth.login(make_helper(ki=other_ki(), home=None).user.email)
    picker = _html(client.get("/profile/languages"))
    assert "Arabisch" in picker and "Amharisch" not in picker


def test_an_unknown_cldr_key_is_refused(client, admin, ki):
    before = len(queries.languages(ki))
    response = client.post("/admin/languages/add", data={"key": "xx_nope"}, follow_redirects=True)
    assert "Diese Sprache kennen wir nicht." in _html(response)
    assert len(queries.languages(ki)) == before


def test_add_a_variety_and_see_it_named(client, admin, db, ki):
    arabic = queries.language_by_code(ki, "ar")
    response = client.post(
        "/admin/languages/variety", data={"name": "Syrisches Arabisch", "parent_id": str(arabic.id)}
    )
    assert response.status_code == 303
    page = _html(client.get("/admin/languages"))
    assert "Syrisches Arabisch" in page and "Varietät von Arabisch" in page
    again = client.post(
        "/admin/languages/variety", data={"name": "Syrisches Arabisch", "parent_id": str(arabic.id)}
    )
    assert again.status_code == 422 and "Diese Varietät gibt es schon." in _html(again)
    empty = client.post("/admin/languages/variety", data={"name": "", "parent_id": "abc"})
    assert empty.status_code == 422


def test_remove_a_language_but_never_german(client, admin, db, ki):
    english = queries.language_by_code(ki, "en")
    german = queries.language_by_code(ki, "de")
    assert client.post(f"/admin/languages/{english.id}/remove").status_code == 303
    assert "en" not in {language.code for language in queries.languages(ki)}
    assert client.post(f"/admin/languages/{german.id}/remove").status_code == 303
    assert "de" in {language.code for language in queries.languages(ki)}
    # not offered any more: removing again is not found
    assert client.post(f"/admin/languages/{english.id}/remove").status_code == 404


def test_pickers_list_only_the_kis_languages(client, login_as, db, ki):
    english = queries.language_by_code(ki, "en")
    languages.remove(ki, english)
    other = other_ki()
    languages.add_cldr_language(other, "tig")
    db.session.commit()
    login_as(Role.COORDINATOR)
    for url in (
        "/requests/new",
        "/requests",
        "/helpers",
        "/verzeichnis",
        "/verzeichnis/abdeckung",
        "/reports",
    ):
        html = _html(client.get(url))
        assert ">Englisch<" not in html, url
        assert "Tigre" not in html, url
        assert "Arabisch" in html, url


# --- topics -------------------------------------------------------------------------------------


def test_add_rename_deactivate_and_reactivate_a_topic(client, admin, auth, db, ki):
    assert client.post("/admin/topics/new", data={"name": "Asylverfahren"}).status_code == 303
    added = next(topic for topic in queries.topics(ki) if topic.name == "Asylverfahren")
    assert added.code == "asylverfahren"
    duplicate = client.post("/admin/topics/new", data={"name": "gesundheit"})
    assert duplicate.status_code == 422 and "Dieses Thema gibt es schon." in _html(duplicate)
    assert 'value="gesundheit"' in _html(duplicate)
    assert client.post("/admin/topics/new", data={"name": ""}).status_code == 422
    health = _topic(ki)
    assert 'value="Gesundheit"' in _html(client.get(f"/admin/topics/{health.id}"))
    assert (
        client.post(f"/admin/topics/{health.id}", data={"name": "Gesundheit und Pflege"}).status_code == 303
    )
    assert client.post(f"/admin/topics/{health.id}", data={"name": "Wohnen"}).status_code == 422
    assert client.post(f"/admin/topics/{health.id}/active").status_code == 303
    db.session.expire_all()
    assert (health.name, health.active) == ("Gesundheit und Pflege", False)
    auth.logout()
    auth.login(make_user(Role.COORDINATOR).email)
    form = _html(client.get("/requests/new"))
    assert "Gesundheit und Pflege" not in form and "Asylverfahren" in form
    auth.logout()
    auth.login(make_user(Role.COORDINATOR, ki=other_ki()).email)
    assert "Asylverfahren" not in _html(client.get("/requests/new"))


def test_navigation_links_the_three_pages(client, admin):
    home = _html(client.get("/"))
    for url in ("/admin/towns", "/admin/languages", "/admin/topics"):
        assert f'href="{url}"' in home
