"""Every SELECT of the helper directory and of the language coverage table.

"Reaches a town" is the matching rule (``ki_match.matching.engine``): lives there,
named it among the towns served, or it is within the helper's maximum travel
distance. The distances between a KI's towns are few (ten towns, a hundred
pairs), so they are computed once in Python and the rule becomes plain SQL:
``home_town_id = h AND max_travel_km >= km`` for each home town h in reach.
A page of the directory is a fixed number of queries, whatever its length.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from ki_match.accounts.models import User
from ki_match.core.text import short_name
from ki_match.db import Page, folded, page_number
from ki_match.extensions import db
from ki_match.helpers.models import (
    AvailabilitySlot,
    HelperKind,
    HelperLanguage,
    HelperProfile,
    helper_topic,
    helper_town,
)
from ki_match.helpers.queries import matchable_filter
from ki_match.orgs.models import Ki
from ki_match.reference import cache
from ki_match.reference.cache import LanguageRow, TopicRow, TownRow
from ki_match.reference.geo import distance_km
from ki_match.reference.models import Language, Level, ki_language
from ki_match.requests.models import HelpRequest, RequestStatus, request_alt_language

PAGE_SIZE = 20
GERMAN = "de"


# --- towns and the distances between them ---------------------------------------------------


@dataclass(frozen=True)
class TownMap:
    """The KI's towns by name and the great-circle distance of every pair (km)."""

    towns: tuple[TownRow, ...]
    km: dict[tuple[int, int], float]

    def by_id(self) -> dict[int, TownRow]:
        return {town.id: town for town in self.towns}

    def within(self, home_id: int | None, max_km: int | None) -> list[int]:
        """Towns (ids) a helper living in ``home_id`` reaches by their travel distance alone."""
        if home_id is None:
            return []
        limit = max_km or 0
        return [town.id for town in self.towns if self.km.get((home_id, town.id), math.inf) <= limit]


def town_map(ki: Ki) -> TownMap:
    return _town_map(cache.towns(ki))


# Worked out once per process and set of towns (the kept towns, a new tuple when they change); the
# map is never changed, so the requests can share it.
@functools.lru_cache(maxsize=256)
def _town_map(towns: tuple[TownRow, ...]) -> TownMap:
    km = {(a.id, b.id): (0.0 if a.id == b.id else distance_km(a, b)) for a in towns for b in towns}
    return TownMap(towns, km)


def reaches_town(towns: TownMap, town_id: int) -> ColumnElement[bool]:
    """SQL for "this helper can help in ``town_id``" on ``HelperProfile``."""
    by_travel = [
        and_(HelperProfile.home_town_id == home, HelperProfile.max_travel_km >= km)
        for (home, target), km in towns.km.items()
        if target == town_id and home != town_id
    ]
    named = exists().where(helper_town.c.helper_id == HelperProfile.id, helper_town.c.town_id == town_id)
    return or_(HelperProfile.home_town_id == town_id, named, *by_travel)


def visible_in_directory(ki: Ki) -> ColumnElement[bool]:
    """Who may appear in the directory at all: opted in and matchable, of this KI."""
    return and_(HelperProfile.ki_id == ki.id, HelperProfile.directory_opt_in.is_(True), matchable_filter())


# --- the directory ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextToken:
    """One word of the free-text search and what it can mean: the start of a first name, or
    the name of a language, topic or town (names matched in Python, in the reader's language)."""

    word: str
    language_ids: tuple[int, ...] = ()
    topic_ids: tuple[int, ...] = ()
    town_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class DirectoryFilters:
    language_ids: tuple[int, ...] = ()
    town_id: int | None = None
    weekdays: tuple[int, ...] = ()
    topic_id: int | None = None
    kind: HelperKind | None = None
    remote: bool = False
    tokens: tuple[TextToken, ...] = ()
    page: int = 1

    def without(self, name: str) -> DirectoryFilters:
        empty = {
            "language": {"language_ids": ()},
            "town": {"town_id": None},
            "weekday": {"weekdays": ()},
            "topic": {"topic_id": None},
            "kind": {"kind": None},
            "remote": {"remote": False},
            "q": {"tokens": ()},
        }[name]
        return replace(self, page=1, **empty)

    def active(self) -> list[str]:
        """The names of the filters that are set, in the order of the form."""
        present = {
            "q": bool(self.tokens),
            "language": bool(self.language_ids),
            "town": self.town_id is not None,
            "weekday": bool(self.weekdays),
            "topic": self.topic_id is not None,
            "kind": self.kind is not None,
            "remote": self.remote,
        }
        return [name for name, is_set in present.items() if is_set]


def _speaks_any(language_ids: tuple[int, ...]) -> ColumnElement[bool]:
    return exists().where(
        HelperLanguage.helper_id == HelperProfile.id, HelperLanguage.language_id.in_(language_ids)
    )


def _knows_any_topic(topic_ids: tuple[int, ...]) -> ColumnElement[bool]:
    return exists().where(
        helper_topic.c.helper_id == HelperProfile.id, helper_topic.c.topic_id.in_(topic_ids)
    )


def _token_condition(token: TextToken, towns: TownMap) -> ColumnElement[bool]:
    # A word without spaces matched at the start of the display name stays inside the first
    # name: a search can never find someone by a surname the directory does not show.
    first_name = exists().where(
        User.id == HelperProfile.user_id,
        folded(User.display_name).startswith(token.word, autoescape=True),
    )
    meanings = [first_name]
    if token.language_ids:
        meanings.append(_speaks_any(token.language_ids))
    if token.topic_ids:
        meanings.append(_knows_any_topic(token.topic_ids))
    meanings.extend(reaches_town(towns, town_id) for town_id in token.town_ids)
    return or_(*meanings)


def directory_conditions(ki: Ki, filters: DirectoryFilters, towns: TownMap) -> list[ColumnElement[bool]]:
    conditions = [visible_in_directory(ki)]
    if filters.language_ids:
        conditions.append(_speaks_any(filters.language_ids))
    if filters.town_id is not None:
        conditions.append(reaches_town(towns, filters.town_id))
    if filters.weekdays:
        conditions.append(
            exists().where(
                AvailabilitySlot.helper_id == HelperProfile.id,
                AvailabilitySlot.weekday.in_(filters.weekdays),
            )
        )
    if filters.topic_id is not None:
        conditions.append(_knows_any_topic((filters.topic_id,)))
    if filters.kind is not None:
        conditions.append(HelperProfile.kind == filters.kind)
    if filters.remote:
        conditions.append(HelperProfile.remote_ok.is_(True))
    conditions.extend(_token_condition(token, towns) for token in filters.tokens)
    return conditions


def count_directory(ki: Ki, filters: DirectoryFilters, towns: TownMap) -> int:
    return db.session.scalar(
        select(func.count(HelperProfile.id)).where(*directory_conditions(ki, filters, towns))
    )


@dataclass(frozen=True)
class DirectoryCard:
    """What the directory may show about a helper — and nothing else.

    No e-mail, phone, gender, address or surname: the fields do not exist, so no
    template, partial or export can show them by mistake.
    """

    name: str
    kind: HelperKind
    languages: tuple[tuple[LanguageRow, int], ...]
    german: int | None
    home_town: str | None
    towns: tuple[str, ...]
    remote_ok: bool
    weekdays: tuple[int, ...]
    topics: tuple[TopicRow, ...]


@dataclass(frozen=True)
class DirectoryPage:
    cards: list[DirectoryCard]
    total: int
    page: int
    pages: int


def directory_page(ki: Ki, filters: DirectoryFilters, towns: TownMap) -> Page:
    """One page of the directory, by name: two queries whatever the page size (three for a page
    past the last)."""
    conditions = directory_conditions(ki, filters, towns)
    wanted = max(1, filters.page)
    rows = _page_rows(conditions, wanted)
    if rows:
        total = rows[0].total
    elif wanted == 1:
        total = 0
    else:  # past the last page: count, then show the last one
        total = db.session.scalar(select(func.count(HelperProfile.id)).where(*conditions))
    page, pages = page_number(total, wanted, PAGE_SIZE)
    if page != wanted and total:
        rows = _page_rows(conditions, page)
    if not rows:
        return Page([], total, page, pages)
    return Page(_cards(rows, _card_facts(ki, [row.id for row in rows]), towns), total, page, pages)


# An alias: the conditions check the helper's own account in correlated EXISTS on ``User``. Made once,
# as every alias of a class is a new one, whose columns SQLAlchemy adapts again.
_ACCOUNT = aliased(User)


def _page_rows(conditions: list[ColumnElement[bool]], page: int) -> list[Row]:
    """The helpers of one page, each row with how many there are in all (``total``)."""
    account = _ACCOUNT
    return db.session.execute(
        select(
            HelperProfile.id,
            account.display_name,
            HelperProfile.kind,
            HelperProfile.remote_ok,
            HelperProfile.home_town_id,
            HelperProfile.max_travel_km,
            func.count().over().label("total"),
        )
        .join(account, account.id == HelperProfile.user_id)
        .where(*conditions)
        .order_by(account.display_name, HelperProfile.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()


@functools.cache
def _card_facts_statement():
    """What the cards of a page show beside the helpers' own columns, one row a fact: (helper id,
    fact, value, level) for a language (by id, with its level), a weekday with slots, a topic (by id)
    and a town named among those served (by id)."""
    ids = bindparam("ids", expanding=True)
    return union_all(
        select(
            HelperLanguage.helper_id, literal("language"), HelperLanguage.language_id, HelperLanguage.level
        ).where(HelperLanguage.helper_id.in_(ids)),
        select(AvailabilitySlot.helper_id, literal("weekday"), AvailabilitySlot.weekday, null()).where(
            AvailabilitySlot.helper_id.in_(ids)
        ),
        select(helper_topic.c.helper_id, literal("topic"), helper_topic.c.topic_id, null()).where(
            helper_topic.c.helper_id.in_(ids)
        ),
        select(helper_town.c.helper_id, literal("town"), helper_town.c.town_id, null()).where(
            helper_town.c.helper_id.in_(ids)
        ),
    )


def _card_facts(ki: Ki, ids: list[int]) -> dict[str, dict]:
    """For the helpers of one page: languages, weekdays with slots, topics and named towns, by helper id.

    Languages and topics are the reference data each process keeps (a helper's topics are her KI's).
    """
    languages = {language.id: language for language in cache.languages(ki)}
    topics = {topic.id: topic for topic in cache.topics(ki)}
    facts: dict[str, dict] = {name: defaultdict(list) for name in ("languages", "topics")}
    facts |= {name: defaultdict(set) for name in ("weekdays", "towns")}
    for helper_id, fact, value, level in db.session.execute(_card_facts_statement(), {"ids": ids}).all():
        if fact == "language":
            facts["languages"][helper_id].append((languages[value], level))
        elif fact == "weekday":
            facts["weekdays"][helper_id].add(value)
        elif fact == "topic":
            if value in topics:  # always: she chose among her KI's topics
                facts["topics"][helper_id].append(topics[value])
        else:
            facts["towns"][helper_id].add(value)
    # By name, as the database orders names: the order in which the kept topics come.
    order = {topic_id: position for position, topic_id in enumerate(topics)}
    for chosen in facts["topics"].values():
        chosen.sort(key=lambda topic: order[topic.id])
    return facts


def _cards(rows, facts: dict[str, dict], towns: TownMap) -> list[DirectoryCard]:
    by_id = towns.by_id()
    cards = []
    for row in rows:
        spoken = facts["languages"][row.id]
        others = sorted(
            ((language, level) for language, level in spoken if language.code != GERMAN),
            key=lambda pair: (-pair[1], pair[0].code),
        )
        german = next((level for language, level in spoken if language.code == GERMAN), None)
        reached = set(towns.within(row.home_town_id, row.max_travel_km)) | facts["towns"][row.id]
        reached.discard(row.home_town_id)
        home = by_id.get(row.home_town_id)
        cards.append(
            DirectoryCard(
                name=short_name(row.display_name),
                kind=row.kind,
                languages=tuple(others),
                german=german,
                home_town=home.name if home else None,
                towns=tuple(town.name for town in towns.towns if town.id in reached),
                remote_ok=row.remote_ok,
                weekdays=tuple(sorted(facts["weekdays"][row.id])),
                topics=tuple(facts["topics"][row.id]),
            )
        )
    return cards


@functools.cache
def _offered_statement():
    return select(ki_language.c.language_id).where(ki_language.c.ki_id == bindparam("ki_id"))


def directory_languages(ki: Ki) -> list[LanguageRow]:
    """Languages one can look for: the KI's active languages but German (everyone speaks it)."""
    offered = set(db.session.scalars(_offered_statement(), {"ki_id": ki.id}))
    return [
        language
        for language in cache.languages(ki)
        if language.id in offered and language.active and language.code != GERMAN
    ]


def directory_topics(ki: Ki) -> list[TopicRow]:
    """Topics one can look for: the KI's active ones, in the order they were made."""
    return sorted((topic for topic in cache.topics(ki) if topic.active), key=lambda topic: topic.id)


# --- coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFilters:
    language_ids: tuple[int, ...] = ()
    kind: HelperKind | None = None
    min_level: int = int(Level.B1)


@dataclass(frozen=True)
class Coverage:
    """Helpers per language (id) and town (id), and per language for phone/video."""

    counts: dict[tuple[int, int], int]
    remote: dict[int, int]

    def count(self, language_id: int, town_id: int) -> int:
        return self.counts.get((language_id, town_id), 0)


def coverage(ki: Ki, filters: CoverageFilters, towns: TownMap) -> Coverage:
    """How many matchable helpers (directory opt-in or not) can serve each town in each
    language at ``min_level`` or better: one GROUP BY query with a column per town."""
    conditions = [
        HelperProfile.ki_id == ki.id,
        matchable_filter(),
        HelperLanguage.level >= filters.min_level,
    ]
    if filters.language_ids:
        conditions.append(HelperLanguage.language_id.in_(filters.language_ids))
    if filters.kind is not None:
        conditions.append(HelperProfile.kind == filters.kind)
    per_town = [func.count(HelperProfile.id).filter(reaches_town(towns, town.id)) for town in towns.towns]
    rows = db.session.execute(
        select(
            HelperLanguage.language_id,
            func.count(HelperProfile.id).filter(HelperProfile.remote_ok.is_(True)),
            *per_town,
        )
        .join(HelperProfile, HelperProfile.id == HelperLanguage.helper_id)
        .join(Language, Language.id == HelperLanguage.language_id)
        .where(Language.code != GERMAN, *conditions)
        .group_by(HelperLanguage.language_id)
    ).all()
    counts: dict[tuple[int, int], int] = {}
    remote: dict[int, int] = {}
    for language_id, remote_count, *town_counts in rows:
        remote[language_id] = remote_count
        for town, number in zip(towns.towns, town_counts, strict=True):
            counts[(language_id, town.id)] = number
    return Coverage(counts, remote)


# Requests still without a helper, in the order the coverage table links to them.
UNMET = (RequestStatus.OPEN, RequestStatus.OFFERED, RequestStatus.UNFILLED)


def unmet_requests(ki: Ki) -> dict[tuple[int, int], dict[RequestStatus, int]]:
    """Open, offered and unfilled requests per (language, town), counting a request under its
    language and under each alternative, as the request list's language filter finds it."""
    seeking = (HelpRequest.ki_id == ki.id, HelpRequest.status.in_(UNMET), HelpRequest.town_id.is_not(None))
    primary = select(
        HelpRequest.id, HelpRequest.language_id.label("language_id"), HelpRequest.town_id, HelpRequest.status
    ).where(*seeking)
    alternative = (
        select(
            HelpRequest.id,
            request_alt_language.c.language_id.label("language_id"),
            HelpRequest.town_id,
            HelpRequest.status,
        )
        .join(request_alt_language, request_alt_language.c.request_id == HelpRequest.id)
        .where(*seeking)
    )
    pairs = union(primary, alternative).subquery()
    found: dict[tuple[int, int], dict[RequestStatus, int]] = defaultdict(dict)
    for language_id, town_id, status, number in db.session.execute(
        select(pairs.c.language_id, pairs.c.town_id, pairs.c.status, func.count()).group_by(
            pairs.c.language_id, pairs.c.town_id, pairs.c.status
        )
    ):
        found[(language_id, town_id)][RequestStatus(status)] = number
    return dict(found)
