"""What happens to a helper that other layers act on (see ``ki_match.events``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ki_match.accounts.models import User
from ki_match.helpers.models import HelperProfile


class LeavingCause(enum.StrEnum):
    """Why a helper stops being matchable; the value is the audit events' ``reason``."""

    DEACTIVATED = "helper_deactivated"
    CONSENT_WITHDRAWN = "consent_withdrawn"


@dataclass(frozen=True)
class HelperLeaving:
    """A helper stops being matchable (deactivated, or consent withdrawn): nothing may stay open
    for them (``offers.commitments`` answers). ``reason`` is the text a given-back seat keeps."""

    profile: HelperProfile
    actor: User
    reason: str
    cause: LeavingCause = LeavingCause.DEACTIVATED


@dataclass
class FreedCommitments:
    """What ending a helper's commitments changed, for the message of whoever caused it."""

    offers_withdrawn: int = 0
    reopened: list = field(default_factory=list)  # requests whose confirmed seat is free again


@dataclass(frozen=True)
class PoolConsentWithdrawn:
    """A helper no longer agrees to be asked by other KIs (for one kind or both): offers from
    other KIs she may no longer be asked for end (``offers.pool`` answers with their number)."""

    profile: HelperProfile
    actor: User
