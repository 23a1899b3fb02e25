"""Loading reference data; idempotent so it can run on every start."""

from __future__ import annotations

from sqlalchemy import insert, select

from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.data import GERMAN, KREIS_HOEXTER, LANGUAGES, TOPICS
from ki_match.reference.models import Language, Topic, Town, ki_language


def ensure_reference_data(ki_spec: dict = KREIS_HOEXTER) -> Ki:
    """Create the KI with its towns, the catalogue of languages and the KI's defaults, where missing."""
    ki = db.session.scalar(select(Ki).where(Ki.slug == ki_spec["slug"]))
    if ki is None:
        ki = Ki(slug=ki_spec["slug"], name=ki_spec["name"])
        db.session.add(ki)
        db.session.flush()
    known_towns = set(db.session.scalars(select(Town.name).where(Town.ki_id == ki.id)))
    for name, lat, lon in ki_spec["towns"]:
        if name not in known_towns:
            db.session.add(Town(ki_id=ki.id, name=name, lat=lat, lon=lon))
    seed_ki(ki)
    return ki


def default_languages() -> list[Language]:
    """The languages of ``data.py`` in the catalogue, added where missing."""
    known = {language.code: language for language in db.session.scalars(select(Language))}
    for code, cldr, variant in LANGUAGES:
        if code not in known:
            known[code] = Language(code=code, cldr=cldr, variant=variant)
            db.session.add(known[code])
    db.session.flush()
    return [known[code] for code, _cldr, _variant in LANGUAGES]


def seed_ki(ki: Ki) -> None:
    """Give a KI the default topics and languages, where it lacks them; no towns (it adds its own).

    Idempotent, and safe on every ``flask seed``: the default languages go to a KI that offers
    none yet (a language its admins removed stays removed), German to every KI (interpreting
    needs it); a topic the KI renamed or deactivated stays as it is.
    """
    offered = set(db.session.scalars(select(ki_language.c.language_id).where(ki_language.c.ki_id == ki.id)))
    defaults = default_languages()
    wanted = defaults if not offered else [language for language in defaults if language.code == GERMAN]
    missing = [language.id for language in wanted if language.id not in offered]
    if missing:
        db.session.execute(insert(ki_language), [{"ki_id": ki.id, "language_id": id_} for id_ in missing])
    known_topics = set(db.session.scalars(select(Topic.code).where(Topic.ki_id == ki.id)))
    for code, name in TOPICS.items():
        if code not in known_topics:
            db.session.add(Topic(ki_id=ki.id, code=code, name=name))
    db.session.flush()


def default_ki(slug: str) -> Ki | None:
    return db.session.scalar(select(Ki).where(Ki.slug == slug))
