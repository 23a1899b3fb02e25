"""Loading reference data; idempotent so it can run on every start."""

from __future__ import annotations

from sqlalchemy import select

from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.data import KREIS_HOEXTER, LANGUAGES, TOPICS
from ki_match.reference.models import Language, Topic, Town


def ensure_reference_data(ki_spec: dict = KREIS_HOEXTER) -> Ki:
    """Create the KI with its towns, and the languages and topics, where missing."""
    ki = db.session.scalar(select(Ki).where(Ki.slug == ki_spec["slug"]))
    if ki is None:
        ki = Ki(slug=ki_spec["slug"], name=ki_spec["name"])
        db.session.add(ki)
        db.session.flush()
    known_towns = set(db.session.scalars(select(Town.name).where(Town.ki_id == ki.id)))
    for name, lat, lon in ki_spec["towns"]:
        if name not in known_towns:
            db.session.add(Town(ki_id=ki.id, name=name, lat=lat, lon=lon))
    known_languages = set(db.session.scalars(select(Language.code)))
    for code, cldr, variant in LANGUAGES:
        if code not in known_languages:
            db.session.add(Language(code=code, cldr=cldr, variant=variant))
    known_topics = set(db.session.scalars(select(Topic.code)))
    for code, name in TOPICS.items():
        if code not in known_topics:
            db.session.add(Topic(code=code, name=name))
    db.session.flush()
    return ki


def default_ki(slug: str) -> Ki | None:
    return db.session.scalar(select(Ki).where(Ki.slug == slug))
