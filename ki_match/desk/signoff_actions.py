"""The sign-off on the request page: for the KI's own requests its coordinators are the
requester and say whether an assignment took place; and the list of assignments whose sign-off
is still missing.

URL map:
  POST  /requests/assignments/<id>/sign-off   requests.sign_off          give or change the sign-off
  GET   /requests/signoffs                    requests.awaiting_signoff  begun, not signed off yet

The sign-off answers like every action on the page: the offers block with the outcome, and the
page's other state regions out of band (``request_page.state_answer``).
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.assignments import queries as assignment_queries
from ki_match.assignments.forms import signoff_form_for
from ki_match.assignments.labels import OUTCOME_LABELS
from ki_match.assignments.loaders import get_assignment
from ki_match.assignments.signoff import sign_off as sign_off_rule
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.offer_actions import offers_again, offers_answer
from ki_match.extensions import db
from ki_match.htmx import render
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


def _signoff_again(request_id: int, assignment_id: int, form):
    """The offers block with the sign-off's form as sent (``offers_again``)."""

    def typed(row) -> None:
        if row.assignment is not None and row.assignment.id == assignment_id and row.signoff_form is not None:
            row.signoff_form = form

    return offers_again(request_id, typed)


@bp.route("/signoffs")
@roles(*STAFF)
def awaiting_signoff():
    """Assignments that have begun and whose requester has not said yet whether they took place."""
    response = render("requests/signoffs.html", waiting=assignment_queries.awaiting_signoff(current_ki()))
    db.session.commit()
    return response
