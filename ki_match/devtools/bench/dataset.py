"""A synthetic data set at state scale: what the harness is told about it, and the order it is built in.

The shape follows the demo data set (``ki_match.devtools.demo``): home towns by
population, languages by the communities the Kreis Höxter has helpers from,
requests by the demand for each language and kind. The sizes follow the
state: ``scale`` helpers spread over KIs of the state's average size, and
about 13 requests per helper for a year, with their offers, assignments and
status history. Each KI is built in turn: its staff and initiatives, its
helpers (``bench.people``), then its year of requests (``bench.workload``),
whom they were offered to and who took them being the matching engine's
verdict (``bench.staffing``). Rows go to the database in batches
(``bench.writer``).
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import BERLIN, utcnow
from ki_match.devtools.bench.people import DOMAIN, People
from ki_match.devtools.bench.site import Kreis, Run
from ki_match.devtools.bench.staffing import Staffing
from ki_match.devtools.bench.workload import Workload
from ki_match.devtools.bench.writer import Writer
from ki_match.devtools.matching import Judge
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.reference.data import KREIS_HOEXTER
from ki_match.reference.models import Language, Topic, Town
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.models import HelpRequest, Offer

# The state's helpers spread over its 54 Kreise and kreisfreie Städte, each KI with its own towns.
HELPERS_PER_KI = 15_000 / 54
PASSWORD = "bench-ki-match-passwort"  # noqa: S105 (a throw-away database of invented people)


@dataclass
class Dataset:
    """What the harness needs to know about the data set it measures."""

    scale: int
    kis: int = 1
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    coordinators: list[str] = field(default_factory=list)
    initiatives: list[str] = field(default_factory=list)
    # Helpers with offers waiting in their inbox, the busiest page of a helper.
    inbox_helpers: list[str] = field(default_factory=list)
    # Pages are measured in one KI (its staff see nothing of the others); matching in all of them.
    open_request_ids: list[int] = field(default_factory=list)
    all_open_request_ids: list[int] = field(default_factory=list)
    password: str = PASSWORD


class Builder:
    """Builds the KIs one after the other, each with its people and then its year."""

    def __init__(self, scale: int, seed: int, kis: int | None = None) -> None:
        self.scale = scale
        self.kis = kis or max(1, round(scale / HELPERS_PER_KI))
        now = utcnow().replace(microsecond=0)
        self.run = Run(random.Random(seed), Writer(), now, now.astimezone(BERLIN).date())
        self.result = Dataset(scale=scale, kis=self.kis)

    def reference(self) -> None:
        ensure_reference_data()
        db.session.commit()
        self.run.languages = {lang.code: lang.id for lang in db.session.scalars(select(Language))}
        self.run.topics = {t.code: t.id for t in db.session.scalars(select(Topic))}
        self.run.password_hash = hash_password(PASSWORD)

    def start_ki(self, number: int) -> Kreis:
        """The first KI is the installation's default (Kreis Höxter); the others get the same towns."""
        spec = (
            KREIS_HOEXTER
            if number == 1
            else {**KREIS_HOEXTER, "slug": f"bench-{number}", "name": f"KI {number}"}
        )
        ki = ensure_reference_data(spec)
        db.session.commit()
        towns = {t.name: t for t in db.session.scalars(select(Town).where(Town.ki_id == ki.id))}
        self.run.kreis = Kreis(ki, towns, Staffing(self.judge, towns.values(), self.run.today))
        return self.run.kreis

    def build(self) -> Dataset:
        started = clock.perf_counter()
        writer = self.run.writer
        people, workload = People(self.run), Workload(self.run)
        self.judge = Judge()
        self.reference()
        for number in range(1, self.kis + 1):
            # Spread evenly: the first KIs take one more helper when the division leaves a rest.
            helpers = self.scale // self.kis + (1 if number <= self.scale % self.kis else 0)
            kreis = self.start_ki(number)
            people.staff(helpers)
            writer.flush()
            people.helpers(helpers)
            kreis.staffing.ready()
            writer.flush()
            workload.requests(helpers)
            writer.flush()
        writer.finish()
        self.result.coordinators = people.coordinators
        self.result.initiatives = people.initiatives
        self.result.all_open_request_ids = workload.open_request_ids
        busiest = sorted(workload.pending, key=lambda helper_id: -workload.pending[helper_id])
        self.result.inbox_helpers = [people.emails[helper_id] for helper_id in busiest[:200]]
        self.result.counts = dict(writer.counts)
        self.result.seconds = clock.perf_counter() - started
        return self.result


def build(scale: int, seed: int = 1, kis: int | None = None) -> Dataset:
    """Write the data set into the (fresh, migrated) database of the current app."""
    return Builder(scale, seed, kis).build()


def describe() -> Dataset:
    """What the harness needs, read back from a bench database (built now or kept from before).

    Pages are measured in the first KI, matching in all of them."""
    ki_id = db.session.scalar(select(Ki.id).where(Ki.slug == KREIS_HOEXTER["slug"]))
    coordinators = db.session.scalars(
        select(User.email)
        .where(
            User.ki_id == ki_id, User.role == Role.COORDINATOR, User.email.like(f"koordination-%@{DOMAIN}")
        )
        .order_by(User.id)
    )
    initiatives = db.session.scalars(
        select(User.email)
        .where(User.ki_id == ki_id, User.role == Role.INITIATIVE, User.email.like(f"initiative-%@{DOMAIN}"))
        .order_by(User.id)
    )
    waiting = func.count(Offer.id)
    inbox = db.session.scalars(
        select(User.email)
        .join(HelperProfile, HelperProfile.user_id == User.id)
        .join(Offer, Offer.helper_id == HelperProfile.id)
        .where(User.ki_id == ki_id, Offer.status == "pending", User.email.like(f"helfer-%@{DOMAIN}"))
        .group_by(User.id, User.email)
        .order_by(waiting.desc(), User.id)
        .limit(200)
    )
    now = utcnow()
    open_requests = db.session.execute(
        select(HelpRequest.id, HelpRequest.ki_id)
        .where(
            HelpRequest.status.in_(("open", "offered")),
            (HelpRequest.starts_at > now) | (HelpRequest.due_on >= now.astimezone(BERLIN).date()),
        )
        .order_by(HelpRequest.id)
    ).all()
    return Dataset(
        scale=db.session.scalar(select(func.count()).select_from(HelperProfile)) or 0,
        kis=db.session.scalar(select(func.count()).select_from(Ki)) or 0,
        coordinators=list(coordinators),
        initiatives=list(initiatives),
        inbox_helpers=list(inbox),
        open_request_ids=[request_id for request_id, owner in open_requests if owner == ki_id],
        all_open_request_ids=[request_id for request_id, _ in open_requests],
    )
