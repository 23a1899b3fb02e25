"""What happened to offers, as the offer rules publish it (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ki_match.requests.events import RequestEvent
from ki_match.requests.models import Assignment, Offer


@dataclass(frozen=True, kw_only=True)
class OffersSent(RequestEvent):
    offers: list[Offer]


@dataclass(frozen=True, kw_only=True)
class OfferAccepted(RequestEvent):
    """A yes that waits for the coordinators' confirmation."""

    offer: Offer


@dataclass(frozen=True, kw_only=True)
class OfferDeclined(RequestEvent):
    """A no: the first answer, or a yes taken back before it was confirmed (``retracted``)."""

    offer: Offer
    retracted: bool = False


@dataclass(frozen=True, kw_only=True)
class OfferWithdrawn(RequestEvent):
    """A coordinator no longer asks this helper."""

    offer: Offer


@dataclass(frozen=True, kw_only=True)
class AssignmentConfirmed(RequestEvent):
    """An offer became an assignment; ``filled`` when it took the request's last seat, and then
    ``withdrawn`` are the other offers that ended with it."""

    assignment: Assignment
    filled: bool = False
    withdrawn: list[Offer] = field(default_factory=list)
