"""A coordinator enters the hours of a helper the KI manages (``assignments.services.report_hours``
with the coordinator as actor): the same rules as the helper's own report, ``on_behalf_of`` in the
audit, the task asking for them marked done; approving works as for any report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.assignments.services import AssignmentError, approve_report, hours_enterable, report_hours
from ki_match.extensions import db
from ki_match.notifications.tasks import CoordinatorTask, task_list
from ki_match.requests.models import Assignment, AssignmentStatus
from tests.factories import (
    assignment_for,
    completed_for,
    make_managed_helper,
    make_request,
    make_user,
    move_into_past,
    other_ki,
)
from tests.support import audit_events


@pytest.fixture
def ahmad(ki):
    return make_managed_helper(ki=ki)


@pytest.fixture
def happened(coordinator, ahmad):
    """Ahmad's assignment in the past, the request completed: a task asks for his hours."""
    return completed_for(ahmad, coordinator)


def _report_task(ahmad) -> CoordinatorTask:
    return db.session.scalar(
        select(CoordinatorTask).where(
            CoordinatorTask.helper_id == ahmad.id, CoordinatorTask.kind == "report_hours"
        )
    )


def test_the_coordinator_enters_her_hours_with_on_behalf_in_the_audit(coordinator, ahmad, happened):
    assert hours_enterable(happened)
    report_hours(happened, coordinator, minutes=95, travel_km=14, note="Lief gut")

    assignment = db.session.get(Assignment, happened.id)
    assert (assignment.actual_minutes, assignment.travel_km, assignment.report_note) == (95, 14, "Lief gut")
    assert assignment.status == AssignmentStatus.COMPLETED and assignment.reported_at is not None
    (event,) = audit_events("assignment.reported")
    assert (event.actor_id, event.subject_id) == (coordinator.id, assignment.id)
    assert event.detail == {"on_behalf_of": ahmad.user_id}  # ids only, never the note's words
    assert hours_enterable(assignment)  # changeable until approved, as her own report


def test_entering_the_hours_marks_the_task_asking_for_them_done(ki, coordinator, ahmad, happened):
    task = _report_task(ahmad)
    assert task is not None and task.done_at is None
    report_hours(happened, coordinator, minutes=60, travel_km=0, note=None)

    task = _report_task(ahmad)
    assert task.done_at is not None and task.done_by_id == coordinator.id
    assert task.id not in [open_task.id for open_task in task_list(ki.id).open]
    # Changed again before approval: still one done task, nothing reopened.
    report_hours(happened, coordinator, minutes=70, travel_km=0, note=None)
    assert "report_hours" not in [t.kind for t in task_list(ki.id).open]
    kinds = db.session.scalars(select(CoordinatorTask.kind).where(CoordinatorTask.helper_id == ahmad.id))
    assert list(kinds).count("report_hours") == 1


def test_she_may_approve_what_she_entered_and_it_is_fixed_then(coordinator, ahmad, happened):
    report_hours(happened, coordinator, minutes=60, travel_km=5, note=None)
    approved = approve_report(happened.id, coordinator)
    assert approved.approved_by_id == coordinator.id
    assert not hours_enterable(approved)
    with pytest.raises(AssignmentError, match="schon bestätigt"):
        report_hours(approved, coordinator, minutes=90, travel_km=5, note=None)


def test_an_admin_of_the_ki_may_enter_them_too(ki, ahmad, happened):
    admin = make_user(Role.ADMIN, ki=ki)
    report_hours(happened, admin, minutes=30, travel_km=0, note=None)
    assert audit_events("assignment.reported")[0].actor_id == admin.id


def test_the_same_rules_as_her_own_report(coordinator, ahmad):
    request = make_request(created_by=coordinator, starts_in=timedelta(days=3))
    ahead = assignment_for(request, ahmad, coordinator)
    assert not hours_enterable(ahead)
    with pytest.raises(AssignmentError, match="erst nach dem Einsatz"):
        report_hours(ahead, coordinator, minutes=60, travel_km=0, note=None)
    move_into_past(ahead)
    ahead.status = AssignmentStatus.WITHDRAWN
    db.session.commit()
    with pytest.raises(AssignmentError, match="keine Stunden"):
        report_hours(ahead, coordinator, minutes=60, travel_km=0, note=None)
    assert db.session.get(Assignment, ahead.id).reported_at is None
    assert audit_events("assignment.reported") == []


def test_not_for_a_helper_who_runs_her_own_account(coordinator, available_helper):
    amina = available_helper()
    request = make_request(created_by=coordinator)
    assignment = move_into_past(assignment_for(request, amina, coordinator))
    assert not hours_enterable(assignment)
    with pytest.raises(AssignmentError, match="gehört nicht Ihnen"):
        report_hours(assignment, coordinator, minutes=60, travel_km=0, note=None)
    assert db.session.get(Assignment, assignment.id).reported_at is None


@pytest.mark.parametrize("who", ["other_ki_coordinator", "initiative", "other_helper"])
def test_nobody_else_enters_them(ki, ahmad, happened, available_helper, who):
    actor = {
        "other_ki_coordinator": lambda: make_user(Role.COORDINATOR, ki=other_ki()),
        "initiative": lambda: make_user(Role.INITIATIVE, ki=ki),
        "other_helper": lambda: available_helper().user,
    }[who]()
    with pytest.raises(AssignmentError):
        report_hours(happened, actor, minutes=60, travel_km=0, note=None)
    assert db.session.get(Assignment, happened.id).reported_at is None
    assert _report_task(ahmad).done_at is None


def test_a_helper_reporting_herself_is_audited_without_on_behalf(coordinator, available_helper):
    amina = available_helper()
    request = make_request(created_by=coordinator)
    assignment = move_into_past(assignment_for(request, amina, coordinator))
    report_hours(assignment, amina.user, minutes=60, travel_km=0, note=None)
    (event,) = audit_events("assignment.reported")
    assert event.actor_id == amina.user_id and "on_behalf_of" not in (event.detail or {})
