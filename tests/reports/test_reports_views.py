"""Request tests for the reports pages, their partials, the exports and the allowance rates."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.extensions import db
from ki_match.orgs.models import Organisation
from ki_match.reference.services import ensure_reference_data
from ki_match.reports.models import AllowanceRate
from ki_match.requests.models import RequestKind, RequestStatus
from tests.factories import language
from tests.report_data import _request, build_march, utc
from tests.support import htmx_headers

MARCH = "period=month&year=2026&month=3"


@pytest.fixture
def march(ki, create_helper):
    return build_march(ki, create_helper)


@pytest.fixture
def coordinator(coordinator, auth):
    """Logged in with the test client: the tests here work at the coordinator's desk."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def text_of(response) -> str:
    return response.get_data(as_text=True)


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return list(sheet.iter_rows(values_only=True))


def table_cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each row of an HTML table of the page (header row first)."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


# --- access ---------------------------------------------------------------------------------

PAGES = [
    "/reports",
    f"/reports?{MARCH}",
    "/reports/export/language.csv",
    "/reports/export/status.xlsx",
    "/reports/allowance",
    "/reports/allowance.csv",
    "/reports/rates",
]


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
@pytest.mark.parametrize("path", PAGES)
def test_helpers_and_initiatives_are_refused(client, login_as, role, path):
    login_as(role)
    assert client.get(path).status_code == 403


def test_statement_is_refused_to_a_helper(client, march, login_as):
    login_as(Role.HELPER)
    assert client.get(f"/reports/allowance/{march.helpers[0].id}").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/reports")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_coordinators_read_but_do_not_set_rates(client, coordinator):
    assert client.get("/reports/allowance").status_code == 200
    assert client.get("/reports/rates").status_code == 403
    assert client.post("/reports/rates", data={"valid_from": "2026-01-01"}).status_code == 403
    assert client.post("/reports/rates/delete", data={"rate_id": "1"}).status_code == 403


def test_navigation_has_reports_for_staff(client, coordinator):
    page = text_of(client.get("/"))
    assert 'href="/reports"' in page and "Berichte" in page


# --- the figures page -----------------------------------------------------------------------


def test_index_shows_the_march_figures(client, march, coordinator):
    response = client.get(f"/reports?{MARCH}")
    assert response.status_code == 200
    html = text_of(response)
    assert "Kennzahlen für März 2026" in html
    assert table_cells(html, "status-table")[-1] == ["Summe", "7", "4", "1", "80,0\xa0%"]
    assert "Besetzungsquote: besetzte und erledigte Anfragen geteilt durch die entschiedenen" in html
    assert "1,5\xa0h" in html  # median 90 minutes
    assert "10,0\xa0h" in html  # 90th percentile 600 minutes
    assert "7,3\xa0h" in html  # 440 approved minutes
    assert "24\xa0km" in html
    # the recruiting signal
    assert table_cells(html, "unmet-table")[1] == ["Persisch (Farsi)", "2", "1", "1"]


def test_charts_are_accessible_svg_with_the_table_numbers(client, march, coordinator):
    html = text_of(client.get(f"/reports?{MARCH}"))
    svg = re.search(r'<svg class="chart" id="chart-language".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-language-title chart-language-desc"' in svg
    assert '<desc id="chart-language-desc">Arabisch: 4; Persisch (Farsi): 2; Ukrainisch: 1</desc>' in svg
    assert ">Arabisch</text>" in svg and ">4</text>" in svg
    assert "style=" not in html
    assert table_cells(html, "language-table")[1][:2] == ["Arabisch", "4"]


def test_year_has_months_in_the_berlin_calendar(client, march, coordinator):
    html = text_of(client.get("/reports?period=year&year=2026"))
    months = {row[0]: row[1] for row in table_cells(html, "month-table")[1:-1]}
    assert months["2026-02"] == "3" and months["2026-03"] == "7" and months["2026-04"] == "1"
    assert months["2026-12"] == "0"


def test_partial_swaps_the_report_body_and_announces(client, march, coordinator):
    response = client.get(f"/reports?{MARCH}", headers=htmx_headers("report-body"))
    assert response.status_code == 200
    html = text_of(response)
    assert "<html" not in html
    assert 'id="report-form"' in html
    assert 'hx-swap-oob="innerHTML"' in html and "Kennzahlen für März 2026" in html
    assert "HX-Target" in response.headers["Vary"]


def test_boosted_request_gets_the_whole_page(client, march, coordinator):
    headers = htmx_headers("report-body") | {"HX-Boosted": "true"}
    assert "<html" in text_of(client.get(f"/reports?{MARCH}", headers=headers))


def test_filters_apply_and_stay_in_the_export_links(client, march, coordinator):
    from tests.factories import language

    fa = language("fa").id
    html = text_of(client.get(f"/reports?{MARCH}&language={fa}"))
    assert table_cells(html, "status-table")[-1][:2] == ["Summe", "2"]
    assert f"/reports/export/status.csv?period=month&amp;year=2026&amp;month=3&amp;language={fa}" in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=custom&start=2026-04-01&end=2026-03-01", "end", "Der letzte Tag liegt vor dem ersten"),
        ("period=custom&start=31.02.2026&end=2026-03-01", "start", "Bitte als Datum eingeben"),
        ("period=custom&start=2026-03-01", "end", "Bitte geben Sie den Tag an"),
        ("period=custom&start=2020-01-01&end=2026-01-01", "end", "höchstens drei Jahre"),
        ("period=month&year=abc&month=3", "year", ""),
        ("period=month&year=2026&month=13", "month", ""),
        ("period=decade", "period", ""),
        ("language=999999", "language", ""),
        ("kind=teleport", "kind", ""),
    ],
)
def test_bad_input_is_a_message_next_to_the_field(client, coordinator, query, field, message):
    for headers in ({}, htmx_headers("report-body")):
        response = client.get(f"/reports?{query}", headers=headers)
        assert response.status_code == 422
        html = text_of(response)
        error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
        assert error and error.group(1).strip(), html
        assert message in error.group(1)
    assert client.get(f"/reports/export/status.csv?{query}").status_code == 400


def test_custom_period(client, march, coordinator):
    html = text_of(client.get("/reports?period=custom&start=2026-03-29&end=2026-03-29"))
    assert table_cells(html, "status-table")[-1][:2] == ["Summe", "2"]  # R5 and R6, made on the DST day


def test_another_kis_requests_stay_out(client, march, coordinator):
    other = ensure_reference_data(
        {"slug": "anderes", "name": "Anderes KI", "towns": [("Paderborn", 51.7, 8.7)]}
    )
    db.session.flush()
    _request(
        other,
        utc(2026, 3, 10, 10),
        "ar",
        RequestStatus.UNFILLED,
        kind=RequestKind.REMOTE,
        town_name=None,
        starts_at=utc(2026, 3, 20, 9),
    )
    db.session.commit()
    html = text_of(client.get(f"/reports?{MARCH}"))
    assert table_cells(html, "status-table")[-1][:2] == ["Summe", "7"]


# --- exports --------------------------------------------------------------------------------


def test_csv_export_matches_the_page(client, march, coordinator):
    page = text_of(client.get(f"/reports?{MARCH}"))
    response = client.get(f"/reports/export/language.csv?{MARCH}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="ki-match-anfragen-sprache-2026-03.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == ["Sprache", "Anfragen", "besetzt oder erledigt", "nicht besetzt", "Besetzungsquote (%)"]
    assert rows[1:] == [
        ["Arabisch", "4", "4", "0", "100,0"],
        ["Persisch (Farsi)", "2", "0", "1", "0,0"],
        ["Ukrainisch", "1", "0", "0", ""],
        ["Summe", "7", "4", "1", "80,0"],
    ]
    on_page = table_cells(page, "language-table")
    assert [row[:4] for row in on_page[1:]] == [row[:4] for row in rows[1:]]


def test_overview_csv_and_xlsx_agree(client, march, coordinator):
    rows = {row[0]: row[1:] for row in read_csv(client.get(f"/reports/export/overview.csv?{MARCH}"))}
    assert rows["Besetzungsquote"] == ["80,0", "%"]
    assert rows["Freigegebene Stunden"] == ["7,33", "h"]
    assert rows["Zeit bis zur ersten Bestätigung, Median"] == ["1,50", "h"]
    assert rows["Nicht erschienen"] == ["1", "Anzahl"]
    response = client.get(f"/reports/export/overview.xlsx?{MARCH}")
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="ki-match-ueberblick-2026-03.xlsx"'
    )
    cells = {row[0]: row[1] for row in read_xlsx(response)}
    assert cells["Besetzungsquote"] == pytest.approx(0.8)
    assert cells["Freigegebene Stunden"] == pytest.approx(7.33)
    assert cells["Aktive Helfende"] == 3 and isinstance(cells["Aktive Helfende"], int)


def test_every_table_exports_in_both_formats(client, march, coordinator):
    tables = (
        "overview",
        "status",
        "language",
        "unmet",
        "qualified",
        "town",
        "topic",
        "kind",
        "requester",
        "load",
    )
    for table in tables:
        for file_format in ("csv", "xlsx"):
            response = client.get(f"/reports/export/{table}.{file_format}?{MARCH}")
            assert response.status_code == 200, (table, file_format)
            assert "attachment;" in response.headers["Content-Disposition"]
    assert client.get(f"/reports/export/month.csv?{MARCH}").status_code == 404  # a month has no month table
    year = client.get("/reports/export/month.xlsx?period=year&year=2026")
    assert 'filename="ki-match-anfragen-monat-2026.xlsx"' in year.headers["Content-Disposition"]
    quarter = client.get("/reports/export/load.csv?period=quarter&year=2026&quarter=1")
    assert 'filename="ki-match-einsatzverteilung-2026-Q1.csv"' in quarter.headers["Content-Disposition"]


def test_qualified_sprachlotsen_on_the_page_and_in_both_exports(client, march, coordinator):
    html = text_of(client.get(f"/reports?{MARCH}"))
    assert table_cells(html, "qualified-table")[1:] == [
        ["Arabisch", "2"],
        ["Deutsch", "2"],
        ["Persisch (Farsi)", "1"],
        ["Personen, jede einmal gezählt", "2"],
    ]
    assert "Qualifizierte Sprachlots*innen: freigegebene Sprachlots*innen mit aktivem Konto" in html
    response = client.get(f"/reports/export/qualified.csv?{MARCH}")
    assert 'filename="ki-match-qualifiziert-sprache-2026-03.csv"' in response.headers["Content-Disposition"]
    assert read_csv(response) == [
        ["Sprache", "qualifizierte Sprachlots*innen"],
        ["Arabisch", "2"],
        ["Deutsch", "2"],
        ["Persisch (Farsi)", "1"],
        ["Personen, jede einmal gezählt", "2"],
    ]
    rows = read_xlsx(client.get(f"/reports/export/qualified.xlsx?{MARCH}"))
    assert rows[1] == ("Arabisch", 2) and rows[-1] == ("Personen, jede einmal gezählt", 2)
    filtered = text_of(client.get(f"/reports?{MARCH}&language={language('fa').id}"))
    assert table_cells(filtered, "qualified-table")[1:] == [
        ["Persisch (Farsi)", "1"],
        ["Personen, jede einmal gezählt", "1"],
    ]


def test_xlsx_keeps_numbers_as_numbers(client, march, coordinator):
    rows = read_xlsx(client.get(f"/reports/export/status.xlsx?{MARCH}"))
    assert rows[0][0] == "Status"
    by_status = {row[0]: row for row in rows[1:]}
    assert by_status["erledigt"][1:4] == (3, 3, 0)
    assert by_status["Summe"][4] == pytest.approx(0.8)


def test_csv_defuses_formulas(client, ki, march, coordinator):
    evil = Organisation(ki_id=ki.id, name='=HYPERLINK("http://evil")')
    db.session.add(evil)
    db.session.flush()
    _request(
        ki, utc(2026, 3, 3, 10), "ar", RequestStatus.OPEN, starts_at=utc(2026, 3, 20, 9), organisation=evil
    )
    db.session.commit()
    rows = read_csv(client.get(f"/reports/export/requester.csv?{MARCH}"))
    assert ['\'=HYPERLINK("http://evil")', "1", "0", "0", ""] in rows
    cells = [row[0] for row in read_xlsx(client.get(f"/reports/export/requester.xlsx?{MARCH}"))]
    assert '\'=HYPERLINK("http://evil")' in cells


# --- the expense allowance ------------------------------------------------------------------


def test_allowance_total_list(client, march, coordinator):
    response = client.get(f"/reports/allowance?{MARCH}")
    assert response.status_code == 200
    html = text_of(response)
    rows = table_cells(html, "allowance-table")
    assert rows[1] == ["Amal Helferin", "2", "2,3\xa0h", "19\xa0km", "0,00\xa0€", "31,47\xa0€"]
    assert rows[-1] == ["Summe", "4", "7,3\xa0h", "24\xa0km", "0,00\xa0€", "92,97\xa0€"]
    assert f'href="/reports/allowance/{march.helpers[0].id}?period=month&amp;year=2026&amp;month=3"' in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.allowance_viewed"))


def test_allowance_exports(client, march, coordinator):
    response = client.get(f"/reports/allowance.csv?{MARCH}")
    assert 'filename="ki-match-aufwandsentschaedigung-2026-03.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["Name", "Einsätze", "Stunden (h)", "Kilometer (km)", "Tickets (€)", "Betrag (€)"]
    assert rows[1:] == [
        ["Amal Helferin", "2", "2,33", "19", "0,00", "31,47"],
        ["Bashir Helfer", "1", "4,00", "0", "0,00", "50,00"],
        ["Clara Helferin", "1", "1,00", "5", "0,00", "11,50"],
        ["Summe", "4", "7,33", "24", "0,00", "92,97"],
    ]
    cells = read_xlsx(client.get(f"/reports/allowance.xlsx?{MARCH}"))
    assert cells[-1][5] == pytest.approx(92.97)


def test_allowance_partial(client, march, coordinator):
    html = text_of(client.get(f"/reports/allowance?{MARCH}", headers=htmx_headers("allowance-body")))
    assert "<html" not in html and 'id="allowance-table"' in html


def test_statement_of_one_helper(client, march, coordinator):
    h1 = march.helpers[0]
    response = client.get(f"/reports/allowance/{h1.id}?{MARCH}")
    assert response.status_code == 200
    html = text_of(response)
    assert "Amal Helferin" in html
    rows = table_cells(html, "statement-table")
    assert rows[1] == [
        "10.03.26",
        "Dolmetschen vor Ort",
        "Arabisch",
        "1,5\xa0h",
        "12\xa0km",
        "–",
        "10,00\xa0€",
        "0,30\xa0€",
        "18,60\xa0€",
    ]
    assert (
        rows[2][0] == "11.03.26" and rows[2][-1] == "12,87\xa0€"
    )  # 00:30 Berlin on the day the new rate starts
    assert rows[-1][-1] == "31,47\xa0€"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.statement_viewed"))
    assert event.subject_id == h1.id
    lines = read_csv(client.get(f"/reports/allowance/{h1.id}.csv?{MARCH}"))
    assert lines[-1][-1] == "31,47"
    xlsx = client.get(f"/reports/allowance/{h1.id}.xlsx?{MARCH}")
    assert f'filename="ki-match-abrechnung-{h1.id}-2026-03.xlsx"' in xlsx.headers["Content-Disposition"]
    assert read_xlsx(xlsx)[-1][-1] == pytest.approx(31.47)


def test_statement_of_another_kis_helper_is_404(client, march, coordinator, app):
    from ki_match.accounts.models import User
    from ki_match.helpers.models import HelperProfile

    other = ensure_reference_data(
        {"slug": "anderes", "name": "Anderes KI", "towns": [("Paderborn", 51.7, 8.7)]}
    )
    db.session.flush()
    user = User(ki_id=other.id, email="h@anderes.example.org", display_name="Andere", role=Role.HELPER)
    db.session.add(user)
    db.session.flush()
    profile = HelperProfile(ki_id=other.id, user_id=user.id)
    db.session.add(profile)
    db.session.commit()
    assert client.get(f"/reports/allowance/{profile.id}").status_code == 404
    assert client.get(f"/reports/allowance/{profile.id}.csv").status_code == 404
    assert client.get("/reports/allowance/999999").status_code == 404


def test_statement_bad_period_is_422(client, march, coordinator):
    response = client.get(
        f"/reports/allowance/{march.helpers[0].id}?period=custom&start=2026-05-01&end=2026-04-01"
    )
    assert response.status_code == 422
    assert "Der letzte Tag liegt vor dem ersten" in text_of(response)


# --- rates ----------------------------------------------------------------------------------


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def rates_of(ki):
    return [
        (r.valid_from, r.per_hour_cents, r.per_km_cents)
        for r in db.session.scalars(
            select(AllowanceRate).where(AllowanceRate.ki_id == ki.id).order_by(AllowanceRate.valid_from)
        )
    ]


def test_admin_adds_a_rate(client, ki, admin):
    response = client.post(
        "/reports/rates", data={"valid_from": "2026-07-01", "per_hour": "12,50", "per_km": "0,30"}
    )
    assert response.status_code == 303
    assert rates_of(ki) == [(date(2026, 7, 1), 1250, 30)]
    page = text_of(client.get("/reports/rates"))
    assert "12,50\xa0€" in page and "0,30\xa0€" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"valid_from": "", "per_hour": "12", "per_km": "0,3"}, "valid_from", "ersten gültigen Tag"),
        (
            {"valid_from": "x", "per_hour": "12", "per_km": "0,3"},
            "valid_from",
            "Bitte als Datum eingeben",
        ),
        (
            {"valid_from": "2026-07-01", "per_hour": "zwölf", "per_km": "0,3"},
            "per_hour",
            "höchstens zwei Nachkommastellen",
        ),
        (
            {"valid_from": "2026-07-01", "per_hour": "12", "per_km": "0,305"},
            "per_km",
            "höchstens zwei Nachkommastellen",
        ),
        ({"valid_from": "2026-07-01", "per_hour": "-5", "per_km": "0,3"}, "per_hour", "Betrag in Euro"),
        ({"valid_from": "2026-07-01", "per_hour": "5000", "per_km": "0,3"}, "per_hour", "zu hoch"),
    ],
)
def test_rate_form_errors_next_to_fields(client, ki, admin, data, field, message):
    for headers in ({}, htmx_headers("rate-form")):
        response = client.post("/reports/rates", data=data, headers=headers)
        assert response.status_code == 422
        html = text_of(response)
        error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
        assert error and message in error.group(1), html
        assert ("<html" in html) == (not headers)
    assert rates_of(ki) == []


def test_a_day_takes_one_rate(client, ki, admin):
    client.post("/reports/rates", data={"valid_from": "2026-07-01", "per_hour": "12", "per_km": "0,3"})
    response = client.post(
        "/reports/rates", data={"valid_from": "2026-07-01", "per_hour": "13", "per_km": "0,3"}
    )
    assert response.status_code == 422
    assert "Ab diesem Tag gilt schon ein Satz" in text_of(response)


def test_htmx_rate_post_redirects(client, ki, admin):
    response = client.post(
        "/reports/rates",
        data={"valid_from": "2026-07-01", "per_hour": "12", "per_km": "0,3"},
        headers=htmx_headers("rate-form"),
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/reports/rates"


def test_admin_deletes_a_rate_of_the_own_ki_only(client, ki, admin):
    client.post("/reports/rates", data={"valid_from": "2026-07-01", "per_hour": "12", "per_km": "0,3"})
    rate_id = db.session.scalar(select(AllowanceRate.id))
    other = ensure_reference_data(
        {"slug": "anderes", "name": "Anderes KI", "towns": [("Paderborn", 51.7, 8.7)]}
    )
    foreign = AllowanceRate(ki_id=other.id, valid_from=date(2026, 1, 1), per_hour_cents=1, per_km_cents=1)
    db.session.add(foreign)
    db.session.commit()
    foreign_id = foreign.id
    assert client.post("/reports/rates/delete", data={"rate_id": foreign_id}).status_code == 404
    assert client.post("/reports/rates/delete", data={"rate_id": "x"}).status_code == 404
    assert client.post("/reports/rates/delete", data={"rate_id": rate_id}).status_code == 303
    assert rates_of(ki) == []
    assert db.session.get(AllowanceRate, foreign_id) is not None


# --- language and cost ----------------------------------------------------------------------


def test_reports_in_english(client, march, auth):
    auth.as_role(Role.COORDINATOR, locale="en")
    html = text_of(client.get("/reports?period=quarter&year=2026&quarter=1"))
    assert "Figures for Q1 2026" in html
    assert "Unmet demand by language" in html
    assert table_cells(html, "status-table")[-1][:2] == ["Total", "10"]
    assert "Expense allowance" in text_of(client.get(f"/reports/allowance?{MARCH}"))


def test_allowance_without_rates_says_so(client, ki, create_helper, login_as):
    build_march(ki, create_helper)
    db.session.execute(db.delete(AllowanceRate))
    db.session.commit()
    login_as(Role.ADMIN)
    html = text_of(client.get(f"/reports/allowance?{MARCH}"))
    assert "Es ist noch kein Satz hinterlegt" in html
    assert 'href="/reports/rates"' in html
    assert "ohne gültigen Satz" in html


def _statements_for(client, url: str) -> int:
    from sqlalchemy import event

    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count


def test_a_report_costs_the_same_few_queries_however_much_data(client, ki, march, coordinator, create_helper):
    url = "/reports?period=year&year=2026"
    before = _statements_for(client, url)
    for day in range(1, 29):
        _request(ki, utc(2026, 5, day, 10), "uk", RequestStatus.UNFILLED, starts_at=utc(2026, 6, day, 9))
    db.session.commit()
    assert _statements_for(client, url) == before
    assert 4 < before <= 15, before
