"""Every SELECT of the reports, aggregated in the database with GROUP BY.

The same SQL runs on SQLite and PostgreSQL: periods arrive as UTC instants computed from
Berlin midnights (see services.py), months are told apart by a CASE over those instants,
and percentiles come from row_number()/count() windows over an ordered subquery. A monthly
report costs a fixed handful of queries, whatever the number of requests.

The report's four statements are big (the request counts alone hold some fifty expressions),
and building one, then deriving its cache key, costs more CPU than the database spends on it.
So each is built once per process and shape (which filters are in use, how many months the
period has) from stand-ins whose values are bind parameters, and runs with the call's values.

Why so long: every SELECT of the reports is here, as each domain keeps them: the figures and
the expense allowance share the conditions on the period, and the figures' statements come
with the stand-ins they are built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ki_match.accounts.models import User
from ki_match.assignments.models import Outcome, SignOff
from ki_match.clock import local_midnight
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Organisation
from ki_match.reports.models import AllowanceRate
from ki_match.reports.services import Month, Period, ReportFilters
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    RequestStatus,
    TravelTicket,
)

FILLED = (RequestStatus.FILLED, RequestStatus.COMPLETED)
DECIDED = (RequestStatus.FILLED, RequestStatus.COMPLETED, RequestStatus.UNFILLED)
# Open or cancelled without a single offer: nobody could be asked.
UNASKED = (RequestStatus.OPEN, RequestStatus.CANCELLED)
# Assignments that count as work a helper did or will do.
WORKED = (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED)

DIMENSIONS = ("status", "language", "town", "topic", "kind", "requester", "month")


class minutes_between(FunctionElement):  # noqa: N801  (reads like the SQL function it stands for)
    """Minutes from the first to the second instant, as a float."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


# The request's column each field of ReportFilters tests.
FILTER_COLUMNS = {
    "language_id": HelpRequest.language_id,
    "town_id": HelpRequest.town_id,
    "topic_id": HelpRequest.topic_id,
    "kind": HelpRequest.kind,
    "organisation_id": HelpRequest.organisation_id,
}


def _in_use(filters: ReportFilters) -> tuple[str, ...]:
    return tuple(name for name in FILTER_COLUMNS if getattr(filters, name))


def _filter_conditions(filters: ReportFilters) -> list:
    return [FILTER_COLUMNS[name] == getattr(filters, name) for name in _in_use(filters)]


def made_in(ki_id: int | None, period: Period, filters: ReportFilters) -> list:
    """Requests of the KI (of every KI for None) made in the period (by creation time), drafts left out."""
    return [
        *([] if ki_id is None else [HelpRequest.ki_id == ki_id]),
        HelpRequest.created_at >= period.start_utc,
        HelpRequest.created_at < period.end_utc,
        HelpRequest.status != RequestStatus.DRAFT,
        *_filter_conditions(filters),
    ]


def takes_place_in(ki_id: int | None, period: Period, filters: ReportFilters) -> list:
    """Requests of the KI (of every KI for None) whose appointment (or, for written translations,
    due date) is in the period."""
    # The KI is repeated in each branch so that each can use the (ki_id, starts_at) index by itself.
    of_ki = [] if ki_id is None else [HelpRequest.ki_id == ki_id]
    return [
        or_(
            and_(
                *of_ki,
                HelpRequest.starts_at >= period.start_utc,
                HelpRequest.starts_at < period.end_utc,
            ),
            and_(
                *of_ki,
                HelpRequest.starts_at.is_(None),
                HelpRequest.due_on >= period.first,
                HelpRequest.due_on < period.end_day,
            ),
        ),
        *_filter_conditions(filters),
    ]


def _month_of(column, period: Period):
    """'2026-03' for an instant in Berlin March: a CASE over the months' UTC boundaries."""
    return case(
        *((and_(column >= month.start_utc, column < month.end_utc), month.key) for month in period.months()),
        else_=None,
    )


# --- statements built once -----------------------------------------------------------------

_KI_ID = bindparam("ki_id")


class _PeriodParameters:
    """A period whose days and instants (and those of its ``month_count`` months) are parameters."""

    start_utc = bindparam("start_utc")
    end_utc = bindparam("end_utc")
    first = bindparam("first")
    end_day = bindparam("end_day")

    def __init__(self, month_count: int = 0):
        self._months = tuple(
            Month(
                bindparam(f"month_{index}", type_=String),
                bindparam(f"month_{index}_start"),
                bindparam(f"month_{index}_end"),
            )
            for index in range(month_count)
        )

    def months(self) -> tuple[Month, ...]:
        return self._months


def _filter_parameters(in_use: tuple[str, ...]) -> list:
    return [FILTER_COLUMNS[name] == bindparam(name) for name in in_use]


def _values(ki_id: int, period: Period, filters: ReportFilters, *, months: bool = False) -> dict:
    """The values for the parameters of a statement built with the stand-ins above."""
    values = {
        "ki_id": ki_id,
        "start_utc": period.start_utc,
        "end_utc": period.end_utc,
        "first": period.first,
        "end_day": period.end_day,
    }
    values.update((name, getattr(filters, name)) for name in _in_use(filters))
    if months:
        for index, month in enumerate(period.months()):
            values[f"month_{index}"] = month.key
            values[f"month_{index}_start"] = month.start_utc
            values[f"month_{index}_end"] = month.end_utc
    return values


def _made_in_parameters(in_use: tuple[str, ...]) -> list:
    return [*made_in(_KI_ID, _PeriodParameters(), ReportFilters()), *_filter_parameters(in_use)]


def _takes_place_in_parameters(in_use: tuple[str, ...]) -> list:
    return [*takes_place_in(_KI_ID, _PeriodParameters(), ReportFilters()), *_filter_parameters(in_use)]


# --- demand ---------------------------------------------------------------------------------


def unmet():
    """1 for a request of unmet demand (went unfilled, or nobody could be asked), else 0."""
    never_offered = ~exists().where(Offer.request_id == HelpRequest.id)
    return case(
        (HelpRequest.status == RequestStatus.UNFILLED, 1),
        (and_(HelpRequest.status.in_(UNASKED), never_offered), 1),
        else_=0,
    )


@dataclass(frozen=True)
class Counts:
    total: int = 0
    filled: int = 0
    decided: int = 0
    unfilled: int = 0
    unmet: int = 0


def request_counts(ki_id: int, period: Period, filters: ReportFilters) -> dict[str, dict[str | None, Counts]]:
    """Requests per status, language, town, topic, kind, requester and month — one statement."""
    statement = _request_counts_statement(_in_use(filters), len(period.months()))
    result: dict[str, dict[str | None, Counts]] = {dimension: {} for dimension in DIMENSIONS}
    for row in db.session.execute(statement, _values(ki_id, period, filters, months=True)):
        result[row.dimension][row.key] = Counts(
            int(row.total), int(row.filled), int(row.decided), int(row.unfilled), int(row.unmet)
        )
    return result


@lru_cache(maxsize=64)
def _request_counts_statement(in_use: tuple[str, ...], month_count: int):
    """The period's requests are read once (a CTE); each dimension is a GROUP BY over it."""
    period = _PeriodParameters(month_count)
    made = (
        select(
            HelpRequest.status.label("status"),
            HelpRequest.language_id.label("language"),
            HelpRequest.town_id.label("town"),
            HelpRequest.topic_id.label("topic"),
            HelpRequest.kind.label("kind"),
            HelpRequest.organisation_id.label("requester"),
            _month_of(HelpRequest.created_at, period).label("month"),
            # Each request's status as 0/1 flags, once here rather than in each of the seven
            # GROUP BYs: a shorter statement with fewer parameters, which psycopg then caches.
            case((HelpRequest.status.in_(FILLED), 1), else_=0).label("filled"),
            case((HelpRequest.status.in_(DECIDED), 1), else_=0).label("decided"),
            case((HelpRequest.status == RequestStatus.UNFILLED, 1), else_=0).label("unfilled"),
            unmet().label("unmet"),
        )
        .where(*_made_in_parameters(in_use))
        .cte("made")
    )

    def by(dimension: str):
        key = made.c[dimension]
        return select(
            literal(dimension).label("dimension"),
            cast(key, String).label("key"),
            func.count().label("total"),
            func.sum(made.c.filled).label("filled"),
            func.sum(made.c.decided).label("decided"),
            func.sum(made.c.unfilled).label("unfilled"),
            func.sum(made.c.unmet).label("unmet"),
        ).group_by(key)

    return union_all(*(by(dimension) for dimension in DIMENSIONS))


@dataclass(frozen=True)
class TimeToConfirm:
    count: int
    # Minutes at the ranks needed for the median and the 90th percentile.
    values_by_rank: dict[int, float]


def time_to_first_confirmation(ki_id: int, period: Period, filters: ReportFilters) -> TimeToConfirm:
    """Minutes from a request's creation to its first confirmed helper, at the ranks that matter."""
    statement = _time_to_first_confirmation_statement(_in_use(filters))
    rows = db.session.execute(statement, _values(ki_id, period, filters)).all()
    if not rows:
        return TimeToConfirm(0, {})
    return TimeToConfirm(int(rows[0].n), {int(row.rank): float(row.minutes) for row in rows})


@lru_cache(maxsize=32)
def _time_to_first_confirmation_statement(in_use: tuple[str, ...]):
    per_request = (
        select(
            minutes_between(HelpRequest.created_at, func.min(Assignment.confirmed_at)).label("minutes"),
        )
        .join(Assignment, Assignment.request_id == HelpRequest.id)
        .where(*_made_in_parameters(in_use))
        .group_by(HelpRequest.id, HelpRequest.created_at)
        .subquery()
    )
    ranked = select(
        per_request.c.minutes,
        func.row_number().over(order_by=per_request.c.minutes).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    rank, n = ranked.c.rank, ranked.c.n
    wanted = or_(
        rank == (n + 1) // 2,
        rank == (n + 2) // 2,
        # the nearest rank for p = 90: the smallest rank with rank/n >= 0.9
        and_(rank * 10 >= n * 9, (rank - 1) * 10 < n * 9),
    )
    return select(ranked.c.minutes, rank, n).where(wanted)


# --- work -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    approved_minutes: int = 0
    approved_km: int = 0
    approved_assignments: int = 0
    no_shows: int = 0
    active_helpers: int = 0


APPROVED = and_(Assignment.status == AssignmentStatus.COMPLETED, Assignment.approved_at.is_not(None))


def work(ki_id: int, period: Period, filters: ReportFilters) -> Work:
    """Approved hours and kilometres, no-shows and active helpers of assignments taking place in the period."""
    row = db.session.execute(_work_statement(_in_use(filters)), _values(ki_id, period, filters)).one()
    return Work(int(row.minutes), int(row.km), int(row.approved), int(row.no_shows), int(row.helpers))


@lru_cache(maxsize=32)
def _work_statement(in_use: tuple[str, ...]):
    return (
        select(
            func.coalesce(func.sum(case((APPROVED, Assignment.actual_minutes), else_=0)), 0).label("minutes"),
            func.coalesce(func.sum(case((APPROVED, Assignment.travel_km), else_=0)), 0).label("km"),
            func.coalesce(func.sum(case((APPROVED, 1), else_=0)), 0).label("approved"),
            func.coalesce(
                func.sum(case((Assignment.status == AssignmentStatus.NO_SHOW, 1), else_=0)), 0
            ).label("no_shows"),
            func.count(
                distinct(case((Assignment.status.in_(WORKED), Assignment.helper_id), else_=None))
            ).label("helpers"),
        )
        .select_from(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*_takes_place_in_parameters(in_use))
    )


LOAD_BUCKETS = ("1", "2–3", "4–6", "7+")


@dataclass(frozen=True)
class Load:
    helpers: dict[str, int]
    assignments: dict[str, int]
    top_helpers: int
    top_assignments: int
    total_assignments: int


def helper_load(ki_id: int, period: Period, filters: ReportFilters) -> Load:
    """How many helpers did 1, 2–3, 4–6 or 7+ assignments, and what the busiest tenth did."""
    rows = db.session.execute(_helper_load_statement(_in_use(filters)), _values(ki_id, period, filters)).all()
    helpers = dict.fromkeys(LOAD_BUCKETS, 0)
    assignments = dict.fromkeys(LOAD_BUCKETS, 0)
    for row in rows:
        helpers[row.bucket] = int(row.helpers)
        assignments[row.bucket] = int(row.assignments)
    return Load(
        helpers,
        assignments,
        sum(int(row.top_helpers) for row in rows),
        sum(int(row.top_assignments) for row in rows),
        sum(assignments.values()),
    )


@lru_cache(maxsize=32)
def _helper_load_statement(in_use: tuple[str, ...]):
    per_helper = (
        select(Assignment.helper_id, func.count().label("done"))
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(Assignment.status.in_(WORKED), *_takes_place_in_parameters(in_use))
        .group_by(Assignment.helper_id)
        .subquery()
    )
    ranked = select(
        per_helper.c.done,
        func.row_number().over(order_by=(per_helper.c.done.desc(), per_helper.c.helper_id)).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    done = ranked.c.done
    bucket = case(
        (done == 1, LOAD_BUCKETS[0]),
        (done <= 3, LOAD_BUCKETS[1]),
        (done <= 6, LOAD_BUCKETS[2]),
        else_=LOAD_BUCKETS[3],
    ).label("bucket")
    # The top 10 % of helpers: the first ⌈n/10⌉ by number of assignments.
    in_top = ranked.c.rank <= (ranked.c.n + 9) // 10
    inner = select(
        bucket,
        done,
        case((in_top, 1), else_=0).label("top"),
    ).subquery()
    return select(
        inner.c.bucket,
        func.count().label("helpers"),
        func.sum(inner.c.done).label("assignments"),
        func.sum(inner.c.top).label("top_helpers"),
        func.sum(case((inner.c.top == 1, inner.c.done), else_=0)).label("top_assignments"),
    ).group_by(inner.c.bucket)


# --- the filters' choices -------------------------------------------------------------------

_ORGANISATIONS = (
    select(Organisation.id, Organisation.name)
    .where(Organisation.ki_id == bindparam("ki_id"))
    .order_by(Organisation.name)
)


def organisations(ki_id: int) -> list[Row]:
    """The KI's requesting organisations, active or not (past requests keep theirs): id and name, by name."""
    return db.session.execute(_ORGANISATIONS, {"ki_id": ki_id}).all()


# --- the expense allowance ------------------------------------------------------------------


def rates(ki_id: int) -> list[AllowanceRate]:
    """The KI's rates, newest first."""
    return db.session.scalars(
        select(AllowanceRate).where(AllowanceRate.ki_id == ki_id).order_by(AllowanceRate.valid_from.desc())
    ).all()


def rate_on(ki_id: int, day) -> AllowanceRate | None:
    return db.session.scalar(
        select(AllowanceRate)
        .where(AllowanceRate.ki_id == ki_id, AllowanceRate.valid_from <= day)
        .order_by(AllowanceRate.valid_from.desc())
        .limit(1)
    )


def _rate_of_day(valid_rates: list[AllowanceRate], attribute: str):
    """The rate valid on the assignment's day: a CASE over the rates' Berlin start instants (newest first)."""
    if not valid_rates:
        return literal(None, Integer)
    by_time = case(
        *(
            (HelpRequest.starts_at >= local_midnight(rate.valid_from), getattr(rate, attribute))
            for rate in valid_rates
        ),
        else_=None,
    )
    by_due_date = case(
        *((HelpRequest.due_on >= rate.valid_from, getattr(rate, attribute)) for rate in valid_rates),
        else_=None,
    )
    return case((HelpRequest.starts_at.is_not(None), by_time), else_=by_due_date)


def _paid_minutes():
    """The minutes paid: as approved, except that when the client did not come (the requester's
    sign-off) at most the planned duration counts; the kilometres count in full either way."""
    reported = func.coalesce(Assignment.actual_minutes, 0)
    client_absent = (
        select(SignOff.id)
        .where(SignOff.assignment_id == Assignment.id, SignOff.outcome == Outcome.CLIENT_ABSENT)
        .exists()
    )
    over_plan = and_(HelpRequest.duration_minutes.is_not(None), reported > HelpRequest.duration_minutes)
    return case((and_(client_absent, over_plan), HelpRequest.duration_minutes), else_=reported)


def _allowance_columns(valid_rates: list[AllowanceRate]):
    """The statement's columns; a query using them joins ``WITH_TICKET``."""
    per_hour = _rate_of_day(valid_rates, "per_hour_cents")
    per_km = _rate_of_day(valid_rates, "per_km_cents")
    minutes = _paid_minutes()
    km = func.coalesce(Assignment.travel_km, 0)
    ticket = func.coalesce(TravelTicket.cents, 0)
    # Whole cents, half up: (minutes × cents per hour + 30) // 60; a ticket at cost.
    amount = (minutes * per_hour + 30) // 60 + km * per_km + ticket
    return per_hour, per_km, minutes, km, ticket, amount


WITH_TICKET = (TravelTicket, TravelTicket.assignment_id == Assignment.id)


@dataclass(frozen=True)
class AllowanceTotal:
    helper_id: int
    name: str
    minutes: int
    km: int
    cents: int
    assignments: int
    without_rate: int
    own: bool = True  # a helper of the KI; another KI's (the shared pool) has no statement page here
    ticket_cents: int = 0


def allowance_totals(ki_id: int, period: Period) -> list[AllowanceTotal]:
    """Per helper: approved minutes, kilometres and the amount, for the finance office."""
    per_hour, _per_km, minutes, km, ticket, amount = _allowance_columns(rates(ki_id))
    rows = db.session.execute(
        select(
            Assignment.helper_id,
            User.display_name,
            HelperProfile.ki_id,
            func.sum(minutes).label("minutes"),
            func.sum(km).label("km"),
            func.sum(ticket).label("tickets"),
            func.coalesce(func.sum(amount), 0).label("cents"),
            func.count().label("assignments"),
            func.sum(case((per_hour.is_(None), 1), else_=0)).label("without_rate"),
        )
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .join(HelperProfile, HelperProfile.id == Assignment.helper_id)
        .join(User, User.id == HelperProfile.user_id)
        .outerjoin(*WITH_TICKET)
        .where(APPROVED, *takes_place_in(ki_id, period, ReportFilters()))
        .group_by(Assignment.helper_id, User.display_name, HelperProfile.ki_id)
        .order_by(User.display_name, Assignment.helper_id)
    ).all()
    return [
        AllowanceTotal(
            row.helper_id,
            row.display_name,
            int(row.minutes),
            int(row.km),
            int(row.cents),
            int(row.assignments),
            int(row.without_rate),
            row.ki_id == ki_id,
            int(row.tickets),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class StatementLine:
    assignment_id: int
    starts_at: object
    due_on: object
    kind: str
    language_id: int
    town_id: int | None
    minutes: int
    km: int
    per_hour_cents: int | None
    per_km_cents: int | None
    cents: int | None
    ticket_cents: int = 0
    ticket_note: str | None = None


def statement_lines(ki_id: int, helper_id: int, period: Period) -> list[StatementLine]:
    """One helper's approved assignments in the period, each with its rate and amount."""
    per_hour, per_km, minutes, km, ticket, amount = _allowance_columns(rates(ki_id))
    rows = db.session.execute(
        select(
            Assignment.id,
            HelpRequest.starts_at,
            HelpRequest.due_on,
            HelpRequest.kind,
            HelpRequest.language_id,
            HelpRequest.town_id,
            minutes.label("minutes"),
            km.label("km"),
            per_hour.label("per_hour"),
            per_km.label("per_km"),
            amount.label("cents"),
            ticket.label("ticket"),
            TravelTicket.note.label("ticket_note"),
        )
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .outerjoin(*WITH_TICKET)
        .where(Assignment.helper_id == helper_id, APPROVED, *takes_place_in(ki_id, period, ReportFilters()))
        .order_by(func.coalesce(HelpRequest.starts_at, HelpRequest.created_at), Assignment.id)
    ).all()
    return [
        StatementLine(
            row.id,
            row.starts_at,
            row.due_on,
            str(row.kind),
            row.language_id,
            row.town_id,
            int(row.minutes),
            int(row.km),
            None if row.per_hour is None else int(row.per_hour),
            None if row.per_km is None else int(row.per_km),
            None if row.cents is None else int(row.cents),
            int(row.ticket),
            row.ticket_note,
        )
        for row in rows
    ]
