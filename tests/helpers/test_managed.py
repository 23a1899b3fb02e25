"""Helpers "vom KI verwaltet": made by the one service, matched like anyone once the paper consent is
recorded, never offered to other KIs, and unable to log in."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.accounts.services import authenticate
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.helpers.managed import (
    ManagedError,
    create_managed_helper,
    invite_managed,
    record_paper_consent,
    set_note,
    update_contact,
)
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.queries import matchable_filter
from ki_match.helpers.services import Unmatchable, is_matchable, missing_items, unmatchable
from ki_match.matching import services as matching
from ki_match.requests.models import RequestKind
from tests.factories import (
    berlin,
    in_pool,
    make_managed_helper,
    make_request,
    make_user,
    next_tuesday,
    other_ki,
    sharing,
)
from tests.support import audit_events, link_in, outbox


def _matchable_ids() -> set[int]:
    return set(db.session.scalars(select(HelperProfile.id).where(matchable_filter())))


def test_a_managed_helper_is_made_with_phone_and_no_address(ki, coordinator):
    profile = create_managed_helper(
        ki, display_name="  Ahmad   Rahimi ", phone="05271 12345", actor=coordinator
    )

    user = profile.user
    assert (user.display_name, user.email, user.role, user.password_hash) == (
        "Ahmad Rahimi",
        None,
        Role.HELPER,
        None,
    )
    assert user.is_managed and profile.phone == "05271 12345" and profile.ki_id == ki.id
    # Without the consent on paper she waits, not matchable.
    assert unmatchable(profile) == Unmatchable.UNAPPROVED
    assert [item.key for item in missing_items(profile)][:1] == ["language"]  # no mailbox to verify
    (created,) = audit_events("helper.managed_created")
    assert (created.actor_id, created.subject_id) == (coordinator.id, profile.id)
    assert outbox() == []  # nothing mailed, not even a verification


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"display_name": " ", "phone": "0527 1"}, "display_name"),
        ({"display_name": "Ahmad R", "phone": None}, "phone"),
        ({"display_name": "Ahmad R", "phone": "  "}, "phone"),
        ({"display_name": "Ahmad R", "phone": "1" * 41}, "phone"),
        ({"display_name": "Ahmad R", "phone": None, "note": "x" * 1001}, "phone"),
        ({"display_name": "Ahmad R", "phone": "0527", "note": "x" * 1001}, "note"),
    ],
)
def test_bad_input_is_refused_naming_the_field(ki, coordinator, fields, field):
    with pytest.raises(ManagedError) as refused:
        create_managed_helper(ki, actor=coordinator, **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(HelperProfile.id)) is None


def test_an_address_someone_has_is_refused_and_an_address_of_her_own_kept(ki, coordinator, create_user):
    taken = create_user(Role.HELPER)
    with pytest.raises(ManagedError) as refused:
        create_managed_helper(
            ki, display_name="A B", phone=None, email=taken.email.upper(), actor=coordinator
        )
    assert refused.value.field == "email"
    db.session.rollback()
    profile = create_managed_helper(
        ki, display_name="A B", phone=None, email=" A@Example.org", actor=coordinator
    )
    assert profile.user.email == "a@example.org" and profile.user.is_managed


def test_only_staff_of_the_same_ki_make_managed_helpers(ki):
    for actor in (make_user(Role.HELPER, ki=ki), make_user(Role.COORDINATOR, ki=other_ki())):
        with pytest.raises(ManagedError):
            create_managed_helper(ki, display_name="A B", phone="0527", actor=actor)
    admin = make_user(Role.ADMIN, ki=ki)
    assert create_managed_helper(ki, display_name="A B", phone="0527", actor=admin).user.is_managed


def test_the_paper_consent_approves_her_and_makes_her_matchable_without_a_verified_address(ki, coordinator):
    profile = make_managed_helper(ki=ki, consented=False)
    assert not is_matchable(profile) and profile.id not in _matchable_ids()

    with pytest.raises(ManagedError):
        record_paper_consent(profile, local_today() + timedelta(days=1), coordinator)
    record_paper_consent(profile, local_today(), coordinator)

    assert profile.consent_given_at is not None and profile.approved_by_id == coordinator.id
    assert profile.user.email_verified_at is None
    assert is_matchable(profile) and profile.id in _matchable_ids()
    assert audit_events("consent.recorded_on_paper") and audit_events("helper.approved")
    assert outbox() == []


def test_a_normal_helper_without_verified_address_stays_unmatchable(create_helper):
    """The exception is for managed helpers only: service and query agree."""
    profile = create_helper(verified=False)
    assert unmatchable(profile) == Unmatchable.UNVERIFIED and profile.id not in _matchable_ids()


def test_she_is_matched_like_anyone(ki, coordinator):
    profile = make_managed_helper(ki=ki)
    request = make_request(ki=ki, created_by=coordinator, starts_at=berlin(next_tuesday(), time(10)))
    assert [candidate.helper.id for candidate in matching.match(request).candidates] == [profile.id]


def test_other_kis_never_see_her_in_the_shared_pool(ki, coordinator):
    elsewhere = other_ki()
    sharing(ki, elsewhere)
    profile = in_pool(make_managed_helper(ki=elsewhere, home="Paderborn"))
    request = make_request(
        ki=ki,
        created_by=coordinator,
        kind=RequestKind.REMOTE,
        where=None,
        starts_at=berlin(next_tuesday(), time(10)),
    )
    assert matching.match(request, pool=True).pool == []
    # The same helper not managed would be found: the test can fail.
    profile.user.managed_by_ki_since = None
    profile.user.email = "ahmad@example.org"
    profile.user.email_verified_at = profile.approved_at
    db.session.commit()
    assert [candidate.helper.id for candidate in matching.match(request, pool=True).pool] == [profile.id]


def test_a_managed_helper_cannot_log_in_or_reset_a_password(ki, coordinator):
    profile = make_managed_helper(ki=ki)
    update_contact(
        profile, display_name="Ahmad Rahimi", phone="0527", email="ahmad@example.org", actor=coordinator
    )
    assert authenticate("ahmad@example.org", "irgendwas").user is None
    from ki_match.accounts.services import request_password_reset

    request_password_reset("ahmad@example.org")
    assert outbox(kind="reset_password") == []


def test_contact_changes_keep_a_way_to_reach_her(ki, coordinator, create_helper):
    profile = make_managed_helper(ki=ki)
    with pytest.raises(ManagedError) as refused:
        update_contact(profile, display_name="Ahmad R", phone="", email="", actor=coordinator)
    assert refused.value.field == "phone"
    db.session.rollback()
    normal = create_helper()
    with pytest.raises(ManagedError):  # a helper's own profile stays her own business
        update_contact(normal, display_name="X Y", phone="0527", email=None, actor=coordinator)


def test_the_note_is_kept_for_any_helper_and_audited_without_its_text(ki, coordinator, create_helper):
    profile = create_helper()
    assert set_note(profile, "  ruft lieber abends an ", coordinator)
    assert profile.note == "ruft lieber abends an"
    assert not set_note(profile, "ruft lieber abends an", coordinator)
    (changed,) = audit_events("helper.note_changed")
    assert "abends" not in str(changed.detail)


def test_the_invitation_turns_her_into_a_normal_account_keeping_her_profile(ki, client, coordinator):
    profile = make_managed_helper(ki=ki, consented=True)
    invite_managed(profile, "Ahmad@Example.org", coordinator)
    assert profile.user.is_managed  # until she sets her password
    (mail,) = outbox(kind="invitation", to="ahmad@example.org")

    password = "ein-langes-passwort"
    response = client.post(link_in(mail), data={"password": password, "password_confirm": password})

    assert response.status_code == 303
    user = db.session.get(HelperProfile, profile.id).user
    assert not user.is_managed and user.email_verified_at is not None
    assert is_matchable(db.session.get(HelperProfile, profile.id))
    assert authenticate("ahmad@example.org", password).user.id == user.id
    assert audit_events("account.managed_taken_over")
