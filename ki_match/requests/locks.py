"""Whoever changes seats or offers of a request first takes its lock, so two people acting at once
are served one after the other (``requests.lifecycle``, ``offers``, ``assignments``)."""

from __future__ import annotations

from sqlalchemy import select, update

from ki_match.extensions import db
from ki_match.requests.models import HelpRequest


def lock_request(request_id: int) -> HelpRequest | None:
    """Start a fresh transaction that holds the write lock on this request."""
    return lock_row(HelpRequest, request_id)


def lock_row(model, row_id: int):
    """Start a fresh transaction that holds the write lock on this row of ``model`` (None: no such row).

    PostgreSQL locks the row; SQLite, which has one writer at a time, takes its
    write lock with a no-op update before reading anything.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(id=model.id)
            .execution_options(synchronize_session=False)
        )
        found = select(model).where(model.id == row_id)
    else:
        found = select(model).where(model.id == row_id).with_for_update()
    return db.session.scalar(found.execution_options(populate_existing=True))


def lock_requests_in_transaction(request_ids: list[int]) -> None:
    """Lock several requests inside the caller's transaction (it does not commit), in id order,
    so two such changes cannot deadlock each other."""
    if not request_ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(request_ids))
            .values(id=HelpRequest.id)
            .execution_options(synchronize_session=False)
        )
    else:
        db.session.execute(
            select(HelpRequest.id)
            .where(HelpRequest.id.in_(request_ids))
            .order_by(HelpRequest.id)
            .with_for_update()
        )
