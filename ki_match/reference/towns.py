"""A KI's towns, as its admins keep them: add (typed or from the NRW list), edit, delete."""

from __future__ import annotations

from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference import queries
from ki_match.reference.models import Town


class TownInUse(Exception):
    """A town that rows point at cannot be deleted; it can be set to "not served"."""


def add_town(
    ki: Ki, *, name: str, lat: float, lon: float, served: bool = True, municipality_key=None, actor=None
) -> Town:
    town = Town(
        ki_id=ki.id, name=name, lat=lat, lon=lon, served=served, municipality_key=municipality_key or None
    )
    db.session.add(town)
    db.session.flush()
    record("town.added", actor=actor, subject=town, municipality_key=town.municipality_key)
    return town


def update_town(town: Town, *, name: str, lat: float, lon: float, served: bool, actor=None) -> None:
    town.name, town.lat, town.lon, town.served = name, lat, lon, served
    db.session.flush()
    record("town.changed", actor=actor, subject=town, served=served)


def delete_town(town: Town, *, actor=None) -> None:
    if queries.town_in_use(town):
        raise TownInUse(town.name)
    record("town.deleted", actor=actor, subject=town)
    db.session.delete(town)
    db.session.flush()
