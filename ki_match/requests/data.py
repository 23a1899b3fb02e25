"""A request as the form says it, in stored form: what a kind needs, and copying it onto a request.

Creating and editing go through ``requests.lifecycle``; this module only shapes
the data, so the coordinators' form, an initiative's form and the live preview
share one idea of what a request of each kind contains.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from sqlalchemy import select

from ki_match.extensions import db
from ki_match.helpers.models import Gender
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Town
from ki_match.requests.models import FillMode, HelpRequest, RequestKind, RequestStatus

IN_PERSON_KINDS = frozenset({RequestKind.ACCOMPANIMENT, RequestKind.ONSITE})
SCHEDULED_KINDS = frozenset({RequestKind.ACCOMPANIMENT, RequestKind.ONSITE, RequestKind.REMOTE})


@dataclass
class RequestData:
    """What the request form says, already in stored form (UTC instants, ids)."""

    kind: RequestKind
    language_id: int | None
    alt_language_ids: list[int] = field(default_factory=list)
    min_level: int = 3
    topic_id: int | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    due_on: date | None = None
    town_id: int | None = None
    place: str | None = None
    client_ref: str | None = None
    gender_pref: Gender | None = None
    qualified_required: bool = False
    protects_vulnerable: bool = False
    helpers_needed: int = 1
    fill_mode: FillMode = FillMode.COORDINATOR_CONFIRMS
    notes: str | None = None
    organisation_id: int | None = None
    # Automatic follow-up (ki_match.offers.escalation); None: off.
    escalate_after_hours: int | None = None
    escalate_limit: int | None = None
    # After a late cancellation, ask the next people at once (ki_match.offers.late_refill).
    standby_auto: bool = False

    def relevant(self) -> RequestData:
        """A copy without the fields this kind does not use, so nothing stale is stored."""
        data = replace(self, alt_language_ids=[i for i in self.alt_language_ids if i != self.language_id])
        if self.kind == RequestKind.WRITTEN:
            data.starts_at = data.duration_minutes = None
        else:
            data.due_on = None
        if self.kind not in IN_PERSON_KINDS:
            data.place = None
        return data


# Field names as the request form calls them: what is still missing before a request can open.
def missing_to_open(
    data: RequestData, *, local_date: date | None = None, local_time: time | None = None
) -> list[str]:
    """Names of the fields the kind needs and ``data`` lacks; empty when the request can open.

    ``local_date``/``local_time`` are the form's inputs, so a date without a time is
    reported as "time missing" rather than both.
    """
    missing = []
    if data.language_id is None:
        missing.append("language_id")
    if data.kind in SCHEDULED_KINDS:
        if data.starts_at is None:
            if local_date is None:
                missing.append("day")
            if local_time is None:
                missing.append("start")
        if data.duration_minutes is None:
            missing.append("duration_minutes")
    else:
        if data.due_on is None:
            missing.append("due_on")
    if data.kind in IN_PERSON_KINDS and data.town_id is None:
        missing.append("town_id")
    return missing


SCALAR_FIELDS = (
    "kind",
    "language_id",
    "min_level",
    "topic_id",
    "starts_at",
    "duration_minutes",
    "due_on",
    "town_id",
    "place",
    "client_ref",
    "gender_pref",
    "qualified_required",
    "protects_vulnerable",
    "helpers_needed",
    "fill_mode",
    "notes",
    "organisation_id",
    "escalate_after_hours",
    "escalate_limit",
    "standby_auto",
)


def apply(request: HelpRequest, data: RequestData) -> list[str]:
    """Copy ``data`` onto ``request``; the names of the fields that changed (never their values)."""
    changed = []
    for name in SCALAR_FIELDS:
        value = getattr(data, name)
        if getattr(request, name) != value:
            setattr(request, name, value)
            changed.append(name)
    wanted = set(data.alt_language_ids)
    if {language.id for language in request.alt_languages} != wanted:
        request.alt_languages = (
            list(db.session.scalars(select(Language).where(Language.id.in_(wanted)))) if wanted else []
        )
        changed.append("alt_language_ids")
    return changed


def unsaved_request(ki: Ki, data: RequestData, based_on: HelpRequest | None = None) -> HelpRequest:
    """A request built from form data that is never added to the session, for the live preview.

    With ``based_on`` it keeps that request's id, so matching still leaves out
    helpers who declined it and does not count its own assignments as clashes.
    """
    data = data.relevant()
    request = HelpRequest(
        id=based_on.id if based_on is not None else None,
        ki_id=ki.id,
        ki=ki,
        kind=data.kind,
        status=based_on.status if based_on is not None else RequestStatus.DRAFT,
    )
    for name in SCALAR_FIELDS:
        setattr(request, name, getattr(data, name))
    # Relationships are set from loaded rows, which have no backref to the request, so
    # nothing cascades the unsaved request into the session.
    request.language = db.session.get(Language, data.language_id) if data.language_id else None
    request.alt_languages = (
        list(db.session.scalars(select(Language).where(Language.id.in_(data.alt_language_ids))))
        if data.alt_language_ids
        else []
    )
    request.town = db.session.get(Town, data.town_id) if data.town_id else None
    return request


def duplicate_fields(request: HelpRequest) -> dict:
    """What a copy of ``request`` starts with: everything but its date and client reference."""
    return {
        "kind": request.kind.value,
        "language_id": request.language_id,
        "alt_language_ids": [language.id for language in request.alt_languages],
        "min_level": request.min_level,
        "topic_id": request.topic_id or 0,
        "duration_minutes": request.duration_minutes,
        "town_id": request.town_id or 0,
        "place": request.place,
        "gender_pref": request.gender_pref.value if request.gender_pref else "",
        "qualified_required": request.qualified_required,
        "protects_vulnerable": request.protects_vulnerable,
        "helpers_needed": request.helpers_needed,
        "fill_mode": request.fill_mode.value,
        "notes": request.notes,
        "organisation_id": request.organisation_id or 0,
        "escalates": request.escalates,
        "escalate_after_hours": request.escalate_after_hours,
        "escalate_limit": request.escalate_limit,
        "standby_auto": request.standby_auto,
    }
