"""Inviting helpers: admins always, coordinators only where their KI allows it; the invited helper
sets her password and then goes through the helper's set-up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import AccountError, invite_user, may_invite
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.settings import change_settings
from tests.factories import make_user, other_ki
from tests.support import htmx_headers, link_in, outbox

INVITEE = {"display_name": "Amina Haddad", "email": "amina@example.org"}


def _allow_coordinators(ki, allowed: bool = True) -> None:
    change_settings(ki, None, coordinators_invite_helpers=allowed)
    db.session.commit()


def _invitee() -> User | None:
    return db.session.scalar(select(User).where(User.email == INVITEE["email"]))


def test_the_rule(ki):
    admin, coordinator = make_user(Role.ADMIN, ki=ki), make_user(Role.COORDINATOR, ki=ki)
    assert may_invite(admin, Role.HELPER) and may_invite(admin, Role.COORDINATOR)
    assert not may_invite(coordinator, Role.HELPER)
    _allow_coordinators(ki)
    assert may_invite(coordinator, Role.HELPER)
    assert not may_invite(coordinator, Role.COORDINATOR) and not may_invite(coordinator, Role.ADMIN)
    assert not may_invite(make_user(Role.INITIATIVE, ki=ki), Role.HELPER)
    assert not may_invite(make_user(Role.COORDINATOR, ki=other_ki()), Role.HELPER)


def test_a_coordinator_not_allowed_is_refused_by_the_service(ki):
    coordinator = make_user(Role.COORDINATOR, ki=ki)
    with pytest.raises(AccountError):
        invite_user(ki, role=Role.HELPER, organisation=None, invited_by=coordinator, **INVITEE)
    assert _invitee() is None


def test_an_admin_invites_a_helper_who_sets_a_password_and_starts_the_set_up(client, login_as, ki):
    login_as(Role.ADMIN)
    response = client.post("/admin/users/invite", data={**INVITEE, "role": "helper", "organisation_id": "0"})
    assert response.status_code == 303
    invited = _invitee()
    assert (invited.role, invited.ki_id, invited.password_hash) == (Role.HELPER, ki.id, None)
    assert db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == invited.id)) is not None
    [mail] = outbox("invitation", to=INVITEE["email"])
    client.post("/logout")
    password = "ein langes Passwort 2026"
    answer = client.post(link_in(mail), data={"password": password, "password_confirm": password})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/")
    start = client.get("/").get_data(as_text=True)
    assert "Schritt 1 von 5:" in start and 'href="/profile/languages?setup=1"' in start


def test_the_coordinators_page_exists_only_where_the_ki_allows_it(client, login_as, ki):
    login_as(Role.COORDINATOR)
    assert client.get("/helpers/invite").status_code == 404
    assert client.post("/helpers/invite", data=INVITEE).status_code == 404
    assert 'href="/helpers/invite"' not in client.get("/helpers").get_data(as_text=True)
    assert _invitee() is None
    _allow_coordinators(ki)
    assert 'href="/helpers/invite"' in client.get("/helpers").get_data(as_text=True)
    assert client.get("/helpers/invite").status_code == 200
    response = client.post("/helpers/invite", data=INVITEE)
    assert (response.status_code, response.headers["Location"]) == (303, "/helpers")
    assert _invitee().role == Role.HELPER
    assert len(outbox("invitation", to=INVITEE["email"])) == 1


def test_another_kis_permission_does_not_count(client, login_as, ki):
    _allow_coordinators(other_ki())
    login_as(Role.COORDINATOR)
    assert client.get("/helpers/invite").status_code == 404


def test_bad_input_on_the_coordinators_page_answers_422_with_the_values_kept(client, login_as, ki):
    _allow_coordinators(ki)
    login_as(Role.COORDINATOR)
    response = client.post(
        "/helpers/invite",
        data={"display_name": "Amina", "email": "kein-at"},
        headers=htmx_headers("invite-form"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html and "gültige E-Mail-Adresse" in html and 'value="kein-at"' in html


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_other_roles_may_not_invite_helpers(client, login_as, ki, role):
    _allow_coordinators(ki)
    login_as(role)
    assert client.get("/helpers/invite").status_code == 403
