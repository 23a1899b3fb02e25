"""The bench's people: each KI's admin, coordinators and initiatives, and its helpers with all they bring.

The helpers follow the demo's (``ki_match.devtools.demo``): communities by the
people the Kreis Höxter has helpers from, with their languages and levels,
home towns by population, the towns or the distance they serve, weekly slots,
absences, topics; most approved, a few waiting for approval or gone. Each
approved helper is also handed to the matching engine's view of the KI
(``bench.staffing``), which decides later who takes a request.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

from ki_match.accounts.models import Role, User
from ki_match.devtools.bench.site import Kreis, Run
from ki_match.devtools.demo import content
from ki_match.devtools.demo.clock import road_km
from ki_match.devtools.demo.people import BLOCKS, TOPIC_WEIGHTS
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    HelperLanguage,
    HelperProfile,
    helper_topic,
    helper_town,
)
from ki_match.orgs.models import Organisation
from ki_match.profile.services import CONSENT_VERSION
from ki_match.reference.models import Level

DOMAIN = "bench.example"


def admin_email(number: int) -> str:
    return f"admin-{number}@{DOMAIN}"


def coordinator_email(number: int) -> str:
    return f"koordination-{number}@{DOMAIN}"


def initiative_email(number: int) -> str:
    return f"initiative-{number}@{DOMAIN}"


def helper_email(number: int) -> str:
    return f"helfer-{number}@{DOMAIN}"


class People:
    """Writes the people of the KI being built; numbers and e-mail addresses run on across KIs."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.rng = run.rng
        self.writer = run.writer
        self.numbers: dict[str, int] = defaultdict(int)
        # What the harness logs in with.
        self.coordinators: list[str] = []
        self.initiatives: list[str] = []
        self.emails: dict[int, str] = {}  # approved helpers: profile id → e-mail

    @property
    def kreis(self) -> Kreis:
        return self.run.kreis

    # --- staff -------------------------------------------------------------------------------

    def user(self, email: str, name: str, role: Role, **fields) -> int:
        created = fields.pop("created_at", self.run.now - timedelta(days=400))
        return self.writer.add(
            User.__table__,
            ki_id=self.kreis.ki.id,
            email=email,
            password_hash=self.run.password_hash,
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
        # The KI's first admin, as ``flask ki create`` would invite (here without a mail).
        self.numbers["admin"] += 1
        self.user(admin_email(self.numbers["admin"]), "Administration", Role.ADMIN)
        # About one coordinator per 150 helpers: the state's 54 KIs have one to three each.
        for _ in range(max(2, helpers // 150)):
            self.numbers["coordinator"] += 1
            number = self.numbers["coordinator"]
            email = coordinator_email(number)
            self.coordinators.append(email)
            self.kreis.coordinator_ids.append(self.user(email, f"Koordination {number}", Role.COORDINATOR))
        towns = list(self.kreis.towns.values())
        for _ in range(max(2, helpers // 100)):
            self.numbers["initiative"] += 1
            number = self.numbers["initiative"]
            organisation_id = self.writer.add(
                Organisation.__table__,
                ki_id=self.kreis.ki.id,
                name=f"Initiative {number}",
                kind="initiative",
                town_id=self.rng.choice(towns).id,
                active=True,
                created_at=self.run.now - timedelta(days=500),
            )
            self.kreis.organisation_ids.append(organisation_id)
            email = initiative_email(number)
            self.initiatives.append(email)
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
            self.helper(self.run.weighted(communities), near)

    def helper(self, community: content.Community, near: dict[str, list[str]]) -> None:
        rng = self.rng
        self.numbers["helper"] += 1
        number = self.numbers["helper"]
        created = self.run.now - timedelta(days=rng.uniform(30, 1300))
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
        home = self.run.weighted(content.TOWN_WEIGHTS)
        mode = rng.choices(("towns", "km", "both"), weights=(3, 3, 4))[0]
        served = (
            (home, *rng.sample(near[home], min(len(near[home]), rng.randint(1, 3)))) if mode != "km" else ()
        )
        approved = created + timedelta(days=rng.uniform(3, 30)) if state != "awaiting" else None
        profile = self.profile(user_id, created, approved, gender, sprachlotse, home, mode)
        helper_id = self.writer.add(HelperProfile.__table__, **profile)
        profile["id"] = helper_id
        languages = {self.run.languages[code]: level for code, level in levels.items()}
        week, absences = self.profile_rows(helper_id, languages, served)
        if state == "approved":
            served_ids = [self.kreis.towns[name].id for name in served]
            self.kreis.staffing.add(profile, languages, self.run.languages["de"], served_ids, week, absences)
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
            "ki_id": self.kreis.ki.id,
            "user_id": user_id,
            "phone": None,
            "home_town_id": self.kreis.towns[home].id,
            "max_travel_km": rng.choice((15, 20, 25, 25, 30, 40)) if mode != "towns" else None,
            "remote_ok": (remote := rng.random() < 0.55),
            # A third of those working at a distance may be asked by other KIs (the shared pool).
            "pool_remote_ok": remote and rng.random() < 0.33,
            "pool_in_person_ok": False,
            "gender": gender,
            "kind": "sprachlotse" if sprachlotse else "volunteer",
            # A KI's gates (on by default) ask both before any offer.
            "qualification_completed_on": created.date() - timedelta(days=30),
            # Signed when the account was made, or (a fifth) at the meeting the day before.
            "confidentiality_signed_on": created.date() - timedelta(days=0 if rng.random() < 0.8 else 1),
            "police_certificate_seen_on": None,
            "monthly_cap": rng.choice((4, 6, 8, 10)) if sprachlotse else rng.choice((2, 3, 4, 4, 4, 5, 6)),
            "directory_opt_in": rng.random() < 0.5,
            "consent_given_at": created + timedelta(hours=2),
            "consent_version": CONSENT_VERSION,
            "approved_at": approved,
            "calendar_token_hash": None,
            "approved_by_id": rng.choice(self.kreis.coordinator_ids) if approved else None,
            "created_at": created,
            "updated_at": approved or created,
        }

    def profile_rows(self, helper_id: int, languages: dict[int, int], served: tuple[str, ...]) -> tuple:
        """The rows hanging off a profile; returns the weekly slots and absences written."""
        rng, writer = self.rng, self.writer
        for language_id, level in languages.items():
            writer.add(HelperLanguage.__table__, helper_id=helper_id, language_id=language_id, level=level)
        for name in served:
            writer.add(helper_town, helper_id=helper_id, town_id=self.kreis.towns[name].id)
        topics = set()
        while len(topics) < rng.randint(2, 5):
            topics.add(self.run.weighted(TOPIC_WEIGHTS))
        for code in topics:
            writer.add(helper_topic, helper_id=helper_id, topic_id=self.run.topics[code])
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
            first = self.run.today - timedelta(days=rng.randint(0, 5))
            found.append((first, self.run.today + timedelta(days=rng.randint(2, 16))))
        if 0.06 <= roll < 0.3:  # holidays ahead
            first = self.run.today + timedelta(days=rng.randint(5, 50))
            found.append((first, first + timedelta(days=rng.randint(3, 21))))
        if rng.random() < 0.3:  # last summer
            first = self.run.today - timedelta(days=rng.randint(60, 300))
            found.append((first, first + timedelta(days=rng.randint(7, 21))))
        return found
