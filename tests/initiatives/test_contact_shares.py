"""A helper's contact is shared with the requesting organisation per helper and request, on purpose.

The share belongs to the person, not to the seat: when that helper's assignment ends, the share
ends with it, and whoever takes the seat next is not shown until their own contact is shared.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.assignments.services import withdraw_assignment
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.initiatives import contacts, queries
from ki_match.initiatives.models import ContactShare
from ki_match.requests import lifecycle
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange
from tests.factories import assignment_for, make_helper, make_request
from tests.support import htmx_headers, outbox


@pytest.fixture
def member(auth):
    return auth.as_role(Role.INITIATIVE)


def _from_organisation(member: User, needed: int = 1) -> HelpRequest:
    request = make_request(
        starts_in=timedelta(days=10),
        needed=needed,
        organisation_id=member.organisation_id,
        requested_by_id=member.id,
        created_by=member,
    )
    db.session.add(
        RequestStatusChange(
            request_id=request.id, from_status=None, to_status=request.status, actor_id=member.id
        )
    )
    db.session.commit()
    return request


def _helper(first: str, last: str, phone: str):
    profile = make_helper(display_name=f"{first} {last}", email=f"{first.lower()}@example.org")
    profile.phone = phone
    db.session.commit()
    return profile


def _initiative_page(client, request: HelpRequest) -> str:
    response = client.get(f"/initiative/requests/{request.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_share_ends_with_the_helpers_seat_and_does_not_pass_to_the_next(client, member, coordinator):
    request = _from_organisation(member)
    amira = _helper("Amira", "Quellfeld", "+49 5271 111111")
    boris = _helper("Boris", "Zaunkamp", "+49 5271 222222")
    first = assignment_for(request, amira, coordinator)
    contacts.share_contact(request.id, amira.id, coordinator, True)
    html = _initiative_page(client, request)
    assert "Amira Quellfeld" in html and "amira@example.org" in html and "5271 111111" in html

    withdraw_assignment(first.id, amira.user, "krank")
    assignment_for(request, boris, coordinator)
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.FILLED

    html = _initiative_page(client, request)
    assert "Boris" in html
    for nobody_shared in ("Zaunkamp", "boris@example.org", "5271 222222", "Quellfeld", "amira@example.org"):
        assert nobody_shared not in html
    share = db.session.scalar(select(ContactShare).where(ContactShare.helper_id == amira.id))
    assert share.ended_at is not None
    assert queries.shared_helper_ids(request) == set()


def test_calling_the_request_off_ends_the_share(member, coordinator):
    request = _from_organisation(member)
    amira = _helper("Amira", "Quellfeld", "+49 5271 111111")
    assignment_for(request, amira, coordinator)
    contacts.share_contact(request.id, amira.id, coordinator, True)
    lifecycle.cancel(request.id, coordinator, "Termin entfällt")
    share = db.session.scalar(select(ContactShare).where(ContactShare.helper_id == amira.id))
    assert share.ended_at is not None
    ended = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.share_ended"))
    assert (ended.subject_type, ended.subject_id) == ("helper_profile", amira.id)


def test_only_the_helper_whose_contact_was_shared_is_shown_named_and_mailed(client, member, coordinator):
    request = _from_organisation(member, needed=2)
    amira = _helper("Amira", "Quellfeld", "+49 5271 111111")
    boris = _helper("Boris", "Zaunkamp", "+49 5271 222222")
    assignment_for(request, amira, coordinator)
    assignment_for(request, boris, coordinator)

    contacts.share_contact(request.id, amira.id, coordinator, True)

    [mail] = outbox("initiative_contact_shared", to=member.email)
    assert "amira@example.org" in mail.body_text and "Quellfeld" in mail.body_text
    for not_shared in ("boris@example.org", "Zaunkamp", "222222"):
        assert not_shared not in mail.body_text and not_shared not in (mail.body_html or "")
    html = _initiative_page(client, request)
    assert "amira@example.org" in html and "Boris" in html
    assert "boris@example.org" not in html and "Zaunkamp" not in html
    # Whose contact was shown, and to whom, is in the log under that helper.
    [shared] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.shared")).all()
    assert (shared.subject_type, shared.subject_id) == ("helper_profile", amira.id)
    assert shared.detail["request_id"] == request.id
    assert shared.detail["organisation_id"] == member.organisation_id
    [viewed] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.viewed")).all()
    assert (viewed.subject_type, viewed.subject_id) == ("helper_profile", amira.id)
    assert viewed.actor_id == member.id and viewed.detail["request_id"] == request.id


def test_unsharing_one_helper_keeps_the_others_share(client, member, coordinator):
    request = _from_organisation(member, needed=2)
    amira = _helper("Amira", "Quellfeld", "+49 5271 111111")
    boris = _helper("Boris", "Zaunkamp", "+49 5271 222222")
    assignment_for(request, amira, coordinator)
    assignment_for(request, boris, coordinator)
    contacts.share_contact(request.id, amira.id, coordinator, True)
    contacts.share_contact(request.id, boris.id, coordinator, True)
    contacts.share_contact(request.id, amira.id, coordinator, False)
    assert queries.shared_helper_ids(request) == {boris.id}
    html = _initiative_page(client, request)
    assert "boris@example.org" in html and "amira@example.org" not in html


def test_a_contact_is_shared_only_for_a_helper_holding_a_seat(member, coordinator):
    request = _from_organisation(member)
    amira = _helper("Amira", "Quellfeld", "+49 5271 111111")
    stranger = _helper("Carla", "Fremd", "+49 5271 333333")
    assignment_for(request, amira, coordinator)
    with pytest.raises(contacts.InitiativeError):
        contacts.share_contact(request.id, stranger.id, coordinator, True)
    assert queries.shared_helper_ids(request) == set()


def test_the_coordinators_page_shows_and_switches_the_share_per_helper(client, member, coordinator, auth):
    request = _from_organisation(member, needed=2)
    amira = _helper("Amira", "Quellfeld", "+49 5271 111111")
    boris = _helper("Boris", "Zaunkamp", "+49 5271 222222")
    assignment_for(request, amira, coordinator)
    assignment_for(request, boris, coordinator)
    auth.logout()
    auth.login(coordinator.email)

    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Kontakt von <bdi>Amira Quellfeld</bdi> weitergeben" in html
    assert "Kontakt von <bdi>Boris Zaunkamp</bdi> weitergeben" in html
    # What the organisation sees until then, in the one short name of every page.
    assert "sieht nur „<bdi>Amira Q.</bdi>“" in html and "sieht nur „<bdi>Boris Z.</bdi>“" in html

    response = client.post(
        f"/requests/{request.id}/contact",
        data={"helper_id": str(amira.id), "shared": "1"},
        headers=htmx_headers("submitted-actions"),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kontakt von <bdi>Amira Quellfeld</bdi> nicht mehr weitergeben" in html
    assert "Kontakt von <bdi>Boris Zaunkamp</bdi> weitergeben" in html
    assert queries.shared_helper_ids(request) == {amira.id}

    response = client.post(
        f"/requests/{request.id}/contact",
        data={"helper_id": str(amira.id), "shared": "0"},
        headers=htmx_headers("submitted-actions"),
    )
    assert response.status_code == 200
    assert queries.shared_helper_ids(request) == set()
    unshared = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.unshared"))
    assert (unshared.subject_type, unshared.subject_id) == ("helper_profile", amira.id)


def test_a_managed_helper_without_address_is_shared_by_name_and_phone(client, member, coordinator):
    from tests.factories import make_managed_helper

    request = _from_organisation(member)
    ahmad = make_managed_helper(display_name="Ahmad Quellhof", phone="+49 5272 333333")
    assignment_for(request, ahmad, coordinator)
    contacts.share_contact(request.id, ahmad.id, coordinator, True)

    html = _initiative_page(client, request)
    assert "Ahmad Quellhof" in html and "5272 333333" in html
    assert "None" not in html and "mailto:" not in html
    (mail,) = outbox("initiative_contact_shared")
    assert "Ahmad Quellhof" in mail.body_text and "None" not in mail.body_text
