"""Gathering the facts the matching engine needs, in a fixed number of queries.

However many helpers speak the language, ranking costs the same ten or so
statements: the first reads the KI's matchable helpers' languages and so
decides who the candidates are; each later one selects for all of them at
once (their ids as one parameter), never per helper.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, any_, bindparam, case, false, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from ki_match.accounts.models import User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.availability import Absence as AbsenceFact
from ki_match.helpers.availability import Slot
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    HelperKind,
    HelperLanguage,
    HelperProfile,
    helper_town,
)
from ki_match.helpers.queries import matchable_filter
from ki_match.matching.engine import Busy, HelperFacts, Kind, Place, RequestFacts
from ki_match.reference.models import Language, Town
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, Offer, OfferStatus

BERLIN = ZoneInfo("Europe/Berlin")
GERMAN = "de"


def _place(town: Town | None) -> Place | None:
    if town is None:
        return None
    return Place(town.id, town.name, town.lat, town.lon)


def request_facts(request: HelpRequest) -> RequestFacts:
    return RequestFacts(
        id=request.id,
        kind=Kind(request.kind.value),
        language_ids=(request.language_id, *(lang.id for lang in request.alt_languages)),
        min_level=request.min_level,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        due_on=request.due_on,
        place=_place(request.town),
        gender_pref=request.gender_pref.value if request.gender_pref else None,
        qualified_required=request.qualified_required,
        topic_id=request.topic_id,
        client_ref=request.client_ref,
    )


def languages() -> dict[int, Language]:
    """The installation's languages by id (a few dozen rows): names for the reasons, German's id."""
    return {language.id: language for language in db.session.scalars(select(Language))}


def german_id(by_id: dict[int, Language]) -> int | None:
    return next((language.id for language in by_id.values() if language.code == GERMAN), None)


def matchable_helpers(ki_id: int):
    """Helpers of the KI who may receive offers at all (one rule, see helpers.queries)."""
    return select(HelperProfile.id).where(HelperProfile.ki_id == ki_id, matchable_filter())


def _languages_of(pool) -> dict[int, dict[int, int]]:
    """Every language (id → level) of each helper in ``pool``, a select of helper ids.

    For a whole KI this is also the pre-filter: who speaks one of the request's languages is
    decided from these rows, so the database reads the KI's few hundred helpers' languages
    by key instead of every speaker of Arabic in the state.
    """
    spoken: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        db.session.connection()
        .execute(
            select(HelperLanguage.helper_id, HelperLanguage.language_id, HelperLanguage.level).where(
                HelperLanguage.helper_id.in_(pool)
            )
        )
        .all()
    )
    for helper_id, language_id, level in rows:
        spoken[helper_id][language_id] = level
    return spoken


def _among(ids: list[int]):
    """``column IN ids`` for the candidates' ids, in a form whose statement text is the same
    whatever the candidates: on PostgreSQL one array parameter (``= ANY``), so psycopg prepares
    each statement once per connection and PostgreSQL plans it once; elsewhere the ids are
    written into the statement (a bound parameter per helper would make each candidate count
    a new statement to parse)."""
    if db.session.get_bind().dialect.name == "postgresql":
        array = bindparam("known", ids, type_=ARRAY(Integer))
        return lambda column: column == any_(array)
    listed = bindparam("known", ids, expanding=True, literal_execute=True)
    return lambda column: column.in_(listed)


def _within_ki(ki_id: int) -> tuple:
    """A helper's assignments are all in their KI. Saying so lets PostgreSQL read the KI's requests
    for a large candidate set instead of hashing the whole state's (a scan that grew with every KI
    added); SQLite would instead walk the KI's requests one by one, so it is not told."""
    return (HelpRequest.ki_id == ki_id,) if db.session.get_bind().dialect.name == "postgresql" else ()


def _month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The Europe/Berlin calendar month around ``moment``, as UTC instants."""
    local = moment.astimezone(BERLIN)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.astimezone(ZoneInfo("UTC")), following.astimezone(ZoneInfo("UTC"))


def _rows(statement) -> list:
    # Fetched at once: row by row costs the driver a call per row.
    return db.session.connection().execute(statement).all()


def helper_facts(ki_id: int, facts: RequestFacts, german_id: int | None, ids=None) -> list[HelperFacts]:
    """Facts for every candidate: the KI's matchable helpers who speak one of the request's
    languages at any level (or every helper of ``ids``, a select of helper ids, whatever they
    speak). Plain Core statements: the ORM's bookkeeping would cost more than the queries.

    One statement per fact, in this order, each for all candidates at once."""
    now = utcnow()
    languages, chosen = _candidates(ki_id, facts, ids)
    if not chosen:
        return []
    among = _among(chosen)
    profiles = _profiles(among)
    if not profiles:
        return []
    gathered = _Gathered(
        languages=languages,
        german_id=german_id,
        slots=_slots(among),
        absences=_absences(among, facts, now),
        served=_served_towns(among),
        busy=_nearby_assignments(among, facts),
        history=_history(among, ki_id, facts, now),
        answers=_offer_answers(among, facts),
    )
    return [_assemble(row, gathered) for row in profiles]


def _candidates(ki_id: int, facts: RequestFacts, ids) -> tuple[dict[int, dict[int, int]], list[int]]:
    """Every candidate's languages, and the candidates' ids: for a whole KI the matchable helpers
    who speak one of the request's languages, decided from their language rows; else ``ids``."""
    if ids is None:
        languages = _languages_of(matchable_helpers(ki_id))
        wanted = set(facts.language_ids)
        return languages, [helper_id for helper_id, spoken in languages.items() if wanted & spoken.keys()]
    languages = _languages_of(ids)
    return languages, [helper_id for (helper_id,) in _rows(ids)]


_HOME = Town.__table__.alias("home")


def _profiles(among) -> list:
    """Account and profile of each candidate, with their home town."""
    home = _HOME
    return _rows(
        select(
            HelperProfile.id,
            User.display_name,
            User.active,
            HelperProfile.approved_at,
            HelperProfile.consent_given_at,
            HelperProfile.gender,
            HelperProfile.kind,
            HelperProfile.qualification_completed_on,
            HelperProfile.max_travel_km,
            HelperProfile.remote_ok,
            HelperProfile.monthly_cap,
            home.c.id,
            home.c.name,
            home.c.lat,
            home.c.lon,
        )
        .join(User, User.id == HelperProfile.user_id)
        .outerjoin(home, home.c.id == HelperProfile.home_town_id)
        .where(among(HelperProfile.id))
    )


def _slots(among) -> dict[int, list[Slot]]:
    """Each candidate's weekly slots."""
    slots: dict[int, list[Slot]] = defaultdict(list)
    for helper_id, weekday, starts, ends in _rows(
        select(
            AvailabilitySlot.helper_id,
            AvailabilitySlot.weekday,
            AvailabilitySlot.starts,
            AvailabilitySlot.ends,
        ).where(among(AvailabilitySlot.helper_id))
    ):
        slots[helper_id].append(Slot(weekday, starts, ends))
    return slots


def _absences(among, facts: RequestFacts, now: datetime) -> dict[int, list[AbsenceFact]]:
    """Each candidate's absences that have not ended before the request's (local) day."""
    absences: dict[int, list[AbsenceFact]] = defaultdict(list)
    first_day = (facts.starts_at.astimezone(BERLIN).date() if facts.starts_at else facts.due_on) or now.date()
    for helper_id, first, last in _rows(
        select(Absence.helper_id, Absence.first_day, Absence.last_day).where(
            among(Absence.helper_id), Absence.last_day >= first_day - timedelta(days=1)
        )
    ):
        absences[helper_id].append(AbsenceFact(first, last))
    return absences


def _served_towns(among) -> dict[int, set[int]]:
    """The towns each candidate named as served."""
    served: dict[int, set[int]] = defaultdict(set)
    for helper_id, town_id in _rows(
        select(helper_town.c.helper_id, helper_town.c.town_id).where(among(helper_town.c.helper_id))
    ):
        served[helper_id].add(town_id)
    return served


def _nearby_assignments(among, facts: RequestFacts) -> dict[int, list[Busy]]:
    """Each candidate's other confirmed assignments within half a day of the request's time
    (no statement for a request without a time)."""
    busy: dict[int, list[Busy]] = defaultdict(list)
    if facts.starts_at is None or facts.ends_at is None:
        return busy
    nearby = _rows(
        select(
            Assignment.helper_id,
            Assignment.starts_at,
            Assignment.ends_at,
            Town.id,
            Town.name,
            Town.lat,
            Town.lon,
        )
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .outerjoin(Town, Town.id == HelpRequest.town_id)
        .where(
            among(Assignment.helper_id),
            Assignment.status == AssignmentStatus.CONFIRMED,
            Assignment.starts_at < facts.ends_at + timedelta(hours=12),
            Assignment.ends_at > facts.starts_at - timedelta(hours=12),
            HelpRequest.id != (facts.id or 0),
        )
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


def _tally(condition):
    return func.sum(case((condition, 1), else_=0))


def _history(among, ki_id: int, facts: RequestFacts, now: datetime) -> _History:
    """Every count about a candidate's past assignments in one pass over them (one statement,
    not five): this month's (for the cap), the last 30 days', the topic's, no-shows, and whether
    they helped the same client before."""
    month_start, month_end = _month_bounds(facts.starts_at or now)
    holding = Assignment.status.in_(
        [AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW]
    )
    completed = Assignment.status == AssignmentStatus.COMPLETED
    same_client = (
        and_(completed, HelpRequest.ki_id == ki_id, HelpRequest.client_ref == facts.client_ref)
        if facts.client_ref
        else false()
    )
    same_topic = and_(completed, HelpRequest.topic_id == facts.topic_id) if facts.topic_id else false()
    history = _History()
    for helper_id, month_count, recent_count, topic_count, no_show_count, client_count in _rows(
        select(
            Assignment.helper_id,
            _tally(and_(holding, Assignment.starts_at >= month_start, Assignment.starts_at < month_end)),
            _tally(
                and_(holding, Assignment.starts_at >= now - timedelta(days=30), Assignment.starts_at <= now)
            ),
            _tally(same_topic),
            _tally(Assignment.status == AssignmentStatus.NO_SHOW),
            _tally(same_client),
        )
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(among(Assignment.helper_id), *_within_ki(ki_id))
        .group_by(Assignment.helper_id)
    ):
        history.in_month[helper_id] = month_count or 0
        history.recent[helper_id] = recent_count or 0
        history.topic[helper_id] = topic_count or 0
        history.no_shows[helper_id] = no_show_count or 0
        if client_count:
            history.knows.add(helper_id)
    return history


@dataclass
class _Answers:
    """How each candidate answered offers so far."""

    answered: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    accepted: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    declined_this_request: set[int] = field(default_factory=set)


def _offer_answers(among, facts: RequestFacts) -> _Answers:
    """How each candidate answered offers so far, and whether they declined this very request."""
    answers = _Answers()
    this_request = Offer.request_id == (facts.id or 0)
    for helper_id, status, count, here in _rows(
        select(Offer.helper_id, Offer.status, func.count(), func.max(case((this_request, 1), else_=0)))
        .where(
            among(Offer.helper_id),
            Offer.status.in_([OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED]),
        )
        .group_by(Offer.helper_id, Offer.status)
    ):
        answers.answered[helper_id] += count
        if status == OfferStatus.ACCEPTED:
            answers.accepted[helper_id] += count
        elif status == OfferStatus.DECLINED and here:
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


def _assemble(row, gathered: _Gathered) -> HelperFacts:
    """One candidate's facts from their profile row and what was gathered about everyone."""
    (
        helper_id,
        name,
        active,
        approved_at,
        consent_at,
        gender,
        kind,
        qualified_on,
        max_km,
        remote_ok,
        cap,
        home_id,
        home_name,
        home_lat,
        home_lon,
    ) = row
    spoken = gathered.languages.get(helper_id, {})
    history, answers = gathered.history, gathered.answers
    return HelperFacts(
        id=helper_id,
        name=name,
        active=active,
        approved=approved_at is not None,
        consent=consent_at is not None,
        languages=spoken,
        german_level=spoken.get(gathered.german_id),
        gender=gender.value if gender else None,
        qualified=kind == HelperKind.SPRACHLOTSE and qualified_on is not None,
        home=Place(home_id, home_name, home_lat, home_lon) if home_id is not None else None,
        served_town_ids=frozenset(gathered.served.get(helper_id, ())),
        max_travel_km=max_km,
        remote_ok=remote_ok,
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
    )
