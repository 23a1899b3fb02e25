"""The series pages: the dates a new series would make (while the request form is typed), a
series with all its appointments, and the changes made to one date or "this and all following".

Every action answers the ``series_dates`` block to htmx (the whole table and what was skipped, so
the page stays true) and a 303 back to the page without JavaScript; an invalid form answers 422
with its message next to the field of its row. The rules are in ``requests.series``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ki_match.access import roles
from ki_match.audit.services import record
from ki_match.clock import local_date, local_parts, utcnow
from ki_match.core import dates
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import series as bp
from ki_match.desk.request_form import RequestForm, render_request_form, series_dates
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.offers.forms import SeriesOfferForm
from ki_match.offers.rules import OfferError
from ki_match.offers.series_answers import accepted_by_date, answers, confirm_all
from ki_match.offers.series_offers import candidates_by_date, offer_series, series_candidates, series_helper
from ki_match.offers.series_restaff import (
    Restaffed,
    candidates_for,
    chosen_dates,
    leaving_choices,
    restaffable,
)
from ki_match.offers.series_restaff import restaff as restaff_rule
from ki_match.orgs.queries import current_ki
from ki_match.requests import queries, series
from ki_match.requests.forms import CancelForm
from ki_match.requests.labels import RULE_LABELS, SKIP_LABELS, STATUS_LABELS
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.loaders import get_series, get_series_request
from ki_match.requests.models import HOLDING_STATES, HelpRequest, RequestSeries
from ki_match.requests.series_forms import (
    NOBODY,
    MoveDateForm,
    NewTimeForm,
    RepeatForm,
    RestaffForm,
)

PAGE = "series/show.html"


@dataclass(frozen=True)
class Action:
    """A change drawn as a form in each row: ``name`` is its form's id prefix."""

    name: str
    endpoint: str
    legend: str
    submit: str


ACTIONS = (
    Action("move", "series.move_date", _l("Diesen Termin verschieben"), _l("Verschieben")),
    Action("cancel", "series.cancel_date", _l("Diesen Termin absagen"), _l("Termin absagen")),
    Action(
        "retime_following",
        "series.retime_following",
        _l("Diesen und alle folgenden Termine verlegen (Uhrzeit, Wochentag)"),
        _l("Alle verlegen"),
    ),
    Action(
        "cancel_following",
        "series.cancel_following",
        _l("Diesen und alle folgenden Termine absagen"),
        _l("Alle absagen"),
    ),
    # Drawn only in a row with someone confirmed: their forms are made per row (``_restaff_forms``).
    Action("restaff", "series.restaff", _l("Andere Person für diesen Termin"), _l("Person wechseln")),
    Action(
        "restaff_following",
        "series.restaff_following",
        _l("Andere Person für diesen und alle folgenden Termine"),
        _l("Person für alle wechseln"),
    ),
)
RESTAFF = {"restaff": False, "restaff_following": True}


@bp.route("/preview", methods=["POST"])
@roles(*STAFF)
def preview():
    """The dates of the series as the request form has it; writes nothing. htmx asks for the
    ``series_preview`` block; without JavaScript "Termine anzeigen" gets the whole form back."""
    form = RequestForm(ki=current_ki(), inline=True)
    form.validate()
    repeat = RepeatForm()
    if not wants_block("series_preview"):
        return render_request_form(form, repeat=repeat)
    expansion = series_dates(form, repeat)[1]
    return render(
        "requests/form.html",
        "series_preview",
        repeat=repeat,
        expansion=expansion,
        partial=True,
        SKIP_LABELS=SKIP_LABELS,
    )


@bp.route("/<int:series_id>")
@roles(*STAFF)
def show(series_id: int):
    found = get_series(series_id)
    # The page shows each date's confirmed helpers: a view of personal data.
    record("series.viewed", subject=found)
    response = series_page(found)
    db.session.commit()
    return response


def series_page(
    found: RequestSeries,
    *,
    status: int = 200,
    failed=None,
    message: str | None = None,
    offer_error: str | None = None,
    **extra,
):
    dates = queries.series_requests(found.id)
    return render(
        PAGE,
        "series_dates",
        status,
        series=found,
        dates=dates,
        first=dates[0] if dates else None,
        failed=failed or {},
        message=message,
        blank=_blank_forms(),
        restaff_forms=_restaff_forms(dates, failed),
        actions=ACTIONS,
        candidates=series_candidates(dates),
        answers=answers(dates),
        accepted=accepted_by_date(dates),
        offer_error=offer_error,
        now=utcnow(),
        moved=moved,
        confirmed=confirmed,
        changeable=series.is_changeable,
        STATUS_LABELS=STATUS_LABELS,
        SKIP_LABELS=SKIP_LABELS,
        RULE_LABELS=RULE_LABELS,
        **extra,
    )


def _blank_forms() -> dict:
    """One unbound form of each action, drawn in every row (the row's ids keep them apart)."""
    return {
        "cancel": CancelForm(formdata=None),
        "move": MoveDateForm(formdata=None),
        "cancel_following": CancelForm(formdata=None),
        "retime_following": NewTimeForm(formdata=None),
    }


def _restaff_forms(dates: list[HelpRequest], failed) -> dict[int, dict[str, RestaffForm]]:
    """The "Andere Person" forms of each row with someone confirmed, their lists drawn for that
    row: who leaves, and who fits how many of its dates (one ``match`` per date for the page)."""
    open_to_restaff = restaffable(dates)
    per_date = candidates_by_date(open_to_restaff)
    restaff_ids = {occurrence.id for occurrence in open_to_restaff}
    forms: dict[int, dict[str, RestaffForm]] = {}
    for occurrence in dates:
        if occurrence.id not in restaff_ids:
            continue
        forms[occurrence.id] = {}
        for name, following in RESTAFF.items():
            mine = failed and failed["request_id"] == occurrence.id and failed["action"] == name
            form = failed["form"] if mine else RestaffForm(formdata=None)
            dates_of_form = chosen_dates(occurrence, following=following, among=open_to_restaff)
            set_restaff_choices(form, occurrence, dates_of_form, per_date)
            forms[occurrence.id][name] = form
    return forms


def set_restaff_choices(
    form: RestaffForm, occurrence: HelpRequest, dates: list[HelpRequest], per_date
) -> None:
    """Who may leave (the date's confirmed helpers) and who may come: who fits how many of
    ``dates`` ("kann 4 von 5"), from ``per_date`` (``candidates_by_date``)."""
    form.leaving_id.choices = [
        SelectChoice(str(helper.id), helper.user.display_name) for helper in leaving_choices(occurrence)
    ]
    form.helper_id.choices = [SelectChoice(NOBODY, _("niemand – nur freigeben, die Suche geht weiter"))] + [
        SelectChoice(
            str(candidate.helper_id),
            f"{candidate.name} – "
            + _("kann %(num)d von %(total)d Terminen", num=candidate.can_take, total=candidate.open_dates),
        )
        for candidate in candidates_for(per_date, dates)
    ]


def moved(found: RequestSeries, occurrence: HelpRequest) -> bool:
    """Whether the date is no longer where the rule put it (another day or another time)."""
    day, start = local_parts(occurrence.starts_at)
    return day != occurrence.series_day or start != found.start_time


def confirmed(occurrence: HelpRequest) -> list[str]:
    return [
        assignment.helper.user.display_name
        for assignment in occurrence.assignments
        if assignment.status.value in HOLDING_STATES
    ]


def _refused(occurrence: HelpRequest, action: str, form):
    """The page (or its table) again with ``form``'s messages in the row it was sent from."""
    found = db.session.get(RequestSeries, occurrence.series_id)
    return series_page(
        found, status=422, failed={"request_id": occurrence.id, "action": action, "form": form}
    )


def _done(series_id: int, message: str):
    if wants_block("series_dates"):
        return series_page(db.session.get(RequestSeries, series_id), message=message)
    flash(message, "success")
    return redirect_to(url_for("series.show", series_id=series_id))


def _day(occurrence: HelpRequest) -> str:
    return dates.show(local_date(occurrence.starts_at), "day_medium")


def outcome_message(outcome: series.Outcome, done_message: str) -> str:
    message = done_message
    for day, reason in outcome.refused:
        message += " " + _("%(day)s: %(reason)s", day=dates.show(day, "day_medium"), reason=reason)
    return message


@bp.route("/dates/<int:request_id>/cancel", methods=["POST"])
@roles(*STAFF)
def cancel_date(request_id: int):
    occurrence = get_series_request(request_id)
    form = CancelForm()
    if form.validate():
        day, series_id = _day(occurrence), occurrence.series_id
        try:
            series.cancel_date(occurrence, actor(), form.reason.data)
        except RequestError as error:
            form.reason.errors = [str(error)]
        else:
            return _done(series_id, _("Der Termin am %(day)s ist abgesagt.", day=day))
    return _refused(occurrence, "cancel", form)


@bp.route("/dates/<int:request_id>/move", methods=["POST"])
@roles(*STAFF)
def move_date(request_id: int):
    occurrence = get_series_request(request_id)
    form = MoveDateForm()
    if form.validate():
        day, series_id = _day(occurrence), occurrence.series_id
        try:
            series.move_date(occurrence, form.day.data, form.start.data, actor())
        except RequestError as error:
            form.day.errors = [str(error)]
        else:
            return _done(
                series_id,
                _(
                    "Der Termin vom %(day)s ist jetzt am %(new_day)s um %(time)s.",
                    day=day,
                    new_day=dates.show(form.day.data, "day_medium"),
                    time=dates.show(form.start.data, "time"),
                ),
            )
    return _refused(occurrence, "move", form)


@bp.route("/dates/<int:request_id>/cancel-following", methods=["POST"])
@roles(*STAFF)
def cancel_following(request_id: int):
    occurrence = get_series_request(request_id)
    form = CancelForm()
    if not form.validate():
        return _refused(occurrence, "cancel_following", form)
    series_id = occurrence.series_id
    outcome = series.cancel_following(occurrence, actor(), form.reason.data)
    done = ngettext("%(num)d Termin ist abgesagt.", "%(num)d Termine sind abgesagt.", outcome.changed)
    return _done(series_id, outcome_message(outcome, done))


@bp.route("/dates/<int:request_id>/retime-following", methods=["POST"])
@roles(*STAFF)
def retime_following(request_id: int):
    occurrence = get_series_request(request_id)
    form = NewTimeForm()
    if not form.validate():
        return _refused(occurrence, "retime_following", form)
    series_id, weekday = occurrence.series_id, form.new_weekday
    outcome = series.retime_following(occurrence, form.start.data, actor(), weekday)
    if weekday is None:
        done = ngettext(
            "%(num)d Termin ist auf %(time)s Uhr verlegt.",
            "%(num)d Termine sind auf %(time)s Uhr verlegt.",
            outcome.changed,
            time=dates.show(form.start.data, "time"),
        )
    else:
        done = ngettext(
            "%(num)d Termin ist auf %(weekday)s, %(time)s Uhr verlegt.",
            "%(num)d Termine sind auf %(weekday)s, %(time)s Uhr verlegt.",
            outcome.changed,
            weekday=dates.weekday_names()[weekday],
            time=dates.show(form.start.data, "time"),
        )
    return _done(series_id, outcome_message(outcome, done))


@bp.route("/dates/<int:request_id>/restaff", methods=["POST"])
@roles(*STAFF)
def restaff(request_id: int):
    """ "Andere Person für diesen Termin" (``offers.series_restaff``)."""
    return _restaff(request_id, following=False)


@bp.route("/dates/<int:request_id>/restaff-following", methods=["POST"])
@roles(*STAFF)
def restaff_following(request_id: int):
    """ "Andere Person für diesen und alle folgenden Termine"."""
    return _restaff(request_id, following=True)


def _restaff(request_id: int, *, following: bool):
    occurrence = get_series_request(request_id)
    action = "restaff_following" if following else "restaff"
    form = RestaffForm()
    if not restaffable([occurrence]):
        # Given back, begun or called off since the page was drawn: its row has no such form now.
        message = _("Nichts geändert: Für diesen Termin ist niemand (mehr) bestätigt.")
        return _done(occurrence.series_id, message)
    dates = chosen_dates(occurrence, following=following)
    set_restaff_choices(form, occurrence, dates, candidates_by_date(dates))
    if not form.validate():
        return _refused(occurrence, action, form)
    leaving = db.session.get(HelperProfile, form.leaving)  # one of the date's confirmed helpers
    newcomer = series_helper(occurrence.ki_id, form.newcomer) if form.newcomer is not None else None
    if form.newcomer is not None and newcomer is None:
        form.helper_id.errors = [_("Diese Person gibt es nicht (mehr).")]
        return _refused(occurrence, action, form)
    series_id, leaving_name = occurrence.series_id, leaving.user.display_name
    done = restaff_rule(occurrence, leaving, newcomer, actor(), following=following)
    return _done(series_id, _restaffed_message(done, leaving_name, newcomer))


def _restaffed_message(done: Restaffed, leaving_name: str, newcomer) -> str:
    released = len(done.released)
    if not released:
        message = _("Nichts geändert.")
    elif newcomer is None:
        message = ngettext(
            "%(name)s ist für %(num)d Termin freigegeben; er ist wieder offen.",
            "%(name)s ist für %(num)d Termine freigegeben; sie sind wieder offen.",
            released,
            name=leaving_name,
        )
    else:
        message = ngettext(
            "%(name)s ist für %(num)d Termin freigegeben, %(new)s dafür angefragt.",
            "%(name)s ist für %(num)d Termine freigegeben, %(new)s dafür angefragt.",
            released,
            name=leaving_name,
            new=newcomer.user.display_name,
        )
    return outcome_message(series.Outcome(changed=released, refused=done.refused), message)


@bp.route("/<int:series_id>/offer", methods=["POST"])
@roles(*STAFF)
def offer_all(series_id: int):
    """ "Für alle passenden Termine anfragen": offers to one helper for every open date she is a
    candidate for (``offers.series_offers``)."""
    found = get_series(series_id)
    form = SeriesOfferForm()
    helper = series_helper(found.ki_id, form.helper_id.data) if form.validate() else None
    if helper is None:
        error = " ".join(str(e) for e in form.helper_id.errors) or _("Diese Person gibt es nicht (mehr).")
        return series_page(found, status=422, offer_error=error)
    name = helper.user.display_name
    try:
        result = offer_series(queries.series_requests(found.id), helper, actor())
    except OfferError as error:
        return series_page(found, status=409, offer_error=str(error))
    return _done(series_id, _sent_message(name, len(result.sent), result.open_dates))


@bp.route("/<int:series_id>/confirm", methods=["POST"])
@roles(*STAFF)
def confirm_helper(series_id: int):
    """ "Alle Zusagen bestätigen": one helper's yeses to the open dates, confirmed together
    (``offers.series_answers``); she gets one mail."""
    found = get_series(series_id)
    form = SeriesOfferForm()
    helper = series_helper(found.ki_id, form.helper_id.data) if form.validate() else None
    if helper is None:
        return series_page(found, status=422, offer_error=_("Diese Person gibt es nicht (mehr)."))
    name = helper.user.display_name
    try:
        outcome = confirm_all(queries.series_requests(found.id), helper, actor())
    except OfferError as error:
        return series_page(found, status=409, offer_error=str(error))
    refused = series.Outcome(
        refused=[(local_date(starts_at), reason) for starts_at, reason in outcome.refused]
    )
    if not outcome.confirmed:
        return series_page(found, status=409, offer_error=outcome_message(refused, "").strip())
    done = ngettext(
        "%(name)s ist für %(num)d Termin bestätigt.",
        "%(name)s ist für %(num)d Termine bestätigt.",
        len(outcome.confirmed),
        name=name,
    )
    return _done(series_id, outcome_message(refused, done))


def _sent_message(name: str, sent: int, open_dates: int) -> str:
    if sent == open_dates:
        return ngettext(
            "%(name)s ist für %(num)d offenen Termin angefragt.",
            "%(name)s ist für alle %(num)d offenen Termine angefragt.",
            sent,
            name=name,
        )
    return _(
        "%(name)s ist für %(num)d von %(total)d Terminen angefragt.", name=name, num=sent, total=open_dates
    )
