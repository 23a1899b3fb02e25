"""The rules of the standby list ("auf Abruf"): a helper names the days on which she can step in
at short notice, from today up to ``WEEKS_AHEAD`` weeks ahead, and takes them back.

The request page marks the candidates on standby for the request's day and lists them first among
equals (``matching``); after a late cancellation the automatic follow-up asks them first
(``offers.late_refill``). A standby day is no promise and no slot: the usual rules of matching
(languages, time, place) still decide whether she fits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import local_date, local_today
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.standby.models import StandbyDay

WEEKS_AHEAD = 8


class StandbyError(ValueError):
    """The day cannot be added; the message says why, in plain words."""


def day_range(today: date | None = None) -> tuple[date, date]:
    """The first and the last day a helper may name: today up to ``WEEKS_AHEAD`` weeks ahead."""
    today = today or local_today()
    return today, today + timedelta(weeks=WEEKS_AHEAD)


def refusal(profile: HelperProfile, day: date, today: date | None = None) -> str | None:
    """Why ``day`` cannot be added to the helper's standby days; None when it can."""
    first, last = day_range(today)
    if day < first:
        return str(_l("Dieser Tag ist schon vorbei."))
    if day > last:
        return str(
            _l(
                "Bitte einen Tag bis %(last)s wählen (höchstens 8 Wochen im Voraus).",
                last=dates.show(last, "day_medium"),
            )
        )
    taken = db.session.scalar(
        select(StandbyDay.id).where(StandbyDay.helper_id == profile.id, StandbyDay.day == day)
    )
    if taken is not None:
        return str(_l("An diesem Tag sind Sie schon auf Abruf."))
    return None


def add_day(profile: HelperProfile, day: date, actor: User) -> StandbyDay:
    """She is on standby on ``day``; the caller commits (a double click meets the unique pair)."""
    reason = refusal(profile, day)
    if reason is not None:
        raise StandbyError(reason)
    standby = StandbyDay(helper_id=profile.id, day=day)
    db.session.add(standby)
    db.session.flush()
    record("standby.added", actor=actor, subject=profile, day=day.isoformat())
    return standby


def remove_day(profile: HelperProfile, standby: StandbyDay, actor: User) -> None:
    """She is no longer on standby that day (the caller found it among hers and commits)."""
    db.session.execute(
        delete(StandbyDay).where(StandbyDay.id == standby.id, StandbyDay.helper_id == profile.id)
    )
    record("standby.removed", actor=actor, subject=profile, day=standby.day.isoformat())


def request_day(starts_at: datetime | None, due_on: date | None) -> date | None:
    """The (Berlin) day a request needs someone: its appointment's day, or a translation's due day."""
    return local_date(starts_at) if starts_at is not None else due_on
