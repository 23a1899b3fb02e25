"""Report figures against a hand-built month with known answers (tests/report_data.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from ki_match.clock import local_midnight
from ki_match.extensions import db
from ki_match.reference.models import Language
from ki_match.reports import queries
from ki_match.reports.qualified import qualified_by_language
from ki_match.reports.services import (
    Period,
    PeriodKind,
    ReportFilters,
    cents_to_text,
    line_cents,
    median,
    parse_cents,
    percentile,
)
from ki_match.reports.tables import Reference, build_report
from ki_match.requests.models import Assignment, AssignmentStatus, RequestKind, RequestStatus
from tests.factories import language, town
from tests.report_data import _request, build_march, utc

MARCH = Period.month(2026, 3)


@pytest.fixture
def march(ki, create_helper):
    return build_march(ki, create_helper)


# --- periods --------------------------------------------------------------------------------


def test_month_boundaries_are_berlin_midnights():
    assert MARCH.start_utc == datetime(2026, 2, 28, 23, tzinfo=UTC)  # CET
    assert MARCH.end_utc == datetime(2026, 3, 31, 22, tzinfo=UTC)  # CEST after the last Sunday of March
    october = Period.month(2026, 10)
    assert october.start_utc == datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert october.end_utc == datetime(2026, 10, 31, 23, tzinfo=UTC)


def test_quarter_year_and_their_months():
    quarter = Period.quarter(2026, 4)
    assert (quarter.first, quarter.last, quarter.slug) == (date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")
    assert [month.key for month in quarter.months()] == ["2026-10", "2026-11", "2026-12"]
    assert quarter.months()[1].start_utc == local_midnight(date(2026, 11, 1))
    assert Period.year(2026).slug == "2026"
    assert len(Period.year(2026).months()) == 12
    custom = Period(PeriodKind.CUSTOM, date(2026, 3, 15), date(2026, 4, 2))
    assert custom.slug == "2026-03-15_2026-04-02"
    assert [(m.key, m.end_utc) for m in custom.months()] == [
        ("2026-03", local_midnight(date(2026, 4, 1))),
        ("2026-04", local_midnight(date(2026, 4, 3))),
    ]


def test_percentiles_by_nearest_rank():
    values = {1: 30.0, 2: 60.0, 3: 120.0, 4: 600.0}
    assert median(values, 4) == 90
    assert percentile(values, 4, 90) == 600
    assert median({1: 5.0}, 1) == 5
    assert percentile({}, 0, 90) is None


@pytest.mark.parametrize(
    ("typed", "cents"), [("12,50", 1250), ("12.5", 1250), ("0,3", 30), ("1.234,00 €", 123400), ("7", 700)]
)
def test_parse_cents(typed, cents):
    assert parse_cents(typed) == cents


@pytest.mark.parametrize("typed", ["", "abc", "-1", "1,234", "NaN", "1e3x"])
def test_parse_cents_refuses(typed):
    with pytest.raises(ValueError):
        parse_cents(typed)


def test_line_cents_rounds_half_up():
    assert line_cents(50, 7, 1250, 35) == 1042 + 245
    assert line_cents(1, 0, 30, 0) == 1  # 0.5 cents round up
    assert cents_to_text(1250) == "12,50"


# --- demand ---------------------------------------------------------------------------------


def test_requests_by_status_count_berlin_month(march):
    counts = queries.request_counts(march.requests["R1"].ki_id, MARCH, ReportFilters())
    by_status = {key: c.total for key, c in counts["status"].items()}
    assert by_status == {"completed": 3, "filled": 1, "unfilled": 1, "open": 1, "cancelled": 1}


def test_requests_by_language_with_fill_rate_and_unmet(march):
    counts = queries.request_counts(march.requests["R1"].ki_id, MARCH, ReportFilters())
    ar, fa, uk = (str(language(code).id) for code in ("ar", "fa", "uk"))
    assert {key: c.total for key, c in counts["language"].items()} == {ar: 4, fa: 2, uk: 1}
    assert counts["language"][ar].filled == 4 and counts["language"][ar].decided == 4
    assert counts["language"][fa].unfilled == 1 and counts["language"][fa].decided == 1
    # R5 went unfilled, R6 never got an offer; R7 (uk) was cancelled after an offer.
    assert {key: c.unmet for key, c in counts["language"].items()} == {ar: 0, fa: 2, uk: 0}
    total = counts["status"]
    assert sum(c.filled for c in total.values()) == 4
    assert sum(c.decided for c in total.values()) == 5


def test_requests_by_town_kind_requester_topic(march):
    counts = queries.request_counts(march.requests["R1"].ki_id, MARCH, ReportFilters())
    brakel, hoexter = str(town("Brakel").id), str(town("Höxter").id)
    assert {k: c.total for k, c in counts["town"].items()} == {brakel: 4, hoexter: 1, None: 2}
    assert {k: c.total for k, c in counts["kind"].items()} == {"onsite": 5, "remote": 1, "written": 1}
    assert {k: c.total for k, c in counts["requester"].items()} == {str(march.organisation.id): 2, None: 5}
    assert {k: c.total for k, c in counts["topic"].items()} == {None: 7}
    assert {k: c.total for k, c in counts["month"].items()} == {"2026-03": 7}


def test_months_of_a_year_follow_the_berlin_calendar(march):
    counts = queries.request_counts(march.requests["R1"].ki_id, Period.year(2026), ReportFilters())
    # R4 at 23:30 on 28 Feb and R11, R12 are February; R3 at 00:30 on 1 April is April.
    assert {k: c.total for k, c in counts["month"].items()} == {"2026-02": 3, "2026-03": 7, "2026-04": 1}


def test_october_dst_day_and_month_end(ki, create_helper):
    s = RequestStatus.OPEN
    # 25 Oct 2026 00:30 UTC = 02:30 CEST (before the clocks go back), 01:30 UTC = 02:30 CET (after)
    _request(ki, utc(2026, 10, 25, 0, 30), "ar", s, starts_at=utc(2026, 11, 2, 9))
    _request(ki, utc(2026, 10, 25, 1, 30), "ar", s, starts_at=utc(2026, 11, 2, 11))
    _request(ki, utc(2026, 10, 31, 22, 30), "ar", s, starts_at=utc(2026, 11, 2, 13))  # 23:30 CET → October
    _request(ki, utc(2026, 10, 31, 23, 30), "ar", s, starts_at=utc(2026, 11, 2, 15))  # 00:30 CET 1 Nov
    _request(ki, utc(2026, 9, 30, 21, 30), "ar", s, starts_at=utc(2026, 11, 2, 17))  # 23:30 CEST 30 Sep
    _request(ki, utc(2026, 9, 30, 22, 30), "ar", s, starts_at=utc(2026, 11, 2, 19))  # 00:30 CEST 1 Oct
    db.session.commit()
    counts = queries.request_counts(ki.id, Period.quarter(2026, 4), ReportFilters())
    assert {k: c.total for k, c in counts["month"].items()} == {"2026-10": 4, "2026-11": 1}
    october = queries.request_counts(ki.id, Period.month(2026, 10), ReportFilters())
    assert sum(c.total for c in october["status"].values()) == 4


def test_filters_narrow_every_figure(march):
    ki_id = march.requests["R1"].ki_id
    only_fa = ReportFilters(language_id=language("fa").id)
    counts = queries.request_counts(ki_id, MARCH, only_fa)
    assert {k: c.total for k, c in counts["status"].items()} == {"unfilled": 1, "open": 1}
    written = ReportFilters(kind=RequestKind.WRITTEN.value)
    assert queries.work(ki_id, MARCH, written).approved_minutes == 240
    school = ReportFilters(organisation_id=march.organisation.id)
    assert sum(c.total for c in queries.request_counts(ki_id, MARCH, school)["status"].values()) == 2
    brakel = ReportFilters(town_id=town("Brakel").id)
    assert queries.work(ki_id, MARCH, brakel).approved_km == 24


def test_time_to_first_confirmation(march):
    result = queries.time_to_first_confirmation(march.requests["R1"].ki_id, MARCH, ReportFilters())
    assert result.count == 4  # R1 60, R2 120, R8 30, R10 600 minutes
    assert median(result.values_by_rank, result.count) == pytest.approx(90)
    assert percentile(result.values_by_rank, result.count, 90) == pytest.approx(600)


def test_first_confirmation_is_the_earliest_of_several(ki, create_helper):
    helpers = [create_helper() for _ in range(2)]
    request = _request(ki, utc(2026, 3, 2, 10), "ar", RequestStatus.FILLED, starts_at=utc(2026, 3, 9, 9))
    for seat, (helper, minutes) in enumerate(zip(helpers, (300, 45), strict=True), start=1):
        db.session.add(
            Assignment(
                request_id=request.id,
                helper_id=helper.id,
                seat=seat,
                starts_at=request.starts_at,
                ends_at=request.starts_at + timedelta(hours=1),
                confirmed_at=request.created_at + timedelta(minutes=minutes),
            )
        )
    db.session.commit()
    result = queries.time_to_first_confirmation(ki.id, MARCH, ReportFilters())
    assert result.count == 1
    assert median(result.values_by_rank, 1) == pytest.approx(45)


# --- work -----------------------------------------------------------------------------------


def test_work_by_appointment_day(march):
    work = queries.work(march.requests["R1"].ki_id, MARCH, ReportFilters())
    assert work.approved_minutes == 90 + 60 + 50 + 240
    assert work.approved_km == 12 + 5 + 7
    assert work.approved_assignments == 4
    assert work.no_shows == 1
    assert work.active_helpers == 3


def test_april_gets_the_appointment_at_half_past_midnight(march):
    april = queries.work(march.requests["R1"].ki_id, Period.month(2026, 4), ReportFilters())
    assert april.active_helpers == 1  # R2 on 1 April 00:30 Berlin, confirmed
    assert april.approved_minutes == 0


def test_helper_load_distribution(march, ki, create_helper):
    busy = create_helper()
    for day in range(1, 8):  # seven assignments in March
        request = _request(
            ki, utc(2026, 2, 1, 10), "ar", RequestStatus.COMPLETED, starts_at=utc(2026, 3, day + 13, 9)
        )
        db.session.add(
            Assignment(
                request_id=request.id,
                helper_id=busy.id,
                seat=1,
                status=AssignmentStatus.COMPLETED,
                starts_at=request.starts_at,
                ends_at=request.starts_at + timedelta(hours=1),
            )
        )
    db.session.commit()
    load = queries.helper_load(ki.id, MARCH, ReportFilters())
    # H1 2 (R1, R12), H2 1 (R8; the no-show does not count), H3 1 (R11), busy 7
    assert load.helpers == {"1": 2, "2–3": 1, "4–6": 0, "7+": 1}
    assert load.assignments == {"1": 2, "2–3": 2, "4–6": 0, "7+": 7}
    assert (load.top_helpers, load.top_assignments, load.total_assignments) == (1, 7, 11)


# --- the expense allowance ------------------------------------------------------------------


def test_allowance_totals_use_the_rate_of_the_day(march):
    totals = queries.allowance_totals(march.requests["R1"].ki_id, MARCH)
    assert [(t.name, t.minutes, t.km, t.cents, t.assignments) for t in totals] == [
        ("Amal Helferin", 140, 19, 3147, 2),
        ("Bashir Helfer", 240, 0, 5000, 1),
        ("Clara Helferin", 60, 5, 1150, 1),
    ]
    assert sum(t.cents for t in totals) == 9297
    assert all(t.without_rate == 0 for t in totals)


def test_statement_lines(march):
    h1 = march.helpers[0]
    lines = queries.statement_lines(h1.ki_id, h1.id, MARCH)
    assert [
        (line.minutes, line.km, line.per_hour_cents, line.per_km_cents, line.cents) for line in lines
    ] == [
        (90, 12, 1000, 30, 1860),
        (50, 7, 1250, 35, 1287),
    ]
    for line in lines:
        assert line.cents == line_cents(line.minutes, line.km, line.per_hour_cents, line.per_km_cents)


def test_assignments_before_the_first_rate_have_none(march):
    from ki_match.reports.models import AllowanceRate

    db.session.execute(db.delete(AllowanceRate).where(AllowanceRate.valid_from == date(2026, 1, 1)))
    db.session.commit()
    totals = {t.name: t for t in queries.allowance_totals(march.requests["R1"].ki_id, MARCH)}
    assert totals["Clara Helferin"].without_rate == 1
    assert totals["Amal Helferin"].without_rate == 1
    assert totals["Amal Helferin"].cents == 1287


def test_another_kis_data_stays_out(march):
    from ki_match.reference.services import ensure_reference_data

    other = ensure_reference_data(
        {"slug": "anderes", "name": "Anderes KI", "towns": [("Paderborn", 51.7, 8.7)]}
    )
    db.session.commit()
    assert queries.request_counts(other.id, MARCH, ReportFilters())["status"] == {}
    assert queries.work(other.id, MARCH, ReportFilters()).approved_minutes == 0
    assert queries.allowance_totals(other.id, MARCH) == []


def test_qualified_sprachlotsen_per_language_they_speak(march):
    ki_id = march.requests["R1"].ki_id
    ar, de, fa = (str(language(code).id) for code in ("ar", "de", "fa"))
    assert qualified_by_language(ki_id) == ({ar: 2, de: 2, fa: 1}, 2)
    assert qualified_by_language(ki_id, language(code="fa").id) == ({fa: 1}, 1)
    assert qualified_by_language(ki_id, language(code="uk").id) == ({}, 0)


def test_the_report_has_the_qualified_table_with_people_counted_once(march):
    ki_id = march.requests["R1"].ki_id
    reference = Reference(
        languages=list(db.session.scalars(select(Language))), towns=[], topics=[], organisations=[]
    )
    table = build_report(ki_id, MARCH, ReportFilters(), reference).tables["qualified"]
    assert table.title == "Qualifizierte Sprachlots*innen nach Sprache"
    assert [row[1] for row in table.rows] == [2, 2, 1] and table.rows[2][0] == "Persisch (Farsi)"
    assert table.footer == ["Personen, jede einmal gezählt", 2]
