"""Mail to a helper the KI manages becomes a task on the coordinators' list: every kind of helper
mail, once per cause, purged with the request, marked done by whom and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.assignments.services import approve_report, report_hours
from ki_match.extensions import db
from ki_match.notifications.reminders import send_reminders
from ki_match.notifications.tasks import (
    CoordinatorTask,
    mark_done,
    open_count,
    queue_task,
    task_list,
)
from ki_match.offers.answers import accept_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.sending import send_offers, withdraw_offer
from ki_match.requests import lifecycle
from ki_match.requests.retention import purge_client_data
from tests.factories import (
    assignment_for,
    make_managed_helper,
    make_request,
    move_into_past,
    other_ki,
)
from tests.support import audit_events, outbox


@pytest.fixture
def ahmad(ki):
    return make_managed_helper(ki=ki)


def _tasks(helper=None) -> list[tuple[str, int | None]]:
    query = select(CoordinatorTask).order_by(CoordinatorTask.id)
    if helper is not None:
        query = query.where(CoordinatorTask.helper_id == helper.id)
    return [(task.kind, task.request_id) for task in db.session.scalars(query)]


def _mailed_to_others_than(coordinator) -> list[str]:
    return [message.kind for message in outbox() if message.to_address != coordinator.email]


def test_an_offer_to_her_is_a_task_and_to_a_normal_helper_a_mail(ki, coordinator, ahmad, available_helper):
    normal = available_helper()
    request = make_request(created_by=coordinator)

    send_offers(request.id, [ahmad.id, normal.id], coordinator)

    assert _tasks() == [("offer", request.id)]
    assert [message.to_address for message in outbox("offer")] == [normal.user.email]
    assert open_count(ki.id) == 1


def test_a_task_is_made_once_per_cause(ki, ahmad):
    first = queue_task(ahmad, kind="offer", key="offer:1")
    db.session.commit()
    again = queue_task(ahmad, kind="offer", key="offer:1")
    other = queue_task(ahmad, kind="offer_withdrawn", key="offer:1")
    db.session.commit()
    assert again.id == first.id and other.id != first.id
    assert len(_tasks()) == 2


def test_confirmation_withdrawal_and_the_request_s_life_become_tasks(ki, coordinator, ahmad):
    request = make_request(created_by=coordinator, needed=1)
    (offer,) = send_offers(request.id, [ahmad.id], coordinator).sent
    accept_offer(offer.id, ahmad.user)
    assignment = confirm_offer(offer.id, coordinator)
    lifecycle.reschedule(request.id, request.starts_at + timedelta(hours=1), 90, coordinator)
    lifecycle.cancel(request.id, coordinator, "Termin fällt aus")

    assert _tasks(ahmad) == [
        ("offer", request.id),
        ("assignment_confirmed", request.id),
        ("request_rescheduled", request.id),
        ("request_cancelled", request.id),
    ]
    assert assignment.helper_id == ahmad.id
    assert _mailed_to_others_than(coordinator) == []

    second = make_request(created_by=coordinator)
    (offer,) = send_offers(second.id, [ahmad.id], coordinator).sent
    withdraw_offer(offer.id, coordinator)
    assert _tasks(ahmad)[-2:] == [("offer", second.id), ("offer_withdrawn", second.id)]


def test_hours_no_show_and_the_reminder_become_tasks(ki, coordinator, ahmad):
    request = make_request(created_by=coordinator)
    assignment = assignment_for(request, ahmad, coordinator)
    starts = assignment.starts_at
    assert send_reminders(now=starts - timedelta(hours=23)).assignments == 1
    assert send_reminders(now=starts - timedelta(hours=22)).assignments == 0
    assert _tasks(ahmad)[-1] == ("assignment_reminder", request.id)

    move_into_past(assignment)
    lifecycle.complete(request.id, coordinator)
    assert _tasks(ahmad)[-1] == ("report_hours", request.id)
    report_hours(assignment, ahmad.user, minutes=90, travel_km=12, note=None)
    db.session.commit()
    approve_report(assignment.id, coordinator)
    assert _tasks(ahmad)[-1] == ("report_approved", request.id)

    other = make_request(created_by=coordinator)
    missed = move_into_past(assignment_for(other, ahmad, coordinator))
    lifecycle.no_show(missed.id, coordinator)
    assert _tasks(ahmad)[-1] == ("assignment_no_show", other.id)
    assert [kind for kind, _ in _tasks(ahmad)].count("assignment_reminder") == 1
    assert _mailed_to_others_than(coordinator) == []


def test_done_says_who_and_when_once(ki, coordinator, ahmad):
    request = make_request(created_by=coordinator)
    send_offers(request.id, [ahmad.id], coordinator)
    (task,) = task_list(ki.id).open

    assert mark_done(task, coordinator)
    db.session.commit()
    assert not mark_done(task, coordinator)
    listed = task_list(ki.id)
    assert listed.open == [] and [t.id for t in listed.done] == [task.id]
    assert task.done_by_id == coordinator.id and task.done_at is not None
    assert open_count(ki.id) == 0
    (done,) = audit_events("task.done")
    assert (done.actor_id, done.subject_id) == (coordinator.id, ahmad.id)


def test_tasks_go_with_the_purged_request_and_only_with_it(ki, coordinator, ahmad):
    old = make_request(created_by=coordinator)
    kept = make_request(created_by=coordinator)
    send_offers(old.id, [ahmad.id], coordinator)
    send_offers(kept.id, [ahmad.id], coordinator)
    lifecycle.cancel(old.id, coordinator, "fällt aus")

    purge_client_data(older_than_days=0, now=old.updated_at + timedelta(days=1))

    assert {request_id for _, request_id in _tasks()} == {kept.id}


def test_another_kis_tasks_are_not_counted_or_listed(ki, coordinator):
    elsewhere = other_ki()
    theirs = make_managed_helper(ki=elsewhere)
    queue_task(theirs, kind="offer", key="x")
    db.session.commit()
    assert open_count(ki.id) == 0 and task_list(ki.id).open == []
    assert open_count(elsewhere.id) == 1
