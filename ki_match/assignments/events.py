"""What happened to an assignment, as ``assignments.services`` publishes it (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.accounts.models import User
from ki_match.requests.models import Assignment, HelpRequest


@dataclass(frozen=True)
class AssignmentWithdrawn:
    """A confirmed helper gave the seat back (by themselves, or deactivated)."""

    assignment: Assignment
    request: HelpRequest
    actor: User


@dataclass(frozen=True)
class HoursApproved:
    assignment: Assignment
    request: HelpRequest
    actor: User
