"""The operator's pages: only the operator, counts and no one's name, a new KI, closing a KI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.audit.models import AuditEvent
from ki_match.orgs.models import Ki
from tests.factories import PASSWORD, make_user
from tests.support import htmx_headers, outbox

PAGES = ["/operator", "/operator/kis/new", "/operator/figures", "/operator/figures/kis.csv"]
HELPER_NAME = "Zaynab Unverwechselbar"
HELPER_EMAIL = "zaynab.unverwechselbar@example.org"


@pytest.fixture
def operator(auth):
    user = make_user(Role.OPERATOR)
    assert auth.login(user.email).status_code == 303
    return user


def new_ki(client, **fields):
    data = {"name": "Kreis Heinsberg", "slug": "heinsberg", "admin_email": "it@kreis-heinsberg.example"}
    return client.post("/operator/kis/new", data=data | fields)


@pytest.mark.parametrize("role", [role for role in Role if role != Role.OPERATOR])
def test_every_ki_role_is_refused(client, login_as, ki, role):
    login_as(role)
    for path in [*PAGES, f"/operator/kis/{ki.id}/deactivate"]:
        assert client.get(path).status_code == 403, path
    assert new_ki(client).status_code == 403
    assert client.post(f"/operator/kis/{ki.id}/deactivate").status_code == 403
    assert ki.active


def test_anonymous_is_sent_to_the_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/login"), path


def test_the_operator_starts_on_the_list_of_kis_with_counts_and_no_names(client, operator, ki, create_helper):
    create_helper(display_name=HELPER_NAME, email=HELPER_EMAIL)
    make_user(Role.COORDINATOR, ki=ki)
    response = client.get("/")
    assert (response.status_code, response.headers["Location"]) == (303, "/operator")
    page = client.get("/operator").get_data(as_text=True)
    assert "Kreis Höxter" in page and "/k/hoexter/" in page and "aktiv" in page
    row = page.split(f'id="ki-{ki.id}"', 1)[1].split("</tr>", 1)[0]
    counts = [cell.split("</td>", 1)[0] for cell in row.split('<td class="num">')[1:]]
    assert counts == ["1", "1", "0"]  # helpers, coordinators and admins, requests this year
    assert HELPER_NAME not in page and HELPER_EMAIL not in page
    assert 'href="/operator/figures"' in page  # the operator's navigation


def test_the_operator_reaches_no_ki_page(client, operator):
    for path in ["/requests", "/reports", "/helpers", "/admin/users", "/verzeichnis", "/inbox", "/profile"]:
        assert client.get(path).status_code == 403, path
    # The pages every logged-in person has work without a KI.
    assert client.get("/account").status_code == 200
    assert client.get("/account/notifications").status_code == 200
    assert client.post("/account/notifications", data={}).status_code == 303
    changed = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "ein neuer langer Satz",
            "password_confirm": "ein neuer langer Satz",
        },
    )
    assert (changed.status_code, changed.headers["Location"]) == (303, "/account")
    assert client.post("/logout").status_code == 303
    assert client.get("/operator").status_code == 303


def test_creating_a_ki_invites_its_admin(db, client, operator):
    response = new_ki(client)
    assert (response.status_code, response.headers["Location"]) == (303, "/operator")
    created = db.session.scalar(select(Ki).where(Ki.slug == "heinsberg"))
    assert created.name == "Kreis Heinsberg" and created.active
    admin = db.session.scalar(select(User).where(User.email == "it@kreis-heinsberg.example"))
    assert (admin.role, admin.ki_id) == (Role.ADMIN, created.id)
    [mail] = outbox("invitation", to=admin.email)
    assert "KI-Match für das Kreis Heinsberg einzurichten" in mail.body_text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ki.created"))
    assert event.actor_id == operator.id
    page = client.get("/operator").get_data(as_text=True)
    assert "Kreis Heinsberg ist angelegt" in page and "/k/heinsberg/" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"slug": "Kreis Heinsberg"}, "slug", "Nur Kleinbuchstaben"),
        ({"slug": "hoexter"}, "slug", "Dieses Kürzel hat schon ein KI: Kreis Höxter."),
        ({"slug": ""}, "slug", "Bitte geben Sie ein Kürzel ein."),
        ({"name": " "}, "name", "Bitte geben Sie den Namen des KI ein."),
        ({"admin_email": "keine-adresse"}, "admin_email", "gültige E-Mail-Adresse"),
        ({"slug": "x" * 41}, "slug", "40"),
        ({"name": "\x00"}, "name", ""),
    ],
)
def test_a_bad_new_ki_answers_422_next_to_the_field_and_keeps_the_values(
    db, client, operator, fields, field, message
):
    response = new_ki(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        f'id="{field}-error"' in page
        and message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    )
    assert 'value="it@kreis-heinsberg.example"' in page or field == "admin_email"
    assert db.session.scalar(select(Ki).where(Ki.name == "Kreis Heinsberg")) is None


def test_an_address_with_an_account_is_refused(db, client, operator, create_user):
    create_user(Role.COORDINATOR, email="it@kreis-heinsberg.example")
    response = new_ki(client)
    assert response.status_code == 422
    assert "gehört schon zu einem Konto" in response.get_data(as_text=True)


def test_the_form_alone_comes_back_for_htmx(client, operator):
    response = client.post(
        "/operator/kis/new", data={"slug": "-x", "name": "Kreis X"}, headers=htmx_headers("new-ki-form")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.lstrip().startswith('<form id="new-ki-form"') and "<html" not in page
    assert 'value="Kreis X"' in page


def test_deactivating_asks_first_then_closes_and_reopens(db, client, operator, ki):
    page = client.get(f"/operator/kis/{ki.id}/deactivate")
    assert page.status_code == 200 and "Alle Daten bleiben erhalten" in page.get_data(as_text=True)
    db.session.refresh(ki)
    assert ki.active

    response = client.post(f"/operator/kis/{ki.id}/deactivate")
    assert (response.status_code, response.headers["Location"]) == (303, "/operator")
    db.session.refresh(ki)
    assert not ki.active
    listing = client.get("/operator").get_data(as_text=True)
    assert "deaktiviert" in listing and f"/operator/kis/{ki.id}/reactivate" in listing

    assert client.get(f"/operator/kis/{ki.id}/reactivate").status_code == 200
    assert client.post(f"/operator/kis/{ki.id}/reactivate").status_code == 303
    db.session.refresh(ki)
    assert ki.active
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.actor_id == operator.id, AuditEvent.subject_type == "ki")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["ki.deactivated", "ki.reactivated"]


def test_an_unknown_ki_is_not_found(client, operator):
    assert client.get("/operator/kis/999999/deactivate").status_code == 404
    assert client.post("/operator/kis/999999/reactivate").status_code == 404


def test_figures_page_and_exports(client, operator):
    page = client.get("/operator/figures?period=year&year=2026")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kennzahlen je KI" in text and "Alle KIs" in text and "Kreis Höxter" in text
    csv = client.get("/operator/figures/kis.csv?period=year&year=2026")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "ki-match-land-kennzahlen-2026.csv" in csv.headers["Content-Disposition"]
    assert "Alle KIs" in csv.get_data().decode("utf-8-sig")
    xlsx = client.get("/operator/figures/unmet_ki.xlsx?period=month&year=2026&month=3")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_figures_with_a_bad_period_answer_422_and_exports_400(client, operator):
    bad = "?period=custom&start=2026-03-10&end=2026-03-01"
    response = client.get("/operator/figures" + bad)
    assert response.status_code == 422
    assert "Der letzte Tag liegt vor dem ersten" in response.get_data(as_text=True)
    assert client.get("/operator/figures/kis.csv" + bad).status_code == 400
    assert client.get("/operator/figures?period=month&year=abc").status_code in (400, 422)


def test_figures_partial_for_htmx(client, operator):
    response = client.get("/operator/figures?period=year&year=2026", headers=htmx_headers("figures-body"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page and "Kennzahlen je KI" in page
