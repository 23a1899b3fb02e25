"""Demo staff, organisations and helpers, with what matching needs to know about each helper."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ki_match.accounts.models import Role, User
from ki_match.devtools.demo import content
from ki_match.devtools.demo.clock import clock_at, road_km
from ki_match.devtools.matching import Diary
from ki_match.extensions import db
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    Gender,
    HelperKind,
    HelperLanguage,
    HelperProfile,
)
from ki_match.orgs.models import Ki, Organisation, OrganisationKind
from ki_match.profile.services import CONSENT_VERSION
from ki_match.reference.models import Language, Level, Topic, Town

APPROVED = "approved"
AWAITING = "awaiting"
UNVERIFIED = "unverified"
DEACTIVATED = "deactivated"

# Weekly windows in minutes after midnight, grouped by the kind of day people have.
BLOCKS = {
    "morning": ((480, 720), (510, 750), (540, 780), (540, 720)),
    "midday": ((600, 840), (660, 900)),
    "afternoon": ((780, 1020), (840, 1080), (810, 990)),
    "day": ((480, 960), (540, 900)),
    "evening": ((1020, 1200), (1080, 1260)),
}
RHYTHMS = {
    # retired or at home: mornings and whole days, on weekdays
    "home": (("morning", "day", "midday", "morning"), False),
    # employed: afternoons and evenings, Saturdays too
    "working": (("afternoon", "evening", "evening"), True),
    # students and part-timers: a bit of everything
    "mixed": (("morning", "afternoon", "midday", "evening"), True),
}
TOPIC_WEIGHTS = {
    "authorities": 5,
    "health": 5,
    "school": 4,
    "work": 4,
    "housing": 3,
    "everyday": 4,
    "parents": 3,
    "translation": 2,
}


@dataclass(eq=False)  # compared by identity: two helpers are never "equal"
class DemoHelper:
    """A helper as the demo generator sees it: their profile in plain values, and their diary
    so far. Whether they fit a request is the matching engine's to say (``demo.rules``)."""

    user: User
    profile: HelperProfile
    state: str
    levels: dict[str, int] = field(default_factory=dict)
    home: str | None = None
    towns: tuple[str, ...] = ()
    max_km: int | None = None
    remote_ok: bool = False
    gender: Gender | None = None
    qualified: bool = False
    slots: list[tuple[int, int, int]] = field(default_factory=list)  # weekday, start, end (minutes)
    absences: list[tuple[date, date]] = field(default_factory=list)
    approved_at: datetime | None = None
    active_until: datetime | None = None
    cap: int = 4
    topics: tuple[str, ...] = ()
    diary: Diary = field(default_factory=Diary)


@dataclass
class Cast:
    """Everyone the demo creates, and the reference rows they point at."""

    ki: Ki
    towns: dict[str, Town]
    languages: dict[str, Language]
    topics: dict[str, Topic]
    admin: User
    coordinators: list[User]
    organisations: list[Organisation]
    members: dict[str, list[User]]  # organisation name → initiative members
    helpers: list[DemoHelper]
    sprachlotsin: DemoHelper


def ascii_slug(text: str) -> str:
    text = text.replace("ß", "ss").replace("ı", "i")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch == "-")


class People:
    def __init__(self, rng: random.Random, now: datetime, today: date, ki: Ki, reference: dict):
        self.rng = rng
        self.now = now
        self.today = today
        self.ki = ki
        self.towns: dict[str, Town] = reference["towns"]
        self.languages: dict[str, Language] = reference["languages"]
        self.topics: dict[str, Topic] = reference["topics"]
        self.password_hash: str = reference["password_hash"]
        self.emails: set[str] = set()
        self.display_names: set[str] = set()
        self.first_names: set[str] = set()
        self.phones = iter(rng.sample(range(1000), 200))

    def days_ago(self, low: float, high: float) -> datetime:
        return (self.now - timedelta(days=self.rng.uniform(low, high))).replace(microsecond=0)

    def user(self, email: str, name: str, role: Role, **fields) -> User:
        self.emails.add(email)
        fields.setdefault("locale", "de")
        user = User(
            ki_id=self.ki.id,
            email=email,
            display_name=name,
            role=role,
            password_hash=self.password_hash,
            **fields,
        )
        db.session.add(user)
        return user

    # --- staff and organisations -------------------------------------------------------

    def operator(self, email: str) -> User:
        """The installation's operator: in no KI."""
        user = self.user(email, "Betrieb (Land NRW)", Role.OPERATOR, email_verified_at=self.now)
        user.ki_id = None
        return user

    def staff(self) -> tuple[User, list[User]]:
        admin, coordinators = None, []
        for email, name, role in content.STAFF:
            created = self.days_ago(700, 1100)
            user = self.user(
                email,
                name,
                Role(role),
                created_at=created,
                email_verified_at=created + timedelta(minutes=20),
                last_login_at=self.days_ago(0.2, 3),
            )
            if user.role == Role.ADMIN:
                admin = user
            else:
                coordinators.append(user)
        return admin, coordinators

    def organisations(self) -> tuple[list[Organisation], dict[str, list[User]]]:
        organisations, members = [], {}
        for name, kind, town, _people in content.ORGANISATIONS:
            organisation = Organisation(
                ki_id=self.ki.id,
                name=name,
                kind=OrganisationKind(kind),
                town_id=self.towns[town].id,
                created_at=self.days_ago(500, 900),
            )
            db.session.add(organisation)
            organisations.append(organisation)
        db.session.flush()
        for organisation, (name, _kind, _town, people) in zip(
            organisations, content.ORGANISATIONS, strict=True
        ):
            members[name] = []
            for email, display_name in people:
                created = self.days_ago(300, 600)
                members[name].append(
                    self.user(
                        email,
                        display_name,
                        Role.INITIATIVE,
                        organisation_id=organisation.id,
                        created_at=created,
                        email_verified_at=created + timedelta(hours=2),
                        last_login_at=self.days_ago(1, 20),
                    )
                )
        return organisations, members

    # --- helpers -------------------------------------------------------------------------

    def helpers(self, coordinators: list[User]) -> tuple[list[DemoHelper], DemoHelper]:
        sprachlotsin = self.sprachlotsin(coordinators)
        plans = [community for community in content.COMMUNITIES for _ in range(community.count)]
        states = [APPROVED] * len(plans)
        # Who is not (yet) in the pool is drawn, so the special cases vary across communities.
        special = self.rng.sample(range(len(plans)), 7)
        for index in special[:4]:
            states[index] = AWAITING
        for index in special[4:6]:
            states[index] = UNVERIFIED
        states[special[6]] = DEACTIVATED
        helpers = [sprachlotsin]
        for community, state in zip(plans, states, strict=True):
            helpers.append(self.helper(community, state, coordinators))
        self.add_absences([h for h in helpers[1:] if h.state == APPROVED])
        # One person chose "divers"; the profile field exists for them too.
        diverse = self.rng.choice([h for h in helpers[1:] if h.state == APPROVED and h.gender])
        diverse.gender = diverse.profile.gender = Gender.DIVERSE
        return helpers, sprachlotsin

    def unique_name(self, community: content.Community, gender: Gender) -> tuple[str, str]:
        pool = community.female if gender == Gender.FEMALE else community.male
        # Three "Rasha"s in one small pool look generated; repeat a first name only when the pool runs out.
        fresh = [name for name in pool if name not in self.first_names] or list(pool)
        for _ in range(100):
            first, initial = self.rng.choice(fresh), self.rng.choice(community.initials)
            name = f"{first} {initial}."
            if name not in self.display_names:
                self.display_names.add(name)
                self.first_names.add(first)
                return first, initial
        raise RuntimeError(f"name pool of {community.key} too small")

    def unique_email(self, first: str, initial: str) -> str:
        local = f"{ascii_slug(first)}.{ascii_slug(initial)}"
        domain = self.rng.choice(content.MAIL_DOMAINS)
        email, number = f"{local}@{domain}", 2
        while email in self.emails:
            email, number = f"{local}{number}@{domain}", number + 1
        return email

    def phone(self) -> str:
        return f"{content.PHONE_PREFIX}{next(self.phones):03d}"

    def helper(self, community: content.Community, state: str, coordinators: list[User]) -> DemoHelper:
        rng = self.rng
        gender = rng.choice((Gender.FEMALE, Gender.MALE))
        first, initial = self.unique_name(community, gender)
        email = self.unique_email(first, initial)
        if state == AWAITING:
            created = self.days_ago(3, 20)
        elif state == UNVERIFIED:
            created = self.days_ago(0.2, 4)
        elif rng.random() < 0.7:
            created = self.days_ago(420, 1300)
        else:
            created = self.days_ago(60, 400)
        verified = None if state == UNVERIFIED else created + timedelta(minutes=rng.randint(3, 600))
        user = self.user(
            email,
            f"{first} {initial}.",
            Role.HELPER,
            created_at=created,
            email_verified_at=verified,
            locale=community.locale if rng.random() < 0.8 else None,
            active=state != DEACTIVATED,
            last_login_at=self.days_ago(0.5, 30) if state in (APPROVED, AWAITING) else None,
        )
        profile = HelperProfile(ki_id=self.ki.id, user=user, created_at=created, updated_at=created)
        helper = DemoHelper(user=user, profile=profile, state=state)
        if state == UNVERIFIED:
            # Registration makes an empty profile; nothing more until the address is confirmed.
            db.session.add(profile)
            return helper

        levels = {community.native: Level.NATIVE}
        for code, choices, chance in community.extra:
            if rng.random() < chance:
                levels[code] = rng.choice(choices)
        levels.setdefault("de", rng.choice(community.german))
        helper.levels = levels
        helper.gender = gender if rng.random() < 0.9 else None
        self.fill_profile(helper, created, rhythm=rng.choices(tuple(RHYTHMS), weights=(4, 2, 4))[0])
        qualifies = levels["de"] >= Level.B2 and rng.random() < community.sprachlotse_share
        self.set_checks(helper, created, qualifies)

        if state in (APPROVED, DEACTIVATED):
            helper.approved_at = created + timedelta(days=rng.uniform(3, 30))
            profile.approved_at = helper.approved_at
            profile.approved_by_id = rng.choice(coordinators).id
            profile.updated_at = helper.approved_at
        if state == DEACTIVATED:
            # Moved away; the account stays for the history of their assignments.
            helper.active_until = self.days_ago(45, 90)
            profile.directory_opt_in = False
            profile.updated_at = helper.active_until
        db.session.add(profile)
        return helper

    def fill_profile(self, helper: DemoHelper, created: datetime, rhythm: str) -> None:
        rng, profile = self.rng, helper.profile
        profile.gender = helper.gender
        profile.phone = self.phone() if rng.random() < 0.7 else None
        home = rng.choices(list(content.TOWN_WEIGHTS), weights=list(content.TOWN_WEIGHTS.values()))[0]
        helper.home = home
        profile.home_town = self.towns[home]
        mode = rng.choices(("towns", "km", "both"), weights=(3, 3, 4))[0]
        if mode in ("towns", "both"):
            near = sorted((road_km(home, other), other) for other in content.TOWN_WEIGHTS if other != home)
            extra = [name for km, name in near[:4] if km <= 25]
            helper.towns = (home, *rng.sample(extra, min(len(extra), rng.randint(1, 3))))
        if mode in ("km", "both"):
            helper.max_km = rng.choice((15, 20, 25, 25, 30, 40))
        profile.towns = [self.towns[name] for name in helper.towns]
        profile.max_travel_km = helper.max_km
        helper.remote_ok = profile.remote_ok = rng.random() < 0.55

        written_ok = helper.levels["de"] >= Level.B2 and any(
            level >= Level.C1 for code, level in helper.levels.items() if code != "de"
        )
        weights = {code: w for code, w in TOPIC_WEIGHTS.items() if code != "translation" or written_ok}
        chosen: list[str] = []
        wanted = rng.randint(2, 5)
        while len(chosen) < wanted:
            code = rng.choices(list(weights), weights=list(weights.values()))[0]
            if code not in chosen:
                chosen.append(code)
        helper.topics = tuple(chosen)
        profile.topics = [self.topics[code] for code in chosen]
        profile.languages = [
            HelperLanguage(language=self.languages[code], level=int(level))
            for code, level in helper.levels.items()
        ]
        helper.slots = self.weekly_slots(rhythm)
        profile.slots = [
            AvailabilitySlot(weekday=weekday, starts=clock_at(start), ends=clock_at(end))
            for weekday, start, end in helper.slots
        ]
        profile.monthly_cap = rng.choice((2, 3, 4, 4, 4, 5, 6))
        helper.cap = profile.monthly_cap
        profile.directory_opt_in = rng.random() < 0.5
        profile.consent_given_at = created + timedelta(minutes=rng.randint(10, 2880))
        profile.consent_version = CONSENT_VERSION

    def weekly_slots(self, rhythm: str) -> list[tuple[int, int, int]]:
        rng = self.rng
        kinds, saturday = RHYTHMS[rhythm]
        days = list(range(6 if saturday else 5))
        count = rng.randint(2, 4)
        slots = []
        for weekday in sorted(rng.sample(days, count)):
            start, end = rng.choice(BLOCKS[rng.choice(kinds)])
            slots.append((weekday, start, end))
        # Some people have a free morning and a free evening on the same day.
        if rng.random() < 0.25:
            weekday, start, end = slots[0]
            if end <= 780:
                evening_start, evening_end = rng.choice(BLOCKS["evening"])
                slots.insert(1, (weekday, evening_start, evening_end))
        return slots

    def set_checks(self, helper: DemoHelper, created: datetime, sprachlotse: bool) -> None:
        rng, profile = self.rng, helper.profile
        joined = created.date()
        if sprachlotse:
            profile.kind = HelperKind.SPRACHLOTSE
            helper.qualified = True
            # The qualification course often came before the account existed.
            course = joined - timedelta(days=rng.randint(0, 400))
            profile.qualification_completed_on = course
            profile.confidentiality_signed_on = course + timedelta(days=rng.randint(0, 14))
            profile.police_certificate_seen_on = joined + timedelta(days=rng.randint(0, 30))
            profile.monthly_cap = helper.cap = rng.choice((4, 6, 8, 10))
        else:
            profile.kind = HelperKind.VOLUNTEER
            # A KI's gates (on by default) ask both before any offer: the demo's pool has them.
            profile.qualification_completed_on = joined - timedelta(days=rng.randint(0, 60))
            profile.confidentiality_signed_on = joined + timedelta(days=rng.randint(1, 20))
            if "school" in helper.topics or "parents" in helper.topics:
                profile.police_certificate_seen_on = joined + timedelta(days=rng.randint(5, 40))
        for attribute in (
            "qualification_completed_on",
            "confidentiality_signed_on",
            "police_certificate_seen_on",
        ):
            if (getattr(profile, attribute) or self.today) > self.today:
                setattr(profile, attribute, self.today - timedelta(days=1))

    def add_absences(self, pool: list[DemoHelper]) -> None:
        rng, today = self.rng, self.today
        chosen = rng.sample(pool, 20)
        for index, helper in enumerate(chosen):
            if index < 6:  # away right now
                first = today - timedelta(days=rng.randint(0, 5))
                last = today + timedelta(days=rng.randint(2, 16))
            elif index < 14:  # holidays ahead
                first = today + timedelta(days=rng.randint(5, 50))
                last = first + timedelta(days=rng.randint(3, 21))
            else:  # last summer's holidays
                first = today - timedelta(days=rng.randint(60, 300))
                last = first + timedelta(days=rng.randint(7, 21))
            note = rng.choice(content.ABSENCE_NOTES)
            helper.absences.append((first, last))
            helper.profile.absences.append(Absence(first_day=first, last_day=last, note=note))

    # --- the Sprachlotsin of the demo login ----------------------------------------------

    def sprachlotsin(self, coordinators: list[User]) -> DemoHelper:
        """A complete, long-standing profile: what a good helper account looks like."""
        created = self.days_ago(760, 760)
        user = self.user(
            content.SPRACHLOTSIN_EMAIL,
            "Rania H.",
            Role.HELPER,
            created_at=created,
            email_verified_at=created + timedelta(minutes=12),
            last_login_at=self.days_ago(1, 1),
        )
        self.display_names.add("Rania H.")
        self.first_names.add("Rania")
        approved = created + timedelta(days=9)
        course = created.date() - timedelta(days=120)
        profile = HelperProfile(
            ki_id=self.ki.id,
            user=user,
            phone=self.phone(),
            home_town=self.towns["Brakel"],
            max_travel_km=25,
            remote_ok=True,
            gender=Gender.FEMALE,
            kind=HelperKind.SPRACHLOTSE,
            qualification_completed_on=course,
            confidentiality_signed_on=course,
            police_certificate_seen_on=created.date() + timedelta(days=5),
            monthly_cap=12,
            directory_opt_in=True,
            consent_given_at=created + timedelta(minutes=30),
            consent_version=CONSENT_VERSION,
            approved_at=approved,
            approved_by_id=coordinators[0].id,
            created_at=created,
            updated_at=approved,
        )
        levels = {"ar": Level.NATIVE, "de": Level.C1, "en": Level.B2}
        towns = ("Brakel", "Bad Driburg", "Höxter", "Nieheim")
        topics = ("authorities", "health", "school", "parents", "work")
        slots = [(0, 510, 780), (1, 840, 1080), (2, 510, 780), (3, 540, 720), (4, 540, 750)]
        profile.languages = [
            HelperLanguage(language=self.languages[c], level=int(lv)) for c, lv in levels.items()
        ]
        profile.towns = [self.towns[name] for name in towns]
        profile.topics = [self.topics[code] for code in topics]
        profile.slots = [
            AvailabilitySlot(weekday=d, starts=clock_at(s), ends=clock_at(e)) for d, s, e in slots
        ]
        holiday = (self.today + timedelta(days=38), self.today + timedelta(days=45))
        profile.absences = [Absence(first_day=holiday[0], last_day=holiday[1], note="Urlaub")]
        db.session.add(profile)
        return DemoHelper(
            user=user,
            profile=profile,
            state=APPROVED,
            levels=levels,
            home="Brakel",
            towns=towns,
            max_km=25,
            remote_ok=True,
            gender=Gender.FEMALE,
            qualified=True,
            slots=slots,
            absences=[holiday],
            approved_at=approved,
            cap=12,
            topics=topics,
        )
