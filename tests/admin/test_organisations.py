"""Organisations for admins: list, create, edit, (de)activate, members, invitations; the lead time
is shown with a link to the settings page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.orgs.models import Ki, Organisation, OrganisationKind
from tests.factories import town
from tests.support import htmx_headers, outbox


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def _organisation(db, ki, name="Asylkreis Warburg", **fields) -> Organisation:
    organisation = Organisation(ki_id=ki.id, name=name, **fields)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_list_shows_organisations_with_active_members(client, admin, db, ki, create_user):
    organisation = _organisation(db, ki, town_id=town("Warburg").id)
    create_user(Role.INITIATIVE, organisation=organisation)
    create_user(Role.INITIATIVE, organisation=organisation, active=False)
    html = _html(client.get("/admin/organisations"))
    assert "Asylkreis Warburg" in html and "Warburg" in html
    assert f"/admin/organisations/{organisation.id}" in html
    assert "<td>1</td>" in html
    assert "3 Werktage Vorlauf" in html and 'href="/admin/settings"' in html


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.HELPER])
def test_only_admins_manage_organisations(client, login_as, role, db, ki):
    organisation = _organisation(db, ki)
    login_as(role)
    assert client.get("/admin/organisations").status_code == 403
    assert client.get(f"/admin/organisations/{organisation.id}").status_code == 403
    assert client.post(f"/admin/organisations/{organisation.id}/active").status_code == 403


def test_create_and_edit(client, admin, db, ki):
    response = client.post(
        "/admin/organisations/new",
        data={"name": "Schule am Rathaus", "kind": "school", "town_id": str(town("Brakel").id)},
    )
    assert response.status_code == 303
    created = db.session.scalar(select(Organisation).where(Organisation.name == "Schule am Rathaus"))
    assert created.kind == OrganisationKind.SCHOOL and created.town_id == town("Brakel").id
    assert response.headers["Location"].endswith(f"/admin/organisations/{created.id}")

    duplicate = client.post("/admin/organisations/new", data={"name": "Schule am Rathaus", "kind": "school"})
    assert duplicate.status_code == 422 and "gibt es schon" in _html(duplicate)
    empty = client.post("/admin/organisations/new", data={"name": "", "kind": "school", "town_id": "0"})
    assert empty.status_code == 422 and "Bitte geben Sie einen Namen ein." in _html(empty)

    page = _html(client.get(f"/admin/organisations/{created.id}"))
    assert 'value="Schule am Rathaus"' in page
    edited = client.post(
        f"/admin/organisations/{created.id}",
        data={"name": "Grundschule am Rathaus", "kind": "school", "town_id": "0"},
    )
    assert edited.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, created.id).name == "Grundschule am Rathaus"
    assert db.session.get(Organisation, created.id).town_id is None


def test_deactivate_and_reactivate(client, admin, db, ki):
    organisation = _organisation(db, ki)
    assert client.post(f"/admin/organisations/{organisation.id}/active").status_code == 303
    db.session.expire_all()
    assert not db.session.get(Organisation, organisation.id).active
    assert "wieder aktivieren" in _html(client.get(f"/admin/organisations/{organisation.id}"))
    client.post(f"/admin/organisations/{organisation.id}/active")
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).active


def test_invite_a_member_with_the_initiative_role(client, admin, db, ki):
    organisation = _organisation(db, ki)
    response = client.post(
        f"/admin/organisations/{organisation.id}/invite",
        data={"display_name": "Gisela W.", "email": "gisela@asylkreis-warburg.example"},
    )
    assert response.status_code == 303
    member = db.session.scalar(select(User).where(User.email == "gisela@asylkreis-warburg.example"))
    assert member.role == Role.INITIATIVE and member.organisation_id == organisation.id
    assert outbox("invitation", to=member.email)
    assert "Gisela W." in _html(client.get(f"/admin/organisations/{organisation.id}"))

    again = client.post(
        f"/admin/organisations/{organisation.id}/invite",
        data={"display_name": "Gisela W.", "email": "gisela@asylkreis-warburg.example"},
        headers=htmx_headers("member-invite"),
    )
    assert again.status_code == 422
    body = _html(again)
    assert "<html" not in body and "bereits ein Konto" in body


def test_a_deactivated_organisation_gets_no_invitations(client, admin, db, ki):
    organisation = _organisation(db, ki, active=False)
    response = client.post(
        f"/admin/organisations/{organisation.id}/invite",
        data={"display_name": "Bernd K.", "email": "bernd@example.org"},
    )
    assert response.status_code == 422 and "deaktiviert" in _html(response)
    assert db.session.scalar(select(User).where(User.email == "bernd@example.org")) is None


def test_deactivate_a_member(client, admin, db, ki, create_user):
    organisation = _organisation(db, ki)
    member = create_user(Role.INITIATIVE, organisation=organisation)
    assert (
        client.post(f"/admin/organisations/{organisation.id}/members/{member.id}/active").status_code == 303
    )
    db.session.expire_all()
    assert not db.session.get(User, member.id).active
    other = _organisation(db, ki, name="Anderer Verein")
    assert client.post(f"/admin/organisations/{other.id}/members/{member.id}/active").status_code == 404


def test_another_kis_organisation_does_not_exist(client, admin, db):
    elsewhere = Ki(slug="kreis-paderborn", name="KI Kreis Paderborn")
    db.session.add(elsewhere)
    db.session.commit()
    organisation = _organisation(db, elsewhere, name="Fremde Initiative")
    assert client.get(f"/admin/organisations/{organisation.id}").status_code == 404
    assert client.post(f"/admin/organisations/{organisation.id}/active").status_code == 404
    assert "Fremde Initiative" not in _html(client.get("/admin/organisations"))


def test_admin_navigation_has_organisations(client, admin):
    assert 'href="/admin/organisations"' in _html(client.get("/"))


def test_a_member_name_is_stored_with_plain_spaces(client, admin, db, ki):
    organisation = _organisation(db, ki)
    response = client.post(
        f"/admin/organisations/{organisation.id}/invite",
        data={"display_name": "Gisela\tW.\u202c", "email": "gisela@asylkreis-warburg.example"},
    )
    assert response.status_code == 303
    member = db.session.scalar(select(User).where(User.email == "gisela@asylkreis-warburg.example"))
    assert member.display_name == "Gisela W."
