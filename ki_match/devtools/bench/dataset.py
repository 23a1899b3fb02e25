"""A synthetic data set at state scale: what the harness is told about it, and the order it is built in.

The shape follows the demo data set (``ki_match.devtools.demo``): home towns by
population, languages by the communities the Kreis Höxter has helpers from,
requests by the demand for each language and kind. The sizes follow the
state: ``scale`` helpers spread over KIs of the state's average size, and
about 13 requests per helper for a year, with their offers, assignments and
status history. The KIs are set up first, through the service behind
``flask ki create`` (``bench.kis``: NRW's 54 Kreise and kreisfreie Städte);
then each is filled in turn: its staff and initiatives, its
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
from ki_match.devtools.bench.kis import ki_spec
from ki_match.devtools.bench.people import DOMAIN, People
from ki_match.devtools.bench.site import Kreis, Run
from ki_match.devtools.bench.staffing import Staffing
from ki_match.devtools.bench.workload import Workload
from ki_match.devtools.bench.writer import Writer
from ki_match.devtools.matching import Judge
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.helpers.queries import matchable_filter
from ki_match.installation.setup import create_ki
from ki_match.orgs.models import Ki
from ki_match.reference.data import KREIS_HOEXTER
from ki_match.reference.models import Language, Topic, Town
from ki_match.requests.models import HelpRequest, Offer, RequestKind

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
    # Open phone/video requests in the languages their own KI has fewest speakers of: the shared pool's.
    shared_pool_request_ids: list[int] = field(default_factory=list)
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
        """The ids of the reference data every KI shares (``create_ki`` seeded it)."""
        self.run.languages = {lang.code: lang.id for lang in db.session.scalars(select(Language))}
        self.run.password_hash = hash_password(PASSWORD)

    def set_up_ki(self, number: int) -> Ki:
        """The KI through the service ``flask ki create`` uses (its first admin comes with its staff,
        without an invitation mail), with the towns every bench KI gets."""
        slug, name = ki_spec(number)
        ki = create_ki(slug, name).ki
        # Two KIs in three share their pool (the admin's switch on /admin/pool).
        ki.shares_pool = number % 3 != 2
        known = set(db.session.scalars(select(Town.name).where(Town.ki_id == ki.id)))
        db.session.add_all(
            Town(ki_id=ki.id, name=town, lat=lat, lon=lon)
            for town, lat, lon in KREIS_HOEXTER["towns"]
            if town not in known
        )
        db.session.commit()
        return ki

    def start_ki(self, ki: Ki) -> Kreis:
        towns = {t.name: t for t in db.session.scalars(select(Town).where(Town.ki_id == ki.id))}
        self.run.topics = {
            t.code: t.id for t in db.session.scalars(select(Topic).where(Topic.ki_id == ki.id))
        }
        self.run.kreis = Kreis(ki, towns, Staffing(self.judge, towns.values(), self.run.today))
        return self.run.kreis

    def build(self) -> Dataset:
        started = clock.perf_counter()
        writer = self.run.writer
        people, workload = People(self.run), Workload(self.run)
        self.judge = Judge()
        kis = [self.set_up_ki(number) for number in range(1, self.kis + 1)]
        self.reference()
        for number, ki in enumerate(kis, start=1):
            # Spread evenly: the first KIs take one more helper when the division leaves a rest.
            helpers = self.scale // self.kis + (1 if number <= self.scale % self.kis else 0)
            kreis = self.start_ki(ki)
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
    still_open = (
        HelpRequest.status.in_(("open", "offered")),
        (HelpRequest.starts_at > now) | (HelpRequest.due_on >= now.astimezone(BERLIN).date()),
    )
    open_requests = db.session.execute(
        select(HelpRequest.id, HelpRequest.ki_id).where(*still_open).order_by(HelpRequest.id)
    ).all()
    return Dataset(
        scale=db.session.scalar(select(func.count()).select_from(HelperProfile)) or 0,
        kis=db.session.scalar(select(func.count()).select_from(Ki)) or 0,
        coordinators=list(coordinators),
        initiatives=list(initiatives),
        inbox_helpers=list(inbox),
        open_request_ids=[request_id for request_id, owner in open_requests if owner == ki_id],
        all_open_request_ids=[request_id for request_id, _ in open_requests],
        shared_pool_request_ids=list(db.session.scalars(_rarest_remote_requests(still_open))),
    )


def _rarest_remote_requests(still_open: tuple, limit: int = 100):
    """Open phone/video requests, those whose language their own KI's pool speaks least first."""
    local_speakers = (
        select(func.count())
        .select_from(HelperLanguage)
        .join(HelperProfile, HelperProfile.id == HelperLanguage.helper_id)
        .where(
            HelperProfile.ki_id == HelpRequest.ki_id,
            HelperLanguage.language_id == HelpRequest.language_id,
            matchable_filter(),
        )
        .scalar_subquery()
    )
    return (
        select(HelpRequest.id)
        .where(*still_open, HelpRequest.kind == RequestKind.REMOTE)
        .order_by(local_speakers, HelpRequest.id)
        .limit(limit)
    )
