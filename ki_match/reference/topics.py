"""A KI's topics, as its admins keep them: add, rename, deactivate and reactivate (never delete:
requests and helpers keep the topics they have)."""

from __future__ import annotations

import re

from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference import queries
from ki_match.reference.models import Topic
from ki_match.reference.municipalities import folded


def new_code(ki: Ki, name: str) -> str:
    """A code from the name ("Gesundheit und Pflege" → ``gesundheit-und-pflege``), unique in the KI."""
    base = re.sub(r"[^a-z0-9]+", "-", folded(name)).strip("-")[:32] or "thema"
    taken = queries.topic_codes(ki)
    code, number = base, 2
    while code in taken:
        code, number = f"{base}-{number}", number + 1
    return code


def add_topic(ki: Ki, name: str, *, actor=None) -> Topic:
    topic = Topic(ki_id=ki.id, code=new_code(ki, name), name=name)
    db.session.add(topic)
    db.session.flush()
    record("topic.added", actor=actor, subject=topic, ki_id=ki.id)
    return topic


def rename_topic(topic: Topic, name: str, *, actor=None) -> None:
    topic.name = name
    db.session.flush()
    record("topic.renamed", actor=actor, subject=topic, ki_id=topic.ki_id)


def set_topic_active(topic: Topic, active: bool, *, actor=None) -> None:
    topic.active = active
    db.session.flush()
    record(
        "topic.activated" if active else "topic.deactivated", actor=actor, subject=topic, ki_id=topic.ki_id
    )
