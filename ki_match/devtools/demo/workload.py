"""The demo's year of requests: which requests there were, and how each came about.

The story of the year: how many requests ended in each status, the demo
login's own year of work, a request that lost a helper and one with a helper
who did not show up, the unmet demand in the scarce languages. Each request is
drawn until it can be arranged (``demo.demand``: who asks and what;
``demo.scheduling``: when, and who could take it then) and its history told
(``demo.history``). Whoever is offered a request or takes it is someone the
matching engine's hard rules let through at that time (``demo.rules``:
language and level, German for interpreting, town or distance, weekly slot,
absence, the way from another assignment, monthly cap, gender and
qualification).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from ki_match.devtools.demo import content
from ki_match.devtools.demo.demand import Demand, Shape
from ki_match.devtools.demo.history import History, Planned
from ki_match.devtools.demo.people import APPROVED, DEACTIVATED, Cast, DemoHelper
from ki_match.devtools.demo.rows import new_request
from ki_match.devtools.demo.rules import Rules
from ki_match.devtools.demo.scheduling import Scheduler, Slot
from ki_match.helpers.models import Gender
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Level
from ki_match.requests.models import RequestKind, RequestStatus

S = RequestStatus
K = RequestKind


@dataclass
class Wishes:
    """What the year's story asks of one request before it is drawn (None: leave it to chance)."""

    variant: str | None
    forced: DemoHelper | None  # the helper who is to take it
    language: str | None
    client_ref: str | None
    kind: RequestKind | None
    topic: str | None
    helpers_needed: int | None
    organisation: Organisation | None


class Workload:
    """The year's requests, planned in the order the story tells them."""

    def __init__(self, rng: random.Random, now: datetime, today: date, cast: Cast):
        self.rng = rng
        self.cast = cast
        rules = Rules(cast, now)
        self.demand = Demand(rng, today, cast, rules)
        pool = [h for h in cast.helpers if h.state in (APPROVED, DEACTIVATED)]
        self.scheduler = Scheduler(rng, today, pool, rules)
        self.history = History(rng, now, cast, self.scheduler)
        self.planned: list[Planned] = []

    # --- the whole year ----------------------------------------------------------------------

    def build(self) -> list[Planned]:
        self.sprachlotsin_year()
        self.plan(
            S.COMPLETED,
            (-120, -20),
            variant="no_show",
            language="ar",
            kind=K.ONSITE,
            topic="parents",
            helpers_needed=2,
        )
        self.plan(S.FILLED, (4, 20), variant="withdrawn", initiative_chance=0.0)
        quotas = [
            (S.COMPLETED, (-360, -3), None, 55),
            (S.FILLED, (-4, -1), None, 2),
            (S.FILLED, (1, 35), None, 11),
            (S.OFFERED, (2, 28), None, 9),
            (S.OPEN, (3, 40), None, 8),
            # Something for the coordinator's "next 48 hours" panel.
            (S.OFFERED, (1, 2), None, 1),
            (S.OPEN, (1, 2), None, 2),
            (S.DRAFT, (7, 45), None, 5),
            (S.SUBMITTED, (5, 35), None, 6),
            (S.DECLINED, (-200, 25), None, 5),
            (S.CANCELLED, (-300, -2), "before_offer", 3),
            (S.CANCELLED, (-300, -2), "after_offer", 2),
            (S.CANCELLED, (-300, -2), "after_fill", 3),
            (S.CANCELLED, (2, 30), "before_offer", 2),
            (S.CANCELLED, (2, 30), "after_offer", 1),
            (S.CANCELLED, (2, 30), "after_fill", 3),
        ]
        for status, days, variant, count in quotas:
            made = 0
            for _ in range(count * 4):
                if made == count:
                    break
                if self.plan(status, days, variant=variant):
                    made += 1
        # Hours reported last week, waiting for a coordinator to approve them.
        for _ in range(4):
            self.plan(S.COMPLETED, (-12, -3), approve=False)
        made = 0
        for _ in range(48):
            if made == 12:
                break
            if self.unfilled():
                made += 1
        # Ids then grow with time, as they would have in a year of real use.
        return sorted(self.planned, key=lambda plan: plan.request.created_at)

    def unfilled(self) -> Planned | None:
        """Mostly the scarce languages: the unmet demand that tells the KI whom to recruit."""
        scarce = self.rng.random() < 0.75
        language = self.rng.choice(content.SCARCE) if scarce else self.demand.language()
        return self.plan(S.UNFILLED, (-330, -2), language=language)

    def sprachlotsin_year(self) -> None:
        """The demo helper's own history: past work, what is coming, and offers waiting for her."""
        her = self.cast.sprachlotsin
        past = [
            (-330, -250),
            (-240, -180),
            (-170, -120),
            (-110, -80),
            (-75, -45),
            (-40, -20),
            (-18, -10),
            (-9, -5),
        ]
        for index, days in enumerate(past):
            # The family she knows comes back again and again.
            client_ref = "Familie A-17" if index % 3 == 0 else None
            approve = False if index == len(past) - 1 else None
            kind = self.rng.choice((K.ACCOMPANIMENT, K.ONSITE, K.ONSITE, K.REMOTE))
            self.plan(
                S.COMPLETED,
                days,
                forced=her,
                client_ref=client_ref,
                kind=kind,
                approve=approve,
                initiative_chance=0.2,
            )
        self.plan(S.FILLED, (-4, -1), forced=her, kind=K.ONSITE, initiative_chance=0.0)
        self.plan(
            S.FILLED,
            (1, 6),
            forced=her,
            client_ref="Familie A-17",
            kind=K.ACCOMPANIMENT,
            initiative_chance=0.0,
        )
        self.plan(S.FILLED, (7, 14), forced=her, kind=K.ONSITE, initiative_chance=0.5)
        self.plan(S.FILLED, (15, 30), forced=her, kind=K.REMOTE, initiative_chance=0.0)
        self.plan(S.OFFERED, (2, 8), forced=her, kind=K.ONSITE, initiative_chance=0.0)
        self.plan(S.OFFERED, (9, 20), forced=her, kind=K.ACCOMPANIMENT, initiative_chance=0.0)

    # --- one request per outcome ---------------------------------------------------------------

    def plan(
        self,
        status: RequestStatus,
        days: tuple[int, int],
        *,
        variant: str | None = None,
        forced: DemoHelper | None = None,
        language: str | None = None,
        client_ref: str | None = None,
        kind: RequestKind | None = None,
        topic: str | None = None,
        helpers_needed: int | None = None,
        initiative_chance: float = 0.25,
        approve: bool | None = None,
    ) -> Planned | None:
        """One request that ended in ``status``; ``variant`` picks among the ways to get there."""
        coordinator = self.rng.choice(self.cast.coordinators)
        if status in (S.SUBMITTED, S.DECLINED):
            initiative_chance = 1.0
        elif status == S.DRAFT:
            initiative_chance = 0.0
        # The demo helper lives in Brakel: requests for her come from the Asylkreis there, if any.
        asylkreis = self.cast.organisations[0] if forced is not None else None
        organisation, member = self.demand.organisation_and_member(initiative_chance, only=asylkreis)
        wishes = Wishes(variant, forced, language, client_ref, kind, topic, helpers_needed, organisation)
        found = self.arrange(status, days, wishes)
        if found is None:
            return None
        shape, slot, helpers = found
        plan = Planned(new_request(self.rng, self.cast, shape, slot, status, member))
        self.history.tell(plan, status, shape, slot, helpers, coordinator, member, variant, approve)
        self.planned.append(plan)
        return plan

    def arrange(
        self, status: RequestStatus, days: tuple[int, int], wishes: Wishes
    ) -> tuple[Shape, Slot, list[DemoHelper]] | None:
        """What is asked, when, and who takes it (if anyone is to): up to 25 requests are drawn
        until one can be arranged."""
        drawn = wishes.language
        for attempt in range(25):
            if wishes.language is None and (attempt == 0 or attempt >= 12):
                # Demand decides the language; a hard-to-staff language gets a dozen tries
                # before another one is drawn, so the mix stays close to real demand.
                drawn = self.demand.language()
            client = self.demand.choose_client(
                wishes.organisation,
                drawn,
                wishes.client_ref,
                wishes.forced,
                strict_language=bool(wishes.language),
            )
            shape = self.demand.shape(client, wishes.kind, wishes.topic, wishes.organisation)
            if wishes.helpers_needed:
                shape.helpers_needed = wishes.helpers_needed
            if wishes.forced is not None:
                shape.gender = shape.gender if shape.gender in (None, Gender.FEMALE) else None
                shape.min_level = min(shape.min_level, Level.C1)
            if status in (S.FILLED, S.COMPLETED, S.OFFERED) or wishes.variant in (
                "after_fill",
                "after_offer",
            ):
                found = self.staff(status, days, shape, wishes)
                if found is not None:
                    return (shape, *found)
            else:
                slot = self.scheduler.free_slot(days, shape)
                if slot is not None:
                    return shape, slot, []
        return None

    def staff(
        self, status: RequestStatus, days: tuple[int, int], shape: Shape, wishes: Wishes
    ) -> tuple[Slot, list[DemoHelper]] | None:
        """A time and the helpers who take the request then (the first one only, when an offer
        waits; one more, to step in later, when the first one withdraws)."""
        if wishes.variant == "withdrawn":
            shape.helpers_needed, wanted = 1, 2  # the second one steps in later
        elif status == S.OFFERED:
            wanted = 1
        else:
            wanted = shape.helpers_needed
        # The demo login's withdrawals and waiting offers are told by sprachlotsin_year() alone.
        avoid = (self.cast.sprachlotsin,) if wishes.variant == "withdrawn" or status == S.OFFERED else ()
        found = self.scheduler.staffed_slot(days, shape, wanted, wishes.forced, avoid)
        if found is None and shape.helpers_needed > 1 and not wishes.helpers_needed:
            shape.helpers_needed = 1
            found = self.scheduler.staffed_slot(days, shape, 1, wishes.forced)
        return found
