"""Figures for the state: per KI and in total, for a period, with no personal data.

Each figure is one statement grouped by ``ki_id`` (no query per KI), built from the KI reports'
own definitions (``reports.queries``: ``made_in``, ``takes_place_in``, ``unmet``, ``APPROVED``,
``FILLED``, ``DECIDED``), so each KI's row says what that KI's own report says for the same
period. Only counts and sums leave the database: no names, no addresses, no client references.
The totals are the sums of the KIs' rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language
from ki_match.reference.names import language_name
from ki_match.reports.queries import APPROVED, DECIDED, FILLED, made_in, takes_place_in, unmet
from ki_match.reports.services import Column, Period, ReportFilters, Table, Unit, share
from ki_match.requests.models import Assignment, HelpRequest

TABLE_TITLES = {
    "kis": _l("Kennzahlen je KI"),
    "unmet": _l("Ungedeckter Bedarf nach Sprache, alle KIs"),
    "unmet_ki": _l("Ungedeckter Bedarf nach Sprache und KI"),
}
FILE_STEMS = {"kis": "land-kennzahlen", "unmet": "land-bedarf-sprache", "unmet_ki": "land-bedarf-sprache-ki"}


@dataclass(frozen=True)
class KiFigures:
    requests: int = 0
    filled: int = 0
    decided: int = 0
    unmet: int = 0
    approved_minutes: int = 0

    @property
    def fill_rate(self) -> float | None:
        return share(self.filled, self.decided)

    def __add__(self, other: KiFigures) -> KiFigures:
        return KiFigures(
            self.requests + other.requests,
            self.filled + other.filled,
            self.decided + other.decided,
            self.unmet + other.unmet,
            self.approved_minutes + other.approved_minutes,
        )


@dataclass
class StateFigures:
    period: Period
    per_ki: dict[int, KiFigures]
    total: KiFigures
    # (ki_id, language_id) → requests of unmet demand; only pairs with some.
    unmet_by_language: dict[tuple[int, int], int]
    tables: dict[str, Table] = field(default_factory=dict)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _demand(period: Period) -> dict[int, tuple[int, int, int, int]]:
    """Per KI: requests made in the period, filled, decided, unmet (the report's definitions)."""
    rows = db.session.execute(
        select(
            HelpRequest.ki_id,
            func.count(),
            _count_if(HelpRequest.status.in_(FILLED)),
            _count_if(HelpRequest.status.in_(DECIDED)),
            func.coalesce(func.sum(unmet()), 0),
        )
        .where(*made_in(None, period, ReportFilters()))
        .group_by(HelpRequest.ki_id)
    ).all()
    return {row[0]: tuple(int(value) for value in row[1:]) for row in rows}


def _approved_minutes(period: Period) -> dict[int, int]:
    """Per KI: approved minutes of assignments taking place in the period."""
    rows = db.session.execute(
        select(
            HelpRequest.ki_id,
            func.coalesce(func.sum(case((APPROVED, Assignment.actual_minutes), else_=0)), 0),
        )
        .select_from(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(*takes_place_in(None, period, ReportFilters()))
        .group_by(HelpRequest.ki_id)
    ).all()
    return {ki_id: int(minutes) for ki_id, minutes in rows}


def _unmet_by_language(period: Period) -> dict[tuple[int, int], int]:
    demand = func.sum(unmet())
    rows = db.session.execute(
        select(HelpRequest.ki_id, HelpRequest.language_id, demand)
        .where(*made_in(None, period, ReportFilters()))
        .group_by(HelpRequest.ki_id, HelpRequest.language_id)
        .having(demand > 0)
    ).all()
    return {(ki_id, language_id): int(count) for ki_id, language_id, count in rows}


def state_figures(period: Period) -> StateFigures:
    """Every KI's figures for ``period`` and their totals, from three aggregate statements."""
    kis = db.session.scalars(select(Ki).order_by(Ki.name, Ki.id)).all()
    demand, minutes = _demand(period), _approved_minutes(period)
    per_ki = {
        ki.id: KiFigures(*demand.get(ki.id, (0, 0, 0, 0)), approved_minutes=minutes.get(ki.id, 0))
        for ki in kis
    }
    total = sum(per_ki.values(), KiFigures())
    figures = StateFigures(period, per_ki, total, _unmet_by_language(period))
    figures.tables = _tables(figures, {ki.id: ki.name for ki in kis})
    return figures


# --- as tables, for the page and the exports -------------------------------------------------


def _tables(figures: StateFigures, ki_names: dict[int, str]) -> dict[str, Table]:
    language_names = {
        language.id: language_name(language) for language in db.session.scalars(select(Language))
    }
    return {
        "kis": _ki_table(figures, ki_names),
        "unmet": _unmet_table(figures, language_names),
        "unmet_ki": _unmet_ki_table(figures, ki_names, language_names),
    }


def _row(name: str, figures: KiFigures) -> list:
    return [
        name,
        figures.requests,
        figures.filled,
        figures.decided,
        figures.fill_rate,
        figures.unmet,
        figures.approved_minutes,
    ]


def _ki_table(figures: StateFigures, ki_names: dict[int, str]) -> Table:
    return Table(
        "kis",
        str(TABLE_TITLES["kis"]),
        [
            Column(_("KI"), Unit.TEXT),
            Column(_("Anfragen"), Unit.COUNT),
            Column(_("besetzt oder erledigt"), Unit.COUNT),
            Column(_("entschieden"), Unit.COUNT),
            Column(_("Besetzungsquote"), Unit.SHARE),
            Column(_("ungedeckter Bedarf"), Unit.COUNT),
            Column(_("Freigegebene Stunden"), Unit.MINUTES_AS_HOURS),
        ],
        [_row(ki_names[ki_id], ki_figures) for ki_id, ki_figures in figures.per_ki.items()],
        footer=_row(_("Alle KIs"), figures.total),
    )


def _unmet_table(figures: StateFigures, language_names: dict[int, str]) -> Table:
    by_language: dict[int, int] = {}
    for (_ki_id, language_id), count in figures.unmet_by_language.items():
        by_language[language_id] = by_language.get(language_id, 0) + count
    rows = [[language_names.get(language_id, "–"), count] for language_id, count in by_language.items()]
    rows.sort(key=lambda row: (-row[1], row[0].casefold()))
    return Table(
        "unmet",
        str(TABLE_TITLES["unmet"]),
        [Column(_("Sprache"), Unit.TEXT), Column(_("ungedeckt"), Unit.COUNT)],
        rows,
        footer=[_("Summe"), sum(row[1] for row in rows)] if rows else None,
    )


def _unmet_ki_table(figures: StateFigures, ki_names: dict[int, str], language_names: dict[int, str]) -> Table:
    rows = sorted(
        (
            [ki_names[ki_id], language_names.get(language_id, "–"), count]
            for (ki_id, language_id), count in figures.unmet_by_language.items()
        ),
        key=lambda row: (row[0].casefold(), -row[2], row[1].casefold()),
    )
    return Table(
        "unmet_ki",
        str(TABLE_TITLES["unmet_ki"]),
        [Column(_("KI"), Unit.TEXT), Column(_("Sprache"), Unit.TEXT), Column(_("ungedeckt"), Unit.COUNT)],
        rows,
        footer=[_("Summe"), "", sum(row[2] for row in rows)] if rows else None,
    )
