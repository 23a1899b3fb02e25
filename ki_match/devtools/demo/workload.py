"""Demo requests with their offers, assignments and status history.

Every request is planned the way the real flow would have produced it:
whoever is offered a request or takes it is someone the matching engine's
hard rules let through at that time (``demo.rules``: language and level,
German for interpreting, town or distance, weekly slot, absence, the way from
another assignment, monthly cap, gender and qualification), and the history
is a chain of explicit transitions in time order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ki_match.accounts.models import User
from ki_match.clock import local_to_utc
from ki_match.devtools.demo import content
from ki_match.devtools.demo.clock import Timeline, clock_at, is_office_day, road_km
from ki_match.devtools.demo.people import APPROVED, DEACTIVATED, Cast, DemoHelper
from ki_match.devtools.demo.rules import Rules
from ki_match.helpers.models import Gender
from ki_match.matching.engine import Busy
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Level
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)

S = RequestStatus
K = RequestKind
IN_PERSON = (K.ACCOMPANIMENT, K.ONSITE)

KIND_WEIGHTS = {K.ACCOMPANIMENT: 32, K.ONSITE: 30, K.REMOTE: 22, K.WRITTEN: 16}
TOPICS_BY_KIND = {
    K.ACCOMPANIMENT: {"authorities": 6, "health": 6, "work": 4, "housing": 3, "everyday": 2, "school": 2},
    K.ONSITE: {"parents": 6, "school": 3, "health": 4, "authorities": 3, "work": 2, "housing": 1},
    K.REMOTE: {
        "health": 5,
        "authorities": 4,
        "school": 2,
        "parents": 2,
        "work": 3,
        "housing": 2,
        "everyday": 1,
    },
    K.WRITTEN: {"translation": 7, "school": 2, "authorities": 2},
}
# What each organisation typically asks for, and where its people live.
ORGANISATION_TOPICS = {
    "initiative": ("authorities", "work", "housing", "health", "everyday"),
    "migrant_organisation": ("authorities", "everyday", "translation", "health"),
    "school": ("parents", "school", "translation"),
    "partner_service": ("parents", "health", "school"),
}


@dataclass
class Client:
    """A family or person the KI works with, known only by a pseudonym or case number."""

    ref: str
    language: str
    town: str
    prefers_women: bool = False


@dataclass
class Planned:
    request: HelpRequest
    events: list[tuple[RequestStatus | None, RequestStatus, User | None, datetime, str | None]] = field(
        default_factory=list
    )
    # (assignment fields, the accepted offer it came from)
    assignments: list[tuple[dict, Offer]] = field(default_factory=list)
    offered: list[DemoHelper] = field(default_factory=list)  # one offer per helper and request


@dataclass
class Shape:
    """What is asked for, before it is scheduled."""

    client: Client
    kind: RequestKind
    topic: str
    duration: int | None
    min_level: int
    alternatives: tuple[str, ...]
    gender: Gender | None
    qualified: bool
    helpers_needed: int
    fill_mode: FillMode
    organisation: Organisation | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.client.language, *self.alternatives)


@dataclass
class Slot:
    """When a request takes place: a start and end, or a due date for a translation."""

    day: date
    starts: datetime | None = None
    ends: datetime | None = None

    @property
    def anchor(self) -> datetime:
        return self.starts or local_to_utc(self.day, time(12, 0))


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
    def __init__(self, rng: random.Random, now: datetime, today: date, cast: Cast):
        self.rng = rng
        self.now = now
        self.today = today
        self.cast = cast
        self.pool = [h for h in cast.helpers if h.state in (APPROVED, DEACTIVATED)]
        self.rules = Rules(cast, now)
        self.clients = self.make_clients()
        self.planned: list[Planned] = []

    # --- clients ---------------------------------------------------------------------------

    def make_clients(self, count: int = 80) -> list[Client]:
        # Case numbers carry the year the case was opened: last year's, so never after a request.
        rng, year = self.rng, self.today.year - 1
        # A family the Sprachlotsin of the demo login has helped before: continuity shows in matching.
        clients = [Client("Familie A-17", "ar", "Brakel")]
        refs = {"Familie A-17"}
        languages, weights = list(content.LANGUAGE_DEMAND), list(content.LANGUAGE_DEMAND.values())
        towns, town_weights = list(content.TOWN_WEIGHTS), list(content.TOWN_WEIGHTS.values())
        while len(clients) < count:
            form = rng.random()
            if form < 0.6:
                ref = f"Familie {rng.choice('ABCDEFGHKLMNPRSTWZ')}-{rng.randint(1, 60):02d}"
            elif form < 0.85:
                ref = f"AZ {year}-{rng.randint(1, 1200):04d}"
            else:
                ref = f"KIM-{year}-{rng.randint(1, 300):03d}"
            if ref in refs:
                continue
            refs.add(ref)
            clients.append(
                Client(
                    ref,
                    rng.choices(languages, weights=weights)[0],
                    rng.choices(towns, weights=town_weights)[0],
                    prefers_women=rng.random() < 0.15,
                )
            )
        # Make sure the scarce languages have clients, so unmet demand shows up in reports.
        for code in content.SCARCE:
            if not any(c.language == code for c in clients):
                clients[-1 - content.SCARCE.index(code)].language = code
        return clients

    # --- what is asked -------------------------------------------------------------------------

    def shape(
        self,
        client: Client,
        kind: RequestKind | None = None,
        topic: str | None = None,
        organisation: Organisation | None = None,
    ) -> Shape:
        rng = self.rng
        if kind is None:
            kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        if topic is None:
            topics = TOPICS_BY_KIND[kind]
            if organisation is not None:
                preferred = ORGANISATION_TOPICS[organisation.kind.value]
                topics = {t: w for t, w in topics.items() if t in preferred} or topics
            topic = rng.choices(list(topics), weights=list(topics.values()))[0]
        if kind == K.WRITTEN:
            duration = None
            min_level = rng.choices((Level.C1, Level.C2), weights=(7, 3))[0]
        else:
            if kind == K.ACCOMPANIMENT:
                duration = rng.choice((90, 120, 120, 150, 180))
            elif kind == K.REMOTE:
                duration = rng.choice((30, 30, 45, 60))
            elif topic == "parents":
                duration = rng.choice((45, 60, 60))
            else:
                duration = rng.choice((60, 90, 120))
            min_level = rng.choices((Level.B1, Level.B2, Level.C1), weights=(2, 6, 2))[0]
        alternatives = ()
        if client.language in content.ALTERNATIVES and rng.random() < 0.5:
            alternatives = content.ALTERNATIVES[client.language]
        gender = None
        if topic == "health" and (client.prefers_women or rng.random() < 0.2):
            gender = Gender.FEMALE
        elif rng.random() < 0.05:
            gender = rng.choice((Gender.FEMALE, Gender.MALE))
        qualified_share = 0.35 if topic in ("authorities", "health") and kind in IN_PERSON else 0.08
        helpers_needed = 2 if topic == "parents" and kind == K.ONSITE and rng.random() < 0.15 else 1
        return Shape(
            client=client,
            kind=kind,
            topic=topic,
            duration=duration,
            min_level=int(min_level),
            alternatives=alternatives,
            gender=gender,
            qualified=rng.random() < qualified_share,
            helpers_needed=helpers_needed,
            fill_mode=FillMode.FIRST_TO_ACCEPT if rng.random() < 0.2 else FillMode.COORDINATOR_CONFIRMS,
            organisation=organisation,
        )

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

    # --- building one request ----------------------------------------------------------------

    def demand_language(self) -> str:
        codes, weights = list(content.LANGUAGE_DEMAND), list(content.LANGUAGE_DEMAND.values())
        return self.rng.choices(codes, weights=weights)[0]

    def pick_client(self, *wishes) -> Client:
        """A client meeting all wishes; if none does, the later wishes are given up first."""
        for count in range(len(wishes), -1, -1):
            clients = [c for c in self.clients if all(wish(c) for wish in wishes[:count])]
            if clients:
                return self.rng.choice(clients)
        raise AssertionError("no clients")

    def organisation_and_member(
        self, chance: float, only: Organisation | None = None
    ) -> tuple[Organisation | None, User | None]:
        if self.rng.random() >= chance:
            return None, None
        # The Asylkreis asks most, so its demo login has a full list.
        organisation = only or self.rng.choices(self.cast.organisations, weights=(4, 2, 2, 2))[0]
        return organisation, self.rng.choice(self.cast.members[organisation.name])

    def choose_client(
        self,
        organisation: Organisation | None,
        language: str | None,
        client_ref: str | None,
        forced: DemoHelper | None,
        strict_language: bool = False,
    ) -> Client:
        def near_organisation(client: Client) -> bool:
            if organisation is None or organisation.kind.value == "migrant_organisation":
                return True
            return self.cast.towns[client.town].id == organisation.town_id

        if client_ref is not None:
            return self.pick_client(lambda c: c.ref == client_ref)
        if forced is not None:
            return self.pick_client(
                # A Sprachlotsin interprets in the languages she grew up with, not in her school English.
                lambda c: self.rules.could_serve(forced, c.language, c.town),
                near_organisation,
            )

        def speaks(client: Client) -> bool:
            return language is None or client.language == language

        if strict_language:
            return self.pick_client(speaks, near_organisation)
        # An initiative asks for the people of its own town, whatever language comes up.
        return self.pick_client(near_organisation, speaks)

    def new_request(
        self, shape: Shape, slot: Slot | None, status: RequestStatus, member: User | None
    ) -> HelpRequest:
        rng, client = self.rng, shape.client
        in_person = shape.kind in IN_PERSON
        place = None
        if in_person:
            institution = rng.choice(content.INSTITUTIONS[shape.topic])
            if shape.topic == "health" and shape.gender == Gender.FEMALE and rng.random() < 0.5:
                institution = content.GYNAECOLOGY
            town = client.town
            place = (
                f"{institution}, {rng.choice(content.STREETS)} {rng.randint(1, 48)}, "
                f"{content.POSTCODES[town]} {town}"
            )
        notes = content.NOTES.get((shape.topic, shape.kind.value))
        request = HelpRequest(
            ki_id=self.cast.ki.id,
            kind=shape.kind,
            status=status,
            language=self.cast.languages[client.language],
            min_level=shape.min_level,
            topic=self.cast.topics[shape.topic],
            starts_at=slot.starts if slot else None,
            duration_minutes=shape.duration if slot and slot.starts else None,
            due_on=slot.day if slot and shape.kind == K.WRITTEN else None,
            town=self.cast.towns[client.town],
            place=place,
            client_ref=client.ref,
            gender_pref=shape.gender,
            qualified_required=shape.qualified,
            helpers_needed=shape.helpers_needed,
            fill_mode=shape.fill_mode,
            notes=rng.choice(notes) if notes and rng.random() < 0.8 else None,
            organisation=shape.organisation,
            requested_by_id=member.id if member else None,
            created_by_id=member.id if member else None,
        )
        request.alt_languages = [self.cast.languages[code] for code in shape.alternatives]
        return request

    def timeline(self, slot: Slot | None) -> Timeline:
        """From the request's creation to whichever comes first: the appointment or now."""
        limit = self.now - timedelta(minutes=10)
        if slot is not None:
            limit = min(limit, slot.anchor - timedelta(hours=2))
        lead = timedelta(days=self.rng.uniform(1.5, 21))
        return Timeline((limit - lead).replace(microsecond=0), limit, self.rng)

    def open_history(self, plan: Planned, tl: Timeline, coordinator: User, member: User | None) -> None:
        """Creation and publication: by a coordinator directly, or taken on from an initiative."""
        created = tl.current
        plan.request.created_at = created
        if member is not None:
            plan.events.append((None, S.SUBMITTED, member, created, None))
            plan.events.append((S.SUBMITTED, S.OPEN, coordinator, tl.after(30, 2 * 24 * 60), None))
        elif self.rng.random() < 0.4:
            plan.events.append((None, S.DRAFT, coordinator, created, None))
            plan.events.append((S.DRAFT, S.OPEN, coordinator, tl.after(10, 24 * 60), None))
        else:
            plan.events.append((None, S.OPEN, coordinator, created, None))
        if plan.request.created_by_id is None:
            plan.request.created_by_id = coordinator.id

    def offer(
        self,
        plan: Planned,
        helper: DemoHelper,
        sent: datetime,
        status: OfferStatus,
        coordinator: User,
        answered: datetime | None = None,
        expires: datetime | None = None,
    ) -> Offer:
        anchor = plan.request.starts_at or local_to_utc(plan.request.due_on, time(12, 0))
        offer = Offer(
            helper=helper.profile,
            status=status,
            sent_by_id=coordinator.id,
            created_at=sent,
            answered_at=answered,
            expires_at=expires or min(sent + timedelta(hours=48), anchor - timedelta(hours=1)),
            decline_reason=self.rng.choice(content.DECLINE_REASONS)
            if status == OfferStatus.DECLINED
            else None,
        )
        plan.request.offers.append(offer)
        plan.offered.append(helper)
        return offer

    def side_offers(
        self, plan: Planned, shape: Shape, slot: Slot, tl: Timeline, coordinator, exclude
    ) -> None:
        """Earlier offers that came to nothing: declined or left to expire."""
        if self.rng.random() >= 0.45:
            return
        others = self.eligible(shape, slot, exclude=(*exclude, *plan.offered))
        for helper in self.rng.sample(others, min(len(others), self.rng.randint(1, 2))):
            sent = tl.after(10, 180)
            if self.rng.random() < 0.65:
                self.offer(
                    plan, helper, sent, OfferStatus.DECLINED, coordinator, answered=tl.after(20, 20 * 60)
                )
            else:
                expires = tl.after(24 * 60, 48 * 60)
                self.offer(plan, helper, sent, OfferStatus.EXPIRED, coordinator, expires=expires)

    def fill(
        self,
        plan: Planned,
        shape: Shape,
        slot: Slot,
        helpers: list[DemoHelper],
        tl: Timeline,
        coordinator: User,
        keep_free: list[DemoHelper] = (),
    ) -> list[Offer]:
        """Offers out, acceptances in, confirmation: the request becomes filled.

        ``keep_free`` are helpers the story needs later for this request; they get no offer now.
        """
        rng = self.rng
        self.side_offers(plan, shape, slot, tl, coordinator, exclude=(*helpers, *keep_free))
        first_sent = tl.after(5, 120)
        plan.events.append((S.OPEN, S.OFFERED, coordinator, first_sent, None))
        accepted = []
        for helper in helpers:
            sent = first_sent if not accepted else tl.after(0, 30)
            offer = self.offer(plan, helper, sent, OfferStatus.ACCEPTED, coordinator)
            offer.answered_at = tl.after(15, 18 * 60)
            accepted.append(offer)
        spares = []
        if rng.random() < 0.3:
            # A parallel offer still unanswered when the seats were taken is withdrawn.
            for spare in self.candidates(shape, slot, exclude=(*helpers, *keep_free, *plan.offered))[:1]:
                spares.append(self.offer(plan, spare, first_sent, OfferStatus.WITHDRAWN, coordinator))
        first_accept = shape.fill_mode == FillMode.FIRST_TO_ACCEPT
        confirmed = accepted[-1].answered_at if first_accept else tl.after(10, 6 * 60)
        plan.events.append(
            (S.OFFERED, S.FILLED, helpers[-1].user if first_accept else coordinator, confirmed, None)
        )
        for offer in spares:
            offer.answered_at = confirmed  # withdrawn the moment the request filled
        for seat, (helper, offer) in enumerate(zip(helpers, accepted, strict=True), start=1):
            self.reserve(helper, shape, slot)
            plan.assignments.append(
                (
                    {
                        "helper": helper,
                        "seat": seat,
                        "status": AssignmentStatus.CONFIRMED,
                        "starts_at": slot.starts,
                        "ends_at": slot.ends,
                        # With "first to accept", the helper's own yes confirms the assignment.
                        "confirmed_by_id": helper.user.id if first_accept else coordinator.id,
                        "confirmed_at": offer.answered_at if first_accept else confirmed,
                    },
                    offer,
                )
            )
        return accepted

    def report(self, plan: Planned, shape: Shape, slot: Slot, fields: dict, approve: bool | None) -> datetime:
        """What the helper reports afterwards, and the coordinator's approval."""
        rng, helper = self.rng, fields["helper"]
        if shape.kind == K.WRITTEN:
            reported = slot.anchor - timedelta(hours=rng.uniform(2, 60))
            reported = max(reported, fields["confirmed_at"] + timedelta(hours=3))
            fields["actual_minutes"] = rng.randint(6, 24) * 10
            fields["report_note"] = rng.choice(content.WRITTEN_REPORT_NOTES)
        else:
            reported = slot.ends + timedelta(hours=rng.uniform(1, 72))
            fields["actual_minutes"] = max(15, shape.duration + rng.choice((-15, 0, 0, 0, 15, 30)))
            fields["report_note"] = rng.choice(content.REPORT_NOTES)
        reported = min(reported, self.now - timedelta(minutes=30)).replace(microsecond=0)
        if shape.kind in IN_PERSON:
            km = road_km(helper.home, shape.client.town)
            fields["travel_km"] = 2 * km if km else rng.randint(2, 8)
        else:
            fields["travel_km"] = 0
        fields["status"] = AssignmentStatus.COMPLETED
        fields["reported_at"] = reported
        approved = reported + timedelta(days=rng.uniform(1, 9))
        # Drawn either way, so that the random sequence never depends on the clock.
        approver = rng.choice(self.cast.coordinators)
        if approve is None:
            approve = approved < self.now - timedelta(hours=1)
        if approve:
            fields["approved_at"] = min(approved, self.now - timedelta(hours=1)).replace(microsecond=0)
            fields["approved_by_id"] = approver.id
        return reported

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
        organisation, member = self.organisation_and_member(initiative_chance, only=asylkreis)
        wishes = Wishes(variant, forced, language, client_ref, kind, topic, helpers_needed, organisation)
        found = self.arrange(status, days, wishes)
        if found is None:
            return None
        shape, slot, helpers = found
        plan = Planned(self.new_request(shape, slot, status, member))
        self.history(plan, status, shape, slot, helpers, coordinator, member, variant, approve)
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
                drawn = self.demand_language()
            client = self.choose_client(
                wishes.organisation,
                drawn,
                wishes.client_ref,
                wishes.forced,
                strict_language=bool(wishes.language),
            )
            shape = self.shape(client, wishes.kind, wishes.topic, wishes.organisation)
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
                slot = self.free_slot(days, shape)
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
        found = self.staffed_slot(days, shape, wanted, wishes.forced, avoid)
        if found is None and shape.helpers_needed > 1 and not wishes.helpers_needed:
            shape.helpers_needed = 1
            found = self.staffed_slot(days, shape, 1, wishes.forced)
        return found

    def history(
        self,
        plan: Planned,
        status: RequestStatus,
        shape: Shape,
        slot: Slot,
        helpers: list[DemoHelper],
        coordinator: User,
        member: User | None,
        variant: str | None,
        approve: bool | None,
    ) -> None:
        """How the request got to ``status``: its status changes, offers and assignments."""
        rng, request = self.rng, plan.request
        if status == S.DRAFT and rng.random() < 0.4:
            # A draft may still lack its date: the coordinator is waiting for it.
            request.starts_at = request.duration_minutes = request.due_on = None
        if status == S.SUBMITTED and rng.random() < 0.3:
            request.starts_at = request.duration_minutes = request.due_on = None
        tl = self.timeline(slot)
        if status == S.DRAFT:
            request.created_at = tl.current
            request.created_by_id = coordinator.id
            plan.events.append((None, S.DRAFT, coordinator, tl.current, None))
        elif status == S.SUBMITTED:
            request.created_at = tl.jump_to(self.now - timedelta(days=rng.uniform(0.1, 4)))
            plan.events.append((None, S.SUBMITTED, member, tl.current, None))
        elif status == S.DECLINED:
            request.created_at = tl.current
            plan.events.append((None, S.SUBMITTED, member, tl.current, None))
            declined = tl.after(60, 36 * 60)
            note = rng.choice(content.DECLINE_NOTES)
            plan.events.append((S.SUBMITTED, S.DECLINED, coordinator, declined, note))
        else:
            self.open_history(plan, tl, coordinator, member)
            getattr(self, f"_{status.value}")(plan, shape, slot, helpers, tl, coordinator, variant, approve)
        request.updated_at = max(at for *_, at, _note in plan.events)

    def _open(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        pass  # published, nobody asked yet

    def _offered(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        self.side_offers(plan, shape, slot, tl, coordinator, exclude=helpers)
        # Pending offers went out recently; they are still valid.
        sent = tl.jump_to(self.now - timedelta(hours=self.rng.uniform(2, 40)))
        plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
        others = (*helpers, *plan.offered, self.cast.sprachlotsin)
        extra = self.candidates(shape, slot, exclude=others)[: self.rng.randint(0, 2)]
        for helper in [*helpers, *extra]:
            expires = min(
                max(sent + timedelta(hours=72), self.now + timedelta(hours=24)),
                slot.anchor - timedelta(hours=6),
            )
            self.offer(
                plan, helper, sent, OfferStatus.PENDING, coordinator, expires=expires.replace(microsecond=0)
            )
            self.reserve(helper, shape, slot, holding=False)

    def _filled(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        if variant == "withdrawn":
            self.fill(plan, shape, slot, helpers[:1], tl, coordinator, keep_free=helpers[1:])
            self.replace_after_withdrawal(plan, shape, slot, tl, coordinator, helpers[1])
        else:
            self.fill(plan, shape, slot, helpers, tl, coordinator)

    def _completed(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        self.fill(plan, shape, slot, helpers, tl, coordinator)
        last_report, last_reporter = None, None
        for index, (fields, _offer) in enumerate(plan.assignments):
            if variant == "no_show" and index == len(plan.assignments) - 1:
                fields["status"] = AssignmentStatus.NO_SHOW
                continue
            reported = self.report(plan, shape, slot, fields, approve)
            if last_report is None or reported > last_report:
                last_report, last_reporter = reported, fields["helper"]
        if variant == "no_show":
            closed = (slot.ends + timedelta(hours=self.rng.uniform(2, 30))).replace(microsecond=0)
            closed = max(closed, last_report + timedelta(minutes=5))
            note = "Eine der beiden Helfenden ist nicht erschienen."
            plan.events.append((S.FILLED, S.COMPLETED, coordinator, closed, note))
        else:
            # The last report closes the request.
            plan.events.append((S.FILLED, S.COMPLETED, last_reporter.user, last_report, None))

    def _cancelled(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        note = self.rng.choice(content.CANCEL_NOTES)
        if variant == "after_fill":
            self.fill(plan, shape, slot, helpers, tl, coordinator)
            cancelled = tl.after(60, 5 * 24 * 60)
            for fields, _offer in plan.assignments:
                fields["status"] = AssignmentStatus.CANCELLED
                self.release(fields["helper"], slot)
            plan.events.append((S.FILLED, S.CANCELLED, coordinator, cancelled, note))
        elif variant == "after_offer":
            sent = tl.after(10, 180)
            plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
            cancelled = tl.after(60, 30 * 60)
            for helper in helpers[:1]:
                offer = self.offer(plan, helper, sent, OfferStatus.WITHDRAWN, coordinator)
                offer.answered_at = cancelled
            plan.events.append((S.OFFERED, S.CANCELLED, coordinator, cancelled, note))
        else:
            plan.events.append((S.OPEN, S.CANCELLED, coordinator, tl.after(60, 3 * 24 * 60), note))

    def _unfilled(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        others = self.eligible(shape, slot)
        if others and self.rng.random() < 0.7:
            sent = tl.after(10, 24 * 60)
            plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
            for helper in self.rng.sample(others, min(len(others), self.rng.randint(1, 3))):
                if self.rng.random() < 0.5:
                    self.offer(
                        plan, helper, sent, OfferStatus.DECLINED, coordinator, answered=tl.after(20, 12 * 60)
                    )
                else:
                    self.offer(plan, helper, sent, OfferStatus.EXPIRED, coordinator)
            before = S.OFFERED
        else:
            before = S.OPEN
        # Nobody was found in time; the system closes the request once the date has passed.
        passed = (slot.anchor + timedelta(hours=self.rng.uniform(0.5, 12))).replace(microsecond=0)
        plan.events.append((before, S.UNFILLED, None, passed, "Termin verstrichen, niemand gefunden."))

    def replace_after_withdrawal(
        self, plan: Planned, shape: Shape, slot: Slot, tl: Timeline, coordinator: User, new: DemoHelper
    ) -> None:
        """The confirmed helper fell ill; a second helper takes the same seat."""
        fields, _offer = plan.assignments[0]
        helper = fields["helper"]
        fields["status"] = AssignmentStatus.WITHDRAWN
        fields["withdraw_reason"] = self.rng.choice(content.WITHDRAW_REASONS)
        self.release(helper, slot)
        withdrawn_at = tl.after(60, 24 * 60)
        plan.events.append((S.FILLED, S.OPEN, helper.user, withdrawn_at, "Helfer*in hat abgesagt"))
        sent = tl.after(5, 60)
        plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
        offer = self.offer(plan, new, sent, OfferStatus.ACCEPTED, coordinator, answered=tl.after(15, 6 * 60))
        first_accept = shape.fill_mode == FillMode.FIRST_TO_ACCEPT
        confirmer = new.user if first_accept else coordinator
        confirmed = offer.answered_at if first_accept else tl.after(5, 120)
        plan.events.append((S.OFFERED, S.FILLED, confirmer, confirmed, None))
        self.reserve(new, shape, slot)
        plan.assignments.append(
            (
                {
                    "helper": new,
                    "seat": fields["seat"],
                    "status": AssignmentStatus.CONFIRMED,
                    "starts_at": slot.starts,
                    "ends_at": slot.ends,
                    "confirmed_by_id": confirmer.id,
                    "confirmed_at": confirmed,
                },
                offer,
            )
        )

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
        language = self.rng.choice(content.SCARCE) if scarce else self.demand_language()
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


def materialise(plans: list[Planned]) -> tuple[list[RequestStatusChange], list[Assignment]]:
    """Rows that need the ids of flushed requests and offers."""
    changes, assignments = [], []
    for plan in plans:
        for from_status, to_status, actor, at, note in plan.events:
            changes.append(
                RequestStatusChange(
                    request_id=plan.request.id,
                    from_status=from_status,
                    to_status=to_status,
                    actor_id=actor.id if actor else None,
                    at=at,
                    note=note,
                )
            )
        for fields, offer in plan.assignments:
            fields = dict(fields)
            helper = fields.pop("helper")
            assignments.append(
                Assignment(
                    request_id=plan.request.id, helper_id=helper.profile.id, offer_id=offer.id, **fields
                )
            )
    return changes, assignments
