"""Distances between towns, for matching helpers to where they are needed."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

from ki_match.reference.models import Town

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance, as the crow flies (roads are longer)."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi, dlambda = phi2 - phi1, radians(lon2 - lon1)
    a = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def distance_km(a: Town, b: Town) -> float:
    return great_circle_km(a.lat, a.lon, b.lat, b.lon)
