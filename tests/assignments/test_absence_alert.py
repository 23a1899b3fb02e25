""" "Helfer*in ist nicht gekommen" alerts the coordinators: one mail to every coordinator of the KI,
once per assignment, and the start page's list until one of them marks it handled."""

from __future__ import annotations

import pytest

from ki_match.accounts.models import Role
from ki_match.assignments.models import Outcome
from ki_match.assignments.queries import absences_to_handle, signoff_of
from ki_match.assignments.signoff import mark_absence_handled, sign_off
from ki_match.clock import BERLIN
from tests.factories import booked, first_ki, make_request, move_into_past, other_ki
from tests.support import audit_events, delivered_text, outbox


@pytest.fixture
def member(create_user):
    return create_user(Role.INITIATIVE)


@pytest.fixture
def absent(coordinator, create_helper, member):
    """A request the member's organisation sent in; its helper was due yesterday."""
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    return move_into_past(booked(request, create_helper(display_name="Amal Haddad")))


def test_every_coordinator_of_the_ki_gets_one_mail_naming_request_date_and_helper(
    absent, member, coordinator, create_user
):
    colleague = create_user(Role.COORDINATOR)
    elsewhere = create_user(Role.COORDINATOR, ki=other_ki())

    sign_off(absent.id, member, Outcome.HELPER_ABSENT)

    mails = outbox("absence_reported")
    assert {mail.to_address for mail in mails} == {coordinator.email, colleague.email}
    assert elsewhere.email not in {mail.to_address for mail in mails}
    text = delivered_text(mails[0])
    assert "Amal Haddad" in text and f"Anfrage #{absent.request_id}" in text
    assert member.organisation.name in text
    day = absent.request.starts_at.astimezone(BERLIN)
    assert f"{day.day}. " in text and f"{day.year}, {day:%H:%M}" in text


def test_saying_it_again_mails_only_once_a_new_report_after_a_change_of_mind_again(
    absent, member, coordinator
):
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    assert [mail.to_address for mail in outbox("absence_reported")] == [coordinator.email]
    sign_off(absent.id, member, Outcome.TOOK_PLACE)
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    assert len(outbox("absence_reported")) == 2


@pytest.mark.parametrize("outcome", [Outcome.TOOK_PLACE, Outcome.HELPER_LATE, Outcome.CLIENT_ABSENT])
def test_other_outcomes_alert_nobody(absent, member, outcome):
    sign_off(absent.id, member, outcome)
    assert outbox("absence_reported") == []
    assert absences_to_handle(first_ki()) == []


def test_listed_until_handled_and_handling_is_audited(absent, member, coordinator):
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    listed = absences_to_handle(first_ki())
    assert [signoff.assignment_id for signoff in listed] == [absent.id]

    assert mark_absence_handled(listed[0], coordinator) is True

    assert absences_to_handle(first_ki()) == []
    signoff = signoff_of(absent.id)
    assert (signoff.handled_by_id, signoff.handled_at is not None) == (coordinator.id, True)
    assert [event.actor_id for event in audit_events("assignment.absence_handled")] == [coordinator.id]
    assert mark_absence_handled(signoff, coordinator) is False  # once
    assert len(audit_events("assignment.absence_handled")) == 1


def test_a_change_of_mind_leaves_the_list_and_a_new_report_comes_back(absent, member, coordinator):
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    sign_off(absent.id, member, Outcome.TOOK_PLACE)
    assert absences_to_handle(first_ki()) == []
    assert mark_absence_handled(signoff_of(absent.id), coordinator) is False

    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    mark_absence_handled(signoff_of(absent.id), coordinator)
    sign_off(absent.id, member, Outcome.TOOK_PLACE)
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    assert [signoff.assignment_id for signoff in absences_to_handle(first_ki())] == [absent.id]


def test_another_kis_reports_are_not_listed(absent, member):
    sign_off(absent.id, member, Outcome.HELPER_ABSENT)
    assert absences_to_handle(other_ki()) == []
