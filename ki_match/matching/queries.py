"""Gathering the facts the matching engine needs, in a fixed number of queries.

However many helpers speak the language, ranking costs the same ten or so
statements: the first reads the KI's matchable helpers' languages and so
decides who the candidates are; each later one selects for all of them at
once (their ids as one parameter), never per helper.

Each statement is built once per process and database dialect (``matching.statements``),
everything that varies being a bound parameter: SQLAlchemy then reuses the
statement's cache key and compiled form instead of building and hashing the
same select again on every ranking (about half of a ranking's CPU time before).
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ki_match.clock import BERLIN, local_date, local_today, utcnow
from ki_match.extensions import db
from ki_match.helpers.availability import Absence as AbsenceFact
from ki_match.helpers.availability import Slot
from ki_match.helpers.services import police_certificate_valid_until
from ki_match.matching import statements
from ki_match.matching.engine import IN_PERSON, Busy, HelperFacts, Kind, Place, RequestFacts
from ki_match.orgs.models import Ki
from ki_match.orgs.settings import settings_for
from ki_match.reference import cache as reference_cache
from ki_match.reference.cache import LanguageRow
from ki_match.reference.models import Town
from ki_match.requests.models import HelpRequest
from ki_match.standby.queries import on_standby
from ki_match.standby.services import request_day

GERMAN = "de"


def place_of(town: Town | None) -> Place | None:
    if town is None:
        return None
    return Place(town.id, town.name, town.lat, town.lon)


def certificate_needed_on(request: HelpRequest, today: date) -> date | None:
    """The day a request for children or vulnerable people needs a valid police certificate: the
    appointment's (local) day or the translation's due day, never before today; None when the
    request does not need one."""
    if not request.protects_vulnerable:
        return None
    day = local_date(request.starts_at) if request.starts_at is not None else request.due_on
    return max(day or today, today)


def request_facts(request: HelpRequest) -> RequestFacts:
    """The request as the engine sees it. The safeguarding gates and the certificate's validity
    are the asking KI's, also for the shared pool's helpers: the KI that sends someone answers for
    her, and one rule for every name on its lists keeps "Warum nicht?" the same for all (her own
    KI's gates apply to her own KI's requests, being the asking KI's there)."""
    today = local_today()
    ki = request.ki
    gates = settings_for(ki)
    return RequestFacts(
        id=request.id,
        kind=Kind(request.kind.value),
        language_ids=(request.language_id, *(lang.id for lang in request.alt_languages)),
        min_level=request.min_level,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        due_on=request.due_on,
        place=place_of(request.town),
        gender_pref=request.gender_pref.value if request.gender_pref else None,
        qualified_required=request.qualified_required,
        topic_id=request.topic_id,
        client_ref=request.client_ref,
        ki_id=request.ki_id,
        shares_pool=ki.shares_pool,
        needs_confidentiality=gates.gate_confidentiality,
        needs_training=gates.gate_qualification,
        certificate_needed_on=certificate_needed_on(request, today),
        today=today,
    )


def languages(ki_id: int) -> dict[int, LanguageRow]:
    """The installation's languages by id (a few dozen rows, kept per process): names for the
    reasons, German's id."""
    return {language.id: language for language in reference_cache.languages(db.session.get(Ki, ki_id))}


def german_id(by_id: dict[int, LanguageRow]) -> int | None:
    return next((language.id for language in by_id.values() if language.code == GERMAN), None)


def pool_helpers(facts: RequestFacts) -> list[int]:
    """The ids of the helpers of other sharing KIs who agreed to be asked for this kind of request
    and speak one of its languages at its level: the language index narrows the state's helpers
    first. The pool shows candidates only (no near misses), so whoever cannot be one by their week
    plan or an absence is left out here already (``statements._pool_speakers``): a language may
    have hundreds of speakers in the state, few of them free at that hour.

    The sharing KIs are read first and given as a list: with them as a subquery, planning the
    select took as long as running it."""
    dialect = _dialect()
    sharing = [ki_id for (ki_id,) in _rows(statements.statement("sharing_kis", dialect), ki_id=facts.ki_id)]
    if not sharing:
        return []
    timing, times = _free_then(facts)
    statement = statements.statement("pool", dialect, facts.kind in IN_PERSON, timing)
    params = {"wanted": list(facts.language_ids), "min_level": facts.min_level, "ki_id": facts.ki_id}
    with _planned_once():
        return [helper_id for (helper_id,) in _rows(statement, sharing=sharing, **params, **times)]


@contextmanager
def _planned_once():
    """On PostgreSQL, the statements run inside use the plan kept with their prepared statement.

    PostgreSQL plans a prepared statement anew for its parameters on every run while it thinks
    that pays (``plan_cache_mode = auto``). For the shared pool's select it does not: planning it
    took longer than running it (a join of six tables), and its one generic plan served every
    request as well. The setting is the transaction's, and set back as it was right after."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.exec_driver_sql(
        "SELECT current_setting('plan_cache_mode'), set_config('plan_cache_mode', 'force_generic_plan', true)"
    ).scalar()
    try:
        yield
    finally:
        connection.exec_driver_sql(
            "SELECT set_config('plan_cache_mode', %(before)s, true)", {"before": before}
        )


def _free_then(facts: RequestFacts) -> tuple[str, dict]:
    """Which of the pool select's time filters the request needs (``statements._pool_speakers``),
    and their values: for an appointment its local days, weekday and times; for a written
    translation its due day; else none."""
    if facts.starts_at is None or facts.ends_at is None:
        if facts.due_on is None:
            return "any time", {}
        return "due", {"first_day": facts.due_on, "last_day": facts.due_on}
    local_start, local_end = facts.starts_at.astimezone(BERLIN), facts.ends_at.astimezone(BERLIN)
    return "appointment", {
        "first_day": local_start.date(),
        "last_day": (local_end - timedelta(microseconds=1)).date(),
        "weekday": local_start.weekday(),
        "begins": local_start.time(),
        "ends": local_end.time(),
    }


def _languages_of(statement, **params) -> dict[int, dict[int, int]]:
    """Every language (id → level) of each helper the ``statement`` (helper id, language id,
    level) reads.

    For a whole KI this is also the pre-filter: the statement reads the languages of the KI's
    matchable helpers who speak one of the request's languages, found among the KI's few hundred
    helpers by key instead of among every speaker of Arabic in the state.
    """
    spoken: dict[int, dict[int, int]] = defaultdict(dict)
    for helper_id, language_id, level in _rows(statement, **params):
        spoken[helper_id][language_id] = level
    return spoken


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The Europe/Berlin calendar month around ``moment``, as UTC instants."""
    local = moment.astimezone(BERLIN)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.astimezone(ZoneInfo("UTC")), following.astimezone(ZoneInfo("UTC"))


def _rows(statement, **params) -> list:
    # Fetched at once: row by row costs the driver a call per row.
    return db.session.connection().execute(statement, params).all()


def helper_facts(ki_id: int, facts: RequestFacts, german_id: int | None, ids=None) -> list[HelperFacts]:
    """Facts for every candidate: the KI's matchable helpers who speak one of the request's
    languages at any level (or every helper of ``ids``, a select of helper ids, whatever they
    speak). Plain Core statements: the ORM's bookkeeping would cost more than the queries.

    One statement per fact, in this order, each for all candidates at once."""
    now = utcnow()
    dialect = _dialect()
    languages, chosen = _candidates(ki_id, facts, ids, dialect)
    if not chosen:
        return []
    profiles = _rows(statements.statement("profiles", dialect), known=chosen)
    if not profiles:
        return []
    gathered = _Gathered(
        languages=languages,
        german_id=german_id,
        slots=_slots(chosen, dialect),
        absences=_absences(chosen, dialect, facts, now),
        served=_served_towns(chosen, dialect),
        busy=_nearby_assignments(chosen, dialect, facts),
        history=_history(chosen, dialect, facts, now),
        answers=_offer_answers(chosen, dialect, facts),
        certificate_years=settings_for(db.session.get(Ki, ki_id)).police_certificate_valid_years,
        standby=on_standby(request_day(facts.starts_at, facts.due_on)),
    )
    return [_assemble(row, gathered) for row in profiles]


def _candidates(
    ki_id: int, facts: RequestFacts, ids, dialect: str
) -> tuple[dict[int, dict[int, int]], list[int]]:
    """Every candidate's languages, and the candidates' ids: for a whole KI the matchable helpers
    who speak one of the request's languages, decided from their language rows; else ``ids``."""
    if ids is None:
        languages = _languages_of(
            statements.statement("ki_languages", dialect), ki_id=ki_id, wanted=list(facts.language_ids)
        )
        return languages, list(languages)
    # The ids once (a list already: the shared pool's helpers), then their languages by key.
    chosen = ids if isinstance(ids, list) else [helper_id for (helper_id,) in _rows(ids)]
    if not chosen:
        return {}, chosen
    return _languages_of(statements.statement("known_languages", dialect), known=chosen), chosen


def _slots(chosen: list[int], dialect: str) -> dict[int, list[Slot]]:
    """Each candidate's weekly slots."""
    slots: dict[int, list[Slot]] = defaultdict(list)
    for helper_id, weekday, starts, ends in _rows(statements.statement("slots", dialect), known=chosen):
        slots[helper_id].append(Slot(weekday, starts, ends))
    return slots


def _absences(
    chosen: list[int], dialect: str, facts: RequestFacts, now: datetime
) -> dict[int, list[AbsenceFact]]:
    """Each candidate's absences that have not ended before the request's (local) day."""
    absences: dict[int, list[AbsenceFact]] = defaultdict(list)
    first_day = (facts.starts_at.astimezone(BERLIN).date() if facts.starts_at else facts.due_on) or now.date()
    for helper_id, first, last in _rows(
        statements.statement("absences", dialect), known=chosen, since=first_day - timedelta(days=1)
    ):
        absences[helper_id].append(AbsenceFact(first, last))
    return absences


def _served_towns(chosen: list[int], dialect: str) -> dict[int, set[int]]:
    """The towns each candidate named as served."""
    served: dict[int, set[int]] = defaultdict(set)
    for helper_id, town_id in _rows(statements.statement("served", dialect), known=chosen):
        served[helper_id].add(town_id)
    return served


def _nearby_assignments(chosen: list[int], dialect: str, facts: RequestFacts) -> dict[int, list[Busy]]:
    """Each candidate's other confirmed assignments within half a day of the request's time
    (no statement for a request without a time)."""
    busy: dict[int, list[Busy]] = defaultdict(list)
    if facts.starts_at is None or facts.ends_at is None:
        return busy
    nearby = _rows(
        statements.statement("nearby", dialect),
        known=chosen,
        window_end=facts.ends_at + timedelta(hours=12),
        window_start=facts.starts_at - timedelta(hours=12),
        request_id=facts.id or 0,
    )
    for helper_id, starts, ends, town_id, town_name, lat, lon in nearby:
        place = Place(town_id, town_name, lat, lon) if town_id is not None else None
        busy[helper_id].append(Busy(starts, ends, place))
    return busy


@dataclass
class _History:
    """Counts about each candidate's past assignments."""

    in_month: dict[int, int] = field(default_factory=dict)
    recent: dict[int, int] = field(default_factory=dict)
    topic: dict[int, int] = field(default_factory=dict)
    no_shows: dict[int, int] = field(default_factory=dict)
    knows: set[int] = field(default_factory=set)


def _history(chosen: list[int], dialect: str, facts: RequestFacts, now: datetime) -> _History:
    """Every count about a candidate's past assignments: this month's (for the cap), the last 30
    days', no-shows (one pass over the assignments alone), then the topic's and whether they
    helped the same client before (the asking KI's requests only, and only if there is a topic
    or a client to compare)."""
    month_start, month_end = _month_bounds(facts.starts_at or now)
    history = _History()
    for helper_id, month_count, recent_count, no_show_count in _rows(
        statements.statement("history", dialect),
        known=chosen,
        month_start=month_start,
        month_end=month_end,
        recent_start=now - timedelta(days=30),
        now=now,
    ):
        history.in_month[helper_id] = month_count or 0
        history.recent[helper_id] = recent_count or 0
        history.no_shows[helper_id] = no_show_count or 0
    if not facts.topic_id and not facts.client_ref:
        return history
    for helper_id, topic_count, client_count in _rows(
        statements.statement("experience", dialect),
        known=chosen,
        ki_id=facts.ki_id,
        # No topic or no client: that comparison is NULL, so it counts nothing.
        topic_id=facts.topic_id or None,
        client_ref=facts.client_ref or None,
    ):
        history.topic[helper_id] = topic_count or 0
        if client_count:
            history.knows.add(helper_id)
    return history


@dataclass
class _Answers:
    """How each candidate answered offers so far."""

    answered: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    accepted: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    declined_this_request: set[int] = field(default_factory=set)


def _offer_answers(chosen: list[int], dialect: str, facts: RequestFacts) -> _Answers:
    """How each candidate answered offers so far, and whether they declined this very request."""
    answers = _Answers()
    for helper_id, answered, accepted, declined_here in _rows(
        statements.statement("answers", dialect), known=chosen, request_id=facts.id or 0
    ):
        answers.answered[helper_id] = answered
        answers.accepted[helper_id] = accepted or 0
        if declined_here:
            answers.declined_this_request.add(helper_id)
    return answers


@dataclass
class _Gathered:
    """Everything read about the candidates besides their profile rows, by helper id."""

    languages: dict[int, dict[int, int]]
    german_id: int | None
    slots: dict[int, list[Slot]]
    absences: dict[int, list[AbsenceFact]]
    served: dict[int, set[int]]
    busy: dict[int, list[Busy]]
    history: _History
    answers: _Answers
    certificate_years: int  # the asking KI's
    standby: set[int]  # on standby ("auf Abruf") on the request's day


def _assemble(row, gathered: _Gathered) -> HelperFacts:
    """One candidate's facts from their profile row and what was gathered about everyone."""
    (
        helper_id,
        name,
        active,
        approved,
        consent,
        gender,
        qualified,
        max_km,
        remote_ok,
        cap,
        home_id,
        home_name,
        home_lat,
        home_lon,
        ki_id,
        ki_name,
        ki_shares_pool,
        pool_remote_ok,
        pool_in_person_ok,
        confidentiality_signed_on,
        training_completed_on,
        police_certificate_seen_on,
        has_no_car,
    ) = row
    spoken = gathered.languages.get(helper_id, {})
    history, answers = gathered.history, gathered.answers
    return HelperFacts(
        id=helper_id,
        name=name,
        active=active,
        approved=approved,
        consent=consent,
        languages=spoken,
        german_level=spoken.get(gathered.german_id),
        gender=gender or None,
        qualified=qualified,
        home=Place(home_id, home_name, home_lat, home_lon) if home_id is not None else None,
        served_town_ids=frozenset(gathered.served.get(helper_id, ())),
        max_travel_km=max_km,
        remote_ok=remote_ok,
        has_car=not has_no_car,
        slots=tuple(gathered.slots.get(helper_id, ())),
        absences=tuple(gathered.absences.get(helper_id, ())),
        busy=tuple(gathered.busy.get(helper_id, ())),
        assignments_in_month=history.in_month.get(helper_id, 0),
        monthly_cap=cap,
        declined_this_request=helper_id in answers.declined_this_request,
        recent_assignments=history.recent.get(helper_id, 0),
        topic_experience=history.topic.get(helper_id, 0),
        offers_answered=answers.answered.get(helper_id, 0),
        offers_accepted=answers.accepted.get(helper_id, 0),
        no_shows=history.no_shows.get(helper_id, 0),
        knows_client=helper_id in history.knows,
        standby=helper_id in gathered.standby,
        ki_id=ki_id,
        ki_name=ki_name,
        ki_shares_pool=ki_shares_pool,
        pool_remote_ok=pool_remote_ok,
        pool_in_person_ok=pool_in_person_ok,
        confidentiality_signed_on=confidentiality_signed_on,
        training_completed_on=training_completed_on,
        police_certificate_valid_until=police_certificate_valid_until(
            police_certificate_seen_on, gathered.certificate_years
        ),
    )
