"""Loading an assignment for a view: its helper's own, or one of the coordinators' KI — or 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ki_match.accounts.models import Role
from ki_match.assignments import queries
from ki_match.helpers.loaders import get_profile
from ki_match.orgs.queries import current_ki
from ki_match.requests.models import Assignment
from ki_match.requests.queries import row_in_ki


def get_assignment(assignment_id: int) -> Assignment:
    """A helper sees only their own assignments, coordinators and admins those of their KI;
    anyone else, and any other assignment, gets 404."""
    if current_user.role == Role.HELPER:
        assignment = queries.own_assignment(current_ki(), get_profile(), assignment_id)
    elif current_user.role in (Role.COORDINATOR, Role.ADMIN):
        assignment = row_in_ki(Assignment, current_ki(), assignment_id)
    else:
        assignment = None
    if assignment is None:
        abort(404)
    return assignment
