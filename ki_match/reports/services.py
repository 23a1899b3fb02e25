"""Report rules: periods in the Europe/Berlin calendar, what each figure means, the expense allowance.

Which timestamp counts for what
-------------------------------
- **Demand** (requests by status, language, town, topic, kind and requester, the fill rate, the
  time to the first confirmation, unmet demand) counts a request in the period in which it was
  *made*: ``help_request.created_at``. Drafts are not requests yet and never count.
- **Work** (hours, kilometres, no-shows, active helpers, helper load, the expense allowance)
  counts an assignment in the period in which it *takes place*: the appointment's start
  (``help_request.starts_at``, which assignments copy), or for a written translation its due
  date (``help_request.due_on``).

Periods are Berlin calendar days: a period from 1 March to 31 March runs from Berlin midnight
of 1 March to Berlin midnight of 1 April, turned into UTC instants here, so a request made at
00:30 on 1 March Berlin time (23:30 UTC on 28 February) belongs to March. The database only
ever compares UTC instants, which works the same on SQLite and PostgreSQL.

Fill rate: requests filled or completed, divided by the requests that are decided — filled,
completed or unfilled. Open, offered, submitted, cancelled and declined requests are not
decided and count neither way.

Unmet demand (the recruiting signal): requests that went unfilled, and open or cancelled
requests to which no offer was ever sent (nobody could be asked).

Percentiles use the nearest-rank method: the p-th percentile of n values is the value at rank
⌈p·n⌉; the median of an even number of values is the mean of the two middle ones.

Expense allowance: only approved hours and kilometres of completed assignments count. Each
assignment is paid at the rate valid on its day (the newest rate whose ``valid_from`` is not
after that Berlin day): minutes × cents per hour ÷ 60, rounded to whole cents (half up), plus
kilometres × cents per kilometre, plus a ticket reported instead of kilometres, at cost. Money is
kept in integer cents throughout.
When the requester's sign-off says the client did not come (``assignments.signoff``), the helper
went all the same: her kilometres count in full, her time as approved but at most the request's
planned duration (the time she kept free and travelled; a written translation has no plan and
counts as approved).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ki_match.clock import local_midnight
from ki_match.core.money import cents_to_text, parse_cents  # noqa: F401  (the rate form reads them here)


class PeriodKind(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Berlin calendar days ``first`` to ``last``, both included."""

    kind: PeriodKind
    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(PeriodKind.MONTH, first, _first_of_next_month(first) - timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(PeriodKind.QUARTER, first, end - timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @property
    def end_day(self) -> date:
        """The first day after the period."""
        return self.last + timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end_utc(self) -> datetime:
        return local_midnight(self.end_day)

    @property
    def slug(self) -> str:
        """For file names: 2026-03, 2026-Q1, 2026, or 2026-03-01_2026-04-15."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first.year}-Q{(self.first.month + 2) // 3}"
        if self.kind == PeriodKind.YEAR:
            return str(self.first.year)
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def months(self) -> tuple[Month, ...]:
        """The calendar months the period touches, each cut to the period."""
        return _months(self.first, self.end_day)


@lru_cache(maxsize=64)
def _months(first: date, end_day: date) -> tuple[Month, ...]:
    # Cached: the CASE over month boundaries and the month table both ask, and zoneinfo is not free.
    found = []
    day = first
    while day < end_day:
        following = _first_of_next_month(day)
        found.append(Month(f"{day:%Y-%m}", local_midnight(day), local_midnight(min(following, end_day))))
        day = following
    return tuple(found)


@dataclass(frozen=True)
class Month:
    key: str
    start_utc: datetime
    end_utc: datetime


def default_period(today: date) -> Period:
    return Period.month(today.year, today.month)


@dataclass(frozen=True)
class ReportFilters:
    language_id: int | None = None
    town_id: int | None = None
    topic_id: int | None = None
    kind: str | None = None
    organisation_id: int | None = None

    def args(self) -> dict:
        values = {
            "language": self.language_id,
            "town": self.town_id,
            "topic": self.topic_id,
            "kind": self.kind,
            "requester": self.organisation_id,
        }
        return {key: value for key, value in values.items() if value}


# --- figures as tables ----------------------------------------------------------------------


class Unit(enum.StrEnum):
    TEXT = "text"
    COUNT = "count"
    SHARE = "share"  # a fraction 0..1, shown as per cent
    MINUTES_AS_HOURS = "hours"  # whole minutes, shown as hours with one decimal
    DURATION = "duration"  # minutes (float), shown as hours with one decimal
    KM = "km"
    CENTS = "cents"


@dataclass(frozen=True)
class Column:
    label: str
    unit: Unit


@dataclass
class Table:
    """One report table: what the page shows, the chart draws and the exports write."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    footer: list | None = None
    caption_note: str | None = None

    def column(self, index: int) -> list:
        return [row[index] for row in self.rows]

    def unit_of(self, row: list, index: int) -> Unit:
        """A row may carry its value's unit after the last column (the overview mixes units)."""
        if len(row) > len(self.columns) and index == len(self.columns) - 1:
            return row[-1]
        return self.columns[index].unit

    def cells(self, row: list) -> list[tuple[object, Unit]]:
        return [(row[index], self.unit_of(row, index)) for index in range(len(self.columns))]

    def shown_rows(self, cell: Callable[[object, Unit], str]) -> list[list[tuple[str, bool]]]:
        """The rows as a page writes them with ``cell``: each cell's text, and whether it is a number.

        Formatting here rather than cell by cell in the template saves a report page some 300
        template calls.
        """
        return [
            [(cell(value, unit), unit != Unit.TEXT) for value, unit in self.cells(row)] for row in self.rows
        ]

    def shown_footer(self, cell: Callable[[object, Unit], str]) -> list[tuple[str, bool]]:
        """The footer likewise: its label as it is, nothing for an empty cell."""
        (label, label_unit), *cells = self.cells(self.footer)
        return [
            (label, label_unit != Unit.TEXT),
            *(
                (cell(value, unit) if value not in (None, "") else "", unit != Unit.TEXT)
                for value, unit in cells
            ),
        ]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(values_by_rank: dict[int, float], count: int, p: int) -> float | None:
    """The nearest-rank ``p``-th percentile from the values at the ranks the query returned."""
    if not count:
        return None
    rank = -(-count * p // 100)
    return values_by_rank.get(rank)


def median(values_by_rank: dict[int, float], count: int) -> float | None:
    if not count:
        return None
    low, high = (count + 1) // 2, (count + 2) // 2
    return (values_by_rank[low] + values_by_rank[high]) / 2


# --- the expense allowance ------------------------------------------------------------------


def line_cents(minutes: int, km: int, per_hour_cents: int, per_km_cents: int, ticket_cents: int = 0) -> int:
    """What one approved assignment earns; the SQL in queries.py computes the same."""
    hours_part = (Decimal(minutes) * per_hour_cents / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(hours_part) + km * per_km_cents + ticket_cents


def cents_as_euros(cents: int) -> Decimal:
    return Decimal(cents) / 100
