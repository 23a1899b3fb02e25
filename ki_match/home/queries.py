"""What the start pages count: every figure of the coordinators' dashboard in one statement, built
once per process and run with the KI and the moments of ``requests.lists.attention_times``. Each
figure counts exactly what the list it links to shows (tests/home/test_dashboard_tiles.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam

from ki_match.assignments import queries as assignment_queries
from ki_match.extensions import db
from ki_match.helpers import queries as helper_queries
from ki_match.notifications import tasks
from ki_match.orgs.models import Ki
from ki_match.requests import lists as request_lists
from ki_match.requests.lists import Tab
from ki_match.requests.models import RequestStatus


@dataclass(frozen=True)
class DashboardFigures:
    status_counts: dict[RequestStatus, int]
    awaiting_approval: int  # helpers
    open_soon: int  # the requests of the tab "soon": still seeking, within the next 48 hours
    hours_to_approve: int  # reported assignments
    attention: int  # requests needing attention (the dashboard lists the first few)
    open_tasks: int  # the coordinators' open tasks (calls to helpers the KI manages)
    absences: int  # "nicht gekommen", said by a requester and not handled yet

    @property
    def offered(self) -> int:
        """The requests of the tab "offered": someone asked, not filled yet."""
        return self.status_counts[RequestStatus.OFFERED]

    @property
    def by_tab(self) -> list[tuple[Tab, tuple[RequestStatus, ...], int]]:
        """The status table's rows: each tab that lists requests by status, its statuses and how
        many requests it lists (a tab of two statuses is one row: its link shows both)."""
        return [
            (tab, statuses, sum(self.status_counts[status] for status in statuses))
            for tab, statuses in request_lists.TAB_STATUSES.items()
        ]


@cache
def _figures_statement():
    """The counts over the KI's requests, and the others beside them as subqueries."""
    ki_id = bindparam("ki_id")
    return request_lists.request_figures(ki_id, request_lists.bound_attention_times()).add_columns(
        helper_queries.awaiting_approval_count(ki_id).label("awaiting_approval"),
        assignment_queries.hours_awaiting_approval_count(ki_id).label("hours_to_approve"),
        tasks.open_count_subquery(ki_id).label("open_tasks"),
        assignment_queries.absences_to_handle_count(ki_id).label("absences"),
    )


def dashboard_figures(ki: Ki, now: datetime) -> DashboardFigures:
    parameters = {"ki_id": ki.id, **request_lists.attention_times(now)}
    row = db.session.execute(_figures_statement(), parameters).one()._mapping
    return DashboardFigures(
        status_counts={status: row[status.value] for status in RequestStatus},
        awaiting_approval=row["awaiting_approval"],
        open_soon=row["open_soon"],
        hours_to_approve=row["hours_to_approve"],
        attention=row["attention"],
        open_tasks=row["open_tasks"],
        absences=row["absences"],
    )
