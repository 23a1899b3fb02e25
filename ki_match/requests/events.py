"""What happened to a request, as ``requests.lifecycle`` publishes it (see ``ki_match.events``).

Each event carries what the people told about it need to know; the rows are
those of the publishing transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from ki_match.accounts.models import User
from ki_match.requests.models import Assignment, HelpRequest, Offer


class Schedule(NamedTuple):
    """When a request happens: a start and a duration, or a due date for a written translation."""

    starts_at: datetime | None
    duration_minutes: int | None
    due_on: date | None


@dataclass(frozen=True)
class Submitted:
    """An initiative sent a request in."""

    request: HelpRequest
    member: User


@dataclass(frozen=True)
class TakenOver:
    """A coordinator took an initiative's request into matching."""

    request: HelpRequest
    actor: User


@dataclass(frozen=True)
class SubmittedDeclined:
    request: HelpRequest
    actor: User
    reason: str


@dataclass(frozen=True)
class Rescheduled:
    request: HelpRequest
    actor: User
    old: Schedule
    offers: list[Offer]  # still waiting for an answer (or a confirmation)
    asked_again: frozenset[int]  # offers whose yes was for the old time and goes back to waiting
    assignments: list[Assignment]  # confirmed, moved with the request
    at: datetime


@dataclass(frozen=True)
class Cancelled:
    request: HelpRequest
    actor: User  # a coordinator, or the initiative member who withdrew their own request
    reason: str
    offers: list[Offer]  # withdrawn with the request
    assignments: list[Assignment]  # cancelled with the request


@dataclass(frozen=True)
class Completed:
    request: HelpRequest
    actor: User
    assignments: list[Assignment]  # now completed; their helpers are asked for their hours


@dataclass(frozen=True)
class Unfilled:
    """The request's time passed with seats still free."""

    request: HelpRequest
    at: datetime


@dataclass(frozen=True)
class NoShow:
    assignment: Assignment
    request: HelpRequest
    actor: User
