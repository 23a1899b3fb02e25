"""The initiative's side of a sign-off: on its request page, each confirmed helper's assignment
once it has begun, what was said about it, and — for the member who asked — the form to say it.
The rule is ``assignments.signoff``; the coordinators see the same sign-off beside the hours."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from ki_match.accounts.models import User
from ki_match.assignments.forms import SignOffForm, signoff_form_for
from ki_match.assignments.models import SignOff
from ki_match.assignments.queries import signoffs_of
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


def assignment_of(request: HelpRequest, assignment_id: int) -> Assignment:
    """One of the request's assignments the organisation may sign off, or 404."""
    for assignment in rows_of(request, Assignment):
        if assignment.id == assignment_id and assignment.status in SIGNABLE:
            return assignment
    abort(404)


def signoff_rows(
    request: HelpRequest, member: User, forms: dict[int, SignOffForm] | None = None
) -> list[SignOffRow]:
    """The request's assignments that have begun, each with its sign-off; ``forms`` replaces an
    assignment's form (one sent back with its messages)."""
    assignments = [a for a in rows_of(request, Assignment) if a.status in SIGNABLE and has_begun(a)]
    signoffs = signoffs_of(a.id for a in assignments)
    may = is_requester(request, member)
    rows = []
    for assignment in assignments:
        signoff = signoffs.get(assignment.id)
        form = None
        if may and signable(assignment):
            form = (forms or {}).get(assignment.id) or signoff_form_for(assignment.id, signoff)
        rows.append(SignOffRow(assignment, short_name(assignment.helper.user.display_name), signoff, form))
    return rows
