"""The matching engine: which helpers can take a request, in which order, and why.

Pure domain code: it takes a request and candidates as plain facts and returns
ranked candidates with reasons, and near misses with the one rule they fail.
No Flask, no database — ``ki_match.matching.queries`` gathers the facts in a
fixed number of queries, whatever the number of helpers.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import get_translations

from ki_match.clock import BERLIN
from ki_match.helpers.availability import Absence, Slot, absent_on, is_available
from ki_match.reference.geo import great_circle_km

# Levels as stored (ki_match.reference.models.Level): A2=2 … C2=6, native=7.
B1 = 3
NATIVE = 7

# Roads in a rural Kreis are about a third longer than the straight line, at about 50 km/h.
ROAD_FACTOR = 1.3
ROAD_SPEED_KMH = 50
# Without a car ("Ich habe kein Auto"): buses between the towns of a rural Kreis, with changes
# and waiting, make about 20 km/h door to door, and never less than half an hour between towns.
TRANSIT_SPEED_KMH = 20
TRANSIT_MIN = timedelta(minutes=30)
MIN_GAP = timedelta(minutes=15)


class Kind(enum.StrEnum):
    ACCOMPANIMENT = "accompaniment"
    ONSITE = "onsite"
    REMOTE = "remote"
    WRITTEN = "written"


INTERPRETING = frozenset({Kind.ACCOMPANIMENT, Kind.ONSITE, Kind.REMOTE})
IN_PERSON = frozenset({Kind.ACCOMPANIMENT, Kind.ONSITE})


@dataclass(frozen=True)
class Place:
    town_id: int
    name: str
    lat: float
    lon: float


def road_km(a: Place, b: Place) -> float:
    """The distance by road between two towns, estimated from the straight line."""
    return great_circle_km(a.lat, a.lon, b.lat, b.lon) * ROAD_FACTOR


def travel_time(a: Place | None, b: Place | None, *, by_car: bool = True) -> timedelta:
    """Time to get from one town to the other, never less than a short break; slower without a car."""
    if a is None or b is None or a.town_id == b.town_id:
        return MIN_GAP
    speed, least = (ROAD_SPEED_KMH, MIN_GAP) if by_car else (TRANSIT_SPEED_KMH, TRANSIT_MIN)
    minutes = road_km(a, b) / speed * 60
    return max(least, timedelta(minutes=5 * math.ceil(minutes / 5)))


@dataclass(frozen=True)
class RequestFacts:
    id: int | None
    kind: Kind
    language_ids: tuple[int, ...]  # first the asked-for language, then acceptable alternatives
    min_level: int
    starts_at: datetime | None  # UTC; None for written translations
    ends_at: datetime | None
    due_on: date | None
    place: Place | None
    gender_pref: str | None
    qualified_required: bool
    topic_id: int | None
    client_ref: str | None
    ki_id: int | None = None  # the asking KI; None: every helper counts as its own
    shares_pool: bool = False  # the asking KI shares its pool (and so may ask other KIs')
    # Safeguarding gates: the asking KI's, for its own helpers and the shared pool's alike.
    needs_confidentiality: bool = False
    needs_training: bool = False
    # "Kinder / besonders schutzbedürftige Personen": a police certificate valid on this day.
    certificate_needed_on: date | None = None
    today: date | None = None  # to tell "expired" from "runs out before the day"


@dataclass(frozen=True)
class Busy:
    """Another confirmed assignment of the helper."""

    starts_at: datetime
    ends_at: datetime
    place: Place | None


@dataclass
class HelperFacts:
    id: int
    name: str
    active: bool = True
    approved: bool = True
    consent: bool = True
    languages: dict[int, int] = field(default_factory=dict)  # language id → level
    german_level: int | None = None
    gender: str | None = None
    qualified: bool = False
    home: Place | None = None
    served_town_ids: frozenset[int] = frozenset()
    max_travel_km: int | None = None
    remote_ok: bool = False
    has_car: bool = True
    slots: tuple[Slot, ...] = ()
    absences: tuple[Absence, ...] = ()
    busy: tuple[Busy, ...] = ()
    assignments_in_month: int = 0
    monthly_cap: int = 4
    declined_this_request: bool = False
    recent_assignments: int = 0  # last 30 days
    topic_experience: int = 0  # completed assignments with the request's topic
    offers_answered: int = 0
    offers_accepted: int = 0
    no_shows: int = 0
    knows_client: bool = False
    # On standby ("auf Abruf") on the request's day: listed first among candidates of equal score.
    standby: bool = False
    # The shared pool: the helper's KI, whether it shares, and her consent to be asked by others.
    ki_id: int | None = None
    ki_name: str = ""
    ki_shares_pool: bool = False
    pool_remote_ok: bool = False
    pool_in_person_ok: bool = False
    # Coordinator-kept checks (dates only); the certificate's last valid day by the asking KI.
    confidentiality_signed_on: date | None = None
    training_completed_on: date | None = None
    police_certificate_valid_until: date | None = None


# Rules a coordinator cannot set aside, not even by asking: an offer would reach a helper who may
# not do this work (``offers.sending``; booking refuses them too, ``offers.booking``).
NEVER_ASKED = frozenset({"police_certificate"})
# The safeguarding rules: the KI's gates, the request's need of a qualified helper and of a police
# certificate. Checked again when a yes becomes an assignment (``offers.confirming``): a check can run
# out, or a flag change, between asking and confirming.
SAFEGUARDING = frozenset({"confidentiality", "training", "qualified"}) | NEVER_ASKED


@dataclass(frozen=True)
class Failure:
    rule: str
    reason: str


@dataclass
class Candidate:
    helper: HelperFacts
    score: float
    reasons: list[str]
    failures: list[Failure]
    distance_km: float | None

    @property
    def eligible(self) -> bool:
        return not self.failures

    @property
    def askable(self) -> bool:
        """May be sent an offer: a candidate, or a near miss the coordinator may ask anyway."""
        return not any(failure.rule in NEVER_ASKED for failure in self.failures)


@dataclass
class MatchResult:
    candidates: list[Candidate]
    near_misses: list[Candidate]
    # Candidates from other KIs of the shared pool, asked about only when the own pool has none.
    pool: list[Candidate] = field(default_factory=list)


LanguageNamer = Callable[[int], str]


class Words:
    """The reasons' wording in the current language, looked up once per ranking.

    A ranking words a few thousand reasons; asking Flask-Babel for the catalogue each time
    (``gettext``) cost more than all the rules together.
    """

    def __init__(self) -> None:
        self._translations = get_translations()
        # The same few dozen messages for every helper: each looked up once.
        self._found: dict[str, str] = {}

    def gettext(self, message: str, **variables) -> str:
        text = self._found.get(message)
        if text is None:
            text = self._found[message] = self._translations.ugettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return self._translations.ungettext(singular, plural, num) % variables


# --- hard rules ----------------------------------------------------------------------------


def from_elsewhere(request: RequestFacts, helper: HelperFacts) -> bool:
    """Is the helper one of another KI's, asked through the shared pool?"""
    return request.ki_id is not None and helper.ki_id is not None and helper.ki_id != request.ki_id


def pool_consent(request: RequestFacts, helper: HelperFacts) -> bool:
    """Both KIs share, and the helper agreed to be asked by other KIs for this kind of request:
    in person (accompaniment, on site) or at a distance (phone, video, written)."""
    agreed = helper.pool_in_person_ok if request.kind in IN_PERSON else helper.pool_remote_ok
    return request.shares_pool and helper.ki_shares_pool and agreed


def _best_language(request: RequestFacts, helper: HelperFacts) -> tuple[int, int] | None:
    """The (language id, level) of the helper that fits the request best."""
    spoken = [(lid, helper.languages[lid]) for lid in request.language_ids if lid in helper.languages]
    if not spoken:
        return None
    # the asked-for language first, then the highest level
    return max(spoken, key=lambda item: (item[0] == request.language_ids[0], item[1]))


def _absence(helper: HelperFacts, first: date, last: date) -> Absence | None:
    """The absence that touches these local days, to say until when the helper is away."""
    for absence in helper.absences:
        if absent_on([absence], first, last):
            return absence
    return None


def _clash(request: RequestFacts, helper: HelperFacts) -> Busy | None:
    if request.starts_at is None or request.ends_at is None:
        return None
    for busy in helper.busy:
        gap = (
            travel_time(busy.place, request.place, by_car=helper.has_car)
            if request.kind in IN_PERSON
            else MIN_GAP
        )
        if busy.starts_at - gap < request.ends_at and request.starts_at < busy.ends_at + gap:
            return busy
    return None


def _distance(request: RequestFacts, helper: HelperFacts) -> float | None:
    if request.place is None or helper.home is None:
        return None
    return great_circle_km(helper.home.lat, helper.home.lon, request.place.lat, request.place.lon)


def _day(value: date) -> str:
    return f"{value.day}.{value.month}."


def _full_day(value: date) -> str:
    return f"{value.day}.{value.month}.{value.year}"


LEVEL_LABELS = {2: "A2", 3: "B1", 4: "B2", 5: "C1", 6: "C2"}


def _level(level: int, words: Words) -> str:
    return words.gettext("Muttersprache") if level == NATIVE else LEVEL_LABELS.get(level, str(level))


def hard_rule_failures(
    request: RequestFacts, helper: HelperFacts, language_name: LanguageNamer, words: Words | None = None
) -> list[Failure]:
    """Every hard rule this helper fails for this request, in plain words."""
    words = words or Words()
    failures: list[Failure] = []

    def fail(rule: str, reason: str) -> None:
        failures.append(Failure(rule, reason))

    if not helper.active:
        fail("active", words.gettext("Konto ist deaktiviert"))
    elif not helper.approved:
        fail("approved", words.gettext("noch nicht freigegeben"))
    elif not helper.consent:
        fail("consent", words.gettext("Einwilligung zurückgezogen"))
    if from_elsewhere(request, helper) and not pool_consent(request, helper):
        fail("pool", words.gettext("nicht für Anfragen anderer KIs freigegeben"))

    best = _best_language(request, helper)
    if best is None:
        fail(
            "language",
            words.gettext("spricht %(language)s nicht", language=language_name(request.language_ids[0])),
        )
    elif best[1] < request.min_level:
        fail(
            "language",
            words.gettext(
                "%(language)s nur auf Niveau unter dem geforderten", language=language_name(best[0])
            ),
        )

    if request.kind in INTERPRETING and (helper.german_level or 0) < B1:
        fail("german", words.gettext("Deutsch unter B1"))

    if request.starts_at is not None and request.ends_at is not None:
        local_start = request.starts_at.astimezone(BERLIN)
        local_last = (request.ends_at.astimezone(BERLIN) - timedelta(microseconds=1)).date()
        absence = _absence(helper, local_start.date(), local_last)
        if absence is not None:
            fail("absent", words.gettext("abwesend bis %(day)s", day=_day(absence.last_day)))
        elif not is_available(helper.slots, (), request.starts_at, request.ends_at):
            fail("slot", words.gettext("hat zu dieser Zeit laut Wochenplan keine Zeit"))
        elif _clash(request, helper) is not None:
            fail("busy", words.gettext("hat um diese Zeit schon einen Einsatz"))
    elif request.due_on is not None:
        absence = _absence(helper, request.due_on, request.due_on)
        if absence is not None:
            fail("absent", words.gettext("abwesend bis %(day)s", day=_day(absence.last_day)))

    if request.gender_pref and helper.gender != request.gender_pref:
        fail("gender", words.gettext("Wunsch nach einer anderen Person (Geschlecht)"))

    if request.qualified_required and not helper.qualified:
        fail("qualified", words.gettext("keine abgeschlossene Sprachlotsen-Qualifizierung"))

    _safeguarding(request, helper, words, fail)

    if request.kind in IN_PERSON and request.place is not None:
        distance = _distance(request, helper)
        serves = request.place.town_id in helper.served_town_ids or (
            helper.home is not None and helper.home.town_id == request.place.town_id
        )
        within = (
            helper.max_travel_km is not None and distance is not None and distance <= helper.max_travel_km
        )
        if not (serves or within):
            fail("reach", words.gettext("fährt nicht nach %(town)s", town=request.place.name))
    elif request.kind == Kind.REMOTE and not helper.remote_ok:
        fail("remote", words.gettext("macht keine Telefon- oder Videoeinsätze"))

    if helper.assignments_in_month >= helper.monthly_cap:
        fail("cap", words.gettext("Monatsgrenze erreicht (%(cap)d Einsätze)", cap=helper.monthly_cap))

    if helper.declined_this_request:
        fail("declined", words.gettext("hat diese Anfrage abgelehnt"))
    return failures


def _safeguarding(request: RequestFacts, helper: HelperFacts, words: Words, fail) -> None:
    """The asking KI's gates (``Ki.gate_*``) and the request's need of a police certificate."""
    if request.needs_confidentiality and helper.confidentiality_signed_on is None:
        fail("confidentiality", words.gettext("Schweigepflichterklärung fehlt"))
    if request.needs_training and helper.training_completed_on is None:
        fail("training", words.gettext("Basisqualifizierung fehlt"))
    needed_on = request.certificate_needed_on
    if needed_on is None:
        return
    valid_until = helper.police_certificate_valid_until
    if valid_until is None:
        fail("police_certificate", words.gettext("kein Führungszeugnis vorgelegt"))
    elif valid_until < (request.today or needed_on):
        fail(
            "police_certificate",
            words.gettext("Führungszeugnis abgelaufen am %(day)s", day=_full_day(valid_until)),
        )
    elif valid_until < needed_on:
        fail(
            "police_certificate",
            words.gettext("Führungszeugnis gilt nur bis %(day)s", day=_full_day(valid_until)),
        )


# --- soft score ----------------------------------------------------------------------------

WEIGHTS = {
    "level": 0.20,
    "distance": 0.20,
    "fairness": 0.20,
    "topic": 0.10,
    "reliability": 0.15,
    "continuity": 0.15,
}


def soft_score(
    request: RequestFacts, helper: HelperFacts, language_name: LanguageNamer, words: Words | None = None
) -> tuple[float, list[str], float | None]:
    """A score in [0, 1] and the reasons behind it, best first."""
    words = words or Words()
    reasons: list[str] = []
    parts: dict[str, float] = {}

    best = _best_language(request, helper)
    if best is not None:
        language_id, level = best
        parts["level"] = (level - 1) / (NATIVE - 1)
        name = language_name(language_id)
        if level == NATIVE:
            reasons.append(words.gettext("Muttersprache %(language)s", language=name))
        else:
            reasons.append(
                words.gettext("%(language)s auf %(level)s", language=name, level=_level(level, words))
            )

    distance = _distance(request, helper)
    if request.kind in IN_PERSON and distance is not None:
        parts["distance"] = max(0.0, 1 - distance / 50)
        if from_elsewhere(request, helper):
            # Another KI's helper: how far, never where she lives.
            reasons.append(words.gettext("wohnt %(km)d km entfernt", km=round(distance)))
        elif distance >= 1:
            reasons.append(
                words.gettext("wohnt in %(town)s, %(km)d km", town=helper.home.name, km=round(distance))
            )
        else:
            reasons.append(words.gettext("wohnt in %(town)s", town=helper.home.name))
    else:
        parts["distance"] = 1.0

    parts["fairness"] = 1 / (1 + helper.recent_assignments)
    if helper.recent_assignments:
        reasons.append(
            words.ngettext(
                "%(num)d Einsatz in 30 Tagen",
                "%(num)d Einsätze in 30 Tagen",
                helper.recent_assignments,
            )
        )
    else:
        reasons.append(words.gettext("in den letzten 30 Tagen kein Einsatz"))

    parts["topic"] = min(helper.topic_experience, 5) / 5
    if helper.topic_experience:
        reasons.append(words.gettext("Erfahrung mit dem Thema (%(n)d Einsätze)", n=helper.topic_experience))

    # Unknown reliability counts as good: new helpers must get a chance.
    accept_rate = (helper.offers_accepted + 2) / (helper.offers_answered + 2)
    parts["reliability"] = max(0.0, accept_rate - 0.25 * helper.no_shows)
    if helper.offers_answered >= 3:
        reasons.append(
            words.gettext(
                "sagt %(a)d von %(n)d Anfragen zu", a=helper.offers_accepted, n=helper.offers_answered
            )
        )
    if helper.no_shows:
        reasons.append(words.gettext("%(n)d× nicht erschienen", n=helper.no_shows))

    parts["continuity"] = 1.0 if helper.knows_client else 0.0
    if helper.knows_client:
        reasons.insert(0, words.gettext("kennt die Familie"))

    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    return round(score, 4), reasons, distance


def rank(request: RequestFacts, helpers: Iterable[HelperFacts], language_name: LanguageNamer) -> MatchResult:
    """Every helper either a candidate (ranked, best first), a near miss (exactly one failed rule) or out."""
    words = Words()
    candidates: list[Candidate] = []
    near_misses: list[Candidate] = []
    for helper in helpers:
        failures = hard_rule_failures(request, helper, language_name, words)
        if len(failures) > 1:
            continue
        score, reasons, distance = soft_score(request, helper, language_name, words)
        entry = Candidate(helper, score, reasons, failures, distance)
        (near_misses if failures else candidates).append(entry)
    order = lambda c: (  # noqa: E731
        -c.score,
        not c.helper.standby,
        c.distance_km if c.distance_km is not None else 0,
        c.helper.name,
    )
    candidates.sort(key=order)
    near_misses.sort(key=order)
    return MatchResult(candidates, near_misses)
