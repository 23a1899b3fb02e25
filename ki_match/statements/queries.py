"""A helper's year in money: her approved assignments at the rates of their days, the total against
her limit, and what approving one more report would make of it.

An assignment counts in the calendar year (Berlin) in which it takes place, as every figure of the
expense allowance does (``reports.services``): an appointment on 31 December approved in January
belongs to the old year. Only approved reports count, each paid by the KI that asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.clock import BERLIN
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.settings import allowance_limits
from ki_match.reports import queries as report_queries
from ki_match.reports.services import Period, line_cents
from ki_match.requests.models import Assignment
from ki_match.statements.limits import Card, LimitUse, ehrenamtskarte, limit_cents


@dataclass(frozen=True)
class YearTotal:
    year: int
    lines: list[report_queries.StatementLine]
    minutes: int
    km: int
    ticket_cents: int
    cents: int  # everything paid: hours, kilometres and tickets
    flat_cents: int  # the part per hour: a flat allowance (kilometres and tickets refund costs)
    without_rate: int  # assignments before the KI's first rate, paid with 0 €


def _flat(line: report_queries.StatementLine) -> int:
    if line.cents is None:
        return 0
    return line.cents - line.km * (line.per_km_cents or 0) - line.ticket_cents


def year_total(ki_id: int, helper_id: int, year: int) -> YearTotal:
    """The helper's approved assignments of ``year`` for the KI ``ki_id``, and their sums."""
    lines = report_queries.statement_lines(ki_id, helper_id, Period.year(year))
    return YearTotal(
        year=year,
        lines=lines,
        minutes=sum(line.minutes for line in lines),
        km=sum(line.km for line in lines),
        ticket_cents=sum(line.ticket_cents for line in lines),
        cents=sum(line.cents or 0 for line in lines),
        flat_cents=sum(_flat(line) for line in lines),
        without_rate=sum(1 for line in lines if line.cents is None),
    )


def limit_for(helper: HelperProfile, year: int) -> int | None:
    """Her limit in ``year``: her KI's own amount, else the installation's (``orgs.settings``)."""
    return limit_cents(allowance_limits(helper.ki), year, helper.allowance_limit)


def limit_use(helper: HelperProfile, total: YearTotal) -> LimitUse:
    return LimitUse(helper.allowance_limit, limit_for(helper, total.year), total.cents)


def card(helper: HelperProfile, total: YearTotal) -> Card:
    return ehrenamtskarte(total.year, total.minutes, total.flat_cents, limit_for(helper, total.year))


def _day(assignment: Assignment):
    if assignment.starts_at is not None:
        return assignment.starts_at.astimezone(BERLIN).date()
    return assignment.request.due_on


def _amount(assignment: Assignment, ki_id: int) -> int:
    """What approving the report would pay, at the rate of its day (0 before the first rate)."""
    day = _day(assignment)
    rate = report_queries.rate_on(ki_id, day) if day else None
    if rate is None:
        return 0
    ticket = assignment.ticket.cents if assignment.ticket else 0
    return line_cents(
        assignment.actual_minutes or 0,
        assignment.travel_km or 0,
        rate.per_hour_cents,
        rate.per_km_cents,
        ticket,
    )


def use_after_approval(assignment: Assignment) -> LimitUse | None:
    """The helper's limit as it would stand with this report approved too (None without a day);
    the approve buttons warn when it is over."""
    day = _day(assignment)
    if day is None:
        return None
    ki_id, helper = assignment.request.ki_id, assignment.helper
    total = year_total(ki_id, helper.id, day.year)
    return LimitUse(
        helper.allowance_limit, limit_for(helper, day.year), total.cents + _amount(assignment, ki_id)
    )


def over_limit_warnings(assignments) -> dict[int, LimitUse]:
    """Per assignment id: its helper's limit after approving it, for those that would go over."""
    found = {}
    for assignment in assignments:
        use = use_after_approval(assignment)
        if use is not None and use.over:
            found[assignment.id] = use
    return found
