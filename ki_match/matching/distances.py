"""Distances matching already knows, for the pages that need one outside a ranking: the kilometres
a helper's hours report starts from."""

from __future__ import annotations

from ki_match.matching.engine import IN_PERSON, Kind, road_km
from ki_match.matching.queries import place_of


def round_trip_km(helper, request) -> int | None:
    """There and back from the helper's home town to the request's town, by road as matching
    estimates it, rounded to whole kilometres: what her report asks for (the allowance pays both
    ways). None when there is nothing to drive (work at a distance, no home town, no town) or she
    has no car (then she reports a ticket)."""
    home, there = place_of(helper.home_town), place_of(request.town)
    if Kind(request.kind) not in IN_PERSON or home is None or there is None or helper.has_no_car:
        return None
    return round(2 * road_km(home, there))
