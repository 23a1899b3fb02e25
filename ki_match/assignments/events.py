"""What happened to an assignment, as ``assignments.services`` publishes it (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.requests.events import RequestEvent
from ki_match.requests.models import Assignment


@dataclass(frozen=True, kw_only=True)
class AssignmentWithdrawn(RequestEvent):
    """A confirmed helper gave the seat back (by themselves, or deactivated)."""

    assignment: Assignment


@dataclass(frozen=True, kw_only=True)
class HoursApproved(RequestEvent):
    assignment: Assignment
