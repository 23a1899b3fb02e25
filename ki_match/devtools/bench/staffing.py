"""Who is offered a bench request and who takes it: the matching engine's verdict, in memory.

At 200,000 requests the bench cannot ask the database who fits (one
``matching.services.match`` per request would take hours). Each helper of the
KI is kept as the engine's ``HelperFacts``, built from the very values written
to their rows, and each request is described as ``RequestFacts``
(``ki_match.devtools.matching``): a few engine calls per request decide.

Only the helper who takes a request shapes it: its day and time are drawn
inside one of their weekly slots that week, as a coordinator would arrange it
with them; whether they fit after all (approved by then, language and level,
German, town, absence, another assignment, monthly cap …) is the engine's to
say.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ki_match.clock import BERLIN
from ki_match.devtools.matching import Diary, Judge, place
from ki_match.helpers.availability import Absence, Slot
from ki_match.matching.engine import Busy, HelperFacts, Kind, RequestFacts

# Helpers the coordinator tries, one after the other, before the request stays without anyone.
TRIES = 4


@dataclass
class Draft:
    """A bench request before it is written: what is asked, where, and when."""

    day: date  # local
    future: bool  # on or after today: it has not taken place yet
    kind: Kind
    language_ids: tuple[int, ...]  # the asked-for language first
    min_level: int
    town_id: int | None
    gender_pref: str | None
    qualified: bool
    created: datetime
    duration: int | None  # minutes; None for a written translation
    starts: datetime | None  # UTC

    @property
    def ends(self) -> datetime | None:
        return self.starts + timedelta(minutes=self.duration) if self.starts is not None else None

    @property
    def anchor(self) -> datetime:
        """The appointment in local time, or noon of the day a translation is due."""
        if self.starts is not None:
            return self.starts.astimezone(BERLIN)
        return datetime.combine(self.day, time(12), BERLIN)


class Staffing:
    """One KI's approved helpers as the engine sees them, with their diaries."""

    def __init__(self, judge: Judge, towns, today: date) -> None:
        self.judge = judge
        self.today = today
        self.places = {town.id: place(town) for town in towns}
        self.facts: dict[int, HelperFacts] = {}
        self.approved_at: dict[int, datetime] = {}
        self.weeks: dict[int, list[tuple[int, int, int]]] = {}
        self.diaries: dict[int, Diary] = {}
        self.speakers: dict[int, list[int]] = defaultdict(list)
        self.approved_by: dict[int, list[datetime]] = {}  # per language, see ready()

    def add(
        self,
        profile: dict,
        languages: dict[int, int],
        german_id: int,
        served: list[int],
        week: list[tuple[int, tuple[int, int]]],
        absences: list[tuple[date, date]],
    ) -> None:
        """A helper in the pool, from the values of their rows (as ``matching.queries`` reads them)."""
        helper_id = profile["id"]
        self.facts[helper_id] = HelperFacts(
            id=helper_id,
            name=str(helper_id),
            consent=profile["consent_given_at"] is not None,
            languages=languages,
            german_level=languages.get(german_id),
            gender=profile["gender"],
            qualified=profile["kind"] == "sprachlotse" and profile["qualification_completed_on"] is not None,
            home=self.places[profile["home_town_id"]],
            served_town_ids=frozenset(served),
            max_travel_km=profile["max_travel_km"],
            remote_ok=profile["remote_ok"],
            slots=tuple(Slot(weekday, _clock(start), _clock(end)) for weekday, (start, end) in week),
            absences=tuple(Absence(first, last) for first, last in absences),
            monthly_cap=profile["monthly_cap"],
        )
        self.approved_at[helper_id] = profile["approved_at"]
        self.weeks[helper_id] = [(weekday, start, end) for weekday, (start, end) in week]
        self.diaries[helper_id] = Diary()
        for language_id in languages:
            self.speakers[language_id].append(helper_id)

    def ready(self) -> None:
        """Every helper added: each language's speakers in the order they were approved."""
        for speakers in self.speakers.values():
            speakers.sort(key=self.approved_at.__getitem__)
        self.approved_by = {
            language_id: [self.approved_at[helper_id] for helper_id in speakers]
            for language_id, speakers in self.speakers.items()
        }

    # --- facts ---------------------------------------------------------------------------------

    def request(self, draft: Draft) -> RequestFacts:
        return RequestFacts(
            id=None,
            kind=draft.kind,
            language_ids=draft.language_ids,
            min_level=draft.min_level,
            starts_at=draft.starts,
            ends_at=draft.ends,
            due_on=draft.day if draft.kind == Kind.WRITTEN else None,
            place=self.places.get(draft.town_id),
            gender_pref=draft.gender_pref,
            qualified_required=draft.qualified,
            topic_id=None,
            client_ref=None,
        )

    def helper(self, helper_id: int, draft: Draft) -> HelperFacts:
        """The helper when the request was made. The same object each time, brought up to date:
        a copy per question would cost more than the question."""
        facts, diary = self.facts[helper_id], self.diaries[helper_id]
        facts.approved = self.approved_at[helper_id] <= draft.created
        facts.busy = diary.busy_around(draft.day) if draft.starts is not None else ()
        facts.assignments_in_month = diary.in_month(draft.day)
        return facts

    # --- the engine's verdict ------------------------------------------------------------------

    def considered(self, draft: Draft) -> list[int]:
        """Whom matching considers at all, as its queries pre-filter: the helpers who may receive
        offers (here: approved by the time the request was made) and speak one of its languages
        at any level. The engine then decides."""
        found = []
        for language_id in draft.language_ids:
            speakers = self.speakers.get(language_id, [])
            found += speakers[: bisect_right(self.approved_by.get(language_id, []), draft.created)]
        return found if len(draft.language_ids) == 1 else list(dict.fromkeys(found))

    def take(self, draft: Draft, pool: list[int], rng: random.Random) -> int | None:
        """Someone who fits and takes the request, its day and time arranged with them; None if
        everyone tried fails a rule. Their diary gets the assignment."""
        drawn = draft.day, draft.starts
        days = self.days_to_arrange(draft) if draft.starts is not None else ()
        for _ in range(min(TRIES, len(pool))):
            helper_id = rng.choice(pool)
            if days:
                draft.day, draft.starts = self.arrange(helper_id, draft.duration, days, rng) or drawn
            if self.judge.fits(self.request(draft), self.helper(helper_id, draft)):
                place = self.places.get(draft.town_id)
                busy = Busy(draft.starts, draft.ends, place) if draft.starts is not None else None
                self.diaries[helper_id].book(draft.day, busy)
                return helper_id
        draft.day, draft.starts = drawn
        return None

    def ask(
        self, draft: Draft, pool: list[int], count: int, rng: random.Random, taken: int | None, waiting: bool
    ) -> list[int]:
        """Up to ``count`` more helpers asked besides ``taken``. Whoever is still ``waiting`` to
        answer is a candidate or a near miss (one failed rule), the two lists the request page
        offers; offers that ended without a yes (declined, expired, withdrawn) went to anyone
        matching considers: the app lets a coordinator ask them, and the bench cannot afford the
        engine's verdict on every one of 200,000 requests' offers."""
        if count <= 0:
            return []
        others = [
            helper_id for helper_id in rng.sample(pool, min(len(pool), count + 1)) if helper_id != taken
        ]
        if not waiting:
            return others[:count]
        request = self.request(draft)
        return [h for h in others if self.judge.may_be_asked(request, self.helper(h, draft))][:count]

    def days_to_arrange(self, draft: Draft) -> list[date | None]:
        """Monday to Friday of the request's week, each day None where the appointment may not
        move: to the other side of today, or to less than a day after the request was made."""
        monday = draft.day - timedelta(days=draft.day.weekday())
        earliest = draft.created.astimezone(BERLIN).date() + timedelta(days=1)
        days = [monday + timedelta(days=weekday) for weekday in range(5)]
        return [day if day >= earliest and (day >= self.today) == draft.future else None for day in days]

    def arrange(
        self, helper_id: int, minutes: int, days: list[date | None], rng: random.Random
    ) -> tuple[date, datetime] | None:
        """One of ``days`` and a start on the quarter hour inside one of the helper's slots that
        day, long enough for ``minutes``; None if the helper's week has no such slot."""
        options = [
            (days[weekday], start, end)
            for weekday, start, end in self.weeks[helper_id]
            if weekday < 5 and days[weekday] is not None and end - start >= minutes
        ]
        if not options:
            return None
        day, start, end = rng.choice(options)
        begin = rng.randrange(start, end - minutes + 1, 15)
        return day, datetime.combine(day, _clock(begin), BERLIN).astimezone(UTC)


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
