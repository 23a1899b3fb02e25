"""The state's figures: each KI's row is that KI's own report, the totals are their sum,
every figure is one statement whatever the number of KIs, and no one's name comes out."""

from __future__ import annotations

from functools import partial

from sqlalchemy import event, select

from ki_match.extensions import db as _db
from ki_match.installation.figures import KiFigures, state_figures
from ki_match.installation.setup import create_ki
from ki_match.reference.models import Language
from ki_match.reports import queries
from ki_match.reports.exports import to_csv
from ki_match.reports.services import Period, ReportFilters
from ki_match.reports.tables import Reference, build_report
from ki_match.requests.models import RequestStatus
from tests.factories import CLIENT_REF, language, make_helper, make_request, other_ki
from tests.report_data import build_march, utc

MARCH = Period.month(2026, 3)


def _reference() -> Reference:
    return Reference(
        languages=list(_db.session.scalars(select(Language))), towns=[], topics=[], organisations=[]
    )


def _two_kis(ki, create_helper):
    build_march(ki, create_helper)
    other = other_ki()
    build_march(other, partial(make_helper, ki=other))
    # The other KI has one more unmet request, in Tigrinya, so the two rows differ.
    make_request(ki=other, lang="ti", status=RequestStatus.UNFILLED, created_at=utc(2026, 3, 12, 9))
    return other


def test_each_kis_row_is_its_own_report_and_the_total_is_their_sum(ki, create_helper):
    other = _two_kis(ki, create_helper)
    empty = create_ki("leer", "Leeres KI").ki

    figures = state_figures(MARCH)

    for each in (ki, other):
        report = build_report(each.id, MARCH, ReportFilters(), _reference()).figures
        row = figures.per_ki[each.id]
        assert (row.requests, row.filled, row.decided, row.fill_rate, row.unmet, row.approved_minutes) == (
            report["requests"],
            report["filled"],
            report["decided"],
            report["fill_rate"],
            report["unmet"],
            report["approved_minutes"],
        )
        by_language = queries.request_counts(each.id, MARCH, ReportFilters())["language"]
        assert {
            language_id: count
            for (ki_id, language_id), count in figures.unmet_by_language.items()
            if ki_id == each.id
        } == {int(key): counts.unmet for key, counts in by_language.items() if counts.unmet}
    assert figures.per_ki[other.id].unmet == figures.per_ki[ki.id].unmet + 1
    assert figures.per_ki[empty.id] == KiFigures()

    assert figures.total == sum(figures.per_ki.values(), KiFigures())
    assert figures.total.requests == figures.per_ki[ki.id].requests * 2 + 1
    footer = figures.tables["kis"].footer
    assert footer[1:] == [
        figures.total.requests,
        figures.total.filled,
        figures.total.decided,
        figures.total.fill_rate,
        figures.total.unmet,
        figures.total.approved_minutes,
    ]
    assert figures.tables["unmet"].footer[1] == figures.total.unmet
    assert figures.tables["unmet_ki"].footer[2] == figures.total.unmet
    tigrinya = [row for row in figures.tables["unmet"].rows if row[0] == "Tigrinya"]
    assert tigrinya and tigrinya[0][1] == 1
    assert language("ti").id in {language_id for _ki, language_id in figures.unmet_by_language}


def test_each_figure_is_one_statement_whatever_the_number_of_kis(ki, create_helper):
    _two_kis(ki, create_helper)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def run() -> int:
        statements.clear()
        _db.session.expire_all()
        event.listen(_db.engine, "before_cursor_execute", count)
        try:
            state_figures(MARCH)
        finally:
            event.remove(_db.engine, "before_cursor_execute", count)
        return len(statements)

    with_two = run()
    for number in range(3):
        create_ki(f"weiteres-{number}", f"Weiteres KI {number}")
    assert run() == with_two
    assert with_two <= 6  # the KIs, three figures, the language names


def test_no_personal_data_in_the_figures(ki, create_helper):
    _two_kis(ki, create_helper)
    figures = state_figures(MARCH)
    names = {
        profile.user.display_name
        for profile in _db.session.scalars(select(make_helper.__globals__["HelperProfile"]))
    }
    emails = {
        profile.user.email
        for profile in _db.session.scalars(select(make_helper.__globals__["HelperProfile"]))
    }
    text = "".join(to_csv(table).decode("utf-8-sig") for table in figures.tables.values())
    assert names and not any(name in text for name in names)
    assert not any(email in text for email in emails)
    assert "Fall 1" not in text and CLIENT_REF not in text
