"""Status rules of requests: every transition is explicit, checked and recorded."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.requests.models import HelpRequest, RequestStatus, RequestStatusChange

S = RequestStatus

TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.OPEN, S.DRAFT, S.DECLINED, S.CANCELLED}),
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.OFFERED, S.FILLED, S.CANCELLED, S.UNFILLED}),
    S.OFFERED: frozenset({S.OPEN, S.FILLED, S.CANCELLED, S.UNFILLED}),
    S.FILLED: frozenset({S.OPEN, S.OFFERED, S.COMPLETED, S.CANCELLED}),
    S.UNFILLED: frozenset({S.OPEN, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.DECLINED: frozenset(),
}

# Requests in these states can still take helpers.
ACCEPTING = frozenset({S.OPEN, S.OFFERED})


class TransitionError(Exception):
    pass


def can_transition(current: RequestStatus, target: RequestStatus) -> bool:
    return target in TRANSITIONS[current]


def transition(request: HelpRequest, target: RequestStatus, actor=None, note: str | None = None) -> None:
    """Move ``request`` to ``target`` and record who did it; refuses a transition the rules do not allow."""
    if request.status == target:
        return
    if not can_transition(request.status, target):
        raise TransitionError(
            _l(
                "Eine Anfrage mit Status „%(current)s“ kann nicht auf „%(target)s“ gesetzt werden.",
                current=request.status.value,
                target=target.value,
            )
        )
    db.session.add(
        RequestStatusChange(
            request_id=request.id,
            from_status=request.status,
            to_status=target,
            actor_id=getattr(actor, "id", None),
            note=note,
        )
    )
    record(
        "request.status",
        actor=actor,
        subject=request,
        from_status=request.status.value,
        to_status=target.value,
    )
    request.status = target


def lock_request(request_id: int) -> HelpRequest | None:
    """Start a fresh transaction that holds the write lock on this request.

    Whoever changes seats or offers of a request goes through here, so two
    coordinators (or two helpers) acting at once are served one after the
    other. PostgreSQL locks the row; SQLite, which has one writer at a time,
    takes its write lock with a no-op update before reading anything.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request_id)
            .values(id=HelpRequest.id)
            .execution_options(synchronize_session=False)
        )
        return db.session.scalar(
            select(HelpRequest).where(HelpRequest.id == request_id).execution_options(populate_existing=True)
        )
    return db.session.scalar(
        select(HelpRequest)
        .where(HelpRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
