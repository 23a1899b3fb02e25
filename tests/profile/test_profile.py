"""The helper's own profile: pages, partials, validation, ownership, consent and the matchable rule."""

from __future__ import annotations

import itertools
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    Gender,
    HelperKind,
    HelperLanguage,
    HelperProfile,
)
from ki_match.helpers.queries import matchable_filter
from ki_match.helpers.services import add_months, is_matchable, missing_items, police_certificate
from ki_match.profile.services import CONSENT_VERSION, local_today
from ki_match.reference.models import Level, Topic
from tests.factories import PASSWORD, language, town
from tests.support import audit_events, htmx_headers


@pytest.fixture
def helper(client, create_helper):
    """A logged-in helper with Arabic (native) and German (B2), home town Brakel, no slots, no consent,
    no checks recorded."""
    profile = create_helper(consented=False, checked=False)
    response = client.post("/login", data={"email": profile.user.email, "password": PASSWORD})
    assert response.status_code == 303
    return profile


@pytest.fixture
def other_helper(create_helper):
    """Someone else, with a language, a slot and an absence of their own."""
    profile = create_helper(languages=(("fa", Level.NATIVE), ("de", Level.C1)))
    db.session.add_all(
        [
            AvailabilitySlot(helper_id=profile.id, weekday=2, starts=time(9), ends=time(12)),
            Absence(helper_id=profile.id, first_day=date(2030, 1, 1), last_day=date(2030, 1, 5)),
        ]
    )
    db.session.commit()
    return profile


def reload(profile: HelperProfile) -> HelperProfile:
    db.session.expire_all()
    return db.session.get(HelperProfile, profile.id)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- access --------------------------------------------------------------------------------

GET_ROUTES = ["/profile", "/profile/setup", "/profile/languages", "/profile/where", "/profile/when"]
GET_ROUTES += ["/profile/more", "/profile/consent"]
POST_ROUTES = [
    "/profile/languages",
    "/profile/languages/1",
    "/profile/languages/1/delete",
    "/profile/where",
    "/profile/when",
    "/profile/slots/1/delete",
    "/profile/absences",
    "/profile/absences/1/delete",
    "/profile/more",
    "/profile/consent",
    "/profile/consent/withdraw",
]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_other_roles_are_refused_everywhere(client, auth, role):
    auth.as_role(role)
    for url in GET_ROUTES:
        assert client.get(url).status_code == 403, url
    for url in POST_ROUTES:
        assert client.post(url, data={}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(client, ki):
    for url in GET_ROUTES:
        response = client.get(url)
        assert response.status_code == 303
        assert "/login" in response.headers["Location"]
    for url in POST_ROUTES:
        assert client.post(url, data={}).status_code == 303


def test_rows_of_another_helper_are_not_found(client, helper, other_helper):
    slot_id, absence_id = other_helper.slots[0].id, other_helper.absences[0].id
    farsi = language("fa")
    assert client.post(f"/profile/languages/{farsi.id}", data={"level": "4"}).status_code == 404
    assert client.post(f"/profile/languages/{farsi.id}/delete").status_code == 404
    assert client.post(f"/profile/slots/{slot_id}/delete").status_code == 404
    assert client.post(f"/profile/absences/{absence_id}/delete").status_code == 404
    # and the same through htmx
    assert (
        client.post(f"/profile/slots/{slot_id}/delete", headers=htmx_headers("slot-list")).status_code == 404
    )
    other = reload(other_helper)
    assert {entry.language.code: entry.level for entry in other.languages} == {"fa": 7, "de": 5}
    assert len(other.slots) == 1 and len(other.absences) == 1


def test_mein_profil_is_in_the_helper_navigation(client, helper):
    page = text(client.get("/"))
    assert 'href="/profile"' in page and "Mein Profil" in page


# --- overview ------------------------------------------------------------------------------


def test_overview_shows_everything_and_what_is_missing(client, helper):
    response = client.get("/profile")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Mein Profil</h1>" in page
    assert "Das fehlt noch für die Freigabe" in page
    assert '<a href="/profile/when?setup=1">wann Sie Zeit haben</a>' in page
    assert '<a href="/profile/consent?setup=1">Einwilligung in die Datenverarbeitung</a>' in page
    assert "Wohnort</dt><dd><bdi>Brakel</bdi>" in page
    assert "Arabisch: <strong>Muttersprache</strong>" in page
    assert "Deutsch: <strong>B2</strong>" in page
    assert helper.user.email in page
    # the coordinator's checks, read-only
    assert "Vom Integrationszentrum geprüft" in page
    assert page.count("noch nicht eingetragen") == 3
    assert 'name="qualification_completed_on"' not in page


def test_overview_lists_the_languages_german_first(client, create_helper, auth):
    profile = create_helper(languages=(("ar", Level.NATIVE), ("uk", Level.C1), ("de", Level.B1)))
    auth.login(profile.user.email)
    page = text(client.get("/profile"))
    assert page.index("Deutsch:") < page.index("Arabisch:") < page.index("Ukrainisch:")


def test_overview_shows_the_week_and_upcoming_absences(client, helper):
    today = local_today()
    db.session.add_all(
        [
            AvailabilitySlot(helper_id=helper.id, weekday=1, starts=time(14), ends=time(17)),
            AvailabilitySlot(helper_id=helper.id, weekday=1, starts=time(9), ends=time(12)),
            Absence(
                helper_id=helper.id, first_day=today + timedelta(days=3), last_day=today + timedelta(days=5)
            ),
            Absence(
                helper_id=helper.id, first_day=today - timedelta(days=9), last_day=today - timedelta(days=8)
            ),
        ]
    )
    db.session.commit()
    page = text(client.get("/profile"))
    assert re.search(r"<dt>Dienstag</dt>\s*<dd>09:00–12:00 Uhr, 14:00–17:00 Uhr</dd>", page)
    assert "Höchstens 4 Einsätze im Monat." in page
    assert f"{today + timedelta(days=3):%Y}" in page
    assert page.count(" bis ") == 1  # only the upcoming absence


def test_overview_when_nothing_is_missing(client, helper):
    helper.consent_given_at = utcnow()
    helper.consent_version = CONSENT_VERSION
    db.session.add(AvailabilitySlot(helper_id=helper.id, weekday=0, starts=time(9), ends=time(12)))
    db.session.commit()
    page = text(client.get("/profile"))
    assert "Das fehlt noch" not in page
    assert "Ihr Profil ist freigegeben. Sie können Anfragen bekommen." in page


def test_police_certificate_renewal_on_the_overview(client, helper):
    today = local_today()
    helper.police_certificate_seen_on = add_months(today, -12 * 5 + 2)  # renew within 2 months
    db.session.commit()
    page = text(client.get("/profile"))
    assert "Neues Führungszeugnis bis" in page
    assert "läuft bald ab" in page

    helper.police_certificate_seen_on = today - timedelta(days=5 * 366 + 1)
    db.session.commit()
    assert "ist abgelaufen" in text(client.get("/profile"))

    helper.police_certificate_seen_on = today - timedelta(days=365)
    db.session.commit()
    page = text(client.get("/profile"))
    assert "Neues Führungszeugnis bis" in page
    assert 'id="police-warning"' not in page


def test_police_certificate_rule(app, create_helper):
    profile = create_helper()
    assert police_certificate(profile, valid_years=5, today=date(2026, 11, 22)) is None
    profile.police_certificate_seen_on = date(2021, 12, 1)
    due = police_certificate(profile, valid_years=5, today=date(2026, 11, 22))
    assert (due.renew_by, due.state) == (date(2026, 12, 1), "due_soon")
    assert police_certificate(profile, valid_years=5, today=date(2026, 8, 31)).state == "ok"
    assert police_certificate(profile, valid_years=5, today=date(2026, 9, 1)).state == "due_soon"
    assert police_certificate(profile, valid_years=5, today=date(2026, 12, 1)).state == "due_soon"
    assert police_certificate(profile, valid_years=5, today=date(2026, 12, 2)).state == "overdue"
    profile.police_certificate_seen_on = date(2024, 2, 29)
    assert police_certificate(profile, valid_years=5, today=date(2026, 1, 1)).renew_by == date(2029, 2, 28)
    assert app.config["POLICE_CERTIFICATE_VALID_YEARS"] == 5


# --- the guided set-up ---------------------------------------------------------------------


def test_setup_sends_to_the_first_missing_step(client, create_helper, auth):
    profile = create_helper(approved=False, languages=(), home=None, consented=False)
    auth.login(profile.user.email)
    assert client.get("/profile/setup").headers["Location"] == "/profile/languages?setup=1"
    db.session.add(HelperLanguage(helper_id=profile.id, language_id=language("ar").id, level=Level.NATIVE))
    db.session.add(HelperLanguage(helper_id=profile.id, language_id=language("de").id, level=Level.B1))
    db.session.commit()
    assert client.get("/profile/setup").headers["Location"] == "/profile/where?setup=1"
    profile.home_town_id = town("Warburg").id
    db.session.commit()
    assert client.get("/profile/setup").headers["Location"] == "/profile/when?setup=1"
    db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=0, starts=time(9), ends=time(12)))
    db.session.commit()
    assert client.get("/profile/setup").headers["Location"] == "/profile/consent?setup=1"
    profile.consent_given_at = utcnow()
    db.session.commit()
    assert client.get("/profile/setup").headers["Location"] == "/profile"


@pytest.mark.parametrize(
    ("url", "number", "back"),
    [
        ("/profile/languages?setup=1", 1, False),
        ("/profile/where?setup=1", 2, True),
        ("/profile/when?setup=1", 3, True),
        ("/profile/more?setup=1", 4, True),
        ("/profile/consent?setup=1", 5, True),
    ],
)
def test_each_step_shows_its_progress(client, helper, url, number, back):
    page = text(client.get(url))
    assert f"Schritt {number} von 5" in page
    assert ("Zurück" in page) is back
    assert "Weiter" in page or number == 5


def test_section_pages_outside_the_setup_have_no_progress(client, helper):
    for url in ("/profile/languages", "/profile/where", "/profile/when", "/profile/more", "/profile/consent"):
        assert "Schritt" not in text(client.get(url)), url


def test_weiter_and_zurueck_walk_the_steps(client, helper):
    # Weiter with an empty new row: nothing to save, on to step 2
    response = client.post("/profile/languages?setup=1", data={"then": "next"})
    assert (response.status_code, response.headers["Location"]) == (303, "/profile/where?setup=1")
    data = {"home_town": str(town("Höxter").id), "max_travel_km": "15", "then": "back"}
    response = client.post("/profile/where?setup=1", data=data)
    assert response.headers["Location"] == "/profile/languages?setup=1"
    assert reload(helper).home_town.name == "Höxter"  # Zurück saved it too
    response = client.post("/profile/where?setup=1", data={**data, "then": "next"})
    assert response.headers["Location"] == "/profile/when?setup=1"
    response = client.post("/profile/when?setup=1", data={"monthly_cap": "2", "then": "next"})
    assert response.headers["Location"] == "/profile/more?setup=1"
    response = client.post(
        "/profile/more?setup=1", data={"kind": "volunteer", "locale": "de", "then": "next"}
    )
    assert response.headers["Location"] == "/profile/consent?setup=1"
    response = client.post("/profile/consent?setup=1")
    assert response.headers["Location"] == "/profile"


def test_htmx_weiter_navigates_with_hx_redirect(client, helper):
    response = client.post(
        "/profile/languages?setup=1",
        data={"language": str(language("tr").id), "level": "4", "then": "next"},
        headers=htmx_headers("language-editor"),
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/profile/where?setup=1"
    assert "tr" in {entry.language.code for entry in reload(helper).languages}  # the typed row was kept


# --- languages -----------------------------------------------------------------------------


def test_add_a_language_without_javascript(client, helper):
    response = client.post("/profile/languages", data={"language": str(language("ckb").id), "level": "5"})
    assert (response.status_code, response.headers["Location"]) == (303, "/profile/languages")
    page = text(client.get(response.headers["Location"]))
    assert "Zentralkurdisch (Sorani) (C1) ist gespeichert." in page
    assert {e.language.code: e.level for e in reload(helper).languages} == {"ar": 7, "de": 4, "ckb": 5}
    (event,) = audit_events("profile.changed")
    assert event.detail == {"section": "languages", "change": "added"}
    assert (event.subject_type, event.subject_id, event.actor_id) == (
        "helper_profile",
        helper.id,
        helper.user_id,
    )


def test_add_a_language_with_htmx_swaps_the_editor(client, helper):
    response = client.post(
        "/profile/languages",
        data={"language": str(language("kmr").id), "level": "7"},
        headers=htmx_headers("language-editor"),
    )
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="language-editor">')
    assert "<html" not in page
    assert 'role="status"' in page and "Kurdisch (Kurmanji) (Muttersprache) ist gespeichert." in page
    assert '<label class="row-label" for="level-' in page and "Kurdisch (Kurmanji)</label>" in page
    assert "aria-invalid" not in page  # a fresh, empty row to add the next one


def test_a_language_appears_once(client, helper):
    arabic = language("ar")
    response = client.post(
        "/profile/languages",
        data={"language": str(arabic.id), "level": "3"},
        headers=htmx_headers("language-editor"),
    )
    page = text(response)
    assert response.status_code == 422
    assert "Diese Sprache steht schon in Ihrer Liste" in page  # a stale page or a second tab
    assert "aus der Liste" not in page  # one message, not two
    assert '<option selected value="3">B1</option>' in page  # what was typed is still there
    assert len(reload(helper).languages) == 2


def test_the_picker_offers_only_languages_not_added_yet(client, helper):
    def offered() -> set[int]:
        page = text(client.get("/profile/languages"))
        picker = page.split('<select id="language"')[1].split("</select>")[0]
        return {int(value) for value in re.findall(r'<option value="(\d+)">', picker)}

    arabic, german, farsi = language("ar"), language("de"), language("fa")
    assert farsi.id in offered()
    assert arabic.id not in offered() and german.id not in offered()  # Arabic and German are in the list
    client.post("/profile/languages", data={"language": str(farsi.id), "level": "7"})
    assert farsi.id not in offered()
    client.post(f"/profile/languages/{farsi.id}/delete")
    assert farsi.id in offered()  # removed from the list: offered again


def test_a_language_the_ki_does_not_offer_is_refused(client, helper):
    response = client.post("/profile/languages", data={"language": "999999", "level": "3"})
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Sprache aus der Liste." in text(response)
    assert len(reload(helper).languages) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"language": "", "level": "4"}, "Bitte wählen Sie eine Sprache."),
        ({"language": "uk", "level": ""}, "Bitte wählen Sie eine Sprache aus der Liste."),
        ({"language": "99999", "level": "4"}, "Bitte wählen Sie eine Sprache aus der Liste."),
        ({"language": "LANG", "level": "1"}, "Bitte wählen Sie eine Stufe aus der Liste."),
        ({"language": "LANG", "level": ""}, "Bitte wählen Sie, wie gut Sie die Sprache sprechen."),
    ],
)
def test_invalid_language_rows_answer_422(client, helper, data, message):
    data = {key: (str(language("uk").id) if value == "LANG" else value) for key, value in data.items()}
    response = client.post("/profile/languages", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert "<html" in text(response)  # without htmx: the whole page


def test_change_a_level_in_place(client, helper):
    german = language("de")
    response = client.post(
        f"/profile/languages/{german.id}", data={"level": "5"}, headers=htmx_headers("language-list")
    )
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="language-list"')
    assert "Deutsch: jetzt C1." in page
    assert {e.language.code: e.level for e in reload(helper).languages}["de"] == Level.C1
    response = client.post(
        f"/profile/languages/{german.id}", data={"level": "9"}, headers=htmx_headers("language-list")
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in text(response)
    assert "Bitte wählen Sie eine Stufe aus der Liste." in text(response)
    # without htmx: 303 back to the page
    response = client.post(f"/profile/languages/{german.id}", data={"level": "3"})
    assert (response.status_code, response.headers["Location"]) == (303, "/profile/languages")


def test_remove_a_language(client, helper):
    arabic = language("ar")
    response = client.post(f"/profile/languages/{arabic.id}/delete", headers=htmx_headers("language-list"))
    assert response.status_code == 200
    assert "Arabisch ist entfernt." in text(response)
    assert [e.language.code for e in reload(helper).languages] == ["de"]
    assert [e.detail["change"] for e in audit_events("profile.changed")] == ["removed"]
    response = client.post(f"/profile/languages/{language('de').id}/delete?setup=1")
    assert response.headers["Location"] == "/profile/languages?setup=1"
    page = text(client.get("/profile/languages"))
    assert "Deutsch fehlt noch" in page


# --- where ---------------------------------------------------------------------------------


def test_where_shows_and_saves(client, helper):
    page = text(client.get("/profile/where"))
    assert f'<option selected value="{town("Brakel").id}">Brakel</option>' in page
    data = {
        "home_town": str(town("Nieheim").id),
        "towns": [str(town("Nieheim").id), str(town("Steinheim").id)],
        "max_travel_km": "25",
        "remote_ok": "y",
        "has_no_car": "y",
    }
    response = client.post("/profile/where", data=data)
    assert (response.status_code, response.headers["Location"]) == (303, "/profile")
    profile = reload(helper)
    assert profile.home_town.name == "Nieheim"
    assert [t.name for t in profile.towns] == ["Nieheim", "Steinheim"]
    assert (profile.max_travel_km, profile.remote_ok, profile.has_no_car) == (25, True, True)
    assert "ja – mehr Zeit für Bus und Bahn" in text(client.get("/profile"))
    # towns can be taken away again, and the distance left empty
    client.post("/profile/where", data={"home_town": str(town("Nieheim").id)})
    profile = reload(helper)
    assert (profile.towns, profile.max_travel_km, profile.remote_ok, profile.has_no_car) == (
        [],
        None,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"home_town": ""}, "Bitte wählen Sie Ihren Wohnort."),
        ({"home_town": "HOME", "max_travel_km": "301"}, "Bitte eine Zahl von 0 bis 300."),
        ({"home_town": "HOME", "max_travel_km": "-1"}, "Bitte eine Zahl von 0 bis 300."),
        ({"home_town": "HOME", "max_travel_km": "zehn"}, "Bitte eine ganze Zahl eingeben"),
        ({"home_town": "HOME", "towns": "999999"}, "Bitte wählen Sie nur Orte aus der Liste."),
    ],
)
def test_where_validation_keeps_what_was_typed(client, helper, data, message):
    data = {key: (str(town("Beverungen").id) if value == "HOME" else value) for key, value in data.items()}
    data["remote_ok"] = "y"
    response = client.post("/profile/where", data=data, headers=htmx_headers("where-form"))
    page = text(response)
    assert response.status_code == 422
    assert page.lstrip().startswith('<form id="where-form"')
    assert message in page
    assert 'id="remote_ok" name="remote_ok" type="checkbox" value="y"' in page and "checked" in page
    if "max_travel_km" in data:
        assert f'value="{data["max_travel_km"]}"' in page
    assert reload(helper).home_town.name == "Brakel"
    assert client.post("/profile/where", data=data).status_code == 422  # and without htmx


# --- when ----------------------------------------------------------------------------------


def test_add_slots_with_htmx(client, helper):
    response = client.post(
        "/profile/when",
        data={"weekday": "1", "starts": "09:00", "ends": "12:00", "monthly_cap": "3", "then": "add"},
        headers=htmx_headers("slot-editor"),
    )
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="slot-editor">')
    assert "Neue Zeit gespeichert: Dienstag 09:00–12:00 Uhr." in page
    assert 'value="3"' in page  # the saved cap, and an empty row for the next slot
    # typed the lenient way; touching the first slot is fine
    response = client.post(
        "/profile/when",
        data={"weekday": "1", "starts": "12.00", "ends": "14", "monthly_cap": "3"},
        headers=htmx_headers("slot-editor"),
    )
    assert response.status_code == 422  # "14" is not a time
    assert "Bitte als Uhrzeit eingeben" in text(response)
    response = client.post(
        "/profile/when",
        data={"weekday": "1", "starts": "12.00", "ends": "1400", "monthly_cap": "3"},
        headers=htmx_headers("slot-editor"),
    )
    assert response.status_code == 200
    profile = reload(helper)
    assert [(s.weekday, s.starts, s.ends) for s in profile.slots] == [
        (1, time(9), time(12)),
        (1, time(12), time(14)),
    ]
    assert profile.monthly_cap == 3
    assert [e.detail["change"] for e in audit_events("profile.changed")] == [
        "cap_changed",
        "slot_added",
        "slot_added",
    ]


def test_overlapping_slot_is_refused_next_to_the_row(client, helper):
    existing = AvailabilitySlot(helper_id=helper.id, weekday=3, starts=time(9), ends=time(12))
    db.session.add(existing)
    db.session.commit()
    response = client.post(
        "/profile/when",
        data={"weekday": "3", "starts": "11:30", "ends": "13:00", "monthly_cap": "6"},
        headers=htmx_headers("slot-editor"),
    )
    page = text(response)
    assert response.status_code == 422
    assert "Diese Zeit überschneidet sich mit Donnerstag 09:00–12:00 Uhr." in page
    assert f'class="row row-conflict" id="slot-row-{existing.id}"' in page
    assert "Überschneidet sich mit der neuen Zeit." in page
    assert 'value="11:30"' in page and 'value="13:00"' in page and 'value="6"' in page
    profile = reload(helper)
    assert len(profile.slots) == 1
    assert profile.monthly_cap == 4  # nothing saved while the form is wrong


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekday": "0", "starts": "12:00", "ends": "09:00"}, "Das Ende muss nach dem Anfang liegen."),
        ({"weekday": "0", "starts": "12:00", "ends": "12:00"}, "Das Ende muss nach dem Anfang liegen."),
        ({"weekday": "", "starts": "09:00", "ends": "12:00"}, "Bitte wählen Sie einen Tag."),
        ({"weekday": "0", "starts": "", "ends": "12:00"}, "Ab wann?"),
        ({"weekday": "0", "starts": "25:00", "ends": "26:00"}, "Bitte als Uhrzeit eingeben"),
        (
            {"weekday": "7", "starts": "09:00", "ends": "10:00"},
            "Bitte wählen Sie einen Wochentag aus der Liste.",
        ),
        (
            {"weekday": "0", "starts": "09:00", "ends": "10:00", "monthly_cap": "101"},
            "Bitte eine Zahl von 0 bis 100.",
        ),
        ({"weekday": "", "starts": "", "ends": "", "monthly_cap": ""}, "Bitte geben Sie eine Zahl ein"),
    ],
)
def test_invalid_slot_rows_answer_422(client, helper, data, message):
    data = {"monthly_cap": "4", **data}
    response = client.post("/profile/when", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert reload(helper).slots == []


def test_adding_with_an_empty_row_says_what_is_missing(client, helper):
    response = client.post("/profile/when", data={"monthly_cap": "4", "then": "add"})
    assert response.status_code == 422
    assert "Bitte wählen Sie einen Tag und die Uhrzeiten der neuen Zeit." in text(response)


def test_speichern_keeps_a_typed_slot(client, helper):
    response = client.post(
        "/profile/when",
        data={"weekday": "4", "starts": "16:00", "ends": "18:00", "monthly_cap": "0", "then": "done"},
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/profile")
    profile = reload(helper)
    assert [(s.weekday, s.starts) for s in profile.slots] == [(4, time(16))]
    assert profile.monthly_cap == 0


def test_remove_a_slot(client, helper):
    slot = AvailabilitySlot(helper_id=helper.id, weekday=5, starts=time(10), ends=time(12))
    db.session.add(slot)
    db.session.commit()
    slot_id = slot.id
    response = client.post(f"/profile/slots/{slot_id}/delete", headers=htmx_headers("slot-list"))
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<section id="slot-list"')
    assert "Entfernt: Samstag 10:00–12:00 Uhr." in text(response)
    assert reload(helper).slots == []
    assert client.post(f"/profile/slots/{slot_id}/delete").status_code == 404


def test_absences(client, helper):
    today = local_today()
    first = today + timedelta(days=10)
    response = client.post(
        "/profile/absences",
        data={"first_day": f"{first:%d.%m.%Y}", "note": "Urlaub"},
        headers=htmx_headers("absence-editor"),
    )
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="absence-editor"')
    assert "Abwesenheit gespeichert." in page and "Urlaub" in page
    (absence,) = reload(helper).absences
    assert (absence.first_day, absence.last_day, absence.note) == (first, first, "Urlaub")

    response = client.post(
        "/profile/absences",
        data={"first_day": first.isoformat(), "last_day": (first - timedelta(days=1)).isoformat()},
        headers=htmx_headers("absence-editor"),
    )
    assert response.status_code == 422
    assert "Der letzte Tag darf nicht vor dem ersten liegen." in text(response)
    assert f'value="{first.isoformat()}"' in text(response)
    response = client.post("/profile/absences", data={"first_day": "31.02.2026"})
    assert response.status_code == 422
    assert "Bitte als Datum eingeben" in text(response)

    # a past absence can be removed too
    past = Absence(
        helper_id=helper.id, first_day=today - timedelta(days=30), last_day=today - timedelta(days=20)
    )
    db.session.add(past)
    db.session.commit()
    page = text(client.get("/profile/when"))
    assert "Vorbei" in page
    response = client.post(f"/profile/absences/{past.id}/delete", headers=htmx_headers("absence-list"))
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<div id="absence-list"')
    response = client.post(f"/profile/absences/{absence.id}/delete")
    assert (response.status_code, response.headers["Location"]) == (303, "/profile/when")
    assert reload(helper).absences == []


def test_setup_hides_absences(client, helper):
    page = text(client.get("/profile/when?setup=1"))
    assert 'id="absence-form"' not in page
    assert "Urlaub und andere Abwesenheiten können Sie später" in page


# --- topics and more -----------------------------------------------------------------------


def test_more_saves_topics_kind_gender_directory_and_locale(client, helper):
    page = text(client.get("/profile/more"))
    assert (
        "Wir nutzen das nur bei Anfragen, für die sich jemand ausdrücklich eine Frau oder einen Mann wünscht."
        in page
    )
    assert 'id="directory_opt_in"' in page and "checked" not in page.split('id="directory_opt_in"')[0][-80:]
    health, school = (
        db.session.scalar(select(Topic).where(Topic.code == code)) for code in ("health", "school")
    )
    data = {
        "topics": [str(health.id), str(school.id)],
        "kind": "sprachlotse",
        "gender": "female",
        "phone": "+49 5272 123 45",
        "directory_opt_in": "y",
        "locale": "en",
        "qualification_completed_on": "2020-01-01",  # the coordinator's: ignored
    }
    response = client.post("/profile/more", data=data)
    assert (response.status_code, response.headers["Location"]) == (303, "/profile")
    profile = reload(helper)
    assert {t.code for t in profile.topics} == {"health", "school"}
    assert (profile.kind, profile.gender, profile.phone) == (
        HelperKind.SPRACHLOTSE,
        Gender.FEMALE,
        "+49 5272 123 45",
    )
    assert profile.directory_opt_in is True
    assert profile.qualification_completed_on is None
    assert profile.user.locale == "en"
    assert len(audit_events("directory.opted_in")) == 1
    # the interface follows the chosen language
    assert '<html lang="en"' in text(client.get("/profile"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "", "locale": "de"}, "Bitte wählen Sie eine Möglichkeit."),
        ({"kind": "boss", "locale": "de"}, "Not a valid choice"),
        ({"kind": "volunteer", "locale": "xx"}, "Not a valid choice"),
        ({"kind": "volunteer", "locale": "de", "phone": "call me"}, "Bitte nur Ziffern"),
        (
            {"kind": "volunteer", "locale": "de", "topics": "99999"},
            "Bitte wählen Sie nur Themen aus der Liste.",
        ),
    ],
)
def test_more_validation(client, helper, data, message):
    response = client.post("/profile/more", data=data, headers=htmx_headers("more-form"))
    assert response.status_code == 422
    page = text(response)
    assert page.lstrip().startswith('<form id="more-form"')
    if "Not a valid" not in message:
        assert message in page
    if "phone" in data:
        assert 'value="call me"' in page


# --- consent and the matchable rule --------------------------------------------------------


def test_consent_given_and_withdrawn(client, helper):
    page = text(client.get("/profile/consent"))
    assert f"Fassung <bdi>{CONSENT_VERSION}</bdi>" in page
    assert "Ich willige ein" in page
    response = client.post("/profile/consent")
    assert (response.status_code, response.headers["Location"]) == (303, "/profile/consent")
    profile = reload(helper)
    assert profile.consent_version == CONSENT_VERSION and profile.consent_given_at is not None
    assert is_matchable(profile)
    assert db.session.scalar(select(HelperProfile.id).where(matchable_filter())) == helper.id
    (given,) = audit_events("consent.given")
    assert (given.subject_id, given.actor_id, given.detail) == (
        helper.id,
        helper.user_id,
        {"version": CONSENT_VERSION},
    )
    assert "Sie haben am" in text(client.get("/profile/consent"))

    response = client.post("/profile/consent/withdraw")
    assert response.status_code == 303
    profile = reload(helper)
    assert (profile.consent_given_at, profile.consent_version) == (None, None)
    assert not is_matchable(profile)
    assert db.session.scalar(select(HelperProfile.id).where(matchable_filter())) is None
    (withdrawn,) = audit_events("consent.withdrawn")
    assert withdrawn.detail == {"version": CONSENT_VERSION}
    assert "Sie haben Ihre Einwilligung widerrufen" in text(client.get("/profile"))


def test_an_older_consent_version_asks_to_agree_again(client, helper):
    helper.consent_given_at = utcnow()
    helper.consent_version = "2020-01"
    db.session.commit()
    page = text(client.get("/profile/consent"))
    assert "Der Text hat sich seitdem geändert" in page
    assert "Ich willige ein" in page
    assert is_matchable(reload(helper))  # still counts until they withdraw


def test_is_matchable_and_matchable_filter_agree(app, create_helper):
    profiles = []
    for active, deleted, verified, approved, consent in itertools.product([True, False], repeat=5):
        profile = create_helper(approved=approved, verified=verified, active=active)
        profile.user.deleted_at = utcnow() if deleted else None
        profile.consent_given_at = utcnow() if consent else None
        profiles.append(profile)
    db.session.commit()
    in_sql = set(db.session.scalars(select(HelperProfile.id).where(matchable_filter())))
    in_python = {profile.id for profile in profiles if is_matchable(profile)}
    assert in_sql == in_python
    assert len(in_python) == 1  # only active, not deleted, verified, approved and consenting


def test_missing_items_name_their_step(app, create_helper):
    profile = create_helper(
        approved=False, languages=(("de", Level.B1),), home=None, verified=False, consented=False
    )
    assert [item.key for item in missing_items(profile)] == [
        "verify",
        "language",
        "home_town",
        "slots",
        "consent",
    ]


def test_the_directory_hint_links_to_the_privacy_page(client, helper):
    page = text(client.get("/profile/more"))
    hint = page.split('id="directory_opt_in-hint"')[1].split("</p>")[0]
    assert "Ihre E-Mail-Adresse und Telefonnummer sehen sie nie." in hint
    assert 'href="/privacy"' in hint
