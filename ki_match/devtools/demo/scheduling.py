"""When a demo request takes place, and which helpers could take it then.

A slot is a day and a start inside office hours (or a due date for a
translation). The helpers who could take it are those the matching engine's
hard rules let through at that time (``demo.rules``); whoever takes a request,
or is offered it, has its time written into their diary, so the next request
finds them busy. Among several who could, those with fewer assignments so far
are likelier to get it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ki_match.clock import local_to_utc
from ki_match.devtools.demo.clock import clock_at, is_office_day
from ki_match.devtools.demo.demand import Shape
from ki_match.devtools.demo.people import DemoHelper
from ki_match.devtools.demo.rules import Rules
from ki_match.matching.engine import Busy
from ki_match.requests.models import RequestKind

K = RequestKind


@dataclass
class Slot:
    """When a request takes place: a start and end, or a due date for a translation."""

    day: date
    starts: datetime | None = None
    ends: datetime | None = None

    @property
    def anchor(self) -> datetime:
        return self.starts or local_to_utc(self.day, time(12, 0))


class Scheduler:
    """Days and times for requests, and the helpers free to take them."""

    def __init__(self, rng: random.Random, today: date, pool: list[DemoHelper], rules: Rules):
        self.rng = rng
        self.today = today
        self.pool = pool
        self.rules = rules

    # --- matching rules: the engine's ----------------------------------------------------------

    def eligible(self, shape: Shape, slot: Slot, exclude: tuple[DemoHelper, ...] = ()) -> list[DemoHelper]:
        """The pool's helpers whom only their diary keeps from this request, if anything."""
        pool = [h for h in self.pool if h not in exclude]
        return self.rules.who_fits(pool, shape, slot, another_time=True)

    def candidates(self, shape: Shape, slot: Slot, exclude: tuple[DemoHelper, ...] = ()) -> list[DemoHelper]:
        """The pool's helpers the request page would list, in random order."""
        found = self.rules.who_fits([h for h in self.pool if h not in exclude], shape, slot)
        self.rng.shuffle(found)
        return found

    def reserve(self, helper: DemoHelper, shape: Shape, slot: Slot, holding: bool = True) -> None:
        """Into the helper's diary: an assignment, or (not ``holding``) a pending offer whose time
        is kept free so that saying yes stays possible."""
        busy = None
        if slot.starts is not None:
            busy = Busy(slot.starts, slot.ends, self.rules.places[shape.client.town])
        helper.diary.book(slot.day, busy, holding)

    def release(self, helper: DemoHelper, slot: Slot) -> None:
        """A cancelled or withdrawn assignment no longer blocks the helper's time."""
        helper.diary.cancel(slot.day, slot.starts, slot.ends)

    # --- scheduling --------------------------------------------------------------------------

    def random_day(self, days: tuple[int, int], shape: Shape) -> date | None:
        saturday = shape.kind == K.REMOTE or shape.topic == "everyday"
        for _ in range(30):
            day = self.today + timedelta(days=self.rng.randint(*days))
            if is_office_day(day, saturday_ok=saturday):
                return day
        return None

    def office_hours(self, shape: Shape) -> tuple[int, int]:
        if shape.kind == K.REMOTE:
            return 8 * 60, 20 * 60
        if shape.topic == "parents":
            return 8 * 60, 19 * 60 + 30
        return 8 * 60, 18 * 60

    def slot_in(self, helper: DemoHelper, day: date, shape: Shape) -> Slot | None:
        """A start inside one of the helper's weekly windows on ``day``, on the half hour."""
        opens, closes = self.office_hours(shape)
        windows = [(s, e) for weekday, s, e in helper.slots if weekday == day.weekday()]
        self.rng.shuffle(windows)
        for start, end in windows:
            first, last = max(start, opens), min(end, closes) - shape.duration
            first = -(-first // 30) * 30
            if last < first:
                continue
            begin = self.rng.randrange(first, last + 1, 30)
            starts = local_to_utc(day, clock_at(begin))
            return Slot(day, starts, starts + timedelta(minutes=shape.duration))
        return None

    def free_slot(self, days: tuple[int, int], shape: Shape) -> Slot | None:
        """A plausible appointment time, regardless of who could take it."""
        day = self.random_day(days, shape)
        if day is None:
            return None
        if shape.kind == K.WRITTEN:
            return Slot(day)
        if shape.topic == "parents":
            earliest, latest = 14 * 60, 18 * 60  # after lessons
        elif shape.kind == K.REMOTE:
            earliest, latest = 8 * 60, 18 * 60
        else:
            earliest, latest = 8 * 60, 15 * 60 + 30  # offices and practices
        begin = self.rng.randrange(earliest, latest + 1, 30)
        starts = local_to_utc(day, clock_at(begin))
        return Slot(day, starts, starts + timedelta(minutes=shape.duration))

    def staffed_slot(
        self,
        days: tuple[int, int],
        shape: Shape,
        helpers_wanted: int,
        forced: DemoHelper | None = None,
        avoid: tuple[DemoHelper, ...] = (),
    ) -> tuple[Slot, list[DemoHelper]] | None:
        """A time at which ``helpers_wanted`` helpers could all take the request.

        Among the helpers free that day, those with fewer assignments so far are
        likelier to get it, as the fairness part of the matching score would have it.
        """
        for _ in range(40):
            day = self.random_day(days, shape)
            if day is None:
                continue
            probe = Slot(day)
            pool = [forced] if forced else self.eligible(shape, probe, exclude=avoid)
            if not pool:
                return None
            options = []
            for helper in pool:
                slot = Slot(day) if shape.kind == K.WRITTEN else self.slot_in(helper, day, shape)
                if slot is not None and self.rules.fits(helper, shape, slot):
                    options.append((helper, slot))
            if not options:
                continue
            weights = [1 / (1 + helper.diary.total) for helper, _slot in options]
            first, slot = self.rng.choices(options, weights=weights)[0]
            others = self.candidates(shape, slot, exclude=(first, *avoid))
            if len(others) + 1 >= helpers_wanted:
                return slot, [first, *others[: helpers_wanted - 1]]
        return None
