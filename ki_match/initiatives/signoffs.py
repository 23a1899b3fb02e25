"""The initiative's side of a sign-off: on its request page, each confirmed helper's assignment
once it has begun, what was said about it, and — for the member who asked — the form to say it.
The rule is ``assignments.signoff``; the coordinators see the same sign-off beside the hours."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from ki_match.accounts.models import User
from ki_match.assignments.forms import FeedbackForm, SignOffForm, feedback_form_for, signoff_form_for
from ki_match.assignments.models import Feedback, Side, SignOff
from ki_match.assignments.queries import feedback_on, signoffs_of
from ki_match.assignments.signoff import SIGNABLE, has_begun, is_requester, signable
from ki_match.core.text import short_name
from ki_match.requests.models import Assignment, HelpRequest
from ki_match.requests.queries import rows_of


@dataclass
class SignOffRow:
    assignment: Assignment
    name: str  # as the organisation may read it: the first name (``core.text.short_name``)
    signoff: SignOff | None
    form: SignOffForm | None  # None: this member cannot give it (not the one who asked, or too late)
    # The requester's own feedback and its form (only for the member who signs off: the author
    # sees what she sent, nobody else of the organisation).
    feedback: Feedback | None = None
    feedback_form: FeedbackForm | None = None


def assignment_of(request: HelpRequest, assignment_id: int) -> Assignment:
    """One of the request's assignments the organisation may sign off, or 404."""
    for assignment in rows_of(request, Assignment):
        if assignment.id == assignment_id and assignment.status in SIGNABLE:
            return assignment
    abort(404)


def signoff_rows(
    request: HelpRequest,
    member: User,
    forms: dict[int, SignOffForm] | None = None,
    feedback_forms: dict[int, FeedbackForm] | None = None,
) -> list[SignOffRow]:
    """The request's assignments that have begun, each with its sign-off; ``forms`` and
    ``feedback_forms`` replace an assignment's form (one sent back with its messages)."""
    assignments = [a for a in rows_of(request, Assignment) if a.status in SIGNABLE and has_begun(a)]
    signoffs = signoffs_of(a.id for a in assignments)
    may = is_requester(request, member)
    own_feedback = {}
    if may:
        own_feedback = {
            f.assignment_id: f for f in feedback_on(a.id for a in assignments) if f.side == Side.REQUESTER
        }
    rows = []
    for assignment in assignments:
        row = SignOffRow(
            assignment, short_name(assignment.helper.user.display_name), signoffs.get(assignment.id), None
        )
        if may and signable(assignment):
            row.form = (forms or {}).get(assignment.id) or signoff_form_for(assignment.id, row.signoff)
        if may:
            row.feedback = own_feedback.get(assignment.id)
            row.feedback_form = (feedback_forms or {}).get(assignment.id) or feedback_form_for(
                assignment.id, row.feedback, side=Side.REQUESTER
            )
        rows.append(row)
    return rows
