"""What happened to offers, as the offer rules publish it (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ki_match.accounts.models import User
from ki_match.requests.models import Assignment, HelpRequest, Offer


@dataclass(frozen=True)
class OffersSent:
    request: HelpRequest
    offers: list[Offer]
    actor: User


@dataclass(frozen=True)
class OfferAccepted:
    """A yes that waits for the coordinators' confirmation."""

    offer: Offer
    request: HelpRequest


@dataclass(frozen=True)
class OfferDeclined:
    """A no: the first answer, or a yes taken back before it was confirmed (``retracted``)."""

    offer: Offer
    request: HelpRequest
    retracted: bool = False


@dataclass(frozen=True)
class OfferWithdrawn:
    """A coordinator no longer asks this helper."""

    offer: Offer
    request: HelpRequest
    actor: User


@dataclass(frozen=True)
class AssignmentConfirmed:
    """An offer became an assignment; ``filled`` when it took the request's last seat, and then
    ``withdrawn`` are the other offers that ended with it."""

    assignment: Assignment
    request: HelpRequest
    actor: User
    filled: bool = False
    withdrawn: list[Offer] = field(default_factory=list)
