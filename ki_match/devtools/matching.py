"""The matching engine's verdict on helpers and requests that exist only in memory.

The demo and the bench plan a year of offers and assignments before a row is
written, so ``matching.services.match`` (which reads the database) cannot tell
them who fits a request. They describe each request and helper as the engine's
own facts (``RequestFacts``, ``HelperFacts``) and ask
``engine.hard_rule_failures`` — the rules the request page applies, never a
copy of them. What a builder tracks itself is only what the database would hold
at that time: each helper's appointments and assignments per month, in a
:class:`Diary`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ki_match.matching.engine import Busy, HelperFacts, Place, RequestFacts, Words, hard_rule_failures

# The engine's rules about the helper's time: weekly plan, absence, another assignment,
# monthly cap. A helper who fails only these would fit the request at another time.
DIARY_RULES = frozenset({"slot", "absent", "busy", "cap"})
ONE_DAY = timedelta(days=1)


def place(town) -> Place:
    """A town (a ``Town`` row or anything with its id, name and coordinates) as the engine's place."""
    return Place(town.id, town.name, town.lat, town.lon)


@dataclass(eq=False)
class Diary:
    """One helper's appointments and holding assignments as the builder plans them: the facts
    ``HelperFacts.busy`` and ``HelperFacts.assignments_in_month`` at the time of a request."""

    by_day: dict[date, list[Busy]] = field(default_factory=lambda: defaultdict(list))
    per_month: Counter = field(default_factory=Counter)

    def book(self, day: date, busy: Busy | None, holding: bool = True) -> None:
        """An appointment on ``day`` (``busy`` is None for a written translation); ``holding``
        counts it towards the month (a pending offer only keeps the time free)."""
        if busy is not None:
            self.by_day[day].append(busy)
        if holding:
            self.per_month[(day.year, day.month)] += 1

    def cancel(self, day: date, starts: datetime | None, ends: datetime | None) -> None:
        """A holding assignment that ended early (cancelled, withdrawn) frees its time and month."""
        if starts is not None:
            entries = self.by_day[day]
            entries.remove(next(b for b in entries if b.starts_at == starts and b.ends_at == ends))
        self.per_month[(day.year, day.month)] -= 1

    def busy_around(self, day: date) -> tuple[Busy, ...]:
        """Appointments on this local day and the days either side: the database reads half a
        day around the request, and no way between two towns takes longer."""
        by_day = self.by_day
        return (*by_day.get(day - ONE_DAY, ()), *by_day.get(day, ()), *by_day.get(day + ONE_DAY, ()))

    def in_month(self, day: date) -> int:
        return self.per_month[(day.year, day.month)]

    @property
    def total(self) -> int:
        return sum(self.per_month.values())


class Judge:
    """Asks the engine. One per build: the reasons' wording is looked up once (needs an app context)."""

    def __init__(self) -> None:
        self.words = Words()

    def failures(self, request: RequestFacts, helper: HelperFacts) -> frozenset[str]:
        """The names of the hard rules this helper fails for this request (empty: a candidate)."""
        return frozenset(failure.rule for failure in hard_rule_failures(request, helper, str, self.words))

    def fits(self, request: RequestFacts, helper: HelperFacts) -> bool:
        """A candidate: the request page would list this helper."""
        return not self.failures(request, helper)

    def fits_another_time(self, request: RequestFacts, helper: HelperFacts) -> bool:
        """Only the helper's time stands in the way, if anything."""
        return self.failures(request, helper) <= DIARY_RULES

    def may_be_asked(self, request: RequestFacts, helper: HelperFacts) -> bool:
        """A candidate or a near miss (one failed rule): the two lists a coordinator asks from."""
        return len(self.failures(request, helper)) <= 1
