"""Reports for coordinators and admins: figures, charts and exports; the expense allowance; its rates.

URL map
  GET       /reports                                   reports.index            figures for a period, with filters
  GET       /reports/export/<table>.<csv|xlsx>          reports.export           one table of the figures as a file
  GET       /reports/allowance                         reports.allowance        total list for the finance office
  GET       /reports/allowance.<csv|xlsx>              reports.allowance_export
  GET       /reports/allowance/<profile_id>            reports.statement        printable statement of one helper
  GET       /reports/allowance/<profile_id>.<csv|xlsx> reports.statement_export
  GET/POST  /reports/rates                             reports.rates            rates (admins)
  POST      /reports/rates/delete                      reports.delete_rate      (admins)
"""

from __future__ import annotations

from functools import partial
from operator import attrgetter

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.audit.services import record
from ki_match.clock import BERLIN
from ki_match.core import dates
from ki_match.core.forms import id_number
from ki_match.extensions import db
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import HelperProfile
from ki_match.htmx import redirect_to, render, render_form, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.reference import cache
from ki_match.reference import queries as reference
from ki_match.reference.names import language_name
from ki_match.reports import exports, queries
from ki_match.reports.charts import bar_chart
from ki_match.reports.formatting import Figures, display, period_title
from ki_match.reports.forms import RateForm, ReportForm
from ki_match.reports.models import AllowanceRate
from ki_match.reports.services import Column, Period, Table, Unit, cents_to_text
from ki_match.reports.tables import FILE_STEMS, Reference, build_report
from ki_match.requests.labels import KIND_LABELS

bp = Blueprint("reports", __name__, url_prefix="/reports")

STAFF = (Role.COORDINATOR, Role.ADMIN)
REPORT_TABLES = "overview, status, language, unmet, qualified, town, topic, kind, requester, month, load"
FORMATS = "csv, xlsx"


def _reference(ki) -> Reference:
    languages = sorted(cache.languages(ki), key=lambda item: language_name(item).casefold())
    return Reference(
        languages=languages,
        towns=list(cache.towns(ki)),
        topics=sorted(cache.topics(ki), key=attrgetter("id")),
        organisations=queries.organisations(ki.id),
        offered_language_ids=frozenset(db.session.scalars(reference.offered(ki))),
    )


def _form(reference: Reference) -> ReportForm:
    form = ReportForm.from_args(request.args, reference)
    form.validate()
    return form


def _page_context(form: ReportForm, report=None) -> dict:
    cell = Figures()
    return {
        "form": form,
        "report": report,
        "period_title": period_title(report.period) if report else None,
        "cell": cell,
        "chart": partial(bar_chart, shown=cell),
        "partial": wants_block("report_body") or wants_block("allowance_body"),
        "is_admin": current_user.role == Role.ADMIN,
    }


@bp.route("")
@roles(*STAFF)
def index():
    ki = current_ki()
    reference = _reference(ki)
    form = _form(reference)
    if form.errors:
        return render("reports/index.html", "report_body", status=422, **_page_context(form))
    report = build_report(ki.id, form.to_period(), form.to_filters(), reference)
    return render("reports/index.html", "report_body", **_page_context(form, report))


@bp.route(f"/export/<any({REPORT_TABLES}):table>.<any({FORMATS}):file_format>")
@roles(*STAFF)
def export(table: str, file_format: str):
    ki = current_ki()
    reference = _reference(ki)
    form = _form(reference)
    if form.errors:
        abort(400)
    period = form.to_period()
    report = build_report(ki.id, period, form.to_filters(), reference)
    if table not in report.tables:  # the month table exists only for periods longer than a month
        abort(404)
    return exports.download(report.tables[table], file_format, FILE_STEMS[table], period)


# --- the expense allowance ------------------------------------------------------------------


def _allowance_table(ki_id: int, period: Period) -> tuple[Table, list[queries.AllowanceTotal]]:
    totals = queries.allowance_totals(ki_id, period)
    table = Table(
        "allowance",
        _("Aufwandsentschädigung"),
        [
            Column(_("Name"), Unit.TEXT),
            Column(_("Einsätze"), Unit.COUNT),
            Column(_("Stunden"), Unit.MINUTES_AS_HOURS),
            Column(_("Kilometer"), Unit.KM),
            Column(_("Tickets"), Unit.CENTS),
            Column(_("Betrag"), Unit.CENTS),
        ],
        [
            [total.name, total.assignments, total.minutes, total.km, total.ticket_cents, total.cents]
            for total in totals
        ],
    )
    if totals:
        table.footer = [
            _("Summe"),
            sum(total.assignments for total in totals),
            sum(total.minutes for total in totals),
            sum(total.km for total in totals),
            sum(total.ticket_cents for total in totals),
            sum(total.cents for total in totals),
        ]
    return table, totals


@bp.route("/allowance")
@roles(*STAFF)
def allowance():
    ki = current_ki()
    form = _form(_reference(ki))
    context = _page_context(form)
    if form.errors:
        return render("reports/allowance.html", "allowance_body", status=422, **context)
    period = form.to_period()
    table, totals = _allowance_table(ki.id, period)
    record("report.allowance_viewed", ki_id=ki.id, period=period.slug, helpers=len(totals))
    response = render(
        "reports/allowance.html",
        "allowance_body",
        **context
        | {
            "period": period,
            "period_title": period_title(period),
            "table": table,
            "totals": totals,
            "rates": queries.rates(ki.id),
            "cents_to_text": cents_to_text,
        },
    )
    db.session.commit()
    return response


@bp.route(f"/allowance.<any({FORMATS}):file_format>")
@roles(*STAFF)
def allowance_export(file_format: str):
    ki = current_ki()
    form = _form(_reference(ki))
    if form.errors:
        abort(400)
    period = form.to_period()
    table, totals = _allowance_table(ki.id, period)
    record("report.allowance_exported", ki_id=ki.id, period=period.slug, helpers=len(totals))
    db.session.commit()
    return exports.download(table, file_format, FILE_STEMS["allowance"], period)


def _statement_table(helper: HelperProfile, period: Period, reference: Reference) -> Table:
    names = {item.id: language_name(item) for item in reference.languages}
    lines = queries.statement_lines(helper.ki_id, helper.id, period)
    rows = []
    for line in lines:
        day = line.starts_at.astimezone(BERLIN).date() if line.starts_at else line.due_on
        rows.append(
            [
                format_date(day, "short"),
                str(KIND_LABELS.get(line.kind, line.kind)),
                names.get(line.language_id, "–"),
                line.minutes,
                line.km,
                line.ticket_cents or None,
                line.per_hour_cents,
                line.per_km_cents,
                line.cents,
            ]
        )
    table = Table(
        "statement",
        _("Abrechnung"),
        [
            Column(_("Tag"), Unit.TEXT),
            Column(_("Art"), Unit.TEXT),
            Column(_("Sprache"), Unit.TEXT),
            Column(_("Stunden"), Unit.MINUTES_AS_HOURS),
            Column(_("Kilometer"), Unit.KM),
            Column(_("Ticket"), Unit.CENTS),
            Column(_("Satz je Stunde"), Unit.CENTS),
            Column(_("Satz je Kilometer"), Unit.CENTS),
            Column(_("Betrag"), Unit.CENTS),
        ],
        rows,
    )
    if rows:
        table.footer = [
            _("Summe"),
            "",
            "",
            sum(line.minutes for line in lines),
            sum(line.km for line in lines),
            sum(line.ticket_cents for line in lines),
            None,
            None,
            sum(line.cents or 0 for line in lines),
        ]
    return table


@bp.route("/allowance/<int:profile_id>")
@roles(*STAFF)
def statement(profile_id: int):
    helper = get_profile(profile_id, deleted=True)
    ki = current_ki()
    reference = _reference(ki)
    form = _form(reference)
    context = _page_context(form) | {"helper": helper}
    if form.errors:
        return render("reports/statement.html", status=422, **context)
    period = form.to_period()
    table = _statement_table(helper, period, reference)
    record("report.statement_viewed", subject=helper, period=period.slug)
    response = render(
        "reports/statement.html",
        **context
        | {
            "period": period,
            "period_title": period_title(period),
            "table": table,
            "without_rate": sum(1 for row in table.rows if row[-1] is None),
        },
    )
    db.session.commit()
    return response


@bp.route(f"/allowance/<int:profile_id>.<any({FORMATS}):file_format>")
@roles(*STAFF)
def statement_export(profile_id: int, file_format: str):
    helper = get_profile(profile_id, deleted=True)
    ki = current_ki()
    reference = _reference(ki)
    form = _form(reference)
    if form.errors:
        abort(400)
    period = form.to_period()
    table = _statement_table(helper, period, reference)
    record("report.statement_exported", subject=helper, period=period.slug)
    db.session.commit()
    return exports.download(table, file_format, f"{FILE_STEMS['statement']}-{helper.id}", period)


# --- rates ----------------------------------------------------------------------------------


@bp.route("/rates", methods=["GET", "POST"])
@roles(Role.ADMIN)
def rates():
    ki = current_ki()
    form = RateForm(ki_id=ki.id)
    if form.validate_on_submit():
        rate = AllowanceRate(
            ki_id=ki.id,
            valid_from=form.valid_from.data,
            per_hour_cents=form.per_hour_cents,
            per_km_cents=form.per_km_cents,
            created_by_id=current_user.id,
        )
        db.session.add(rate)
        db.session.flush()
        record("allowance_rate.created", subject=rate, valid_from=rate.valid_from.isoformat())
        db.session.commit()
        flash(
            _("Der Satz ab %(day)s ist gespeichert.", day=dates.show(rate.valid_from, "day_medium")),
            "success",
        )
        return redirect_to(url_for("reports.rates"))
    return render_form(
        "reports/rates.html", "rate_form", rates=queries.rates(ki.id), cell=display, is_admin=True, form=form
    )


@bp.route("/rates/delete", methods=["POST"])
@roles(Role.ADMIN)
def delete_rate():
    ki = current_ki()
    rate_id = request.form.get("rate_id", type=id_number)
    rate = db.session.scalar(
        select(AllowanceRate).where(AllowanceRate.id == rate_id, AllowanceRate.ki_id == ki.id)
    )
    if rate is None:
        abort(404)
    record("allowance_rate.deleted", subject=rate, valid_from=rate.valid_from.isoformat())
    db.session.delete(rate)
    db.session.commit()
    flash(_("Der Satz ab %(day)s ist gelöscht.", day=dates.show(rate.valid_from, "day_medium")), "success")
    return redirect_to(url_for("reports.rates"))
