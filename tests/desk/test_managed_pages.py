"""The coordinators' pages for helpers the KI manages, the note on any helper, and the task list:
every route, its errors next to the fields, and who may not reach it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.notifications.tasks import CoordinatorTask
from ki_match.offers.sending import send_offers
from ki_match.reference.models import Level
from tests.factories import language, make_managed_helper, make_request, make_user, other_ki, town
from tests.support import audit_events, outbox


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(coordinator, auth):
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def ahmad(ki):
    return make_managed_helper(ki=ki)


@pytest.fixture
def stranger(ki):
    return make_managed_helper(ki=other_ki(), display_name="Fremde Person")


def _reload(profile) -> HelperProfile:
    db.session.expire_all()
    return db.session.get(HelperProfile, profile.id)


# --- creating one -----------------------------------------------------------------------------


def test_a_coordinator_creates_a_managed_helper_and_lands_on_her_page(client, coordinator, ki):
    page = client.get("/helpers/managed/new")
    assert page.status_code == 200 and "Einwilligung liegt schriftlich vor" in body(page)
    yesterday = (local_today() - timedelta(days=1)).isoformat()

    response = client.post(
        "/helpers/managed/new",
        data={
            "display_name": "Ahmad Rahimi",
            "phone": "05271 12345",
            "kind": "sprachlotse",
            "consent": "y",
            "consent_on": yesterday,
            "note": "ruft lieber abends an",
        },
    )

    profile = db.session.scalar(
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(User.display_name == "Ahmad Rahimi")
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/helpers/{profile.id}/manage"
    assert profile.user.is_managed and profile.user.email is None and profile.approved_at is not None
    assert (profile.kind.value, profile.note) == ("sprachlotse", "ruft lieber abends an")
    page = body(client.get(f"/helpers/{profile.id}/manage"))
    assert "Profil verwalten: Ahmad Rahimi" in page and "Liegt schriftlich vor" in page


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"display_name": "Ahmad R", "phone": "", "email": ""},
            "Ohne E-Mail-Adresse braucht es eine Telefonnummer.",
        ),
        ({"display_name": "Ahmad R", "phone": "abc"}, "Bitte nur Ziffern"),
        ({"display_name": "", "phone": "0527 1"}, "Bitte geben Sie einen Namen ein."),
        (
            {"display_name": "Ahmad R", "phone": "0527 1", "consent": "y"},
            "Bitte das Datum der Unterschrift eintragen.",
        ),
        ({"display_name": "Ahmad R", "phone": "0527 1", "email": "kein-at"}, "gültige E-Mail-Adresse"),
    ],
)
def test_bad_input_comes_back_with_the_message_and_what_was_typed(client, coordinator, data, message):
    response = client.post("/helpers/managed/new", data={"kind": "volunteer", **data})
    assert response.status_code == 422
    assert message in body(response)
    if data["display_name"]:
        assert f'value="{data["display_name"]}"' in body(response)
    assert db.session.scalar(select(HelperProfile.id)) is None


def test_an_address_with_an_account_is_refused_next_to_the_field(client, coordinator):
    response = client.post(
        "/helpers/managed/new",
        data={"display_name": "Ahmad R", "phone": "", "email": coordinator.email, "kind": "volunteer"},
    )
    assert response.status_code == 422
    assert "Für diese E-Mail-Adresse gibt es bereits ein Konto." in body(response)


# --- her page ---------------------------------------------------------------------------------


def test_each_part_of_her_profile_is_kept_by_the_coordinator(client, coordinator, ahmad):
    url = f"/helpers/{ahmad.id}/manage"
    assert client.get(url).status_code == 200
    steps = [
        (
            "/contact",
            {"contact-display_name": "Ahmad Rahimi", "contact-phone": "0176 555", "contact-email": ""},
        ),
        ("/languages", {"language-language": language("fa").id, "language-level": int(Level.C1)}),
        (
            "/where",
            {
                "where-home_town": town("Höxter").id,
                "where-towns": [town("Brakel").id],
                "where-max_travel_km": "20",
            },
        ),
        (
            "/when",
            {"when-weekday": "3", "when-starts": "14:00", "when-ends": "17:00", "when-monthly_cap": "6"},
        ),
        ("/absences", {"absence-first_day": (local_today() + timedelta(days=3)).isoformat()}),
        (
            "/more",
            {
                "more-kind": "sprachlotse",
                "more-gender": "male",
                "more-phone": "0176 555",
                "more-locale": "de",
            },
        ),
    ]
    for path, data in steps:
        response = client.post(url + path, data=data)
        assert response.status_code == 303, (path, body(response))
        assert response.headers["Location"].startswith(url)

    profile = _reload(ahmad)
    assert profile.phone == "0176 555" and profile.home_town.name == "Höxter" and profile.max_travel_km == 20
    assert {entry.language.code for entry in profile.languages} == {"ar", "de", "fa"}
    assert [(slot.weekday, slot.starts.hour) for slot in profile.slots] == [(1, 9), (3, 14)]
    assert profile.monthly_cap == 6 and len(profile.absences) == 1
    assert profile.kind.value == "sprachlotse" and profile.gender.value == "male"
    # Every change is audited with the coordinator as the one who made it.
    assert {event.actor_id for event in audit_events("profile.changed")} == {coordinator.id}

    for path in (
        f"/languages/{language('fa').id}/delete",
        f"/slots/{profile.slots[-1].id}/delete",
        f"/absences/{profile.absences[0].id}/delete",
    ):
        assert client.post(url + path).status_code == 303
    profile = _reload(ahmad)
    assert len(profile.languages) == 2 and len(profile.slots) == 1 and profile.absences == []


def test_errors_on_her_page_stand_next_to_the_field(client, coordinator, ahmad):
    url = f"/helpers/{ahmad.id}/manage"
    cases = [
        (
            "/contact",
            {"contact-display_name": "A", "contact-phone": "", "contact-email": ""},
            "braucht es eine Telefonnummer",
        ),
        (
            "/when",
            {"when-weekday": "3", "when-starts": "14:00", "when-ends": "13:00", "when-monthly_cap": "4"},
            "nach dem Anfang",
        ),
        (
            "/when",
            {"when-weekday": "1", "when-starts": "10:00", "when-ends": "11:00", "when-monthly_cap": "4"},
            "überschneidet",
        ),
        (
            "/more",
            {"more-kind": "volunteer", "more-phone": "", "more-locale": "de"},
            "braucht es eine Telefonnummer",
        ),
        ("/invite", {"invite-email": ""}, "Bitte geben Sie eine E-Mail-Adresse ein."),
        (
            "/languages",
            {"language-language": language("ar").id, "language-level": "3"},
            "schon in Ihrer Liste",
        ),
    ]
    for path, data, message in cases:
        response = client.post(url + path, data=data)
        assert response.status_code == 422, path
        assert message in body(response), path
    assert _reload(ahmad).phone == "05271 12345"


def test_the_paper_consent_is_recorded_on_her_page(client, coordinator, ki):
    waiting = make_managed_helper(ki=ki, consented=False)
    page = body(client.get(f"/helpers/{waiting.id}/manage"))
    assert "Noch keine Einwilligung" in page
    future = (local_today() + timedelta(days=2)).isoformat()
    response = client.post(f"/helpers/{waiting.id}/manage/consent", data={"consent-consent_on": future})
    assert response.status_code == 422 and "in der Zukunft" in body(response)
    assert f'value="{future}"' in body(response)
    response = client.post(
        f"/helpers/{waiting.id}/manage/consent", data={"consent-consent_on": local_today().isoformat()}
    )
    assert response.status_code == 303
    assert _reload(waiting).approved_by_id == coordinator.id


def test_the_invitation_sends_the_link_and_she_stays_managed_until_she_uses_it(client, coordinator, ahmad):
    response = client.post(f"/helpers/{ahmad.id}/manage/invite", data={"invite-email": "Ahmad@Example.org"})
    assert response.status_code == 303
    assert _reload(ahmad).user.is_managed
    assert [message.to_address for message in outbox("invitation")] == ["ahmad@example.org"]


def test_a_helper_who_keeps_her_own_profile_is_not_edited_here(client, coordinator, create_helper):
    own = create_helper()
    assert client.get(f"/helpers/{own.id}/manage").status_code == 404
    assert client.post(f"/helpers/{own.id}/manage/contact", data={}).status_code == 404
    # Her page offers no editing, only the checks and the note.
    assert f"/helpers/{own.id}/manage" not in body(client.get(f"/helpers/{own.id}"))


def test_her_data_as_a_file_for_her_kis_coordinator(client, coordinator, ahmad):
    response = client.get(f"/helpers/{ahmad.id}/manage/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "Ahmad Rahimi" in body(response) and "05271 12345" in body(response)
    [event] = audit_events("privacy.exported")
    assert (event.actor_id, event.subject_id) == (coordinator.id, ahmad.user_id)


def test_erasing_her_data_needs_her_request_confirmed(client, coordinator, ahmad):
    assert f'action="/helpers/{ahmad.id}/manage/erase"' in body(client.get(f"/helpers/{ahmad.id}/manage"))
    response = client.post(f"/helpers/{ahmad.id}/manage/erase", data={})
    assert response.status_code == 422
    assert "Bitte bestätigen Sie, dass die Person die Löschung verlangt hat." in body(response)
    assert _reload(ahmad).user.deleted_at is None


def test_erasing_her_data_leaves_no_name_phone_or_task(client, coordinator, ahmad, ki):
    request = make_request(ki=ki, created_by=coordinator, language_id=language("ar").id)
    send_offers(request.id, [ahmad.id], coordinator)
    assert db.session.scalars(select(CoordinatorTask).where(CoordinatorTask.helper_id == ahmad.id)).all()
    response = client.post(f"/helpers/{ahmad.id}/manage/erase", data={"erase-confirmed": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/helpers"
    profile = _reload(ahmad)
    assert profile.user.deleted_at is not None and profile.user.display_name != "Ahmad Rahimi"
    assert profile.phone is None and profile.note is None and not profile.languages
    assert not db.session.scalars(
        select(CoordinatorTask).where(CoordinatorTask.helper_id == profile.id)
    ).all()
    [event] = audit_events("account.deleted")
    assert event.actor_id == coordinator.id
    assert "Die Daten von Ahmad Rahimi sind gelöscht." in body(client.get("/helpers"))  # once
    assert "Ahmad Rahimi" not in body(client.get("/helpers"))


def test_a_helper_with_her_own_account_is_not_erased_by_the_ki(client, coordinator, create_helper):
    own = create_helper()
    assert client.post(f"/helpers/{own.id}/manage/erase", data={"erase-confirmed": "y"}).status_code == 404
    assert client.get(f"/helpers/{own.id}/manage/export.json").status_code == 404
    assert _reload(own).user.deleted_at is None


MANAGE_ROUTES = [
    ("get", "/manage"),
    ("post", "/manage/contact"),
    ("post", "/manage/consent"),
    ("post", "/manage/languages"),
    ("post", "/manage/languages/1/delete"),
    ("post", "/manage/where"),
    ("post", "/manage/when"),
    ("post", "/manage/slots/1/delete"),
    ("post", "/manage/absences"),
    ("post", "/manage/absences/1/delete"),
    ("post", "/manage/more"),
    ("post", "/manage/invite"),
    ("get", "/manage/export.json"),
    ("post", "/manage/erase"),
    ("post", "/note"),
]


@pytest.mark.parametrize("method, path", MANAGE_ROUTES)
def test_another_kis_managed_helper_is_404(client, coordinator, stranger, method, path):
    response = getattr(client, method)(f"/helpers/{stranger.id}{path}", data={})
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_helpers_and_initiatives_are_refused(client, auth, ki, role, ahmad):
    user = make_user(role, ki=ki)
    assert auth.login(user.email).status_code == 303
    for method, path in [*MANAGE_ROUTES, ("get", "/../managed/new")]:
        response = getattr(client, method)(f"/helpers/{ahmad.id}{path}", data={})
        assert response.status_code in (403, 404), path
    assert client.get("/helpers/managed/new").status_code in (403, 404)
    assert client.get("/helpers/tasks").status_code in (403, 404)


# --- the note -----------------------------------------------------------------------------------


def test_the_note_is_kept_on_any_helper_and_shown_to_coordinators_only(
    client, coordinator, create_helper, auth
):
    own = create_helper()
    response = client.post(f"/helpers/{own.id}/note", data={"note": "spricht auch Dari"})
    assert response.status_code == 303
    assert "spricht auch Dari" in body(client.get(f"/helpers/{own.id}"))
    too_long = client.post(f"/helpers/{own.id}/note", data={"note": "x" * 1001})
    assert too_long.status_code == 422 and "Höchstens 1000 Zeichen." in body(too_long)
    client.post("/logout")
    assert auth.login(own.user.email).status_code == 303
    assert "spricht auch Dari" not in body(client.get("/profile"))


# --- the tasks -----------------------------------------------------------------------------------


def test_a_task_is_listed_with_phone_and_links_and_marked_done(client, coordinator, ki, ahmad):
    request = make_request(created_by=coordinator)
    send_offers(request.id, [ahmad.id], coordinator)
    (task,) = db.session.scalars(select(CoordinatorTask)).all()

    home = body(client.get("/"))
    assert "Aufgaben (1)" in home
    page = body(client.get("/helpers/tasks"))
    assert "Ahmad R. anrufen: Angebot für" in page and "05271 12345" in page
    assert f"/requests/{request.id}" in page and f"/helpers/{ahmad.id}" in page

    response = client.post(f"/helpers/tasks/{task.id}/done")
    assert (response.status_code, response.headers["Location"]) == (303, "/helpers/tasks")
    page = body(client.get("/helpers/tasks"))
    assert "Keine offenen Aufgaben." in page and "erledigt am" in page and coordinator.display_name in page
    assert "Aufgaben (1)" not in page
    assert client.post(f"/helpers/tasks/{task.id}/done").status_code == 303  # twice: nothing new


def test_another_kis_task_is_404(client, coordinator, stranger):
    from ki_match.notifications.tasks import queue_task

    task = queue_task(stranger, kind="offer", key="fremd")
    db.session.commit()
    assert client.post(f"/helpers/tasks/{task.id}/done").status_code == 404
    assert "Fremde" not in body(client.get("/helpers/tasks"))
    assert db.session.get(CoordinatorTask, task.id).done_at is None


def test_the_helpers_list_offers_creating_a_managed_profile_and_inviting(client, coordinator, ki, ahmad):
    page = body(client.get("/helpers"))
    assert "/helpers/managed/new" in page and "(vom KI verwaltet)" in page
    # Inviting helpers is for coordinators only where the KI allows it (admins always).
    assert "/helpers/invite" not in page
    admin = make_user(Role.ADMIN, ki=ki)
    client.post("/logout")
    client.post("/login", data={"email": admin.email, "password": "richtig-gutes-passwort"})
    assert "/helpers/invite" in body(client.get("/helpers"))
