"""The helper's assignments: the list, one assignment with its place, giving it back, reporting hours.

URL map:
  GET   /assignments                   assignments.index     upcoming, then past ones
  GET   /assignments/<id>              assignments.show      time, place (once confirmed), actions
  POST  /assignments/<id>/withdraw     assignments.withdraw  cannot come after all (with a reason)
  POST  /assignments/<id>/report       assignments.report    hours and kilometres
  POST  /assignments/<id>/feedback     assignments.feedback  how it went; a call back after a hard one
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.assignments import queries
from ki_match.assignments.feedback import give_feedback, open_for_feedback
from ki_match.assignments.forms import ReportForm, WithdrawForm, feedback_form_for, report_form_for
from ki_match.assignments.labels import feedback_thanks
from ki_match.assignments.loaders import get_assignment
from ki_match.assignments.models import Side
from ki_match.assignments.queries import feedback_of
from ki_match.assignments.services import (
    AssignmentError,
    is_late,
    late_cancel_hours,
    report_hours,
    reportable,
    shows_place,
    withdraw_assignment,
    withdrawable,
)
from ki_match.assignments.standing import standing, standing_text
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.requests.models import Assignment, Offer
from ki_match.requests.queries import series_positions

bp = Blueprint("assignments", __name__)


@bp.route("/assignments")
@roles(Role.HELPER)
def index():
    return render(
        "assignments/index.html", mine=queries.assignments_of(current_ki(), get_profile()), state_of=_state_of
    )


def _state_of(assignment: Assignment | None = None, offer: Offer | None = None) -> str:
    """The line "Meine Einsätze" and the assignment page show: the helper screens' one wording."""
    return standing_text(standing(offer, assignment), assignment=assignment)


def _assignment_context(assignment: Assignment, **forms) -> dict:
    return {
        "assignment": assignment,
        "req": assignment.request,
        "state": _state_of(assignment),
        "shows_place": shows_place(assignment),
        "withdrawable": withdrawable(assignment),
        "late": withdrawable(assignment) and is_late(assignment),
        "late_hours": late_cancel_hours(assignment.request),
        "reportable": reportable(assignment),
        # "Termin 3 von 8 einer Serie": the series' dates in all, not only hers.
        "series_position": series_positions([assignment.request]).get(assignment.request_id),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(formdata=None),
        "report_form": forms.get("report_form") or report_form_for(assignment),
        **_feedback_context(assignment, forms.get("feedback_form")),
    }


def _feedback_context(assignment: Assignment, form=None) -> dict:
    """Her own feedback (``assignments.feedback``): what she sent, and the form to send or change it."""
    feedback = feedback_of(assignment.id, Side.HELPER)
    return {
        "feedback_open": open_for_feedback(assignment),
        "feedback": feedback,
        "feedback_form": form or feedback_form_for(assignment.id, feedback, side=Side.HELPER),
        "feedback_action": url_for("assignments.feedback", assignment_id=assignment.id),
    }


@bp.route("/assignments/<int:assignment_id>")
@roles(Role.HELPER)
def show(assignment_id: int):
    assignment = get_assignment(assignment_id)
    if shows_place(assignment):
        record("assignment.viewed", subject=assignment)
        db.session.commit()
    return render("assignments/show.html", **_assignment_context(assignment))


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["POST"])
@roles(Role.HELPER)
def withdraw(assignment_id: int):
    assignment = get_assignment(assignment_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        context = _assignment_context(assignment, withdraw_form=form)
        return render("assignments/show.html", "withdraw_form", status=422, **context)
    try:
        withdraw_assignment(assignment.id, current_user._get_current_object(), form.reason.data)
    except AssignmentError as error:
        flash(str(error), "error")
        return redirect_to(url_for("assignments.show", assignment_id=assignment_id))
    flash(_("Sie haben den Einsatz abgesagt. Das Integrationszentrum ist informiert."), "success")
    return redirect_to(url_for("assignments.index"))


@bp.route("/assignments/<int:assignment_id>/report", methods=["POST"])
@roles(Role.HELPER)
def report(assignment_id: int):
    assignment = get_assignment(assignment_id)
    form = ReportForm()
    if not form.validate_on_submit():
        context = _assignment_context(assignment, report_form=form)
        return render("assignments/show.html", "report_form", status=422, **context)
    try:
        report_hours(
            assignment,
            current_user._get_current_object(),
            minutes=form.total_minutes,
            note=form.note.data,
            **form.travel(),
        )
    except AssignmentError as error:
        flash(str(error), "error")
    else:
        flash(_("Danke! Ihre Angaben sind gespeichert. Das Integrationszentrum prüft sie."), "success")
    return redirect_to(url_for("assignments.show", assignment_id=assignment_id))


@bp.route("/assignments/<int:assignment_id>/feedback", methods=["POST"])
@roles(Role.HELPER)
def feedback(assignment_id: int):
    """Her feedback; htmx swaps the feedback panel in place."""
    assignment = get_assignment(assignment_id)
    form = feedback_form_for(assignment.id, side=Side.HELPER, formdata=request.form)
    if not form.validate_on_submit():
        context = _assignment_context(assignment, feedback_form=form)
        return render("assignments/show.html", "feedback_panel", status=422, **context)
    try:
        given = give_feedback(
            assignment.id,
            current_user._get_current_object(),
            mood=form.chosen_mood,
            body=form.body.data,
            callback=form.asks_callback,
        )
    except AssignmentError as error:
        message, status = str(error), 409
    else:
        message, status = feedback_thanks(given.callback), 200
    if not wants_block("feedback_panel"):
        flash(message, "success" if status == 200 else "error")
        return redirect_to(
            url_for("assignments.show", assignment_id=assignment_id, _anchor="feedback-heading")
        )
    context = _assignment_context(get_assignment(assignment_id))
    return render(
        "assignments/show.html",
        "feedback_panel",
        status=status,
        feedback_message=message,
        feedback_failed=status != 200,
        **context,
    )
