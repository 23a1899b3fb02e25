"""The installation operator's pages: the KIs, a new KI, closing and reopening one, the state's figures.

Only the operator (``Role.OPERATOR``) reaches them; the operator belongs to no KI and reaches no
KI's pages (their policies do not name the role, and ``current_ki`` refuses it). Nothing here
shows a KI's people: counts and sums only.

URL map
  GET       /operator                                           operator.index          the KIs, with counts
  GET/POST  /operator/kis/new                                   operator.new_ki         "KI anlegen"
  GET/POST  /operator/kis/<ki_id>/<deactivate|reactivate>       operator.change_ki      with a confirmation step
  GET       /operator/figures                                   operator.figures        per KI and in total, for a period
  GET       /operator/figures/<table>.<csv|xlsx>                operator.figures_export
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role
from ki_match.audit.services import record
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, render_form, wants_block
from ki_match.installation import figures as state
from ki_match.installation.closing import set_ki_active
from ki_match.installation.forms import NewKiForm
from ki_match.installation.queries import ki_summaries
from ki_match.installation.setup import SetupError, create_ki
from ki_match.orgs.models import Ki
from ki_match.reports.exports import download
from ki_match.reports.formatting import display, period_title
from ki_match.reports.forms import ReportForm
from ki_match.reports.tables import Reference

bp = Blueprint("operator", __name__, url_prefix="/operator")

# The report's period picker without its filters (towns, topics and requesters belong to one KI).
PERIOD_ARGS = ("period", "year", "month", "quarter", "start", "end")
NO_REFERENCE = Reference(languages=[], towns=[], topics=[], organisations=[])


def get_ki(ki_id: int) -> Ki:
    ki = db.session.get(Ki, ki_id)
    if ki is None:
        abort(404)
    return ki


@bp.route("")
@roles(Role.OPERATOR)
def index():
    return render("installation/index.html", summaries=ki_summaries(local_today()), year=local_today().year)


@bp.route("/kis/new", methods=["GET", "POST"])
@roles(Role.OPERATOR)
def new_ki():
    form = NewKiForm()
    if form.validate_on_submit():
        try:
            done = create_ki(
                form.slug.data,
                form.name.data,
                form.admin_email.data,
                actor=current_user._get_current_object(),
            )
        except SetupError as error:
            db.session.rollback()
            form.slug.errors.append(str(error))
        else:
            flash(
                _(
                    "%(name)s ist angelegt. Die Einladung an %(email)s ist unterwegs.",
                    name=done.ki.name,
                    email=done.admin.email,
                ),
                "success",
            )
            return redirect_to(url_for("operator.index"))
    return render_form("installation/new_ki.html", "new_ki_form", form=form)


@bp.route("/kis/<int:ki_id>/<any(deactivate, reactivate):change>", methods=["GET", "POST"])
@roles(Role.OPERATOR)
def change_ki(ki_id: int, change: str):
    """A confirmation page on GET; the change happens only on POST."""
    ki = get_ki(ki_id)
    form = ConfirmForm()
    active = change == "reactivate"
    if form.validate_on_submit():
        set_ki_active(ki, active, current_user._get_current_object())
        if active:
            flash(_("%(name)s ist wieder aktiv.", name=ki.name), "success")
        else:
            flash(_("%(name)s ist deaktiviert. Die Daten bleiben erhalten.", name=ki.name), "success")
        return redirect_to(url_for("operator.index"))
    return render_form("installation/change_ki.html", form=form, ki=ki, change=change)


def _period_form() -> ReportForm:
    args = MultiDict([(key, value) for key, value in request.args.items(multi=True) if key in PERIOD_ARGS])
    form = ReportForm.from_args(args, NO_REFERENCE)
    form.validate()
    return form


@bp.route("/figures")
@roles(Role.OPERATOR)
def figures():
    form = _period_form()
    context = {"form": form, "cell": display, "figures": None, "partial": wants_block("figures_body")}
    if form.errors:
        return render("installation/figures.html", "figures_body", status=422, **context)
    period = form.to_period()
    found = state.state_figures(period)
    record("state_figures.viewed", period=period.slug)
    db.session.commit()
    return render(
        "installation/figures.html",
        "figures_body",
        **context | {"figures": found, "period_title": period_title(period), "args": form.period_args()},
    )


@bp.route(f"/figures/<any({', '.join(state.TABLE_TITLES)}):table>.<any(csv, xlsx):file_format>")
@roles(Role.OPERATOR)
def figures_export(table: str, file_format: str):
    form = _period_form()
    if form.errors:
        abort(400)
    period = form.to_period()
    found = state.state_figures(period)
    record("state_figures.exported", period=period.slug, table=table)
    db.session.commit()
    return download(found.tables[table], file_format, state.FILE_STEMS[table], period)
