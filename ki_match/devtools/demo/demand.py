"""Who asks the KI for help, and what one request asks for before it is scheduled.

The clients (families and people known by a pseudonym or a case number, each
with their language and town), the mix of kinds and topics, what each
organisation typically asks for, and one request's shape: kind, topic,
duration, level, the other languages the client follows, a gender or a
qualification wished for, and how many helpers it needs. Drawn from the
demand of a rural district (``demo.content``); when it takes place and who
could take it is ``demo.scheduling``'s part.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ki_match.accounts.models import User
from ki_match.devtools.demo import content
from ki_match.devtools.demo.people import Cast, DemoHelper
from ki_match.devtools.demo.rules import Rules
from ki_match.helpers.models import Gender
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Level
from ki_match.requests.models import FillMode, RequestKind

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
class Demand:
    """The clients, and the requests they make."""

    rng: random.Random
    today: date
    cast: Cast
    rules: Rules

    def __post_init__(self) -> None:
        self.clients = self.make_clients()

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

    # --- who asks, in which language -----------------------------------------------------------

    def language(self) -> str:
        """A language as often as it is asked for."""
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
