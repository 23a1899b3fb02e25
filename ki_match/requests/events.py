"""What happened to a request, as ``requests.lifecycle`` publishes it (see ``ki_match.events``).

Every event of a request — here and in ``offers``, ``assignments`` and
``initiatives`` — is a ``RequestEvent``: the request, who did it, and what those
told about it need to know. The rows are those of the publishing transaction.
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


@dataclass(frozen=True, kw_only=True)
class RequestEvent:
    request: HelpRequest
    actor: User | None  # None: the system (the unfilled run)


class Submitted(RequestEvent):
    """An initiative member sent a request in."""


class TakenOver(RequestEvent):
    """A coordinator took an initiative's request into matching."""


@dataclass(frozen=True, kw_only=True)
class SubmittedDeclined(RequestEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Rescheduled(RequestEvent):
    old: Schedule
    offers: list[Offer]  # still waiting for an answer (or a confirmation)
    asked_again: frozenset[int]  # offers whose yes was for the old time and goes back to waiting
    assignments: list[Assignment]  # confirmed, moved with the request
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Cancelled(RequestEvent):
    """Called off by a coordinator, or withdrawn by the initiative member who sent it."""

    reason: str
    offers: list[Offer]  # withdrawn with the request
    assignments: list[Assignment]  # cancelled with the request


@dataclass(frozen=True, kw_only=True)
class Completed(RequestEvent):
    assignments: list[Assignment]  # now completed; their helpers are asked for their hours


@dataclass(frozen=True, kw_only=True)
class Unfilled(RequestEvent):
    """The request's time passed with seats still free."""

    at: datetime


@dataclass(frozen=True, kw_only=True)
class NoShow(RequestEvent):
    assignment: Assignment
