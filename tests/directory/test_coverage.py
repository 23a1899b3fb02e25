"""Language coverage by town: figures against a hand-built data set with known answers.

Brakel–Bad Driburg is about 12 km, Brakel–Höxter about 15 km, Brakel–Warburg about 26 km.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.clock import utcnow
from ki_match.directory.queries import CoverageFilters, coverage, town_map
from ki_match.extensions import db
from ki_match.helpers.models import HelperKind
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Level, Town
from ki_match.requests.models import RequestStatus
from tests.factories import language, make_request, town
from tests.support import htmx_headers

DE = ("de", Level.B2)


@pytest.fixture
def matchable(create_helper):
    def factory(languages, home="Brakel", **fields):
        profile_fields = {
            key: fields.pop(key)
            for key in ("max_travel_km", "remote_ok", "kind", "directory_opt_in")
            if key in fields
        }
        served = fields.pop("towns", ())
        profile = create_helper(languages=(*languages, DE), home=home, password_hash="!", **fields)
        profile.consent_given_at = utcnow() - timedelta(days=1)
        for key, value in profile_fields.items():
            setattr(profile, key, value)
        profile.towns = [town(name) for name in served]
        db.session.commit()
        return profile

    return factory


@pytest.fixture
def data_set(matchable, ki):
    # Arabic: one in Brakel reaching Bad Driburg (14 km), one in Höxter who also serves Warburg.
    matchable([("ar", Level.NATIVE)], home="Brakel", max_travel_km=14, kind=HelperKind.SPRACHLOTSE)
    matchable([("ar", Level.B1)], home="Höxter", towns=("Warburg",), remote_ok=True)
    # Tigrinya at A2 only: not counted at the usual minimum (B1).
    matchable([("ti", Level.A2)], home="Warburg", remote_ok=True)
    # Not matchable: never counted.
    unapproved = matchable([("ar", Level.NATIVE)], home="Brakel")
    unapproved.approved_at = None
    withdrawn = matchable([("ar", Level.NATIVE)], home="Brakel")
    withdrawn.consent_given_at = None
    inactive = matchable([("ar", Level.NATIVE)], home="Brakel")
    inactive.user.active = False
    other_ki = Ki(slug="paderborn", name="Kreis Paderborn")
    db.session.add(other_ki)
    db.session.flush()
    elsewhere = matchable([("ar", Level.NATIVE)], home="Brakel")
    elsewhere.ki_id = other_ki.id
    db.session.commit()


def figures(ki, **filters):
    """(language code, town name) → helpers, and language code → phone/video helpers; zeros left out."""
    towns = town_map(ki)
    result = coverage(ki, CoverageFilters(**filters), towns)
    names = {row.id: row.name for row in towns.towns}
    codes = {row.id: row.code for row in db.session.scalars(select(Language))}
    counts = {
        (codes[language_id], names[town_id]): number
        for (language_id, town_id), number in result.counts.items()
        if number
    }
    return counts, {codes[key]: value for key, value in result.remote.items() if value}


def test_counts_follow_home_towns_travel_distance_and_towns_served(app, ki, data_set):
    counts, remote = figures(ki)
    assert counts == {
        ("ar", "Brakel"): 1,
        ("ar", "Bad Driburg"): 1,
        ("ar", "Marienmünster"): 1,
        ("ar", "Nieheim"): 1,
        ("ar", "Höxter"): 1,
        ("ar", "Warburg"): 1,
    }
    assert remote == {"ar": 1}


def test_a_lower_minimum_level_counts_more(app, ki, data_set):
    counts, remote = figures(ki, min_level=int(Level.A2))
    assert counts[("ti", "Warburg")] == 1
    assert remote == {"ar": 1, "ti": 1}
    counts, remote = figures(ki, min_level=int(Level.NATIVE))
    assert counts == {
        ("ar", "Brakel"): 1,
        ("ar", "Bad Driburg"): 1,
        ("ar", "Marienmünster"): 1,
        ("ar", "Nieheim"): 1,
    }
    assert remote == {}


def test_kind_and_language_filters(app, ki, data_set):
    counts, _remote = figures(ki, kind=HelperKind.VOLUNTEER)
    assert counts == {("ar", "Höxter"): 1, ("ar", "Warburg"): 1}
    counts, _remote = figures(ki, language_ids=(language("ti").id,), min_level=int(Level.A2))
    assert counts == {("ti", "Warburg"): 1}


def test_two_helpers_in_one_town_count_two_and_opt_in_does_not_matter(app, ki, matchable):
    matchable([("uk", Level.NATIVE)], home="Steinheim", directory_opt_in=True)
    matchable([("uk", Level.C1)], home="Steinheim", directory_opt_in=False)
    counts, _remote = figures(ki)
    assert counts == {("uk", "Steinheim"): 2}


def cell(html: str, row: str, column: int) -> str:
    """The text of the ``column``-th data cell (0 = first town) in the row of ``row``."""
    match = re.search(rf"<th scope=\"row\">{re.escape(row)}</th>(.*?)</tr>", html, re.S)
    assert match, row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    return re.sub(r"\s+", " ", cells[column]).strip()


def test_the_table_marks_gaps_and_thin_spots_in_words(client, login_as, data_set):
    login_as(Role.INITIATIVE)
    html = client.get("/verzeichnis/abdeckung").get_data(as_text=True)
    towns = [row.name for row in db.session.scalars(select(Town).order_by(Town.name))]
    assert "<caption" in html and '<th scope="col"><bdi>Bad Driburg</bdi></th>' in html
    brakel = towns.index("Brakel")
    assert cell(html, "Arabisch", brakel) == "1 dünn"
    assert cell(html, "Arabisch", towns.index("Beverungen")).endswith("Lücke")
    assert "<strong>0</strong>" in cell(html, "Tigrinya", towns.index("Warburg"))
    assert cell(html, "Arabisch", len(towns)) == "1 dünn"  # phone/video
    # Initiatives see no links into the coordinators' request list.
    assert "/requests?" not in html


def test_gaps_link_coordinators_to_the_requests_still_seeking_help_there(client, login_as, data_set):
    somali = language("so")
    make_request(lang="so", where="Warburg", status=RequestStatus.UNFILLED, starts_in=-timedelta(days=5))
    make_request(lang="so", where="Warburg", status=RequestStatus.UNFILLED, starts_in=-timedelta(days=9))
    make_request(lang="so", where="Warburg", status=RequestStatus.COMPLETED)  # met: not counted
    make_request(lang="so", where="Brakel", status=RequestStatus.OPEN)
    # Asked for in Arabic with Somali as an alternative: counted under Somali too.
    alternative = make_request(lang="ar", where="Brakel", status=RequestStatus.OFFERED)
    alternative.alt_languages = [somali]
    db.session.commit()
    make_request(lang="so", where="Warburg", status=RequestStatus.OPEN, ki=other_ki())

    login_as(Role.COORDINATOR)
    html = client.get("/verzeichnis/abdeckung").get_data(as_text=True)
    towns = [row.name for row in db.session.scalars(select(Town).order_by(Town.name))]
    warburg = cell(html, "Somali", towns.index("Warburg"))
    assert "2 Anfragen ohne Hilfe" in warburg
    assert f"/requests?tab=unfilled&amp;language={somali.id}&amp;town={town('Warburg').id}" in warburg
    brakel = cell(html, "Somali", towns.index("Brakel"))
    assert "2 Anfragen ohne Hilfe" in brakel and "tab=open" in brakel
    assert "0 Anfragen ohne Hilfe" in cell(html, "Somali", towns.index("Höxter"))
    followed = client.get(f"/requests?tab=unfilled&language={somali.id}&town={town('Warburg').id}")
    assert followed.get_data(as_text=True).count("<tr") == 3  # the head and the two unfilled


def other_ki() -> Ki:
    found = Ki(slug="lippe", name="Kreis Lippe")
    db.session.add(found)
    db.session.commit()
    return found


def test_filters_as_a_partial_and_as_a_page(client, login_as, data_set):
    login_as(Role.COORDINATOR)
    query = "?language=ti&level=2&kind=volunteer"
    partial = client.get(f"/verzeichnis/abdeckung{query}", headers=htmx_headers("coverage-results"))
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200
    assert "<h1" not in html and "<form" not in html
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == ["Tigrinya"]
    assert 'id="coverage-status" hx-swap-oob="innerHTML">9 Lücken' in html
    page = client.get(f"/verzeichnis/abdeckung{query}").get_data(as_text=True)
    assert '<form id="coverage-filters" class="filters" method="get" action="/verzeichnis/abdeckung"' in page
    assert '<option value="2" selected>A2</option>' in page
    assert '<input type="checkbox" name="language" value="ti" checked>' in page
    assert "Sprachniveau mindestens A2" in page


def test_the_usual_minimum_is_preselected(client, login_as):
    login_as(Role.INITIATIVE)
    html = client.get("/verzeichnis/abdeckung").get_data(as_text=True)
    assert '<option value="3" selected>B1</option>' in html


def test_helpers_may_not_see_coverage(client, login_as):
    login_as(Role.HELPER)
    assert client.get("/verzeichnis/abdeckung").status_code == 403
    assert client.get("/verzeichnis/abdeckung", headers=htmx_headers("coverage-results")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/verzeichnis/abdeckung")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_coverage_is_one_query_whatever_the_number_of_towns(app, ki, data_set):
    from sqlalchemy import event

    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    towns = town_map(ki)
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        coverage(ki, CoverageFilters(), towns)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert len(statements) == 1
    assert "GROUP BY" in statements[0]
