"""A synthetic data set at state scale, written with bulk inserts.

The shape follows the demo data set (``ki_match.devtools.demo``): home towns by
population, languages by the communities the Kreis Höxter has helpers from,
requests by the demand for each language and kind. The sizes follow the
state: ``scale`` helpers and about 13 requests per helper for a year, with
their offers, assignments and status history. Who takes a request, and whom
an offer still waits for, is the matching engine's verdict (``bench.staffing``).

Rows are built as plain dictionaries with ids assigned here and written with
``executemany`` in batches (one ORM object per row would take an hour at
200,000 requests); ids are handed out here so offers can point at requests
without asking the database, and PostgreSQL's sequences are moved past them
at the end.
"""

from __future__ import annotations

import random
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Table, func, insert, select, text

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import BERLIN, utcnow
from ki_match.devtools.bench.staffing import Draft, Staffing
from ki_match.devtools.demo import content
from ki_match.devtools.demo.clock import road_km
from ki_match.devtools.demo.demand import KIND_WEIGHTS, TOPICS_BY_KIND
from ki_match.devtools.demo.people import BLOCKS, TOPIC_WEIGHTS
from ki_match.devtools.matching import Judge
from ki_match.extensions import db
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    HelperLanguage,
    HelperProfile,
    helper_topic,
    helper_town,
)
from ki_match.matching.engine import Kind
from ki_match.orgs.models import Ki, Organisation
from ki_match.profile.services import CONSENT_VERSION
from ki_match.reference.data import KREIS_HOEXTER
from ki_match.reference.models import Language, Level, Topic, Town
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.models import (
    Assignment,
    HelpRequest,
    Offer,
    RequestKind,
    RequestStatusChange,
    request_alt_language,
)

# A year of requests per helper: 200,000 requests for the state's 15,000 helpers.
REQUESTS_PER_HELPER = 200_000 / 15_000
# The state's helpers spread over its 54 Kreise and kreisfreie Städte, each KI with its own towns.
HELPERS_PER_KI = 15_000 / 54
BATCH = 5_000
PAST_DAYS = 365
AHEAD_DAYS = 42
DOMAIN = "bench.example"
PASSWORD = "bench-ki-match-passwort"  # noqa: S105 (a throw-away database of invented people)


def coordinator_email(number: int) -> str:
    return f"koordination-{number}@{DOMAIN}"


def initiative_email(number: int) -> str:
    return f"initiative-{number}@{DOMAIN}"


def helper_email(number: int) -> str:
    return f"helfer-{number}@{DOMAIN}"


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


class Writer:
    """Buffers rows per table and writes them in batches, parents before children."""

    def __init__(self) -> None:
        self.rows: dict[Table, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.next_ids: dict[str, int] = {}

    def next_id(self, table: Table) -> int:
        if table.name not in self.next_ids:
            self.next_ids[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def add(self, table: Table, **row) -> int | None:
        if "id" in table.c and "id" not in row:
            row["id"] = self.next_id(table)
        self.rows[table].append(row)
        if len(self.rows[table]) >= BATCH * 4:
            self.flush()
        return row.get("id")

    def flush(self) -> None:
        for table in db.metadata.sorted_tables:
            rows = self.rows.pop(table, None)
            for start in range(0, len(rows or ()), BATCH):
                chunk = rows[start : start + BATCH]
                db.session.execute(insert(table), chunk)
                self.counts[table.name] += len(chunk)

    def finish(self) -> None:
        self.flush()
        if db.engine.dialect.name == "postgresql":
            # A live database has statistics (autovacuum analyses as rows arrive); without them
            # the planner takes these tables for empty and picks nested loops over whole tables.
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            # Ids were handed out here; the next row the app inserts must not collide with them.
            for name in self.next_ids:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 (table names from the model)
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
                )
        db.session.commit()


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Builder:
    def __init__(self, scale: int, seed: int, kis: int | None = None) -> None:
        self.scale = scale
        self.kis = kis or max(1, round(scale / HELPERS_PER_KI))
        self.rng = random.Random(seed)
        self.writer = Writer()
        self.now = utcnow().replace(microsecond=0)
        self.today = self.now.astimezone(BERLIN).date()
        self.result = Dataset(scale=scale, kis=self.kis)
        self.numbers: dict[str, int] = defaultdict(int)

    # --- reference data and staff ------------------------------------------------------------

    def reference(self) -> None:
        ensure_reference_data()
        db.session.commit()
        self.languages = {lang.code: lang.id for lang in db.session.scalars(select(Language))}
        self.topics = {t.code: t.id for t in db.session.scalars(select(Topic))}
        self.password_hash = hash_password(PASSWORD)

    def start_ki(self, number: int) -> None:
        """The first KI is the installation's default (Kreis Höxter); the others get the same towns."""
        spec = (
            KREIS_HOEXTER
            if number == 1
            else {**KREIS_HOEXTER, "slug": f"bench-{number}", "name": f"KI {number}"}
        )
        self.ki = ensure_reference_data(spec)
        db.session.commit()
        self.towns = {t.name: t for t in db.session.scalars(select(Town).where(Town.ki_id == self.ki.id))}
        self.coordinator_ids: list[int] = []
        self.organisation_ids: list[int] = []
        self.staffing = Staffing(self.judge, self.towns.values(), self.today)

    def user(self, email: str, name: str, role: Role, **fields) -> int:
        created = fields.pop("created_at", self.now - timedelta(days=400))
        return self.writer.add(
            User.__table__,
            ki_id=self.ki.id,
            email=email,
            password_hash=self.password_hash,
            role=role,
            display_name=name,
            organisation_id=fields.pop("organisation_id", None),
            active=fields.pop("active", True),
            locale=fields.pop("locale", "de"),
            email_verified_at=created + timedelta(hours=1),
            last_login_at=None,
            deleted_at=None,
            created_at=created,
        )

    def staff(self, helpers: int) -> None:
        # About one coordinator per 150 helpers: the state's 54 KIs have one to three each.
        for _ in range(max(2, helpers // 150)):
            self.numbers["coordinator"] += 1
            number = self.numbers["coordinator"]
            email = coordinator_email(number)
            self.result.coordinators.append(email)
            self.coordinator_ids.append(self.user(email, f"Koordination {number}", Role.COORDINATOR))
        towns = list(self.towns.values())
        for _ in range(max(2, helpers // 100)):
            self.numbers["initiative"] += 1
            number = self.numbers["initiative"]
            organisation_id = self.writer.add(
                Organisation.__table__,
                ki_id=self.ki.id,
                name=f"Initiative {number}",
                kind="initiative",
                town_id=self.rng.choice(towns).id,
                active=True,
                created_at=self.now - timedelta(days=500),
            )
            self.organisation_ids.append(organisation_id)
            email = initiative_email(number)
            self.result.initiatives.append(email)
            self.user(email, f"Initiative {number}", Role.INITIATIVE, organisation_id=organisation_id)

    # --- helpers -----------------------------------------------------------------------------

    def helpers(self, count: int) -> None:
        town_names = list(content.TOWN_WEIGHTS)
        near = {
            home: [
                other
                for km, other in sorted((road_km(home, o), o) for o in town_names if o != home)
                if km <= 25
            ][:4]
            for home in town_names
        }
        communities = {community: community.count for community in content.COMMUNITIES}
        for _ in range(count):
            self.helper(_weighted(self.rng, communities), near)

    def helper(self, community: content.Community, near: dict[str, list[str]]) -> None:
        rng = self.rng
        self.numbers["helper"] += 1
        number = self.numbers["helper"]
        created = self.now - timedelta(days=rng.uniform(30, 1300))
        # Most helpers are in the pool; a few wait for approval or have left.
        state = rng.choices(("approved", "awaiting", "deactivated"), weights=(92, 5, 3))[0]
        gender = rng.choice(("female", "male")) if rng.random() < 0.9 else None
        user_id = self.user(
            helper_email(number),
            f"Helfer {number}",
            Role.HELPER,
            created_at=created,
            active=state != "deactivated",
            locale=community.locale,
        )
        levels = self.spoken(community)
        sprachlotse = levels["de"] >= Level.B2 and rng.random() < community.sprachlotse_share
        home = _weighted(rng, content.TOWN_WEIGHTS)
        mode = rng.choices(("towns", "km", "both"), weights=(3, 3, 4))[0]
        served = (
            (home, *rng.sample(near[home], min(len(near[home]), rng.randint(1, 3)))) if mode != "km" else ()
        )
        approved = created + timedelta(days=rng.uniform(3, 30)) if state != "awaiting" else None
        profile = self.profile(user_id, created, approved, gender, sprachlotse, home, mode)
        helper_id = self.writer.add(HelperProfile.__table__, **profile)
        profile["id"] = helper_id
        languages = {self.languages[code]: level for code, level in levels.items()}
        week, absences = self.profile_rows(helper_id, languages, served)
        if state == "approved":
            served_ids = [self.towns[name].id for name in served]
            self.staffing.add(profile, languages, self.languages["de"], served_ids, week, absences)
            self.emails[helper_id] = helper_email(number)

    def spoken(self, community: content.Community) -> dict[str, int]:
        """Language code → level: the community's languages, German, and now and then a fourth."""
        rng = self.rng
        levels = {community.native: int(Level.NATIVE)}
        for code, choices, chance in community.extra:
            if code != "de" and len(levels) < 3 and rng.random() < chance:
                levels[code] = int(rng.choice(choices))
        levels["de"] = int(rng.choice(community.german))
        # The demo's communities give two or three languages; some people speak a fourth.
        if len(levels) < 4 and rng.random() < 0.15:
            extra = rng.choice(("en", "fr", "ru", "tr", "ar"))
            levels.setdefault(extra, int(rng.choice((Level.B1, Level.B2))))
        return levels

    def profile(self, user_id, created, approved, gender, sprachlotse, home, mode) -> dict:
        """The helper_profile row."""
        rng = self.rng
        return {
            "ki_id": self.ki.id,
            "user_id": user_id,
            "phone": None,
            "home_town_id": self.towns[home].id,
            "max_travel_km": rng.choice((15, 20, 25, 25, 30, 40)) if mode != "towns" else None,
            "remote_ok": rng.random() < 0.55,
            "gender": gender,
            "kind": "sprachlotse" if sprachlotse else "volunteer",
            "qualification_completed_on": (created.date() - timedelta(days=30)) if sprachlotse else None,
            "confidentiality_signed_on": created.date() if rng.random() < 0.8 else None,
            "police_certificate_seen_on": None,
            "monthly_cap": rng.choice((4, 6, 8, 10)) if sprachlotse else rng.choice((2, 3, 4, 4, 4, 5, 6)),
            "directory_opt_in": rng.random() < 0.5,
            "consent_given_at": created + timedelta(hours=2),
            "consent_version": CONSENT_VERSION,
            "approved_at": approved,
            "calendar_token_hash": None,
            "approved_by_id": rng.choice(self.coordinator_ids) if approved else None,
            "created_at": created,
            "updated_at": approved or created,
        }

    def profile_rows(self, helper_id: int, languages: dict[int, int], served: tuple[str, ...]) -> tuple:
        """The rows hanging off a profile; returns the weekly slots and absences written."""
        rng, writer = self.rng, self.writer
        for language_id, level in languages.items():
            writer.add(HelperLanguage.__table__, helper_id=helper_id, language_id=language_id, level=level)
        for name in served:
            writer.add(helper_town, helper_id=helper_id, town_id=self.towns[name].id)
        topics = set()
        while len(topics) < rng.randint(2, 5):
            topics.add(_weighted(rng, TOPIC_WEIGHTS))
        for code in topics:
            writer.add(helper_topic, helper_id=helper_id, topic_id=self.topics[code])
        week = self.weekly_slots()
        for weekday, (start, end) in week:
            writer.add(
                AvailabilitySlot.__table__,
                helper_id=helper_id,
                weekday=weekday,
                starts=time(start // 60, start % 60),
                ends=time(end // 60, end % 60),
            )
        absences = self.absences()
        for first, last in absences:
            writer.add(Absence.__table__, helper_id=helper_id, first_day=first, last_day=last, note="Urlaub")
        return week, absences

    def weekly_slots(self) -> list[tuple[int, tuple[int, int]]]:
        rng = self.rng
        chosen: dict[tuple[int, str], tuple[int, int]] = {}
        wanted = rng.randint(3, 6)
        while len(chosen) < wanted:
            weekday = rng.randrange(6 if rng.random() < 0.3 else 5)
            kind = rng.choice(("morning", "afternoon") if weekday < 5 else ("morning",))
            kind = rng.choice((kind, "day", "evening")) if rng.random() < 0.3 else kind
            # One slot per weekday and kind of day, so two slots never overlap.
            key = (weekday, "day" if kind in ("day", "morning", "afternoon") else kind)
            chosen[key] = rng.choice(BLOCKS[kind])
        return sorted((weekday, block) for (weekday, _), block in chosen.items())

    def absences(self) -> list[tuple[date, date]]:
        rng, found = self.rng, []
        roll = rng.random()
        if roll < 0.06:  # away right now
            first = self.today - timedelta(days=rng.randint(0, 5))
            found.append((first, self.today + timedelta(days=rng.randint(2, 16))))
        if 0.06 <= roll < 0.3:  # holidays ahead
            first = self.today + timedelta(days=rng.randint(5, 50))
            found.append((first, first + timedelta(days=rng.randint(3, 21))))
        if rng.random() < 0.3:  # last summer
            first = self.today - timedelta(days=rng.randint(60, 300))
            found.append((first, first + timedelta(days=rng.randint(7, 21))))
        return found

    # --- a year of requests ------------------------------------------------------------------

    def requests(self, helpers: int) -> None:
        total = round(helpers * REQUESTS_PER_HELPER)
        self.clients = [f"AZ-{self.ki.id}-{number:05d}" for number in range(max(10, total // 6))]
        self.demand = {self.languages[code]: weight for code, weight in content.LANGUAGE_DEMAND.items()}
        self.alternatives = {
            self.languages[code]: [self.languages[alt] for alt in alts]
            for code, alts in content.ALTERNATIVES.items()
        }
        self.town_weights = {self.towns[name].id: weight for name, weight in content.TOWN_WEIGHTS.items()}
        for _ in range(total):
            draft, status, future = self.draft()
            invited, chosen = [], None
            if status not in ("draft", "open") and not (future and status == "cancelled"):
                invited, chosen, status = self.plan_offers(draft, status)
            self.write_request(draft, status, invited, chosen)

    def draft(self) -> tuple[Draft, str, bool]:
        """What one request asks for and when, and the status it is to end the year in."""
        rng = self.rng
        day = self.today - timedelta(days=PAST_DAYS) + timedelta(days=rng.randrange(PAST_DAYS + AHEAD_DAYS))
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        future = day >= self.today
        kind = _weighted(rng, KIND_WEIGHTS)
        language_id = _weighted(rng, self.demand)
        starts = duration = None
        if kind.value != "written":
            minutes = rng.randrange(8 * 60, 17 * 60, 15)
            local = datetime.combine(day, time(minutes // 60, minutes % 60), BERLIN)
            starts = local.astimezone(self.now.tzinfo)
            duration = rng.choice((45, 60, 60, 90, 120))
        anchor = starts or datetime.combine(day, time(12), BERLIN)
        created = min(anchor.astimezone(self.now.tzinfo), self.now) - timedelta(days=rng.uniform(2, 20))
        if future:
            status = rng.choices(
                ("open", "offered", "filled", "draft", "cancelled"), weights=(30, 35, 30, 3, 2)
            )[0]
        else:
            status = rng.choices(("completed", "unfilled", "cancelled"), weights=(84, 8, 8))[0]
        draft = Draft(
            day=day,
            future=future,
            kind=Kind(kind.value),
            language_ids=(language_id,),
            min_level=int(Level.B1),
            town_id=None,
            gender_pref=None,
            qualified=False,
            created=created,
            duration=duration,
            starts=starts,
        )
        self.needs(draft)
        return draft, status, future

    def needs(self, draft: Draft) -> None:
        """What the request asks of a helper besides the language: another language the client
        follows, the level, the town, a gender, a Sprachlotse's qualification."""
        rng = self.rng
        language_id = draft.language_ids[0]
        draft.language_ids = (language_id,)
        if rng.random() < 0.25 and language_id in self.alternatives:
            draft.language_ids = (language_id, rng.choice(self.alternatives[language_id]))
        draft.min_level = int(Level.B2) if rng.random() < 0.2 else int(Level.B1)
        draft.town_id = _weighted(rng, self.town_weights) if draft.kind != Kind.WRITTEN else None
        draft.gender_pref = rng.choice(("female", "male")) if rng.random() < 0.08 else None
        draft.qualified = rng.random() < 0.15

    def plan_offers(self, draft: Draft, status: str) -> tuple[list[int], int | None, str]:
        """Whom the request was offered to, who took it, and the status that leaves it in:
        the matching engine says who fits (``bench.staffing``)."""
        rng, staffing = self.rng, self.staffing
        considered = staffing.considered(draft)
        wanted = rng.randint(1, 3)
        chosen = None
        if status in ("filled", "completed"):
            chosen = staffing.take(draft, considered, rng)
            if chosen is None:
                # Nobody tried could take what was asked: the year had a different request then.
                self.needs(draft)
                considered = staffing.considered(draft)
                chosen = staffing.take(draft, considered, rng)
            if chosen is None:  # everyone tried fails a rule: still asking, or nobody came
                status = "offered" if status == "filled" else "unfilled"
        invited = [chosen] if chosen is not None else []
        waiting = status == "offered"
        invited += staffing.ask(draft, considered, wanted - len(invited), rng, chosen, waiting)
        if not invited and status == "offered":
            status = "open"  # nobody to ask yet
        return invited, chosen, status

    def write_request(self, draft: Draft, status: str, invited: list[int], chosen: int | None) -> None:
        rng, writer = self.rng, self.writer
        kind = draft.kind.value
        organisation = rng.choice(self.organisation_ids) if rng.random() < 0.3 else None
        coordinator = rng.choice(self.coordinator_ids)
        request_id = writer.add(
            HelpRequest.__table__,
            ki_id=self.ki.id,
            kind=kind,
            status=status,
            language_id=draft.language_ids[0],
            min_level=draft.min_level,
            topic_id=self.topics[_weighted(rng, TOPICS_BY_KIND[RequestKind(kind)])],
            starts_at=draft.starts,
            duration_minutes=draft.duration,
            due_on=draft.day if kind == "written" else None,
            town_id=draft.town_id,
            place="Bahnhofstraße 1" if kind in ("accompaniment", "onsite") else None,
            client_ref=rng.choice(self.clients),
            gender_pref=draft.gender_pref,
            qualified_required=draft.qualified,
            helpers_needed=1,
            fill_mode="confirm",
            notes=None,
            organisation_id=organisation,
            requested_by_id=None,
            urgent=False,
            urgent_reason=None,
            contact_shared=False,
            created_by_id=coordinator,
            created_at=draft.created,
            updated_at=draft.created,
        )
        if status in ("open", "offered"):
            self.result.all_open_request_ids.append(request_id)
        for language_id in draft.language_ids[1:]:
            writer.add(request_alt_language, request_id=request_id, language_id=language_id)
        created = draft.created
        self.history(request_id, None, "draft" if status == "draft" else "open", coordinator, created)
        if invited:
            answered = self.offers(
                request_id,
                status,
                invited,
                chosen,
                draft.starts,
                draft.ends,
                created,
                coordinator,
                draft.anchor,
            )
            self.history(request_id, "open", status, coordinator, answered)
        elif status == "cancelled":
            self.history(request_id, "open", status, coordinator, created + timedelta(days=1))
        elif status == "unfilled":  # nobody to ask: the date passed
            self.history(request_id, "open", status, None, draft.anchor + timedelta(hours=1))

    def history(self, request_id: int, before: str | None, after: str, actor: int, at: datetime) -> None:
        self.writer.add(
            RequestStatusChange.__table__,
            request_id=request_id,
            from_status=before,
            to_status=after,
            actor_id=actor,
            at=min(at, self.now),
            note=None,
        )

    def offers(
        self, request_id, status, invited, chosen, starts, ends, created, coordinator, anchor
    ) -> datetime:
        rng, writer = self.rng, self.writer
        sent = created + timedelta(hours=rng.uniform(1, 30))
        answered = sent + timedelta(hours=rng.uniform(1, 40))
        for helper_id in invited:
            if status == "offered":
                offer_status, answer = ("pending", None) if rng.random() < 0.7 else ("declined", answered)
                if offer_status == "pending":
                    self.pending[helper_id] += 1
            elif helper_id == chosen:
                offer_status, answer = "accepted", answered
            else:
                offer_status = rng.choice(("declined", "expired", "withdrawn"))
                answer = answered if offer_status == "declined" else None
            offer_id = writer.add(
                Offer.__table__,
                request_id=request_id,
                helper_id=helper_id,
                status=offer_status,
                decline_reason=None,
                sent_by_id=coordinator,
                created_at=sent,
                answered_at=answer,
                expires_at=sent + timedelta(days=3),
            )
            if helper_id != chosen:
                continue
            if status == "filled":
                assignment_status = "confirmed"
            else:
                assignment_status = "no_show" if rng.random() < 0.03 else "completed"
            done = assignment_status == "completed"
            reported = anchor.astimezone(self.now.tzinfo) + timedelta(days=1) if done else None
            settled = done and reported < self.now - timedelta(days=14)
            writer.add(
                Assignment.__table__,
                request_id=request_id,
                helper_id=helper_id,
                offer_id=offer_id,
                seat=1,
                status=assignment_status,
                starts_at=starts,
                ends_at=ends,
                confirmed_by_id=coordinator,
                confirmed_at=answered,
                withdraw_reason=None,
                actual_minutes=rng.choice((45, 60, 90, 120)) if done else None,
                travel_km=rng.randint(0, 40) if done else None,
                report_note=None,
                reported_at=reported,
                # Coordinators approve reported hours within days; the last fortnight's still wait.
                approved_at=reported + timedelta(days=3) if settled else None,
                approved_by_id=coordinator if settled else None,
            )
        return answered

    # --- everything --------------------------------------------------------------------------

    def build(self) -> Dataset:
        started = clock.perf_counter()
        self.emails: dict[int, str] = {}
        self.pending: dict[int, int] = defaultdict(int)
        self.judge = Judge()
        self.reference()
        for number in range(1, self.kis + 1):
            # Spread evenly: the first KIs take one more helper when the division leaves a rest.
            helpers = self.scale // self.kis + (1 if number <= self.scale % self.kis else 0)
            self.start_ki(number)
            self.staff(helpers)
            self.writer.flush()
            self.helpers(helpers)
            self.staffing.ready()
            self.writer.flush()
            self.requests(helpers)
            self.writer.flush()
        self.writer.finish()
        busiest = sorted(self.pending, key=lambda helper_id: -self.pending[helper_id])
        self.result.inbox_helpers = [self.emails[helper_id] for helper_id in busiest[:200]]
        self.result.counts = dict(self.writer.counts)
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
