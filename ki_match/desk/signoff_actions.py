"""The sign-off on the request page: for the KI's own requests its coordinators are the
requester and say whether an assignment took place; and the list of assignments whose sign-off
is still missing.

URL map:
  POST  /requests/assignments/<id>/sign-off   requests.sign_off          give or change the sign-off
  POST  /requests/assignments/<id>/feedback   requests.requester_feedback  how it went, "bitte anrufen"
  GET   /requests/signoffs                    requests.awaiting_signoff  begun, not signed off yet
  GET   /requests/absences                    requests.absences          "nicht gekommen", not handled yet
  POST  /requests/assignments/<id>/absence-handled  requests.absence_handled  seen to, off the list

The sign-off answers like every action on the page: the offers block with the outcome, and the
page's other state regions out of band (``request_page.state_answer``). Marking a "nicht gekommen"
handled answers 303 back to its list, like a task (``task_pages.task_done``), so the list and the
start page's tile say the same.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.assignments import queries as assignment_queries
from ki_match.assignments.feedback import give_feedback
from ki_match.assignments.forms import feedback_form_for, signoff_form_for
from ki_match.assignments.labels import OUTCOME_LABELS, feedback_thanks
from ki_match.assignments.loaders import get_assignment
from ki_match.assignments.models import Side
from ki_match.assignments.signoff import mark_absence_handled
from ki_match.assignments.signoff import sign_off as sign_off_rule
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.offer_actions import offers_again, offers_answer
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render
from ki_match.matching.pool import name_for
from ki_match.orgs.queries import current_ki
from ki_match.requests.lifecycle import RequestError


@bp.route("/assignments/<int:assignment_id>/sign-off", methods=["POST"])
@roles(*STAFF)
def sign_off(assignment_id: int):
    assignment = get_assignment(assignment_id)
    help_request = assignment.request
    form = signoff_form_for(assignment.id, formdata=request.form)
    if not form.validate_on_submit():
        return _signoff_again(help_request.id, assignment.id, form)
    try:
        signoff = sign_off_rule(assignment.id, actor(), form.chosen, form.late_minutes.data)
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(
        help_request,
        _(
            "Rückmeldung zu %(name)s gespeichert: %(outcome)s.",
            name=assignment.helper.user.display_name,
            outcome=OUTCOME_LABELS[signoff.outcome],
        ),
    )


def _signoff_again(request_id: int, assignment_id: int, form, field: str = "signoff_form"):
    """The offers block with the sign-off's (or the feedback's) form as sent (``offers_again``)."""

    def typed(row) -> None:
        if (
            row.assignment is not None
            and row.assignment.id == assignment_id
            and getattr(row, field) is not None
        ):
            setattr(row, field, form)

    return offers_again(request_id, typed)


@bp.route("/assignments/<int:assignment_id>/feedback", methods=["POST"])
@roles(*STAFF)
def requester_feedback(assignment_id: int):
    """For the KI's own request, the coordinators say how it went as its requester, and may ask
    for a call back (a task for their colleagues); the offers block answers."""
    assignment = get_assignment(assignment_id)
    help_request = assignment.request
    form = feedback_form_for(assignment.id, side=Side.REQUESTER, formdata=request.form)
    if not form.validate_on_submit():
        return _signoff_again(help_request.id, assignment.id, form, "feedback_form")
    try:
        given = give_feedback(
            assignment.id, actor(), mood=form.chosen_mood, body=form.body.data, callback=form.asks_callback
        )
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(help_request, feedback_thanks(given.callback))


@bp.route("/signoffs")
@roles(*STAFF)
def awaiting_signoff():
    """Assignments that have begun and whose requester has not said yet whether they took place."""
    response = render("requests/signoffs.html", waiting=assignment_queries.awaiting_signoff(current_ki()))
    db.session.commit()
    return response


@bp.route("/absences")
@roles(*STAFF)
def absences():
    """What requesters reported as "Helfer*in ist nicht gekommen" and nobody has handled yet."""
    reports = assignment_queries.absences_to_handle(current_ki())
    response = render("requests/absences.html", reports=reports, form=ConfirmForm())
    db.session.commit()
    return response


@bp.route("/assignments/<int:assignment_id>/absence-handled", methods=["POST"])
@roles(*STAFF)
def absence_handled(assignment_id: int):
    assignment = get_assignment(assignment_id)
    signoff = assignment_queries.signoff_of(assignment.id)
    if signoff is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        name = name_for(assignment.request.ki_id, assignment.helper, assignment=assignment)
        if mark_absence_handled(signoff, actor()):
            flash(
                _("Erledigt: %(name)s, Anfrage %(number)d.", name=name, number=assignment.request_id),
                "success",
            )
        else:
            flash(
                _("Das war schon erledigt, oder die Anfragenden haben ihre Rückmeldung geändert."), "success"
            )
    return redirect_to(url_for("requests.absences"))
