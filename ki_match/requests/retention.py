"""Retention: once a request has long been over, what identifies its client is forgotten everywhere.

A request's client reference and exact place are not only in its own columns:
people type them into its notes, an urgent reason, the conversation with the
organisation, a reason for calling it off or declining, an hours report; and the
mails about the request repeat them. The purge empties all of these for requests
finished ``RETENTION_DAYS`` ago (README.md, "Privacy and retention", lists
them). What remains — language, town, kind, times, helpers, hours, kilometres,
statuses and who changed them when — still counts in reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.outbox.retention import forget_request_mail
from ki_match.requests.events import ClientDataPurged
from ki_match.requests.models import Assignment, HelpRequest, Offer, RequestStatus, RequestStatusChange

S = RequestStatus

# Requests in these states are over; after the retention period their client reference and
# exact address go, and what remains (language, town, times, helpers) still counts in reports.
FINISHED = frozenset({S.COMPLETED, S.CANCELLED, S.UNFILLED, S.DECLINED})
DEFAULT_RETENTION_DAYS = 90
BATCH = 500


def retention_days(older_than_days: int | None = None) -> int:
    """The retention period: the one given (``purge --older-than-days``), else RETENTION_DAYS."""
    if older_than_days is not None:
        return older_than_days
    return int(current_app.config.get("RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_client_data(older_than_days: int | None = None, now: datetime | None = None) -> dict[int, int]:
    """Forget the client and everything typed about requests finished long enough ago.

    "Finished" counts from the request's last status change (when it became
    completed, cancelled, unfilled or declined). Returns the number of requests
    purged per KI; running it again purges nothing new.
    """
    days = retention_days(older_than_days)
    now = now or utcnow()
    finished_at = (
        select(func.max(RequestStatusChange.at))
        .where(RequestStatusChange.request_id == HelpRequest.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.ki_id).where(
            HelpRequest.status.in_(FINISHED),
            HelpRequest.client_data_purged_at.is_(None),
            func.coalesce(finished_at, HelpRequest.updated_at) < now - timedelta(days=days),
        )
    ).all()
    per_ki: dict[int, list[int]] = {}
    for request_id, ki_id in rows:
        per_ki.setdefault(ki_id, []).append(request_id)
    for ki_id, ids in per_ki.items():
        for start in range(0, len(ids), BATCH):
            _purge(ids[start : start + BATCH], now)
        record("requests.client_data_purged", ki_id=ki_id, count=len(ids), older_than_days=days)
    db.session.commit()
    return {ki_id: len(ids) for ki_id, ids in per_ki.items()}


def _purge(ids: list[int], now: datetime) -> None:
    def empty(model, key, **values) -> None:
        db.session.execute(
            update(model).where(key.in_(ids)).values(**values).execution_options(synchronize_session=False)
        )

    empty(
        HelpRequest,
        HelpRequest.id,
        client_ref=None,
        place=None,
        notes=None,
        urgent_reason=None,
        client_data_purged_at=now,
    )
    # Fixed texts ("in die Vermittlung übernommen") go with the typed reasons: the history
    # keeps who moved the request from which status to which, and when.
    empty(RequestStatusChange, RequestStatusChange.request_id, note=None)
    empty(Offer, Offer.request_id, decline_reason=None)
    empty(Assignment, Assignment.request_id, withdraw_reason=None, report_note=None)
    forget_request_mail(ids, now)
    publish(ClientDataPurged(request_ids=tuple(ids)))  # initiatives: the conversation
