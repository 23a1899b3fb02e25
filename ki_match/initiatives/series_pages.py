"""An organisation's series: the dates the form would make, while it is typed; a series sent in,
with every date as the organisation sees it and the days left out; taking back every open date.

URL map (on the ``initiatives`` blueprint):
  /initiative/series/preview          POST  initiatives.series_preview   the dates of the form, as typed
  /initiative/series/<id>                   initiatives.series           the series of the organisation
  /initiative/series/<id>/withdraw    POST  initiatives.withdraw_series  take back every open date

The rules are in ``initiatives.series``; sending the form in is ``initiatives.new_request``.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.initiatives import series as rules
from ki_match.initiatives.forms import InitiativeRequestForm, WithdrawForm
from ki_match.initiatives.labels import INITIATIVE_STATUS, initiative_status
from ki_match.initiatives.services import InitiativeError
from ki_match.initiatives.views import bp, render_new
from ki_match.orgs.queries import current_ki
from ki_match.requests import queries
from ki_match.requests.labels import RULE_LABELS, SKIP_LABELS
from ki_match.requests.models import RequestSeries
from ki_match.requests.series_forms import RepeatForm

PAGE = "initiatives/series.html"


@bp.route("/initiative/series/preview", methods=["POST"])
@roles(Role.INITIATIVE)
def series_preview():
    """The dates of the series as the form has it; writes nothing. htmx asks for the
    ``series_preview`` block; without JavaScript "Termine anzeigen" gets the whole form back."""
    form = InitiativeRequestForm(ki=current_ki(), inline=True)
    form.validate()
    repeat = RepeatForm()
    if not wants_block("series_preview"):
        return render_new(form, repeat)
    return render(
        "initiatives/new_request.html",
        "series_preview",
        repeat=repeat,
        expansion=rules.unfold(form, repeat)[1],
        partial=True,
        SKIP_LABELS=SKIP_LABELS,
    )


def get_own_series(series_id: int) -> RequestSeries:
    """A series the member's organisation sent in (of their KI), or 404."""
    organisation_id = current_user.organisation_id
    found = None
    if organisation_id is not None:
        found = rules.series_of_organisation(current_ki(), organisation_id, series_id)
    if found is None:
        abort(404)
    return found


def _page(found: RequestSeries, *, status: int = 200, form: WithdrawForm | None = None, message=None):
    dates = queries.series_requests(found.id)
    return render(
        PAGE,
        "initiative_series",
        status,
        series=found,
        dates=dates,
        withdrawable=rules.withdrawable(dates),
        withdraw_form=form or WithdrawForm(formdata=None),
        message=message,
        labels=INITIATIVE_STATUS,
        initiative_status=initiative_status,
        RULE_LABELS=RULE_LABELS,
        SKIP_LABELS=SKIP_LABELS,
    )


@bp.route("/initiative/series/<int:series_id>", endpoint="series")
@roles(Role.INITIATIVE)
def show_series(series_id: int):
    return _page(get_own_series(series_id))


@bp.route("/initiative/series/<int:series_id>/withdraw", methods=["POST"])
@roles(Role.INITIATIVE)
def withdraw_series(series_id: int):
    """ "Alle offenen Termine zurückziehen": every date nobody is confirmed for yet, with a reason."""
    found = get_own_series(series_id)
    form = WithdrawForm()
    if not form.validate():
        return _page(found, status=422, form=form)
    try:
        outcome = rules.withdraw_series(found, current_user._get_current_object(), form.reason.data)
    except InitiativeError as error:
        form.reason.errors = [*form.reason.errors, str(error)]
        return _page(found, status=422, form=form)
    if outcome.changed:
        message = ngettext(
            "%(num)d Termin ist zurückgezogen.", "%(num)d Termine sind zurückgezogen.", len(outcome.changed)
        )
    else:
        message = _("Es gibt keinen offenen Termin mehr, der sich zurückziehen lässt.")
    for day, reason in outcome.refused:
        message += " " + _("%(day)s: %(reason)s", day=dates.show(day, "day_medium"), reason=reason)
    if wants_block("initiative_series"):
        return _page(db.session.get(RequestSeries, series_id), message=message)
    flash(message, "success" if outcome.changed else "error")
    return redirect_to(url_for("initiatives.series", series_id=series_id))
