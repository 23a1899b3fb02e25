"""The helper directory: who is listed, what a card shows, filters, pages, suggestions, privacy.

The hand-built data set lives in Kreis Höxter's real towns. The one helper who
travels lives in Brakel with a maximum of 14 km: Bad Driburg (about 12 km) is
within reach, Höxter (about 15 km) and Warburg (about 26 km) are not.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import event, select

from ki_match.accounts.models import Role
from ki_match.clock import utcnow
from ki_match.directory.queries import PAGE_SIZE
from ki_match.directory.services import is_listed
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, Gender, HelperKind, HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.geo import distance_km
from ki_match.reference.models import Level, Topic, Town
from tests.factories import town
from tests.support import htmx_headers

DE_B2 = ("de", Level.B2)


def topic(code: str) -> Topic:
    return db.session.scalar(select(Topic).where(Topic.code == code))


@pytest.fixture
def listed(create_helper):
    """A helper who opted in and could be offered requests, with the details a card shows."""

    def factory(name: str, *, languages=(("ar", Level.NATIVE), DE_B2), home="Brakel", days=(0,), **fields):
        topics = fields.pop("topics", ("health",))
        served = fields.pop("towns", ())
        profile_fields = {
            key: fields.pop(key)
            for key in ("max_travel_km", "remote_ok", "kind", "directory_opt_in", "phone", "gender")
            if key in fields
        }
        profile = create_helper(
            languages=languages, home=home, display_name=name, password_hash="!", **fields
        )
        profile.consent_given_at = utcnow() - timedelta(days=1)
        profile.directory_opt_in = True
        for key, value in profile_fields.items():
            setattr(profile, key, value)
        profile.topics = [topic(code) for code in topics]
        profile.towns = [town(name) for name in served]
        profile.slots = [AvailabilitySlot(weekday=day, starts=time(9), ends=time(12)) for day in days]
        db.session.commit()
        return profile

    return factory


def names(html: str) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", html)


def get(client, query: str = "", **headers) -> str:
    response = client.get(f"/verzeichnis{query}", headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_distances_the_data_set_relies_on(app):
    brakel = town("Brakel")
    assert distance_km(brakel, town("Bad Driburg")) < 14 < distance_km(brakel, town("Höxter"))
    assert distance_km(brakel, town("Marienmünster")) < 14
    assert distance_km(brakel, town("Warburg")) > 14


# --- who is listed ---------------------------------------------------------------------------


def test_only_opted_in_active_approved_consenting_helpers_of_this_ki_are_listed(
    client, login_as, listed, create_helper, ki
):
    shown = listed("Amina Haddad")
    listed("Olga Opt-out", directory_opt_in=False)
    unapproved = listed("Ursula Unapproved")
    unapproved.approved_at = None
    inactive = listed("Ines Inactive")
    inactive.user.active = False
    withdrawn = listed("Willi Withdrawn")
    withdrawn.consent_given_at = None
    deleted = listed("Dora Deleted")
    deleted.user.deleted_at = utcnow()
    unverified = listed("Viktor Unverified", verified=False)
    other_ki = Ki(slug="paderborn", name="Kreis Paderborn")
    db.session.add(other_ki)
    db.session.flush()
    elsewhere = listed("Erik Elsewhere")
    elsewhere.ki_id = other_ki.id
    elsewhere.user.ki_id = other_ki.id
    db.session.commit()

    login_as(Role.INITIATIVE)
    assert names(get(client)) == ["Amina H."]
    for profile in (shown, unapproved, inactive, withdrawn, deleted, unverified, elsewhere):
        assert is_listed(profile, ki) == (profile is shown), profile.user.display_name


def test_a_card_shows_what_the_helper_agreed_to_and_nothing_else(client, login_as, listed):
    profile = listed(
        "Amina Maria Haddad",
        languages=(("ti", Level.NATIVE), ("ar", Level.B2), ("de", Level.B1)),
        max_travel_km=14,
        remote_ok=True,
        kind=HelperKind.SPRACHLOTSE,
        days=(1, 3, 3),
        topics=("health", "school"),
        phone="+49 5272 123456",
        gender=Gender.FEMALE,
        towns=("Nieheim",),
    )
    login_as(Role.INITIATIVE)
    html = get(client)
    assert names(html) == ["Amina H."]
    card = html[html.index("<h3>") : html.index("</li>", html.index("<h3>"))]
    assert "Tigrinya (Muttersprache), Arabisch (B2)" in card
    assert "B1" in card  # German
    assert "Brakel, Bad Driburg, Marienmünster, Nieheim; Telefon/Video" in card
    assert "Höxter" not in card and "Warburg" not in card
    assert "Dienstag, Donnerstag" in card
    assert "Gesundheit" in card and "Schule und Kinderbetreuung" in card
    assert "Sprachlotsin/Sprachlotse" in card
    for secret in ("Haddad", "Maria", profile.user.email, "5272", "123456", "weiblich", "female", "Frau"):
        assert secret not in html, secret


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def people(listed):
    """Five listed helpers with known answers to every filter."""
    listed(
        "Amina Haddad",
        languages=(("ar", Level.NATIVE), DE_B2),
        home="Brakel",
        max_travel_km=14,
        days=(0, 2),
        topics=("health",),
        kind=HelperKind.SPRACHLOTSE,
    )
    listed(
        "Bahram Karimi", languages=(("fa", Level.NATIVE), DE_B2), home="Höxter", days=(1,), topics=("school",)
    )
    listed(
        "Dawud Rahimi",
        languages=(("prs", Level.C1), DE_B2),
        home="Warburg",
        days=(4,),
        topics=("work",),
        remote_ok=True,
    )
    listed(
        "Filmon Tesfay",
        languages=(("ti", Level.NATIVE), DE_B2),
        home="Steinheim",
        towns=("Höxter",),
        days=(2,),
    )
    listed("Olena Shevchenko", languages=(("uk", Level.NATIVE), DE_B2), home="Bad Driburg", days=(5,))


FILTER_CASES = [
    ("", ["Amina H.", "Bahram K.", "Dawud R.", "Filmon T.", "Olena S."]),
    ("?language=ar", ["Amina H."]),
    # alternatives: Farsi or Dari
    ("?language=fa&language=prs", ["Bahram K.", "Dawud R."]),
    # lives there, or within the travel distance (Amina: Brakel, 14 km)
    ("?town={Bad Driburg}", ["Amina H.", "Olena S."]),
    ("?town={Brakel}", ["Amina H."]),
    # named among the towns served (Filmon), lives there (Bahram); Amina's 14 km do not reach
    ("?town={Höxter}", ["Bahram K.", "Filmon T."]),
    ("?town={Warburg}", ["Dawud R."]),
    ("?day=2", ["Amina H.", "Filmon T."]),
    ("?day=1&day=5", ["Bahram K.", "Olena S."]),
    ("?topic=school", ["Bahram K."]),
    ("?kind=sprachlotse", ["Amina H."]),
    ("?kind=volunteer", ["Bahram K.", "Dawud R.", "Filmon T.", "Olena S."]),
    ("?remote=1", ["Dawud R."]),
    ("?language=ar&town={Bad Driburg}&day=0&topic=health&kind=sprachlotse", ["Amina H."]),
    # free text: first name, language name, town name, topic; every word must match
    ("?q=fil", ["Filmon T."]),
    ("?q=Tigrinya", ["Filmon T."]),
    ("?q=ukrainisch", ["Olena S."]),
    ("?q=warburg", ["Dawud R."]),
    ("?q=arabisch+bad+driburg", ["Amina H."]),
    ("?q=jobcenter", ["Dawud R."]),
    # never by a surname the directory does not show
    ("?q=Haddad", []),
    ("?q=amina+haddad", []),
    # values that are not choices are ignored
    (
        "?language=xx&town=999999&day=9&topic=nope&kind=boss",
        ["Amina H.", "Bahram K.", "Dawud R.", "Filmon T.", "Olena S."],
    ),
]


def _with_town_ids(query: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda match: str(town(match.group(1)).id), query)


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_filters_find_exactly_the_expected_helpers(query, expected, client, login_as, people):
    login_as(Role.INITIATIVE)
    assert names(get(client, _with_town_ids(query))) == expected


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES[:8])
def test_the_partial_finds_the_same_as_the_page(query, expected, client, login_as, people):
    login_as(Role.COORDINATOR)
    html = get(client, _with_town_ids(query), **htmx_headers("directory-results"))
    assert "<h1" not in html and "<form" not in html
    assert names(html) == expected
    count = f"{len(expected)} Person gefunden" if len(expected) == 1 else f"{len(expected)} Helfende gefunden"
    assert re.search(rf'id="directory-count" hx-swap-oob="innerHTML">{count}', html)


def test_the_page_works_without_javascript(client, login_as, people):
    login_as(Role.INITIATIVE)
    html = get(client, "?language=fa&language=prs&day=1")
    assert '<form id="directory-filters" class="filters" method="get" action="/verzeichnis"' in html
    assert 'hx-push-url="true"' in html and 'hx-target="#directory-results"' in html
    assert re.search(r'<input type="checkbox" name="language" value="fa" checked>', html)
    assert re.search(r'<input type="checkbox" name="language" value="prs" checked>', html)
    assert re.search(r'<input type="checkbox" name="day" value="1" checked>', html)
    assert 'role="status">1 Person gefunden</p>' in html


# --- request links ---------------------------------------------------------------------------


def test_staff_cards_link_to_a_new_request_in_the_language(client, login_as, people):
    login_as(Role.COORDINATOR)
    html = get(client, "?language=prs&language=fa")
    assert 'href="/requests/new?language=fa">Anfrage für Persisch (Farsi) stellen' in html
    assert 'href="/requests/new?language=prs">Anfrage für Dari stellen' in html


def test_initiative_cards_link_to_the_initiative_request_form(app, client, login_as, people):
    login_as(Role.INITIATIVE)
    html = get(client, "?language=ti")
    with app.test_request_context():
        from flask import url_for

        expected = url_for("initiatives.new_request", language="ti")
    assert f'href="{expected}">Anfrage für Tigrinya stellen' in html.replace("&amp;", "&")


def test_a_new_request_is_prefilled_with_the_language_from_the_link(client, login_as):
    login_as(Role.COORDINATOR)
    html = client.get("/requests/new?language=ti").get_data(as_text=True)
    assert re.search(r"<option selected value=\"\d+\">Tigrinya</option>", html)
    html = client.get("/requests/new?language=nope").get_data(as_text=True)
    assert not re.search(r"<option selected value=\"[1-9]\d*\">Tigrinya", html)


# --- pages and empty results -----------------------------------------------------------------


def test_pages_of_twenty_in_a_stable_order(client, login_as, listed):
    for number in range(PAGE_SIZE + 5):
        listed(f"Helfer{number:02d} Muster")
    listed("Abel Zett")
    login_as(Role.INITIATIVE)
    first = names(get(client))
    second = names(get(client, "?page=2"))
    assert len(first) == PAGE_SIZE and len(second) == 6
    assert first[0] == "Abel Z." and set(first).isdisjoint(second)
    assert first + second == sorted(first + second, key=lambda name: (name != "Abel Z.", name))
    assert names(get(client, "?page=2")) == second  # the same again
    assert names(get(client, "?page=99")) == second  # past the end: the last page
    html = get(client, "?page=2", **htmx_headers("directory-results"))
    assert 'href="/verzeichnis?page=1"' in html and "Seite 2 von 2" in html


def test_page_links_keep_the_filters(client, login_as, listed):
    for number in range(PAGE_SIZE + 1):
        listed(f"Helfer{number:02d} Muster", languages=(("fa", Level.NATIVE), DE_B2), days=(1,))
    login_as(Role.INITIATIVE)
    html = get(client, "?language=fa&language=prs&day=1")
    assert 'href="/verzeichnis?page=2&amp;language=fa&amp;language=prs&amp;day=1"' in html


def test_an_empty_result_says_which_filter_to_drop(client, login_as, people):
    login_as(Role.INITIATIVE)
    html = get(client, "?language=ti&day=4")
    assert names(html) == []
    assert "Niemand passt zu allen Filtern." in html
    assert "ohne Wochentag: 1 Person" in html  # Filmon, who is free on Wednesdays
    assert "ohne Sprachfilter: 1 Person" in html  # Dawud, free on Fridays
    assert 'href="/verzeichnis?language=ti"' in html


def test_an_empty_result_in_a_town_suggests_phone_and_video(client, login_as, people):
    login_as(Role.INITIATIVE)
    html = get(client, _with_town_ids("?language=prs&town={Brakel}"))
    assert "mit Telefon/Video statt vor Ort: 1 Person" in html  # Dawud in Warburg does phone/video
    assert "ohne Ort: 1 Person" in html
    assert "remote=1" in html


def test_an_empty_directory_says_so(client, login_as):
    login_as(Role.INITIATIVE)
    assert "Noch niemand hat dem Verzeichnis zugestimmt." in get(client)


def test_nothing_found_even_with_fewer_filters(client, login_as, listed):
    listed("Amina Haddad", days=(0,))
    login_as(Role.INITIATIVE)
    html = get(client, "?language=sq&day=6")
    assert "Auch mit weniger Filtern findet sich niemand." in html
    assert "Versuchen Sie es so:" not in html


# --- cost and access -------------------------------------------------------------------------


@pytest.fixture
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    yield statements
    event.remove(engine, "before_cursor_execute", before)


def test_a_page_costs_the_same_number_of_queries_for_two_cards_as_for_twenty(
    client, login_as, listed, count_queries
):
    for number in range(2):
        listed(f"Klein{number} Muster", towns=("Höxter",), topics=("health", "work"), days=(0, 1))
    login_as(Role.INITIATIVE)
    headers = htmx_headers("directory-results")
    get(client, "?language=ar", **headers)
    count_queries.clear()
    get(client, "?language=ar", **headers)
    few = len(count_queries)
    for number in range(PAGE_SIZE):
        listed(f"Gross{number} Muster", towns=("Höxter",), topics=("health", "work"), days=(0, 1))
    count_queries.clear()
    get(client, "?language=ar", **headers)
    assert len(count_queries) == few, count_queries


def test_helpers_may_not_open_the_directory(client, login_as):
    login_as(Role.HELPER)
    assert client.get("/verzeichnis").status_code == 403
    assert client.get("/verzeichnis", headers=htmx_headers("directory-results")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/verzeichnis?language=ar")
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.INITIATIVE, Role.COORDINATOR, Role.ADMIN])
def test_the_directory_is_in_the_navigation(role, client, login_as):
    login_as(role)
    html = get(client)
    assert re.search(r'href="/verzeichnis"( aria-current="page")?>Verzeichnis</a>', html)
    assert 'href="/verzeichnis/abdeckung">Sprachabdeckung</a>' in html


def test_a_search_is_recorded_in_the_audit_log_without_names(client, login_as, people):
    from ki_match.audit.models import AuditEvent

    user = login_as(Role.INITIATIVE)
    get(client, "?language=ar")
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.searched"))
    assert event_row.actor_id == user.id
    assert event_row.detail == {"count": 1, "total": 1}


# --- privacy against the demo data -----------------------------------------------------------


GENDER_WORDS = ("weiblich", "männlich", "divers", "female", "male", "diverse")


def test_no_helper_contact_or_identity_appears_anywhere_for_the_initiative(app, client):
    """Every directory and coverage page and partial, across filters and pages, as the demo
    initiative: no helper's e-mail, phone, surname or gender appears."""
    from ki_match.devtools.demo.content import DEMO_PASSWORD, INITIATIVE_EMAIL
    from ki_match.devtools.demo.data import load_demo

    load_demo()
    db.session.commit()
    helpers = list(db.session.scalars(select(HelperProfile)))
    secrets = set()
    for profile in helpers:
        secrets.add(profile.user.email)
        if profile.phone:
            secrets.add(profile.phone)
            secrets.add(re.sub(r"\D", "", profile.phone)[-6:])
        words = profile.user.display_name.split()
        # An initial ("W.") is what the card shows anyway, and it is also the initial of other people.
        if len(words) > 1 and not re.fullmatch(r"\w\.", words[-1]):
            secrets.add(words[-1])
    first_names = {profile.user.display_name.split()[0] for profile in helpers}
    secrets -= first_names  # a surname that is also someone's first name is not a secret
    assert (
        client.post("/login", data={"email": INITIATIVE_EMAIL, "password": DEMO_PASSWORD}).status_code == 303
    )

    towns = list(db.session.scalars(select(Town).order_by(Town.name)))
    queries = [
        "",
        "?page=2",
        "?page=3",
        "?remote=1",
        "?kind=sprachlotse",
        "?kind=volunteer",
        "?q=a",
        "?q=zzz",
    ]
    queries += [f"?language={code}" for code in ("ar", "fa", "prs", "ti", "uk", "ru", "so", "ckb", "kmr")]
    queries += [f"?town={town_row.id}" for town_row in towns]
    queries += [f"?day={day}" for day in range(7)]
    queries += [f"?language=ti&town={towns[-2].id}&day=6", "?language=fa&language=prs&topic=health"]
    pages = [("/verzeichnis" + query, "directory-results") for query in queries]
    pages += [
        ("/verzeichnis/abdeckung" + query, "coverage-results")
        for query in (
            "",
            "?level=7",
            "?kind=sprachlotse",
            "?language=ar&language=ti",
            "?level=2&kind=volunteer",
        )
    ]
    seen = 0
    for path, target in pages:
        for headers in ({}, htmx_headers(target)):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            seen += len(names(html))
            lowered = html.casefold()
            for secret in secrets:
                assert not re.search(rf"\b{re.escape(secret.casefold())}\b", lowered), (path, secret)
            for word in GENDER_WORDS:
                assert not re.search(rf"\b{word}\b", lowered), (path, word)
    assert seen > 50  # the scan looked at real cards
