"""The requester's sign-off: who gives it, when, what it changes, where it disagrees with the hours
report, and what a client who did not come means for the allowance."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ki_match.accounts.models import Role
from ki_match.assignments.models import Outcome, SignOff
from ki_match.assignments.services import AssignmentError
from ki_match.assignments.signoff import mismatch, sign_off, signable
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.reports import queries as report_queries
from ki_match.reports.models import AllowanceRate
from ki_match.reports.services import Period, PeriodKind
from ki_match.requests.models import AssignmentStatus, RequestStatus
from tests.factories import booked, make_request, move_into_past
from tests.support import audit_events


@pytest.fixture
def helper(create_helper):
    return create_helper()


@pytest.fixture
def member(create_user):
    return create_user(Role.INITIATIVE)


def _begun(request, helper, **fields):
    return move_into_past(booked(request, helper, **fields))


@pytest.fixture
def own(coordinator, helper):
    """An assignment of the KI's own request (its coordinators sign off), begun yesterday."""
    return _begun(make_request(created_by=coordinator), helper)


@pytest.fixture
def sent_in(coordinator, helper, member):
    """An assignment of a request the member's organisation sent in, begun yesterday."""
    request = make_request(
        created_by=coordinator, organisation_id=member.organisation_id, requested_by_id=member.id
    )
    return _begun(request, helper)


# --- who signs off --------------------------------------------------------------------------


def test_the_kis_coordinators_sign_off_its_own_requests(own, coordinator, create_user):
    signoff = sign_off(own.id, coordinator, Outcome.TOOK_PLACE)
    assert (signoff.outcome, signoff.signed_by_id) == (Outcome.TOOK_PLACE, coordinator.id)
    admin = create_user(Role.ADMIN)
    assert sign_off(own.id, admin, Outcome.CLIENT_ABSENT).outcome == Outcome.CLIENT_ABSENT


@pytest.mark.parametrize("who", ["helper", "initiative member", "other ki"])
def test_nobody_else_signs_off_the_kis_own_request(own, helper, create_user, who):
    actor = {
        "helper": lambda: helper.user,
        "initiative member": lambda: create_user(Role.INITIATIVE),
        "other ki": lambda: _other_kis_coordinator(create_user),
    }[who]()
    with pytest.raises(AssignmentError, match="wer ihn angefragt hat"):
        sign_off(own.id, actor, Outcome.TOOK_PLACE)
    assert db.session.scalars(db.select(SignOff)).all() == []


def _other_kis_coordinator(create_user):
    from tests.factories import other_ki

    return create_user(Role.COORDINATOR, ki=other_ki())


def test_a_sent_in_request_is_signed_off_by_the_member_who_asked(sent_in, member, coordinator, create_user):
    colleague = create_user(Role.INITIATIVE, organisation=member.organisation)
    for refused in (coordinator, colleague, create_user(Role.INITIATIVE)):
        with pytest.raises(AssignmentError):
            sign_off(sent_in.id, refused, Outcome.TOOK_PLACE)
    assert sign_off(sent_in.id, member, Outcome.HELPER_LATE, 20).late_minutes == 20


def test_without_a_named_member_anyone_of_the_organisation_signs_off(sent_in, create_user, member):
    sent_in.request.requested_by_id = None
    db.session.commit()
    colleague = create_user(Role.INITIATIVE, organisation=member.organisation)
    assert sign_off(sent_in.id, colleague, Outcome.TOOK_PLACE).signed_by_id == colleague.id


# --- when ----------------------------------------------------------------------------------


def test_not_before_the_assignment_has_begun(coordinator, helper):
    ahead = booked(make_request(created_by=coordinator), helper)
    assert not signable(ahead)
    with pytest.raises(AssignmentError, match="noch nicht begonnen"):
        sign_off(ahead.id, coordinator, Outcome.TOOK_PLACE)


def test_changeable_until_the_hours_are_approved_and_each_change_audited(own, coordinator):
    sign_off(own.id, coordinator, Outcome.HELPER_ABSENT)
    changed = sign_off(own.id, coordinator, Outcome.HELPER_LATE, 15)
    assert (changed.outcome, changed.late_minutes) == (Outcome.HELPER_LATE, 15)
    assert db.session.query(SignOff).count() == 1
    events = audit_events("assignment.signed_off")
    assert [(e.detail["outcome"], e.detail["changed"]) for e in events] == [
        ("helper_absent", False),
        ("helper_late", True),
    ]
    own.status, own.reported_at, own.approved_at = AssignmentStatus.COMPLETED, utcnow(), utcnow()
    db.session.commit()
    assert not signable(own)
    with pytest.raises(AssignmentError, match="schon bestätigt"):
        sign_off(own.id, coordinator, Outcome.TOOK_PLACE)
    assert db.session.get(SignOff, changed.id).outcome == Outcome.HELPER_LATE


@pytest.mark.parametrize("status", [AssignmentStatus.WITHDRAWN, AssignmentStatus.CANCELLED])
def test_not_for_an_assignment_that_is_off(own, coordinator, status):
    own.status = status
    db.session.commit()
    with pytest.raises(AssignmentError, match="findet nicht statt"):
        sign_off(own.id, coordinator, Outcome.TOOK_PLACE)


@pytest.mark.parametrize(
    ("outcome", "minutes"), [(Outcome.TOOK_PLACE, 10), (Outcome.HELPER_LATE, 0), (Outcome.HELPER_LATE, 601)]
)
def test_late_minutes_only_when_late_and_in_range(own, coordinator, outcome, minutes):
    with pytest.raises(AssignmentError, match="Minuten"):
        sign_off(own.id, coordinator, outcome, minutes)


def test_helper_absent_leaves_the_no_show_to_the_coordinator(own, coordinator):
    """The requester's word alone changes no status: the no-show path records it."""
    sign_off(own.id, coordinator, Outcome.HELPER_ABSENT)
    assert db.session.get(type(own), own.id).status == AssignmentStatus.CONFIRMED
    assert own.request.status == RequestStatus.FILLED


# --- where the sign-off and the hours report disagree -------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "status", "reported_minutes", "expected"),
    [
        (None, AssignmentStatus.COMPLETED, 90, None),
        (Outcome.TOOK_PLACE, AssignmentStatus.COMPLETED, 90, None),
        (Outcome.TOOK_PLACE, AssignmentStatus.CONFIRMED, None, None),
        (Outcome.HELPER_ABSENT, AssignmentStatus.CONFIRMED, None, None),
        (Outcome.HELPER_ABSENT, AssignmentStatus.NO_SHOW, None, None),
        (
            Outcome.HELPER_ABSENT,
            AssignmentStatus.COMPLETED,
            90,
            "Stunden gemeldet, laut Anfragenden aber nicht gekommen.",
        ),
        (
            Outcome.TOOK_PLACE,
            AssignmentStatus.NO_SHOW,
            None,
            "Als nicht erschienen vermerkt, laut Anfragenden aber gekommen.",
        ),
        (
            Outcome.HELPER_LATE,
            AssignmentStatus.NO_SHOW,
            None,
            "Als nicht erschienen vermerkt, laut Anfragenden aber gekommen.",
        ),
        (Outcome.CLIENT_ABSENT, AssignmentStatus.COMPLETED, 90, None),
        (
            Outcome.CLIENT_ABSENT,
            AssignmentStatus.COMPLETED,
            150,
            "Klient*in nicht gekommen: es zählen höchstens die geplanten 90 Minuten.",
        ),
        (Outcome.HELPER_LATE, AssignmentStatus.COMPLETED, 150, None),
    ],
)
def test_mismatch(own, outcome, status, reported_minutes, expected):
    own.status = status
    if reported_minutes is not None:
        own.actual_minutes, own.travel_km, own.reported_at = reported_minutes, 10, utcnow()
    signoff = None if outcome is None else SignOff(assignment_id=own.id, outcome=outcome)
    assert own.request.duration_minutes == 90
    assert mismatch(own, signoff) == expected


# --- the allowance when the client did not come ------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "minutes", "km"),
    [
        (None, 150, 20),
        (Outcome.TOOK_PLACE, 150, 20),
        (Outcome.HELPER_LATE, 150, 20),
        (Outcome.CLIENT_ABSENT, 90, 20),
    ],
)
def test_a_client_who_did_not_come_pays_travel_in_full_and_at_most_the_planned_time(
    own, coordinator, ki, outcome, minutes, km
):
    db.session.add(
        AllowanceRate(ki_id=ki.id, valid_from=date(2020, 1, 1), per_hour_cents=1200, per_km_cents=30)
    )
    own.status, own.actual_minutes, own.travel_km = AssignmentStatus.COMPLETED, 150, 20
    own.reported_at = own.approved_at = utcnow()
    db.session.commit()
    if outcome is not None:
        db.session.add(SignOff(assignment_id=own.id, outcome=outcome, signed_by_id=coordinator.id))
        db.session.commit()
    today = local_today()
    period = Period(PeriodKind.CUSTOM, today - timedelta(days=7), today)
    (total,) = report_queries.allowance_totals(ki.id, period)
    assert (total.minutes, total.km, total.cents) == (minutes, km, minutes * 1200 // 60 + km * 30)
    (line,) = report_queries.statement_lines(ki.id, own.helper_id, period)
    assert (line.minutes, line.km) == (minutes, km)
