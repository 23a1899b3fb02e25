"""Retention: once a request has long been over, what identifies its client is forgotten everywhere.

A request's client reference and exact place are not only in its own columns:
people type them into its notes, an urgent reason, the conversation with the
organisation, a reason for calling it off or declining, an hours report; and the
mails about the request repeat them. The purge empties all of these for requests
finished their KI's retention period ago (``orgs.settings``: the KI's own, else
``RETENTION_DAYS``; README.md, "Privacy and retention", lists
them). What remains — language, town, kind, times, helpers, hours, kilometres,
statuses and who changed them when — still counts in reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ki_match.audit.services import NOBODY, purge_events, record
from ki_match.clock import local_midnight, local_today, utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.orgs.settings import settings_for
from ki_match.outbox.retention import forget_request_mail
from ki_match.requests.events import ClientDataPurged
from ki_match.requests.models import (
    Assignment,
    HelpRequest,
    Offer,
    RequestStatus,
    RequestStatusChange,
    TravelTicket,
)

S = RequestStatus

# Requests in these states are over; after the retention period their client reference and
# exact address go, and what remains (language, town, times, helpers) still counts in reports.
FINISHED = frozenset({S.COMPLETED, S.CANCELLED, S.UNFILLED, S.DECLINED})
DEFAULT_RETENTION_DAYS = 90
BATCH = 500


def retention_days(older_than_days: int | None = None) -> int:
    """The installation's retention period, for what belongs to no one KI (network addresses,
    ended logins): the one given (``purge --older-than-days``), else RETENTION_DAYS."""
    if older_than_days is not None:
        return older_than_days
    return int(current_app.config.get("RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_client_data(older_than_days: int | None = None, now: datetime | None = None) -> dict[int, int]:
    """Forget the client and everything typed about requests finished long enough ago.

    Each KI keeps them for its own retention period (``older_than_days``, from ``purge
    --older-than-days``, overrides every KI's). "Finished" counts from the request's last
    status change (when it became completed, cancelled, unfilled or declined). Returns the
    number of requests purged per KI; running it again purges nothing new.
    """
    now = now or utcnow()
    purged = {}
    for ki in db.session.scalars(select(Ki).order_by(Ki.id)):
        days = older_than_days if older_than_days is not None else settings_for(ki).retention_days
        ids = _finished_before(ki, now - timedelta(days=days))
        for start in range(0, len(ids), BATCH):
            _purge(ids[start : start + BATCH], now)
        if ids:
            record("requests.client_data_purged", ki_id=ki.id, count=len(ids), older_than_days=days)
            purged[ki.id] = len(ids)
    db.session.commit()
    return purged


def _finished_before(ki: Ki, before: datetime) -> list[int]:
    finished_at = (
        select(func.max(RequestStatusChange.at))
        .where(RequestStatusChange.request_id == HelpRequest.id, RequestStatusChange.changes_status)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(HelpRequest.id).where(
                HelpRequest.ki_id == ki.id,
                HelpRequest.status.in_(FINISHED),
                HelpRequest.client_data_purged_at.is_(None),
                func.coalesce(finished_at, HelpRequest.updated_at) < before,
            )
        )
    )


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
    db.session.execute(
        update(TravelTicket)
        .where(TravelTicket.assignment_id.in_(select(Assignment.id).where(Assignment.request_id.in_(ids))))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    forget_request_mail(ids, now)
    publish(ClientDataPurged(request_ids=tuple(ids)))  # initiatives: the conversation


def audit_cutoff(days: int, now: datetime) -> datetime:
    """The start of the oldest Europe/Berlin day an audit log of ``days`` days' retention keeps."""
    return local_midnight(local_today(now) - timedelta(days=days))


def purge_audit_events(older_than_days: int | None = None, now: datetime | None = None) -> int:
    """Delete audit events from before each KI's retention period (whole Europe/Berlin days:
    today and the ``retention_days`` days before it are kept). Events of no KI (the operator's,
    logins to unknown addresses) stay: they lose only their network addresses
    (``audit.services.forget_addresses``). Returns how many went; each KI that lost some records it."""
    now = now or utcnow()
    total = 0
    for ki in db.session.scalars(select(Ki).order_by(Ki.id)):
        days = older_than_days if older_than_days is not None else settings_for(ki).retention_days
        count = purge_events(audit_cutoff(days, now), ki.id)
        if count:
            record("audit.purged", ki_id=ki.id, actor=NOBODY, count=count, older_than_days=days)
            total += count
    db.session.commit()
    return total
