"""The coordinators' list of requests (tabs, filters, pages) and the dashboard's counts and attention list."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Row, and_, bindparam, case, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from ki_match.clock import BERLIN, local_midnight, utcnow
from ki_match.db import Page, folded, page_number
from ki_match.extensions import db
from ki_match.orgs.models import Ki, Organisation
from ki_match.reference import cache as reference_data
from ki_match.reference.cache import LanguageRow, TownRow
from ki_match.requests.models import HelpRequest, Offer, OfferStatus, RequestStatus, request_alt_language


class Tab(enum.StrEnum):
    ATTENTION = "attention"
    SOON = "soon"  # still seeking and happening (or due) within 48 hours: the dashboard's tile
    SUBMITTED = "submitted"  # sent in by an initiative, waiting to be accepted, asked or declined
    OPEN = "open"
    OFFERED = "offered"
    FILLED = "filled"
    WEEK = "week"
    DRAFT = "draft"
    UNFILLED = "unfilled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ALL = "all"


# Tabs about what is still to come list the soonest first; the others the most recent first.
PAST_TABS = frozenset({Tab.UNFILLED, Tab.COMPLETED, Tab.CANCELLED, Tab.ALL})
PAGE_SIZE = 25
ACTIVE = (RequestStatus.OPEN, RequestStatus.OFFERED, RequestStatus.FILLED)
SEEKING = (RequestStatus.OPEN, RequestStatus.OFFERED)
SOON = timedelta(hours=48)
STALE_OFFER = timedelta(hours=24)


@dataclass
class RequestFilters:
    tab: Tab = Tab.OPEN
    language_id: int | None = None
    town_id: int | None = None
    organisation_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    page: int = 1


def attention_times(now: datetime) -> dict:
    """The moments ``attention_condition`` compares with, by name: the bind parameters of the
    dashboard's statements, which are built once and run with these."""
    return {
        "now": now,
        "soon_end": now + SOON,
        "stale_before": now - STALE_OFFER,
        "today": now.astimezone(BERLIN).date(),
        "soon_day": (now + SOON).astimezone(BERLIN).date(),
    }


def attention_condition(now: datetime):
    """Needs attention: still seeking and starting (or due) within 48 hours, an offer
    unanswered for more than 24 hours, or sent in by an initiative and not taken on yet."""
    return _attention(**attention_times(now))


def _soon(now, soon_end, today, soon_day):
    """Still seeking and starting within 48 hours, or a written translation due by the day 48 hours
    from now: one condition for the dashboard's tile, its tab and the attention list's reason."""
    return and_(
        HelpRequest.status.in_(SEEKING),
        or_(
            and_(HelpRequest.starts_at >= now, HelpRequest.starts_at < soon_end),
            and_(HelpRequest.due_on >= today, HelpRequest.due_on <= soon_day),
        ),
    )


def soon_condition(now: datetime):
    times = attention_times(now)
    return _soon(times["now"], times["soon_end"], times["today"], times["soon_day"])


def _attention(now, soon_end, stale_before, today, soon_day):
    """``attention_condition`` for the moments of ``attention_times`` (values or bind parameters).

    Offers wait for an answer only on requests still seeking (filling, cancelling and the
    unfilled run withdraw or expire them), so the status comes first: the database looks at
    the KI's few seeking or submitted requests, and only theirs offers, instead of every
    unanswered offer in the state.
    """
    seeking = HelpRequest.status.in_(SEEKING)
    stale_offer = exists().where(
        Offer.request_id == HelpRequest.id,
        Offer.status == OfferStatus.PENDING,
        Offer.created_at < stale_before,
    )
    return and_(
        HelpRequest.status.in_((*SEEKING, RequestStatus.SUBMITTED)),
        or_(
            _soon(now, soon_end, today, soon_day),
            and_(seeking, stale_offer),
            HelpRequest.status == RequestStatus.SUBMITTED,
        ),
    )


# The tabs that list requests by status, and their statuses.
TAB_STATUSES = {
    Tab.SUBMITTED: (RequestStatus.SUBMITTED,),
    Tab.OPEN: (RequestStatus.OPEN,),
    Tab.OFFERED: (RequestStatus.OFFERED,),
    Tab.FILLED: (RequestStatus.FILLED,),
    Tab.DRAFT: (RequestStatus.DRAFT,),
    Tab.UNFILLED: (RequestStatus.UNFILLED,),
    Tab.COMPLETED: (RequestStatus.COMPLETED,),
    Tab.CANCELLED: (RequestStatus.CANCELLED, RequestStatus.DECLINED),
}


def tab_condition(tab: Tab, now: datetime):
    if tab in TAB_STATUSES:
        return HelpRequest.status.in_(TAB_STATUSES[tab])
    if tab == Tab.ATTENTION:
        return attention_condition(now)
    if tab == Tab.SOON:
        return soon_condition(now)
    if tab == Tab.WEEK:
        today = now.astimezone(BERLIN).date()
        monday = today + timedelta(days=7 - today.weekday())
        return and_(
            HelpRequest.status.in_(ACTIVE),
            or_(
                and_(
                    HelpRequest.starts_at >= local_midnight(today),
                    HelpRequest.starts_at < local_midnight(monday),
                ),
                and_(HelpRequest.due_on >= today, HelpRequest.due_on < monday),
            ),
        )
    return HelpRequest.id.is_not(None)


def filter_conditions(ki: Ki, filters: RequestFilters) -> list:
    """Everything but the tab: the KI, then each filter the coordinator set."""
    conditions = [HelpRequest.ki_id == ki.id]
    if filters.language_id:
        alternative = exists().where(
            request_alt_language.c.request_id == HelpRequest.id,
            request_alt_language.c.language_id == filters.language_id,
        )
        conditions.append(or_(HelpRequest.language_id == filters.language_id, alternative))
    if filters.town_id:
        conditions.append(HelpRequest.town_id == filters.town_id)
    if filters.organisation_id:
        conditions.append(HelpRequest.organisation_id == filters.organisation_id)
    if filters.date_from or filters.date_to:
        first = filters.date_from or date.min
        last = filters.date_to or date.max
        if first > last:
            conditions.append(false())
        else:
            starts = [HelpRequest.starts_at.is_not(None)]
            if filters.date_from:
                starts.append(HelpRequest.starts_at >= local_midnight(filters.date_from))
            if filters.date_to:
                starts.append(HelpRequest.starts_at < local_midnight(filters.date_to + timedelta(days=1)))
            conditions.append(or_(and_(*starts), HelpRequest.due_on.between(first, last)))
    text = (filters.text or "").strip().lower()
    if text:
        conditions.append(
            or_(
                *(
                    folded(column).contains(text, autoescape=True)
                    for column in (HelpRequest.client_ref, HelpRequest.place, HelpRequest.notes)
                )
            )
        )
    return conditions


def tab_counts(ki: Ki, filters: RequestFilters, now: datetime | None = None) -> dict[Tab, int]:
    """How many requests each tab shows with the current filters, in one query."""
    now = now or utcnow()
    row = db.session.execute(
        select(
            *(func.coalesce(func.sum(case((tab_condition(tab, now), 1), else_=0)), 0) for tab in Tab)
        ).where(*filter_conditions(ki, filters))
    ).one()
    return dict(zip(Tab, (int(value) for value in row), strict=True))


@dataclass
class OfferSummary:
    pending: int = 0
    accepted: int = 0
    declined: int = 0
    oldest_pending: datetime | None = None


def schedule_key():
    """When a request happens: its start, or the due date of a written translation.

    Both databases compare the two correctly: SQLite as ISO text, PostgreSQL by
    casting the date to a timestamp.
    """
    return func.coalesce(HelpRequest.starts_at, HelpRequest.due_on)


# What a row of a request table shows, loaded with the page (the template then queries nothing).
_AS_LISTED = (
    selectinload(HelpRequest.language),
    selectinload(HelpRequest.alt_languages),
    selectinload(HelpRequest.town),
    selectinload(HelpRequest.organisation),
)


def request_page(ki: Ki, filters: RequestFilters, now: datetime | None = None) -> Page:
    now = now or utcnow()
    conditions = [*filter_conditions(ki, filters), tab_condition(filters.tab, now)]
    total = db.session.scalar(select(func.count()).select_from(HelpRequest).where(*conditions))
    page, pages = page_number(total, filters.page, PAGE_SIZE)
    key = schedule_key()
    order = (
        (key.desc().nulls_last(), HelpRequest.id.desc())
        if filters.tab in PAST_TABS
        else (key.asc().nulls_last(), HelpRequest.id)
    )
    requests = list(
        db.session.scalars(
            select(HelpRequest)
            .where(*conditions)
            .options(*_AS_LISTED)
            .order_by(*order)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return Page(requests, total, page, pages, offer_summaries([r.id for r in requests]))


def offer_summaries(request_ids: list[int]) -> dict[int, OfferSummary]:
    """Offers per request by status, for a page of requests, in one query."""
    summaries = {request_id: OfferSummary() for request_id in request_ids}
    if not request_ids:
        return summaries
    rows = db.session.execute(
        select(Offer.request_id, Offer.status, func.count(), func.min(Offer.created_at))
        .where(Offer.request_id.in_(request_ids))
        .group_by(Offer.request_id, Offer.status)
    )
    for request_id, status, count, oldest in rows:
        summary = summaries[request_id]
        if status == OfferStatus.PENDING:
            summary.pending, summary.oldest_pending = count, oldest
        elif status == OfferStatus.ACCEPTED:
            summary.accepted = count
        elif status == OfferStatus.DECLINED:
            summary.declined = count
    return summaries


class Attention(enum.StrEnum):
    SOON = "soon"
    DUE_SOON = "due_soon"  # a written translation: due, not starting
    STALE_OFFER = "stale_offer"
    SUBMITTED = "submitted"


def attention_reasons(
    request: HelpRequest, offers: OfferSummary | None, now: datetime | None = None
) -> list[Attention]:
    """Why a request needs attention, by the rules of ``attention_condition``."""
    now = now or utcnow()
    today, soon_day = now.astimezone(BERLIN).date(), (now + SOON).astimezone(BERLIN).date()
    reasons = []
    starts_soon = request.starts_at is not None and now <= request.starts_at < now + SOON
    due_soon = request.due_on is not None and today <= request.due_on <= soon_day
    if request.status in SEEKING and starts_soon:
        reasons.append(Attention.SOON)
    elif request.status in SEEKING and due_soon:
        reasons.append(Attention.DUE_SOON)
    if offers and offers.oldest_pending and offers.oldest_pending < now - STALE_OFFER:
        reasons.append(Attention.STALE_OFFER)
    if request.status == RequestStatus.SUBMITTED:
        reasons.append(Attention.SUBMITTED)
    return reasons


# --- the dashboard ---------------------------------------------------------------------------
#
# The start page of every coordinator: its statements are built once per process, with bind
# parameters for the KI and the moments of ``attention_times``, so that a visit only runs them
# (``ki_match.home.queries`` counts everything in one statement).


def bound_attention_times() -> dict:
    """Bind parameters in place of the moments of ``attention_times``."""
    return {name: bindparam(name) for name in attention_times(utcnow())}


def request_figures(ki_id, times: dict):
    """The dashboard's counts of the KI's requests, one column each: per status (named by it), the
    tab ``Tab.SOON`` (``open_soon``) and needing attention (``attention``); ``ki_id`` and ``times``
    (see ``attention_times``) values or bind parameters."""
    open_soon = _soon(times["now"], times["soon_end"], times["today"], times["soon_day"])
    return select(
        *(func.count().filter(HelpRequest.status == status).label(status.value) for status in RequestStatus),
        func.count().filter(open_soon).label("open_soon"),
        func.count().filter(_attention(**times)).label("attention"),
    ).where(HelpRequest.ki_id == ki_id)


@dataclass(frozen=True)
class AttentionItem:
    """A line of the dashboard's attention list: the request as the line shows it, and why."""

    id: int
    starts_at: datetime | None
    duration_minutes: int | None
    due_on: date | None
    language: LanguageRow | None
    alt_languages: tuple[LanguageRow, ...]
    town: TownRow | None
    reasons: tuple[Attention, ...]


@cache
def _attention_statement():
    """The first requests needing attention, soonest first, each with its oldest unanswered offer
    and a row per alternative language (none: one row without)."""
    oldest_pending = (
        select(func.min(Offer.created_at))
        .where(Offer.request_id == HelpRequest.id, Offer.status == OfferStatus.PENDING)
        .scalar_subquery()
    )
    first = (
        select(
            HelpRequest.id,
            HelpRequest.status,
            HelpRequest.starts_at,
            HelpRequest.duration_minutes,
            HelpRequest.due_on,
            HelpRequest.language_id,
            HelpRequest.town_id,
            oldest_pending.label("oldest_pending"),
        )
        .where(HelpRequest.ki_id == bindparam("ki_id"), _attention(**bound_attention_times()))
        .order_by(schedule_key().asc().nulls_last(), HelpRequest.id)
        .limit(bindparam("limit"))
        .subquery()
    )
    return (
        select(first, request_alt_language.c.language_id.label("alt_language_id"))
        .outerjoin(request_alt_language, request_alt_language.c.request_id == first.c.id)
        .order_by(
            func.coalesce(first.c.starts_at, first.c.due_on).asc().nulls_last(),
            first.c.id,
            request_alt_language.c.language_id,
        )
    )


def needing_attention(ki: Ki, now: datetime, limit: int = 5) -> list[AttentionItem]:
    """The next requests needing attention, soonest first, with their reasons."""
    rows: dict[int, Row] = {}
    alternatives: dict[int, list[int]] = defaultdict(list)
    for row in db.session.execute(
        _attention_statement(), {"ki_id": ki.id, "limit": limit, **attention_times(now)}
    ):
        rows.setdefault(row.id, row)
        if row.alt_language_id is not None:
            alternatives[row.id].append(row.alt_language_id)
    # Names from the reference data each process keeps: the lines query no language or town.
    languages = {language.id: language for language in reference_data.languages(ki)}
    towns = {town.id: town for town in reference_data.towns(ki)}
    return [
        AttentionItem(
            id=row.id,
            starts_at=row.starts_at,
            duration_minutes=row.duration_minutes,
            due_on=row.due_on,
            language=languages.get(row.language_id),
            alt_languages=tuple(languages[language_id] for language_id in alternatives[row.id]),
            town=towns.get(row.town_id),
            reasons=tuple(attention_reasons(row, OfferSummary(oldest_pending=row.oldest_pending), now)),
        )
        for row in rows.values()
    ]


def requests_of_organisation(organisation: Organisation, limit: int = 20) -> list[HelpRequest]:
    return db.session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.ki_id == organisation.ki_id,
            HelpRequest.organisation_id == organisation.id,
        )
        .options(selectinload(HelpRequest.language), selectinload(HelpRequest.town))
        .order_by(HelpRequest.created_at.desc())
        .limit(limit)
    ).all()
