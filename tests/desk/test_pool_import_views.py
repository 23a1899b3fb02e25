"""The pool import's pages: upload (errors next to the field), preview, import, and who may see them."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from tests.factories import PASSWORD, make_user, other_ki
from tests.helpers.test_pool_import import GOOD, HEADER, german_excel_csv, xlsx
from tests.support import audit_events, build_app, outbox

BAD_ROW = ["Arabish Person", "arabish@example.org", "", "Arabish (Muttersprache)", "", ""]


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def folder(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def admin(auth):
    return auth.as_role(Role.ADMIN)


def upload(client, data: bytes, filename="pool.csv", mode="invite"):
    return client.post(
        "/helpers/import",
        data={"table": (io.BytesIO(data), filename), "mode": mode},
        content_type="multipart/form-data",
    )


def preview_of(client, data: bytes, **kwargs) -> tuple[str, str]:
    """The preview page's URL and HTML for an uploaded file."""
    response = upload(client, data, **kwargs)
    assert response.status_code == 303, body(response)
    location = response.headers["Location"]
    page = client.get(location)
    assert page.status_code == 200
    return location, body(page)


def run_form(page: str) -> tuple[str, dict]:
    action = re.search(r'<form method="post" action="([^"]+)" id="import-run"', page).group(1)
    fields = dict(re.findall(r'<input id="(mode|plan)" name="\1" type="hidden" value="([^"]*)"', page))
    return action, fields


def helper_count() -> int:
    return db.session.scalar(select(func.count(HelperProfile.id)))


def test_the_upload_page_links_the_examples(client, admin):
    page = body(client.get("/helpers/import"))
    assert 'enctype="multipart/form-data"' in page
    assert "/static/examples/pool-beispiel.csv" in page and "/static/examples/pool-beispiel.xlsx" in page
    assert client.get("/static/examples/pool-beispiel.csv").status_code == 200
    assert 'href="/helpers/import"' in body(client.get("/helpers"))


def test_the_example_file_imports_cleanly(client, admin, app):
    with app.open_resource("../static/examples/pool-beispiel.xlsx") as example:
        _, page = preview_of(client, example.read(), filename="pool-beispiel.xlsx")
    assert page.count('status-badge">neu<') == 4 and 'status-badge">Fehler<' not in page


def test_without_a_file_the_message_stands_next_to_the_field(client, admin):
    response = client.post("/helpers/import", data={"mode": "invite"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="table-error">Bitte wählen Sie eine Datei aus.' in body(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "alte Excel-Datei (.xls)"),
        (german_excel_csv([["E-Mail"], ["a@example.org"]]), "braucht eine Spalte „Name“"),
        (b"", "Die Datei ist leer."),
    ],
)
def test_an_unreadable_file_says_why_next_to_the_field(client, admin, data, message, folder):
    response = upload(client, data, mode="invite")
    assert response.status_code == 422
    page = body(response)
    assert message in page and 'aria-invalid="true"' in page
    assert re.search(r'<input checked [^>]*value="invite"', page)  # the choice is kept
    assert not folder.exists() or not list(folder.iterdir())


def test_a_file_above_the_limit_says_so_next_to_the_field(client, admin, folder):
    response = upload(client, b"Name;E-Mail\n" + b"x" * (2 * 1024 * 1024 + 10))
    assert response.status_code == 422
    assert "größer als 2 MB" in body(response)


def test_a_body_above_every_upload_is_not_read_at_all(client, admin, folder):
    """Above 4 MB the request is refused before any form is parsed: a page that says why."""
    response = upload(client, b"x" * (5 * 1024 * 1024))
    assert response.status_code == 413
    assert "Die Datei ist zu groß" in body(response)
    assert not folder.exists() or not list(folder.iterdir())


def test_preview_then_import_then_the_same_file_is_unchanged(client, admin, folder):
    data = german_excel_csv([HEADER, *GOOD, BAD_ROW])
    location, page = preview_of(client, data)
    assert re.fullmatch(r"/helpers/import/[A-Za-z0-9_-]{32}\?mode=invite", location)  # nothing personal
    assert "Zeile 5: <bdi>Arabish Person</bdi>" in page
    assert "Spalte „Sprachen“: Unbekannte Sprache „Arabish“. Meinten Sie „Arabisch“?" in page
    assert "Importieren: 3 neu, 0 aktualisiert" in page
    assert helper_count() == 0  # the preview writes nothing
    action, fields = run_form(page)
    response = client.post(action, data=fields)
    assert (response.status_code, response.headers["Location"]) == (303, "/helpers")
    listing = body(client.get("/helpers"))
    assert "Import abgeschlossen: 3 neu, 0 aktualisiert, 0 unverändert, 1 Zeilen mit Fehlern" in listing
    assert "Amira Beispiel" in listing and "Hamid Probe" in listing
    assert helper_count() == 3 and len(outbox("invitation")) == 3
    assert [path.suffix for path in folder.iterdir()] == [".done"]  # the table is gone once imported
    assert "Amira" not in next(folder.iterdir()).read_text()
    again = client.post(action, data=fields)  # a second click, the back button: told, nothing twice
    assert (again.status_code, again.headers["Location"]) == (303, "/helpers")
    assert client.get(location).status_code == 303
    assert "Diese Datei ist schon importiert." in body(client.get("/helpers"))
    assert len(outbox("invitation")) == 3

    _, again = preview_of(client, german_excel_csv([HEADER, *GOOD]))
    assert again.count('status-badge">unverändert<') == 3
    assert "Nichts zu importieren" in again and 'id="import-run"' not in again
    assert audit_events("helper.pool_imported")[0].detail["created"] == 3


def test_an_update_is_shown_change_by_change(client, admin, create_helper):
    create_helper(email="amira.beispiel@example.org", display_name="Amira Beispiel", home="Brakel")
    _, page = preview_of(client, xlsx([HEADER, GOOD[0]]), filename="pool.xlsx")
    assert 'status-badge">wird aktualisiert<' in page
    changes = re.search(r'id="row-2">.*?</li>\s*</ol>', page, re.S).group(0)
    for change in (
        "Telefon: 05271 123456",
        "Englisch (B2)",
        "hilft in Höxter",
        "hilft in Brakel",
        "wohnt in Höxter",
    ):
        assert f"<li>{change}</li>" in changes
    assert "Arabisch" not in changes  # her level is the file's already


def test_the_import_refuses_a_plan_that_changed_since_the_preview(client, admin, create_helper):
    _, page = preview_of(client, german_excel_csv([HEADER, GOOD[0]]))
    action, fields = run_form(page)
    create_helper(email="amira.beispiel@example.org", display_name="Amira Beispiel")
    response = client.post(action, data=fields)
    assert response.status_code == 409
    assert "Seit der Vorschau hat sich etwas geändert" in body(response)
    assert 'status-badge">wird aktualisiert<' in body(response)
    assert outbox("invitation") == []
    _, fields_now = run_form(body(response))
    assert client.post(action, data=fields_now).status_code == 303  # the new preview imports


def test_a_forged_mode_or_plan_writes_nothing(client, admin):
    _, page = preview_of(client, german_excel_csv([HEADER, GOOD[0]]))
    action, fields = run_form(page)
    assert client.post(action, data={**fields, "plan": "0" * 64}).status_code == 409
    # Another mode than the preview's: its plan is another one, so the digest does not match.
    assert client.post(action, data={**fields, "mode": "managed"}).status_code == 409
    assert client.post(action, data={**fields, "mode": "nonsense"}).status_code == 303
    assert helper_count() == 0


def test_another_ki_and_another_coordinator_get_404(client, admin, auth):
    location, page = preview_of(client, german_excel_csv([HEADER, GOOD[0]]))
    action, fields = run_form(page)
    client.post("/logout")
    stranger = make_user(Role.ADMIN, ki=other_ki())
    assert auth.login(stranger.email, PASSWORD).status_code == 303
    assert client.get(location).status_code == 404
    assert client.post(action, data=fields).status_code == 404
    client.post("/logout")
    colleague = make_user(Role.ADMIN)
    assert auth.login(colleague.email, PASSWORD).status_code == 303
    assert client.get(location).status_code == 404
    assert client.post(action, data=fields).status_code == 404
    assert helper_count() == 0
    client.post("/logout")
    auth.login(admin.email, PASSWORD)
    assert client.post(action, data=fields).status_code == 303  # still there for its uploader
    client.post("/logout")
    auth.login(colleague.email, PASSWORD)
    assert client.get(location).status_code == 404  # imported: still nothing for anyone else
    assert client.post(action, data=fields).status_code == 404


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_other_roles_are_refused(client, login_as, role):
    login_as(role)
    assert client.get("/helpers/import").status_code == 403
    assert upload(client, german_excel_csv([HEADER, GOOD[0]])).status_code == 403
    assert client.get("/helpers/import/" + "a" * 32).status_code == 403
    assert client.post("/helpers/import/" + "a" * 32, data={}).status_code == 403


def test_a_coordinator_invites_only_where_the_ki_lets_her(client, auth, ki):
    auth.as_role(Role.COORDINATOR)
    page = body(client.get("/helpers/import"))
    assert "erlaubt Koordinierenden nicht" in page and 'value="invite"' not in page
    assert re.search(r'<input checked [^>]*value="managed"', page)
    data = german_excel_csv([HEADER, GOOD[0]])
    refused = upload(client, data, mode="invite")
    assert refused.status_code == 422 and "Bitte wählen Sie, wie neue Helfende angelegt werden." in body(
        refused
    )
    assert upload(client, data, mode="managed").status_code == 303
    ki.coordinators_invite_helpers = True
    db.session.commit()
    assert upload(client, data, mode="invite").status_code == 303


def test_managed_profiles_from_the_preview(client, auth):
    auth.as_role(Role.COORDINATOR)
    rows = [
        ["Name", "Telefon", "Sprachen", "Notizen"],
        ["Hamid Probe", "0176 3456789", "Dari C1", "ruft abends zurück"],
    ]
    location, page = preview_of(client, german_excel_csv(rows), mode="managed")
    assert location.endswith("?mode=managed")
    assert "Neue Helfende: vom KI verwaltet" in page and "Importieren: 1 neu, 0 aktualisiert" in page
    action, fields = run_form(page)
    assert fields["mode"] == "managed"
    assert client.post(action, data=fields).status_code == 303
    managed = db.session.scalar(select(User).where(User.display_name == "Hamid Probe"))
    assert managed.is_managed and managed.email is None
    assert outbox() == []
    _, again = preview_of(client, german_excel_csv(rows), mode="managed")
    assert 'status-badge">unverändert<' in again


def test_csrf_token_is_required(migrated, app, folder):
    csrf_app = build_app(migrated, WTF_CSRF_ENABLED=True, IMPORT_DIR=str(folder))
    admin = make_user(Role.ADMIN)
    db.session.commit()
    client = csrf_app.test_client()
    login_page = body(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    page = body(client.get("/helpers/import"))
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = german_excel_csv([HEADER, GOOD[0]])
    without = upload(client, data)
    assert without.status_code == 400
    response = client.post(
        "/helpers/import",
        data={"table": (io.BytesIO(data), "pool.csv"), "mode": "invite", "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    preview = body(client.get(response.headers["Location"]))
    action, fields = run_form(preview)
    assert client.post(action, data=fields).status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.HELPER)) == 0
    run_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    assert client.post(action, data={**fields, "csrf_token": run_token}).status_code == 303
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_preview_switches_between_invitation_and_managed_profiles(client, admin):
    rows = [["Name", "Telefon"], ["Ohne Adresse", "0151 1"]]
    location, page = preview_of(client, german_excel_csv(rows))
    assert 'type="radio" name="mode" id="mode-managed" value="managed"' in page
    assert "Für eine Einladung fehlt die E-Mail-Adresse." in page and 'id="import-run"' not in page
    managed = body(client.get(location.replace("mode=invite", "mode=managed")))
    assert 'status-badge">neu<' in managed and "Importieren: 1 neu, 0 aktualisiert" in managed
    assert 'value="managed" checked' in managed
    unknown = body(client.get(location.replace("mode=invite", "mode=nonsense")))
    assert "Für eine Einladung fehlt die E-Mail-Adresse." in unknown  # the first mode offered
