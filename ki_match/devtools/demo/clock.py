"""Dates and times for the demo: local office days, UTC storage, distances."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from functools import cache

from ki_match.initiatives.workdays import nrw_holidays
from ki_match.matching.engine import ROAD_FACTOR
from ki_match.reference.data import KREIS_HOEXTER
from ki_match.reference.geo import great_circle_km

_COORDINATES = {name: (lat, lon) for name, lat, lon in KREIS_HOEXTER["towns"]}


def minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def clock_at(total_minutes: int) -> time:
    return time(total_minutes // 60, total_minutes % 60)


@cache
def closed_days(year: int) -> frozenset[date]:
    """Public holidays in NRW, plus Christmas Eve and New Year's Eve when offices close."""
    return nrw_holidays(year) | {date(year, 12, 24), date(year, 12, 31)}


def is_office_day(day: date, saturday_ok: bool = False) -> bool:
    if day in closed_days(day.year):
        return False
    return day.weekday() < (6 if saturday_ok else 5)


def road_km(town_a: str, town_b: str) -> int:
    """Approximate driving distance between two towns of the Kreis: country roads wind, by the
    matching engine's factor. What a helper reports driving and which towns they offer to serve;
    whether they reach a request is the engine's to say."""
    if town_a == town_b:
        return 0
    (lat1, lon1), (lat2, lon2) = _COORDINATES[town_a], _COORDINATES[town_b]
    return round(great_circle_km(lat1, lon1, lat2, lon2) * ROAD_FACTOR)


class Timeline:
    """Increasing instants between a start and a limit, for the history of one request.

    Each step asks for a realistic gap; when the gap would run past the limit,
    the step takes half of what is left instead, so the order always holds.
    """

    def __init__(self, start: datetime, limit: datetime, rng: random.Random):
        self.current = start
        self.limit = limit
        self.rng = rng

    def after(self, low_minutes: float, high_minutes: float) -> datetime:
        wanted = self.current + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))
        if wanted >= self.limit:
            wanted = self.current + (self.limit - self.current) / 2
        self.current = wanted.replace(microsecond=0)
        return self.current

    def jump_to(self, instant: datetime) -> datetime:
        """Move forward to ``instant`` if it lies ahead and before the limit."""
        if self.current < instant < self.limit:
            self.current = instant
        return self.current
