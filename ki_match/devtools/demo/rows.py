"""The demo's plans as rows: a request from its shape and slot, then its history and assignments.

A request is made before its history is told, so the history can change it (a
draft without its date yet); the status changes and assignments follow once
the requests and offers are flushed and have their ids.
"""

from __future__ import annotations

import random

from ki_match.accounts.models import User
from ki_match.devtools.demo import content
from ki_match.devtools.demo.demand import IN_PERSON, Shape
from ki_match.devtools.demo.history import Planned
from ki_match.devtools.demo.people import Cast
from ki_match.devtools.demo.scheduling import Slot
from ki_match.helpers.models import Gender
from ki_match.requests.models import Assignment, HelpRequest, RequestKind, RequestStatus, RequestStatusChange

K = RequestKind


def new_request(
    rng: random.Random,
    cast: Cast,
    shape: Shape,
    slot: Slot | None,
    status: RequestStatus,
    member: User | None,
) -> HelpRequest:
    """The request asking for ``shape`` at ``slot``, already in the status its history ends in."""
    client = shape.client
    in_person = shape.kind in IN_PERSON
    place = None
    if in_person:
        institution = rng.choice(content.INSTITUTIONS[shape.topic])
        if shape.topic == "health" and shape.gender == Gender.FEMALE and rng.random() < 0.5:
            institution = content.GYNAECOLOGY
        town = client.town
        place = (
            f"{institution}, {rng.choice(content.STREETS)} {rng.randint(1, 48)}, "
            f"{content.POSTCODES[town]} {town}"
        )
    notes = content.NOTES.get((shape.topic, shape.kind.value))
    request = HelpRequest(
        ki_id=cast.ki.id,
        kind=shape.kind,
        status=status,
        language=cast.languages[client.language],
        min_level=shape.min_level,
        topic=cast.topics[shape.topic],
        starts_at=slot.starts if slot else None,
        duration_minutes=shape.duration if slot and slot.starts else None,
        due_on=slot.day if slot and shape.kind == K.WRITTEN else None,
        town=cast.towns[client.town],
        place=place,
        client_ref=client.ref,
        gender_pref=shape.gender,
        qualified_required=shape.qualified,
        helpers_needed=shape.helpers_needed,
        fill_mode=shape.fill_mode,
        notes=rng.choice(notes) if notes and rng.random() < 0.8 else None,
        organisation=shape.organisation,
        requested_by_id=member.id if member else None,
        created_by_id=member.id if member else None,
    )
    request.alt_languages = [cast.languages[code] for code in shape.alternatives]
    return request


def materialise(plans: list[Planned]) -> tuple[list[RequestStatusChange], list[Assignment]]:
    """Rows that need the ids of flushed requests and offers."""
    changes, assignments = [], []
    for plan in plans:
        for from_status, to_status, actor, at, note in plan.events:
            changes.append(
                RequestStatusChange(
                    request_id=plan.request.id,
                    from_status=from_status,
                    to_status=to_status,
                    actor_id=actor.id if actor else None,
                    at=at,
                    note=note,
                )
            )
        for fields, offer in plan.assignments:
            fields = dict(fields)
            helper = fields.pop("helper")
            assignments.append(
                Assignment(
                    request_id=plan.request.id, helper_id=helper.profile.id, offer_id=offer.id, **fields
                )
            )
    return changes, assignments
