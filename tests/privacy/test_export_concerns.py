"""The export holds what others did about the helper, found by the audit log's subject: her contact
shared with an organisation (and with which), its views, "why not" checks run on her, logins
tried on her account; and her shares end with her account."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.initiatives import contacts
from ki_match.initiatives.models import ContactShare
from ki_match.orgs.models import Organisation
from ki_match.privacy import queries
from ki_match.privacy.services import delete_helper_account
from ki_match.requests.models import RequestStatusChange
from tests.factories import PASSWORD, assignment_for, make_request, make_user

EMAIL = "noor.export@example.org"


@pytest.fixture
def noor(create_helper):
    profile = create_helper(display_name="Noor Exportweg", email=EMAIL)
    profile.phone = "+49 5271 765432"
    db.session.commit()
    return profile


@pytest.fixture
def organisation(ki):
    organisation = Organisation(ki_id=ki.id, name="Asylkreis Exportdorf")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def _shared_request(noor, organisation, coordinator):
    member = make_user(Role.INITIATIVE, organisation=organisation)
    request = make_request(
        starts_in=timedelta(days=9),
        organisation_id=organisation.id,
        requested_by_id=member.id,
        created_by=member,
    )
    db.session.add(RequestStatusChange(request_id=request.id, to_status=request.status, actor_id=member.id))
    db.session.commit()
    assignment_for(request, noor, coordinator)
    contacts.share_contact(request.id, noor.id, coordinator, True)
    return request, member


def _export(client) -> dict:
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 303
    response = client.get("/my-data/export.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_the_export_names_the_organisation_her_contact_was_shared_with_and_who_saw_it(
    client, noor, organisation, coordinator
):
    request, member = _shared_request(noor, organisation, coordinator)
    assert client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 303
    assert client.get(f"/initiative/requests/{request.id}").status_code == 200
    client.post("/logout")

    tables = _export(client)["tables"]

    [share] = tables["contact_share"]
    assert share["request_id"] == request.id and share["organisation"] == "Asylkreis Exportdorf"
    assert share["ended_at"] is None and "shared_by_id" not in share
    events = {row["action"]: row for row in tables["audit_event"]}
    assert events["contact.shared"]["by"] == "staff"
    assert events["contact.shared"]["detail"]["request_id"] == request.id
    assert events["contact.viewed"]["by"] == "organisation"
    assert "ip" not in events["contact.viewed"] and "actor_id" not in events["contact.viewed"]


def test_a_why_not_check_on_her_is_in_her_export(client, auth, noor, coordinator):
    request = make_request(created_by=coordinator)
    assert auth.login(coordinator.email).status_code == 303
    assert client.get(f"/requests/{request.id}/why-not?helper_id={noor.id}").status_code == 200
    auth.logout()

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.why_not"))
    assert (event.subject_type, event.subject_id) == ("helper_profile", noor.id)
    assert event.detail == {"request_id": request.id}
    [checked] = [
        row for row in _export(client)["tables"]["audit_event"] if row["action"] == "request.why_not"
    ]
    assert checked["by"] == "staff" and checked["detail"]["request_id"] == request.id


def test_a_failed_login_on_her_account_is_hers_but_not_done_by_her(client, noor):
    response = client.post("/login", data={"email": EMAIL, "password": "falsch falsch falsch"})
    assert response.status_code in (200, 422)
    failure = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.failure"))
    assert failure.actor_id is None
    assert (failure.subject_type, failure.subject_id) == ("user_account", noor.user_id)

    [row] = [row for row in _export(client)["tables"]["audit_event"] if row["action"] == "login.failure"]
    assert row["by"] != "self" and "ip" not in row


def test_deleting_her_account_erases_the_shares_of_her_contact(noor, organisation, coordinator):
    _shared_request(noor, organisation, coordinator)
    assert queries.personal_data(noor.user)["tables"]["contact_share"]
    delete_helper_account(noor.user)
    assert db.session.scalars(select(ContactShare).where(ContactShare.helper_id == noor.id)).all() == []
