"""Which KIs a visitor may mean: by the KI's name or by a place it serves (the front door's chooser).

``kis_serving`` is the one answer to "which KIs serve this place"; a place is a town's name or a
postcode (five digits, looked up in ``reference.municipalities``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.orgs.queries import active_kis
from ki_match.reference.models import Town
from ki_match.reference.municipalities import by_postcode, folded


class PlaceKind(enum.Enum):
    NAME = "name"
    POSTCODE = "postcode"
    # Digits only, but not five of them: no postcode, and no name either.
    DIGITS = "digits"


def place_kind(place: str) -> PlaceKind:
    place = place.strip()
    if not (place.isascii() and place.isdigit()):
        return PlaceKind.NAME
    return PlaceKind.POSTCODE if len(place) == 5 else PlaceKind.DIGITS


@dataclass(frozen=True)
class KiFound:
    ki: Ki
    # The towns of the KI that matched the search (empty when its name did).
    towns: tuple[str, ...] = ()


def _served_towns() -> list[tuple[Ki, Town]]:
    return list(
        db.session.execute(
            select(Ki, Town)
            .join(Town, Town.ki_id == Ki.id)
            .where(Ki.active.is_(True), Town.served.is_(True))
            .order_by(Town.name)
        ).tuples()
    )


def _town_at(place: str) -> Callable[[Town], bool]:
    """Whether a town is at ``place``. For a postcode: in one of its municipalities, by the town's
    official key, or by its name for a town typed in without a key. Else: its name contains it."""
    if place_kind(place) is PlaceKind.POSTCODE:
        municipalities = by_postcode(place.strip())
        keys = {m.key for m in municipalities}
        names = {folded(m.name) for m in municipalities}
        return lambda town: (
            town.municipality_key in keys if town.municipality_key else folded(town.name) in names
        )
    wanted = place.casefold()
    return lambda town: wanted in town.name.casefold()


def kis_serving(place: str) -> dict[Ki, list[str]]:
    """The active KIs with a served town at ``place`` (a postcode or part of a town's name, any
    case), with those towns. Digits that are no postcode name no place."""
    if place_kind(place) is PlaceKind.DIGITS:
        return {}
    at_place = _town_at(place)
    found: dict[Ki, list[str]] = {}
    for ki, town in _served_towns():
        if at_place(town):
            found.setdefault(ki, []).append(town.name)
    return found


def find_kis(text: str | None) -> list[KiFound]:
    """Every active KI when ``text`` is empty; else those whose name contains it or that serve a
    place of that name or postcode. By name."""
    kis = active_kis()
    if not text:
        return [KiFound(ki) for ki in kis]
    wanted = text.casefold()
    serving = kis_serving(text)
    return [
        KiFound(ki, tuple(serving.get(ki, ()))) for ki in kis if wanted in ki.name.casefold() or ki in serving
    ]
