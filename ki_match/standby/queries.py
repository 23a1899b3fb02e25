"""Every SELECT about standby days: a helper's own, and who is on standby on a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ki_match.extensions import db
from ki_match.standby.models import StandbyDay


def days_of(helper_id: int, since: date) -> list[StandbyDay]:
    """The helper's standby days from ``since`` on, soonest first."""
    return db.session.scalars(
        select(StandbyDay)
        .where(StandbyDay.helper_id == helper_id, StandbyDay.day >= since)
        .order_by(StandbyDay.day)
    ).all()


def own_day(helper_id: int, standby_id: int) -> StandbyDay | None:
    """The helper's own standby day of that id; None for anyone else's."""
    return db.session.scalar(
        select(StandbyDay).where(StandbyDay.id == standby_id, StandbyDay.helper_id == helper_id)
    )


def on_standby(day: date | None) -> set[int]:
    """The ids of the helpers on standby on ``day`` (a handful: read by the day's index alone)."""
    if day is None:
        return set()
    return set(db.session.scalars(select(StandbyDay.helper_id).where(StandbyDay.day == day)))
