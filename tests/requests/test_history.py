"""A request's history: status changes and the remarks that change no status (a phone answer, a
direct booking, ``lifecycle.remark``) are told apart wherever the history is read."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.requests import lifecycle
from ki_match.requests.labels import history_status
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange
from ki_match.requests.queries import status_history
from ki_match.requests.retention import purge_client_data
from tests.factories import make_request


def _offered_with_a_remark(coordinator) -> HelpRequest:
    request = make_request(created_by=coordinator)
    lifecycle.transition(request, RequestStatus.OFFERED, actor=coordinator)
    lifecycle.remark(request, coordinator, "Amina K. hat telefonisch zugesagt")
    db.session.commit()
    return request


def test_a_remark_is_no_status_change_in_python_and_in_sql(app, coordinator):
    request = _offered_with_a_remark(coordinator)
    changes = db.session.scalars(
        select(RequestStatusChange)
        .where(RequestStatusChange.request_id == request.id)
        .order_by(RequestStatusChange.id)
    ).all()
    assert [change.changes_status for change in changes] == [True, False]
    counted = db.session.scalar(
        select(func.count())
        .select_from(RequestStatusChange)
        .where(RequestStatusChange.request_id == request.id, RequestStatusChange.changes_status)
    )
    assert counted == 1
    # the line written when a request is made has no status before it: a change all the same
    assert RequestStatusChange(from_status=None, to_status=RequestStatus.OPEN).changes_status


def test_the_history_says_remark_instead_of_a_status_staying_the_same(app, coordinator):
    request = _offered_with_a_remark(coordinator)
    lines = status_history(request)
    assert [history_status(entry.change) for entry in lines] == [
        "offen → angefragt",
        "Vermerk, Status unverändert",
    ]
    assert lines[-1].change.note == "Amina K. hat telefonisch zugesagt"
    assert lines[-1].actor_name == coordinator.display_name
    # those who only follow the status (an organisation) read the changes alone
    assert [history_status(entry.change) for entry in status_history(request, remarks=False)] == [
        "offen → angefragt"
    ]


def test_a_history_line_without_a_status_before_names_the_status_it_began_with(app, coordinator):
    request = make_request(created_by=coordinator, status=RequestStatus.DRAFT)
    db.session.add(
        RequestStatusChange(request_id=request.id, from_status=None, to_status=RequestStatus.DRAFT)
    )
    db.session.commit()
    assert [history_status(entry.change) for entry in status_history(request)] == ["Entwurf"]


def test_the_purge_counts_from_the_last_status_change_not_a_later_remark(app, coordinator):
    request = make_request(created_by=coordinator)
    lifecycle.cancel(request.id, coordinator, "abgesagt")
    long_ago = utcnow() - timedelta(days=40)
    db.session.execute(
        update(RequestStatusChange).where(RequestStatusChange.request_id == request.id).values(at=long_ago)
    )
    lifecycle.remark(db.session.get(HelpRequest, request.id), coordinator, "Rückruf notiert")
    db.session.commit()

    assert sum(purge_client_data(older_than_days=30).values()) == 1
    assert db.session.get(HelpRequest, request.id).client_data_purged_at is not None
