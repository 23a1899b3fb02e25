"""What happens to a helper that other layers act on (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ki_match.accounts.models import User
from ki_match.helpers.models import HelperProfile


@dataclass(frozen=True)
class HelperLeaving:
    """A helper is deactivated: nothing may stay open for them (``offers.commitments`` answers)."""

    profile: HelperProfile
    actor: User
    reason: str


@dataclass
class FreedCommitments:
    """What ending a helper's commitments changed, for the coordinator's message."""

    offers_withdrawn: int = 0
    reopened: list = field(default_factory=list)  # requests whose confirmed seat is free again
