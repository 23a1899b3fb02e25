"""What happens to a series an organisation sent in, as a whole (``initiatives.series``).

Each date goes through ``requests.lifecycle`` like a single request and publishes its own event
marked ``whole_series``; these events say it once for the series, so the coordinators and the
organisation get one mail for the series, not one per date.
"""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.requests.events import RequestEvent
from ki_match.requests.models import HelpRequest, RequestSeries


@dataclass(frozen=True, kw_only=True)
class SeriesEvent(RequestEvent):
    """``request``: the first of ``dates``, the dates of ``series`` the step changed (in order)."""

    series: RequestSeries
    dates: list[HelpRequest]


class SeriesSubmitted(SeriesEvent):
    """An initiative member sent a series in."""


class SeriesTakenOver(SeriesEvent):
    """A coordinator took every date of the series still submitted into matching."""


@dataclass(frozen=True, kw_only=True)
class SeriesDeclined(SeriesEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class SeriesWithdrawn(SeriesEvent):
    """The organisation took back every date still open to it."""

    reason: str
