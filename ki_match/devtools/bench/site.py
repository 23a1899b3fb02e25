"""What the rooms of the bench build share: the run, and the KI being built.

``Run`` is the same for the whole build: the seed's one random sequence (every
room draws from it, in the order the build calls them, so a seed gives the same
data set), the clock, the batch writer and the reference data's ids. ``Kreis``
is one KI: its towns, the staff and initiatives its rows point at, and its
approved helpers as the matching engine knows them (``bench.staffing``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from ki_match.devtools.bench.staffing import Staffing
from ki_match.devtools.bench.writer import Writer
from ki_match.orgs.models import Ki
from ki_match.reference.models import Town


@dataclass
class Run:
    """The whole build's: drawn from, written through, dated by."""

    rng: random.Random
    writer: Writer
    now: datetime
    today: date
    # Filled once the reference data exists: code → id.
    languages: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    password_hash: str = ""
    kreis: Kreis | None = None  # the KI being built

    def weighted(self, weights: dict):
        """One key, as often as its weight says."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Kreis:
    """One KI: what its rows point at, and its helpers as the matching engine sees them."""

    ki: Ki
    towns: dict[str, Town]
    staffing: Staffing
    coordinator_ids: list[int] = field(default_factory=list)
    organisation_ids: list[int] = field(default_factory=list)
