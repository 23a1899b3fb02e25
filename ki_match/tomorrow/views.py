"""The helper's answer to "Kommen Sie morgen?", from the mail's links, without login.

A GET never changes anything (mail scanners open links): it shows the assignment and a button
that POSTs. "Ja, ich komme" records the answer; "Ich kann nicht" asks for a short reason and gives
the assignment back (``services.cannot_come``).

URL map:
  GET/POST  /tomorrow/<token>        tomorrow.answer    the question, its button (and the reason)
  GET       /tomorrow/<token>/done   tomorrow.answered  what the answer led to
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for
from flask_babel import gettext as _

from ki_match.access import public
from ki_match.accounts.services import KI_CLOSED
from ki_match.assignments.services import AssignmentError
from ki_match.extensions import limiter
from ki_match.htmx import redirect_to, render, render_form
from ki_match.tomorrow.forms import CannotComeForm, ComingForm
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import Answer, cannot_come, confirm_coming, why_closed
from ki_match.tomorrow.tokens import check_from_token

bp = Blueprint("tomorrow", __name__, url_prefix="/tomorrow")

# The links need no login, so the address is what limits guessing (as for the offer links).
DEFAULT_LINK_LIMIT = "30 per hour"


def _link_limit() -> str:
    return current_app.config.get("OFFER_LINK_LIMIT_PER_ADDRESS", DEFAULT_LINK_LIMIT)


def _found(token: str) -> tuple[DayBeforeCheck, Answer] | None:
    found = check_from_token(token)
    if found is None:
        return None
    user = found[0].assignment.helper.user
    if not user.active or user.deleted_at is not None:
        return None
    return found


def _closed(reason: str | None, check: DayBeforeCheck | None = None, status: int = 410):
    ki = check.assignment.request.ki if check is not None else None
    return render("tomorrow/closed.html", status=status, reason=reason, ki=ki)


@bp.route("/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_link_limit, methods=["POST"])
def answer(token: str):
    found = _found(token)
    if found is None:
        return _closed(None, status=404)
    check, given = found
    if not check.assignment.helper.user.may_use_app:  # the helper's KI is deactivated
        return _closed(str(KI_CLOSED), check, status=403)
    closed = why_closed(check)
    if closed:
        return _closed(closed, check)
    form = CannotComeForm() if given == Answer.CANNOT else ComingForm()
    if form.validate_on_submit():
        try:
            if given == Answer.COMING:
                confirm_coming(check.id)
            else:
                cannot_come(check.id, form.reason.data)
        except AssignmentError as error:
            return _closed(str(error), check)
        return redirect_to(url_for("tomorrow.answered", token=token))
    return render_form("tomorrow/answer.html", form=form, check=check, answer=given)


@bp.route("/<token>/done")
@public
def answered(token: str):
    """The page the answer's POST lands on: the answer as it stands now."""
    found = _found(token)
    if found is None:
        return _closed(None, status=404)
    check, _given = found
    if not check.assignment.helper.user.may_use_app:
        return _closed(str(KI_CLOSED), check, status=403)
    if check.confirmed_at is not None:
        message = _("Danke! Wir haben notiert, dass Sie morgen kommen. Einen guten Einsatz!")
    elif check.declined_at is not None:
        message = _(
            "Danke für Ihre Nachricht. Ihr Einsatz ist abgesagt, das Integrationszentrum sucht Ersatz."
        )
    else:
        return redirect(url_for("tomorrow.answer", token=token), code=303)
    return render("tomorrow/done.html", message=message)
