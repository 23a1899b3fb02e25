"""A series an organisation sent in, decided as a whole: "Alle N Termine übernehmen" into matching,
or decline every date still submitted with one reason. Single dates are still decided one by one on
their request pages (``request_changes``).

URL map (on the ``series`` blueprint):
  /series/<id>/approve   POST  series.approve   take over every date still submitted
  /series/<id>/decline   POST  series.decline   decline them all, with a reason

The block (``templates/series/_approval.html``) is drawn on the series page, inside its
``series_dates`` block, and on each date's request page as its own state region
(``series_approval``); ``series_approval`` (a template global) builds what it shows. An action
answers the block it was sent from: on the series page the whole table, on a request page the block
with the page's other state regions; without JavaScript a 303 back to that page. The rules are in
``initiatives.series``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ki_match.access import roles
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import series as bp
from ki_match.desk.request_page import request_page, state_answer
from ki_match.desk.series_pages import outcome_message, series_page
from ki_match.extensions import db
from ki_match.htmx import redirect_to, wants_block
from ki_match.initiatives import series as rules
from ki_match.initiatives.forms import SeriesApproveForm, SeriesDeclineForm
from ki_match.orgs.models import Organisation
from ki_match.orgs.queries import current_ki
from ki_match.requests import queries
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.loaders import get_request, get_series
from ki_match.requests.models import HelpRequest, RequestSeries


@dataclass
class Approval:
    """What the block shows: who sent the series in, how many of its dates still wait, the decline
    form (with its errors), and what the last action did."""

    series: RequestSeries
    organisation: Organisation
    total: int
    waiting: int
    approve_form: SeriesApproveForm
    decline_form: SeriesDeclineForm
    request_id: int | None = None  # the date whose page draws the block
    message: str | None = None
    failed: bool = False


def approval_for(series_id: int | None, request_id: int | None = None, **shown) -> Approval | None:
    """The block of a series an organisation sent in (None for a coordinator's own series)."""
    if series_id is None:
        return None
    found = queries.series_in_ki(current_ki(), series_id)
    organisation = rules.organisation_of(found) if found is not None else None
    if organisation is None:
        return None
    dates = queries.series_requests(found.id)
    shown.setdefault("approve_form", SeriesApproveForm(formdata=None))
    shown.setdefault("decline_form", SeriesDeclineForm(formdata=None))
    return Approval(
        series=found,
        organisation=organisation,
        total=len(dates),
        waiting=len(rules.waiting(dates)),
        request_id=request_id,
        **shown,
    )


bp.add_app_template_global(approval_for, "series_approval")


def _from_page(found: RequestSeries, form) -> HelpRequest | None:
    """The date whose page the form was sent from, if it is a date of this series."""
    if not form.request_id.data or form.request_id.errors:
        return None
    help_request = get_request(form.request_id.data)
    return help_request if help_request.series_id == found.id else None


def _answer(found: RequestSeries, form, *, status: int = 200, message: str | None = None, **shown):
    """The block the action was sent from, read now. Without JavaScript: a form with errors on its
    whole page again (422), anything else back to that page (303) with the message."""
    page_of = _from_page(found, form)
    series_id, request_id = found.id, page_of.id if page_of is not None else None
    in_place = wants_block("series_dates") or wants_block("series_approval")
    if not in_place and status != 422:
        flash(message, "success" if status == 200 else "error")
        if request_id is not None:
            return redirect_to(url_for("requests.show", request_id=request_id))
        return redirect_to(url_for("series.show", series_id=series_id))
    approval = approval_for(series_id, request_id, message=message, failed=status != 200, **shown)
    if page_of is not None and not wants_block("series_dates"):
        help_request = get_request(request_id)
        if in_place:
            return state_answer(help_request, "series_approval", status=status, approval=approval)
        return request_page(help_request, status=status, approval=approval)
    return series_page(db.session.get(RequestSeries, series_id), status=status, approval=approval)


def _decided(found: RequestSeries, form, outcome: rules.Outcome, done: str):
    """The answer to a step on all waiting dates: what it did, or that nothing was left to decide."""
    if not outcome.changed:
        return _answer(
            found, form, status=409, message=_("Über die Termine dieser Serie ist schon entschieden worden.")
        )
    return _answer(found, form, message=outcome_message(outcome, done))


@bp.route("/<int:series_id>/approve", methods=["POST"])
@roles(*STAFF)
def approve(series_id: int):
    """ "Alle N Termine übernehmen": every date still submitted into matching."""
    found = get_series(series_id)
    form = SeriesApproveForm()
    form.validate()
    outcome = rules.take_over_series(found, actor())
    done = ngettext(
        "%(num)d Termin ist übernommen und offen für die Vermittlung. Die Organisation ist informiert.",
        "%(num)d Termine sind übernommen und offen für die Vermittlung. Die Organisation ist informiert.",
        len(outcome.changed),
    )
    return _decided(found, form, outcome, done)


@bp.route("/<int:series_id>/decline", methods=["POST"])
@roles(*STAFF)
def decline(series_id: int):
    """Every date still submitted declined with one reason; the organisation gets one mail."""
    found = get_series(series_id)
    form = SeriesDeclineForm()
    if not form.validate():
        return _answer(found, form, status=422, decline_form=form)
    try:
        outcome = rules.decline_series(found, actor(), form.reason.data)
    except RequestError as error:
        form.reason.errors = [*form.reason.errors, str(error)]
        return _answer(found, form, status=422, decline_form=form)
    done = ngettext(
        "%(num)d Termin ist abgelehnt. Die Organisation erfährt den Grund.",
        "%(num)d Termine sind abgelehnt. Die Organisation erfährt den Grund.",
        len(outcome.changed),
    )
    return _decided(found, form, outcome, done)
