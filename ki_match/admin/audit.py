"""The audit log for admins (/admin/audit): who saw or changed what, filtered, a page at a time,
and the same list as a file. Reading the log is itself recorded, with the filters but no name."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, abort
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.admin.audit_log import AuditFilters, AuditRow, events_page, export_rows, kept
from ki_match.audit.labels import GROUPS, EventGroup, action_label, harmless_detail
from ki_match.audit.services import record_at_once
from ki_match.core import dates
from ki_match.core.args import choice_arg, date_arg, int_arg, page_arg, text_arg
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.htmx import render, wants_block
from ki_match.orgs.queries import current_ki, organisations
from ki_match.orgs.settings import settings_for
from ki_match.reports.exports import CSV_TYPE, XLSX_TYPE, to_csv, to_xlsx
from ki_match.reports.services import Column, Table, Unit

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _helper(profile_id: int | None) -> HelperProfile | None:
    """The helper a filter names; another KI's (or no such) helper is a 404, as on her page."""
    if profile_id is None:
        return None
    profile = db.session.scalar(
        select(HelperProfile).where(HelperProfile.id == profile_id, HelperProfile.ki_id == current_ki().id)
    )
    if profile is None:
        abort(404)
    return profile


def _filters() -> tuple[AuditFilters, str | None]:
    """The filters the address asks for, and a message when "bis" lies before "von" (then only
    "von" applies)."""
    since, until = date_arg("from"), date_arg("to")
    problem = None
    if since and until and until < since:
        problem, until = _("„Bis“ liegt vor „von“: bitte einen späteren Tag wählen."), None
    group = choice_arg("group", EventGroup, None)
    filters = AuditFilters(
        who=text_arg("who"),
        helper=_helper(int_arg("helper")),
        request_id=int_arg("request"),
        organisation_id=int_arg("organisation"),
        group=group.value if group else None,
        since=since,
        until=until,
        page=page_arg(),
    )
    return filters, problem


@bp.route("")
@roles(Role.ADMIN)
def index():
    ki = current_ki()
    filters, problem = _filters()
    page = events_page(ki, filters)
    record_at_once("audit.viewed", ki_id=ki.id, page=page.page, count=len(page.items), **filters.summary())
    db.session.commit()
    return render(
        "admin/audit.html",
        "audit_results",
        filters=filters,
        args=filters.args(),
        date_problem=problem,
        page=page,
        groups=GROUPS,
        organisations=organisations(ki, active_only=False),
        kept=kept(ki),
        retention_days=settings_for(ki).retention_days,
        action_label=action_label,
        harmless_detail=harmless_detail,
        partial=wants_block("audit_results"),
    )


def _table(rows: list[AuditRow]) -> Table:
    columns = [
        _("Wann"),
        _("Wer"),
        _("Was"),
        _("Code"),
        _("Helfende*r"),
        _("Anfrage"),
        _("Organisation"),
        _("Details"),
    ]
    table = Table("audit", _("Protokoll"), [Column(label, Unit.TEXT) for label in columns])
    for row in rows:
        table.rows.append(
            [
                format_datetime(row.at, dates.AUDIT_STAMP),
                row.actor_name or _("das System"),
                action_label(row.action),
                row.action,
                row.helper_name or "",
                str(row.request_id or ""),
                row.organisation_name or "",
                ", ".join(f"{key}={value}" for key, value in harmless_detail(row.detail)),
            ]
        )
    return table


@bp.route("/export.<any(csv, xlsx):file_format>")
@roles(Role.ADMIN)
def export(file_format: str):
    ki = current_ki()
    filters, _problem = _filters()
    rows = export_rows(ki, replace(filters, page=1))
    record_at_once("audit.exported", ki_id=ki.id, format=file_format, count=len(rows), **filters.summary())
    db.session.commit()
    table = _table(rows)
    body, mimetype = (to_csv(table), CSV_TYPE) if file_format == "csv" else (to_xlsx(table), XLSX_TYPE)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="ki-match-protokoll.{file_format}"'
    response.headers["Cache-Control"] = "no-store"
    return response
