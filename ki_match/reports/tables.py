"""The report's figures as named tables: the page shows them, the charts draw them, the exports write them.

Building every table from the same query results keeps the page, its charts and its CSV/XLSX
files in agreement by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ki_match.orgs.models import Organisation
from ki_match.reference.models import Language, Topic, Town
from ki_match.reference.names import language_name, topic_name
from ki_match.reports import queries
from ki_match.reports.qualified import qualified_by_language
from ki_match.reports.services import Column, Period, ReportFilters, Table, Unit, median, percentile, share
from ki_match.requests.labels import KIND_LABELS, STATUS_LABELS
from ki_match.requests.models import RequestKind, RequestStatus


@dataclass
class Reference:
    """The KI's reference rows, loaded once per page for names and the filter choices."""

    languages: list[Language]  # the catalogue, so that past requests keep their language's name
    towns: list[Town]
    topics: list[Topic]  # or the rows reference.cache keeps: what is read is id, code and name
    organisations: list[Organisation]  # or rows of id and name
    offered_language_ids: frozenset[int] = frozenset()  # the KI's own languages: the filter's choices


@dataclass
class Report:
    period: Period
    tables: dict[str, Table] = field(default_factory=dict)
    # The overview figures by name, for the page's summary.
    figures: dict[str, object] = field(default_factory=dict)


# Tables a report has, in page order, with their titles (also the export file names' stems).
TABLE_TITLES = {
    "overview": _l("Überblick"),
    "status": _l("Anfragen nach Status"),
    "language": _l("Anfragen nach Sprache"),
    "unmet": _l("Ungedeckter Bedarf nach Sprache"),
    "qualified": _l("Qualifizierte Sprachlots*innen nach Sprache"),
    "town": _l("Anfragen nach Stadt"),
    "topic": _l("Anfragen nach Thema"),
    "kind": _l("Anfragen nach Art"),
    "requester": _l("Anfragen nach anfragender Stelle"),
    "month": _l("Anfragen nach Monat"),
    "load": _l("Verteilung der Einsätze auf Helfende"),
}

FILE_STEMS = {
    "overview": "ueberblick",
    "status": "anfragen-status",
    "language": "anfragen-sprache",
    "unmet": "bedarf-sprache",
    "qualified": "qualifiziert-sprache",
    "town": "anfragen-stadt",
    "topic": "anfragen-thema",
    "kind": "anfragen-art",
    "requester": "anfragen-stelle",
    "month": "anfragen-monat",
    "load": "einsatzverteilung",
    "allowance": "aufwandsentschaedigung",
    "statement": "abrechnung",
}

LOAD_LABELS = {
    "1": _l("1 Einsatz"),
    "2–3": _l("2–3 Einsätze"),
    "4–6": _l("4–6 Einsätze"),
    "7+": _l("7 und mehr Einsätze"),
}


def _dimension_columns(first: str) -> list[Column]:
    return [
        Column(first, Unit.TEXT),
        Column(_("Anfragen"), Unit.COUNT),
        Column(_("besetzt oder erledigt"), Unit.COUNT),
        Column(_("nicht besetzt"), Unit.COUNT),
        Column(_("Besetzungsquote"), Unit.SHARE),
    ]


def _dimension_table(key: str, first: str, counts: dict, names: dict, order=None) -> Table:
    unnamed = _("ohne Angabe")  # translated once, not for every row as an argument of get()
    rows = [
        [names.get(item, unnamed), c.total, c.filled, c.unfilled, share(c.filled, c.decided)]
        for item, c in counts.items()
    ]
    if order is None:
        rows.sort(key=lambda row: (-row[1], str(row[0]).casefold()))
    else:
        position = {names[item]: index for index, item in enumerate(order) if item in names}
        rows.sort(key=lambda row: position.get(row[0], len(position)))
    table = Table(key, str(TABLE_TITLES[key]), _dimension_columns(first), rows)
    if rows:
        total = sum(c.total for c in counts.values())
        filled = sum(c.filled for c in counts.values())
        decided = sum(c.decided for c in counts.values())
        unfilled = sum(c.unfilled for c in counts.values())
        table.footer = [_("Summe"), total, filled, unfilled, share(filled, decided)]
    return table


def build_report(ki_id: int, period: Period, filters: ReportFilters, reference: Reference) -> Report:
    """Every figure of the reports page, from four aggregate queries and the count of qualified
    Sprachlots*innen (today's, by the language filter only)."""
    counts = queries.request_counts(ki_id, period, filters)
    confirm = queries.time_to_first_confirmation(ki_id, period, filters)
    work = queries.work(ki_id, period, filters)
    load = queries.helper_load(ki_id, period, filters)
    language_names = {str(item.id): language_name(item) for item in reference.languages}
    report = Report(period)
    report.tables.update(_dimension_tables(counts, period, reference, language_names))
    report.tables["unmet"] = _unmet_table(counts, language_names)
    report.tables["qualified"] = _qualified_table(
        *qualified_by_language(ki_id, filters.language_id), language_names
    )
    report.tables["load"] = _load_table(load)
    report.figures = _figures(counts, confirm, work, load)
    report.tables["overview"] = Table(
        "overview",
        str(TABLE_TITLES["overview"]),
        [Column(_("Kennzahl"), Unit.TEXT), Column(_("Wert"), Unit.TEXT)],
        [[label, report.figures[name], unit] for name, (label, unit) in _overview_rows().items()],
    )
    return report


def _dimension_tables(counts, period: Period, reference: Reference, language_names: dict) -> dict[str, Table]:
    """Requests by status, language, town, topic, kind, requester and (over several months) month."""
    tables = {
        "status": _dimension_table(
            "status",
            _("Status"),
            counts["status"],
            {status.value: str(label) for status, label in STATUS_LABELS.items()},
            order=[status.value for status in RequestStatus],
        ),
        "language": _dimension_table("language", _("Sprache"), counts["language"], language_names),
        "town": _dimension_table(
            "town", _("Stadt"), counts["town"], {str(town.id): town.name for town in reference.towns}
        ),
        "topic": _dimension_table(
            "topic",
            _("Thema"),
            counts["topic"],
            {str(topic.id): topic_name(topic) for topic in reference.topics},
        ),
        "kind": _dimension_table(
            "kind",
            _("Art"),
            counts["kind"],
            {kind.value: str(label) for kind, label in KIND_LABELS.items()},
            order=[kind.value for kind in RequestKind],
        ),
        "requester": _dimension_table(
            "requester",
            _("Anfragende Stelle"),
            counts["requester"],
            {str(org.id): org.name for org in reference.organisations}
            | {None: _("Koordination (ohne Stelle)")},
        ),
    }
    if len(period.months()) > 1:
        months = {month.key: month.key for month in period.months()}
        month_counts = {key: counts["month"].get(key, queries.Counts()) for key in months}
        tables["month"] = _dimension_table("month", _("Monat"), month_counts, months, order=list(months))
    return tables


def _unmet_table(counts, language_names: dict) -> Table:
    """Demand no helper met, by language: whom to recruit next."""
    unnamed = _("ohne Angabe")
    rows = [
        [language_names.get(key, unnamed), c.unmet, c.unfilled, c.unmet - c.unfilled]
        for key, c in counts["language"].items()
        if c.unmet
    ]
    rows.sort(key=lambda row: (-row[1], row[0].casefold()))
    return Table(
        "unmet",
        str(TABLE_TITLES["unmet"]),
        [
            Column(_("Sprache"), Unit.TEXT),
            Column(_("ungedeckt"), Unit.COUNT),
            Column(_("davon nicht besetzt"), Unit.COUNT),
            Column(_("davon nie angefragt"), Unit.COUNT),
        ],
        rows,
        footer=[_("Summe"), *(sum(row[i] for row in rows) for i in (1, 2, 3))] if rows else None,
    )


def _qualified_table(per_language: dict[str, int], people: int, language_names: dict) -> Table:
    """Qualified Sprachlots*innen per language they speak; someone speaking three counts in three
    rows, so the footer counts people, each once."""
    unnamed = _("ohne Angabe")
    rows = [[language_names.get(key, unnamed), count] for key, count in per_language.items()]
    rows.sort(key=lambda row: (-row[1], row[0].casefold()))
    return Table(
        "qualified",
        str(TABLE_TITLES["qualified"]),
        [Column(_("Sprache"), Unit.TEXT), Column(_("qualifizierte Sprachlots*innen"), Unit.COUNT)],
        rows,
        footer=[_("Personen, jede einmal gezählt"), people] if rows else None,
    )


def _load_table(load) -> Table:
    return Table(
        "load",
        str(TABLE_TITLES["load"]),
        [
            Column(_("Einsätze im Zeitraum"), Unit.TEXT),
            Column(_("Helfende"), Unit.COUNT),
            Column(_("Einsätze zusammen"), Unit.COUNT),
        ],
        [
            [str(LOAD_LABELS[bucket]), load.helpers[bucket], load.assignments[bucket]]
            for bucket in LOAD_LABELS
        ],
        footer=[_("Summe"), sum(load.helpers.values()), load.total_assignments],
    )


def _figures(counts, confirm, work, load) -> dict:
    status_counts = counts["status"].values()
    filled = sum(c.filled for c in status_counts)
    decided = sum(c.decided for c in status_counts)
    return {
        "requests": sum(c.total for c in status_counts),
        "filled": filled,
        "decided": decided,
        "fill_rate": share(filled, decided),
        "confirmed": confirm.count,
        "median_minutes": median(confirm.values_by_rank, confirm.count),
        "p90_minutes": percentile(confirm.values_by_rank, confirm.count, 90),
        "approved_minutes": work.approved_minutes,
        "approved_km": work.approved_km,
        "approved_assignments": work.approved_assignments,
        "no_shows": work.no_shows,
        "active_helpers": work.active_helpers,
        "top_helpers": load.top_helpers,
        "top_share": share(load.top_assignments, load.total_assignments),
        "unmet": sum(c.unmet for c in counts["language"].values()),
    }


def _overview_rows() -> dict[str, tuple[str, Unit]]:
    return {
        "requests": (_("Anfragen"), Unit.COUNT),
        "decided": (_("entschieden (besetzt, erledigt oder nicht besetzt)"), Unit.COUNT),
        "filled": (_("besetzt oder erledigt"), Unit.COUNT),
        "fill_rate": (_("Besetzungsquote"), Unit.SHARE),
        "confirmed": (_("Anfragen mit Bestätigung"), Unit.COUNT),
        "median_minutes": (_("Zeit bis zur ersten Bestätigung, Median"), Unit.DURATION),
        "p90_minutes": (_("Zeit bis zur ersten Bestätigung, 90. Perzentil"), Unit.DURATION),
        "approved_minutes": (_("Freigegebene Stunden"), Unit.MINUTES_AS_HOURS),
        "approved_km": (_("Freigegebene Fahrtkilometer"), Unit.KM),
        "approved_assignments": (_("Freigegebene Einsätze"), Unit.COUNT),
        "no_shows": (_("Nicht erschienen"), Unit.COUNT),
        "active_helpers": (_("Aktive Helfende"), Unit.COUNT),
        "top_share": (_("Anteil der Einsätze beim aktivsten Zehntel der Helfenden"), Unit.SHARE),
        "unmet": (_("Ungedeckter Bedarf (Anfragen)"), Unit.COUNT),
    }
