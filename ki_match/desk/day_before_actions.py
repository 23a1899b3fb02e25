"""A coordinator records the answer a helper gave by phone to "Kommen Sie morgen?": from the offers
row of the request page or from the start page's "Keine Rückmeldung für morgen"
(``?back=home``). "Kommt (telefonisch)" is one button; "Kommt nicht" a small form with the reason
(its own page without JavaScript, loaded in place with htmx), which gives the seat back as the
helper's "Ich kann nicht" does (``tomorrow.services.cannot_come``).

From the request page each answers like every action on the offers block
(``offer_actions.offers_answer``); from the start page with the "no answer" list and its figure
(``home/_coordinator_figures.html``), or 303 back there with a flash.

URL map:
  POST      /requests/day-before/<id>/coming   requests.day_before_coming
  GET/POST  /requests/day-before/<id>/cannot   requests.day_before_cannot
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.assignments.loaders import get_assignment
from ki_match.assignments.services import AssignmentError
from ki_match.clock import utcnow
from ki_match.core.args import text_arg
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.offer_actions import offers_answer
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, render_in_place, render_with_regions, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.tomorrow.forms import PhoneCannotForm
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.queries import without_answer_for_tomorrow
from ki_match.tomorrow.services import cannot_come, confirm_coming, recordable

CANNOT_PAGE = "requests/day_before_cannot.html"
HOME_FIGURES = "home/_coordinator_figures.html"

bp.add_app_template_global(recordable, "day_before_recordable")


def get_check(check_id: int) -> DayBeforeCheck:
    """The question about an assignment of the coordinator's KI; another KI's helper answers to her
    own KI (404, as for a question not found)."""
    check = db.session.get(DayBeforeCheck, check_id)
    if check is None:
        abort(404)
    assignment = get_assignment(check.assignment_id)
    if assignment.helper.ki_id != assignment.request.ki_id:
        abort(404)
    return check


def _from_home() -> bool:
    return text_arg("back", 10) == "home"


def home_answer(message: str, *, failed: bool = False, status: int | None = None):
    """The start page's "no answer" list and its figure as they are now; without htmx, 303 there."""
    if not wants_block("no_answer"):
        flash(message, "error" if failed else "success")
        return redirect_to(url_for("home.index", _anchor="no-answer-heading"))
    db.session.expire_all()  # a failed rule rolled back; read what is true now
    return render_with_regions(
        HOME_FIGURES,
        "no_answer",
        ("no_answer", "no_answer_figure"),
        status or (409 if failed else 200),
        no_answer=without_answer_for_tomorrow(current_ki(), utcnow()),
        no_answer_message=message,
        no_answer_failed=failed,
    )


def _answer(check: DayBeforeCheck, message: str, *, failed: bool = False):
    if _from_home():
        return home_answer(message, failed=failed)
    return offers_answer(check.assignment.request, message, failed=failed)


@bp.route("/day-before/<int:check_id>/coming", methods=["POST"])
@roles(*STAFF)
def day_before_coming(check_id: int):
    """She said on the phone she comes (``tomorrow.services.confirm_coming``); the flag goes."""
    check = get_check(check_id)
    name = check.assignment.helper.user.display_name
    try:
        confirm_coming(check.id, actor())
    except AssignmentError as error:
        return _answer(check, str(error), failed=True)
    return _answer(check, _("Eingetragen: %(name)s kommt (telefonisch bestätigt).", name=name))


@bp.route("/day-before/<int:check_id>/cannot", methods=["GET", "POST"])
@roles(*STAFF)
def day_before_cannot(check_id: int):
    """She said on the phone she cannot come: the reason, then the seat is given back
    (``tomorrow.services.cannot_come``). Without the reason 422, the message next to the field."""
    check = get_check(check_id)
    assignment = check.assignment
    name = assignment.helper.user.display_name
    form = PhoneCannotForm(prefix=f"day-before-{check.id}")
    if not form.is_submitted() and not recordable(check):
        return _answer(check, _("Für diesen Einsatz lässt sich keine Antwort mehr eintragen."), failed=True)
    if not form.is_submitted() or not form.validate():
        context = {
            "check": check,
            "req": assignment.request,
            "name": name,
            "back": "home" if _from_home() else None,
        }
        status = 422 if form.errors else 200
        target = f"day-before-cannot-{check.id}"
        if wants_block("day_before_cannot", target) or wants_block("offers") or wants_block("no_answer"):
            return render_in_place(
                CANNOT_PAGE, "day_before_cannot", target, status, form=form, inline=True, **context
            )
        return render(CANNOT_PAGE, status=status, form=form, inline=False, **context)
    try:
        cannot_come(check.id, form.reason.data, actor())
    except AssignmentError as error:
        return _answer(check, str(error), failed=True)
    return _answer(check, _("Eingetragen: %(name)s kommt nicht. Die Anfrage ist wieder offen.", name=name))
