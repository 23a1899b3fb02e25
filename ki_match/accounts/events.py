"""What happens to accounts that other layers act on (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.accounts.models import User


@dataclass(frozen=True)
class HelperAccountCreated:
    """A helper's account exists now; ``helpers`` gives it its profile in the same transaction."""

    user: User
