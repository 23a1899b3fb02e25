"""Each KI's front door (/k/<slug>/), the chooser when no KI is given, and one address = one
account across the installation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.orgs.settings import change_settings
from ki_match.reference.towns import add_town
from tests.factories import PASSWORD, make_helper, make_user, other_ki
from tests.support import delivered_text, htmx_headers, outbox

NEWCOMER = {
    "display_name": "Amina K.",
    "email": "amina@example.org",
    "password": "ein langes Passwort 2026",
    "password_confirm": "ein langes Passwort 2026",
    "privacy": "y",
}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def second(app):
    """A second active KI, Paderborn, with its contact and privacy notice."""
    other = other_ki()
    change_settings(
        other,
        None,
        contact_phone="05251 308-0",
        contact_email="ki@paderborn.example",
        office_hours="Di 9–12 Uhr",
        privacy_notice="Datenschutzbeauftragter des Kreises Paderborn",
    )
    db.session.commit()
    return other


def test_the_front_door_names_the_ki_its_contact_and_the_ways_in(client, second):
    html = _html(client.get("/k/other-ki/"))
    assert "<h1><bdi>Anderes KI</bdi></h1>" in html
    assert 'href="tel:052513080"' in html and 'href="mailto:ki@paderborn.example"' in html
    assert "Datenschutzbeauftragter des Kreises Paderborn" in html
    for link in ("/k/other-ki/register", "/k/other-ki/privacy", "/accessibility", "/login"):
        assert f'href="{link}"' in html
    assert 'href="/k/hoexter/register"' not in html


@pytest.mark.parametrize("path", ["/k/nowhere/", "/k/nowhere/register", "/k/nowhere/privacy", "/k/Other-KI/"])
def test_an_unknown_slug_is_404(client, second, path):
    assert client.get(path).status_code == 404


def test_a_deactivated_kis_door_is_closed(client, second):
    second.active = False
    db.session.commit()
    for path in ("/k/other-ki/", "/k/other-ki/register", "/k/other-ki/privacy"):
        assert client.get(path).status_code == 404
    assert client.post("/k/other-ki/register", data=NEWCOMER).status_code == 404
    assert _users() == 0


def test_registering_at_a_front_door_joins_that_ki(client, ki, second):
    response = client.post("/k/other-ki/register", data=NEWCOMER)
    assert (response.status_code, response.headers["Location"]) == (303, "/check-mail/register")
    user = db.session.scalar(select(User).where(User.email == NEWCOMER["email"]))
    assert (user.ki_id, user.role) == (second.id, Role.HELPER)
    assert len(outbox("verify_email", to=NEWCOMER["email"])) == 1


def test_the_registration_page_says_which_ki_and_posts_back_to_it(client, second):
    html = _html(client.get("/k/other-ki/register"))
    assert "Anderes KI" in html and 'action="/k/other-ki/register"' in html
    assert 'href="/k/other-ki/privacy"' in html


def test_bad_registration_input_answers_422_with_the_fragment(client, second):
    response = client.post(
        "/k/other-ki/register", data={**NEWCOMER, "email": "x"}, headers=htmx_headers("register-form")
    )
    assert response.status_code == 422
    assert _html(response).lstrip().startswith('<form id="register-form"')
    assert 'value="Amina K."' in _html(response)


def test_the_privacy_page_under_a_door_names_the_ki_its_contact_and_notice(client, second):
    html = _html(client.get("/k/other-ki/privacy"))
    assert "Verantwortlich für Ihre Daten ist <bdi>Anderes KI</bdi>." in html
    assert 'href="mailto:ki@paderborn.example"' in html
    assert "Datenschutzbeauftragter des Kreises Paderborn" in html


def test_a_logged_in_user_reads_another_door_but_keeps_her_ki(client, auth, ki, second):
    user = make_user(Role.COORDINATOR, ki=ki)
    auth.login(user.email)
    html = _html(client.get("/k/other-ki/"))
    assert "<h1><bdi>Anderes KI</bdi></h1>" in html and f"<bdi>{ki.name}</bdi> · angemeldet als" in html
    assert client.get("/k/other-ki/register").headers["Location"] == "/"


# --- with no KI given -----------------------------------------------------------------------


def test_one_active_ki_goes_straight_to_its_front_door(client, ki):
    assert client.get("/").headers["Location"] == "/k/hoexter/"
    assert client.get("/register").headers["Location"] == "/k/hoexter/register"


def test_a_deactivated_second_ki_does_not_make_a_chooser(client, ki, second):
    second.active = False
    db.session.commit()
    assert client.get("/").headers["Location"] == "/k/hoexter/"


def test_several_kis_get_the_chooser(client, ki, second):
    assert client.get("/").headers["Location"] == "/k/"
    assert client.get("/register").headers["Location"] == "/k/"
    html = _html(client.get("/k/"))
    assert 'href="/k/hoexter/"' in html and 'href="/k/other-ki/"' in html
    assert '<form id="ki-search"' in html and 'method="get"' in html


def test_the_chooser_finds_a_ki_by_its_name_or_a_town(client, ki, second):
    by_town = _html(client.get("/k/?q=paderb"))
    assert 'href="/k/other-ki/"' in by_town and "für <bdi>Paderborn</bdi>" in by_town
    assert 'href="/k/hoexter/"' not in by_town
    by_name = _html(client.get("/k/?q=anderes"))
    assert 'href="/k/other-ki/"' in by_name and 'href="/k/hoexter/"' not in by_name
    with_umlaut = _html(client.get("/k/?q=HÖXTER"))
    assert 'href="/k/hoexter/"' in with_umlaut and 'href="/k/other-ki/"' not in with_umlaut
    nothing = _html(client.get("/k/?q=Timbuktu"))
    assert "Kein Integrationszentrum passt zu „<bdi>Timbuktu</bdi>“" in nothing


def test_the_chooser_finds_a_ki_by_the_postcode_of_a_town_it_serves(client, ki, second):
    add_town(second, name="Heinsberg", lat=51.06, lon=6.11, municipality_key="05370016")
    db.session.commit()
    html = _html(client.get("/k/?q=52525"))
    assert 'href="/k/other-ki/"' in html and "für <bdi>Heinsberg</bdi>" in html
    assert 'href="/k/hoexter/"' not in html
    by_name = _html(client.get("/k/?q=37671", headers=htmx_headers("ki-results")))
    assert (
        'href="/k/hoexter/"' in by_name
        and "für <bdi>Höxter</bdi>" in by_name
        and 'href="/k/other-ki/"' not in by_name
    )


def test_a_postcode_nobody_serves_says_so_and_suggests_the_town(client, ki, second):
    response = client.get("/k/?q=10115")
    html = _html(response)
    assert response.status_code == 200 and "/k/hoexter/" not in html
    assert "Für die Postleitzahl <bdi>10115</bdi> ist noch kein Integrationszentrum bei KI-Match." in html
    assert "nach dem Namen Ihres Ortes" in html


@pytest.mark.parametrize("text", ["12", "123456", " 4 ", "abcde", "５２５２５", "52525" * 100, "%00"])
def test_what_is_no_postcode_gets_a_message_not_an_error(client, ki, second, text):
    response = client.get("/k/", query_string={"q": text})
    html = _html(response)
    assert response.status_code == 200 and 'class="empty-state"' in html


@pytest.mark.parametrize("text", ["12", "123456"])
def test_too_few_or_many_digits_are_no_postcode(client, ki, second, text):
    html = _html(client.get("/k/", query_string={"q": text}, headers=htmx_headers("ki-results")))
    assert f"„<bdi>{text}</bdi>“ ist keine Postleitzahl: Eine Postleitzahl hat fünf Ziffern." in html


def test_the_chooser_searches_as_you_type(client, ki, second):
    response = client.get("/k/?q=Paderborn", headers=htmx_headers("ki-results"))
    html = _html(response)
    assert response.status_code == 200 and "<html" not in html
    assert 'href="/k/other-ki/"' in html and 'id="ki-count" hx-swap-oob="innerHTML"' in html


def test_a_deactivated_ki_is_not_offered(client, ki, second):
    make_user(Role.ADMIN, ki=ki)
    second.active = False
    db.session.commit()
    assert 'href="/k/other-ki/"' not in _html(client.get("/k/"))


# --- one address, one account ---------------------------------------------------------------


def test_an_address_of_another_ki_gets_the_same_answer_creates_nothing_and_tells_its_owner(
    client, auth, ki, second
):
    owner = make_helper(ki=ki, email="amina@example.org").user
    users = _users()
    fresh = client.post("/k/other-ki/register", data={**NEWCOMER, "email": "neu@example.org"})
    taken = client.post("/k/other-ki/register", data=NEWCOMER)
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert _html(client.get(taken.headers["Location"])) == _html(client.get(fresh.headers["Location"]))
    assert _users() == users + 1  # only the fresh address
    db.session.expire_all()
    assert db.session.get(User, owner.id).ki_id == ki.id
    [note] = outbox("registration_elsewhere", to=owner.email)
    assert note.ki_id == ki.id
    text = delivered_text(note)
    assert "bei Anderes KI als Helfer*in zu registrieren" in text and ki.name in text
    assert "anderen E-Mail-Adresse" in text
    assert outbox("verify_email", to=owner.email) == []
    assert auth.login(owner.email, PASSWORD).status_code == 303
    assert f"<bdi>{ki.name}</bdi> · angemeldet als" in _html(client.get("/"))


def test_an_address_of_the_same_ki_gets_the_old_note(client, ki):
    owner = make_user(Role.HELPER, ki=ki, email="amina@example.org")
    response = client.post("/k/hoexter/register", data=NEWCOMER)
    assert response.headers["Location"] == "/check-mail/register"
    assert len(outbox("account_exists", to=owner.email)) == 1
    assert outbox("registration_elsewhere") == []


def test_every_page_of_a_ki_ends_with_its_contact(client, login_as, ki, second):
    change_settings(ki, None, contact_phone="05271 965-0", contact_email="ki@hoexter.example")
    db.session.commit()
    login_as(Role.HELPER)
    footer = _html(client.get("/profile")).split('<footer class="site-footer">')[1]
    assert 'href="tel:052719650"' in footer and 'href="mailto:ki@hoexter.example"' in footer
    assert "paderborn.example" not in footer


def test_a_visitor_with_no_ki_sees_no_contact_until_she_picks_one(client, ki, second):
    assert "mailto:" not in _html(client.get("/login")).split('<footer class="site-footer">')[1]
    assert 'href="mailto:ki@paderborn.example"' in _html(client.get("/k/other-ki/register"))


def test_the_privacy_hint_of_the_registration_links_to_the_privacy_page(client):
    html = _html(client.get("/k/hoexter/register"))
    hint = html.split('id="privacy-hint"')[1].split("</p>")[0]
    assert 'href="/k/hoexter/privacy"' in hint and 'target="_blank"' in hint
    assert 'aria-describedby="privacy-hint"' in html  # read out with the checkbox
