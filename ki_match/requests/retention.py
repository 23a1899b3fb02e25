"""Retention: client references and exact places are forgotten once a request has long been over."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange

S = RequestStatus

# Requests in these states are over; after the retention period their client reference and
# exact address go, and what remains (language, town, times, helpers) still counts in reports.
FINISHED = frozenset({S.COMPLETED, S.CANCELLED, S.UNFILLED, S.DECLINED})
DEFAULT_RETENTION_DAYS = 90


def purge_client_data(older_than_days: int | None = None, now: datetime | None = None) -> dict[int, int]:
    """Forget the client reference and the exact place of requests finished long enough ago.

    "Finished" counts from the request's last status change (when it became
    completed, cancelled, unfilled or declined). Returns the number of requests
    purged per KI; running it again purges nothing new.
    """
    days = older_than_days
    if days is None:
        days = int(current_app.config.get("RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    cutoff = (now or utcnow()) - timedelta(days=days)
    finished_at = (
        select(func.max(RequestStatusChange.at))
        .where(RequestStatusChange.request_id == HelpRequest.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.ki_id).where(
            HelpRequest.status.in_(FINISHED),
            or_(HelpRequest.client_ref.is_not(None), HelpRequest.place.is_not(None)),
            func.coalesce(finished_at, HelpRequest.updated_at) < cutoff,
        )
    ).all()
    per_ki: dict[int, list[int]] = {}
    for request_id, ki_id in rows:
        per_ki.setdefault(ki_id, []).append(request_id)
    for ki_id, ids in per_ki.items():
        for start in range(0, len(ids), 500):
            db.session.execute(
                update(HelpRequest)
                .where(HelpRequest.id.in_(ids[start : start + 500]))
                .values(client_ref=None, place=None)
                .execution_options(synchronize_session=False)
            )
        record("requests.client_data_purged", ki_id=ki_id, count=len(ids), older_than_days=days)
    db.session.commit()
    return {ki_id: len(ids) for ki_id, ids in per_ki.items()}
