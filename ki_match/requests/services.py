"""Status rules of requests: every transition is explicit, checked and recorded."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import Gender
from ki_match.initiatives.notify import Change, tell_requester
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Town
from ki_match.requests.models import (
    FillMode,
    HelpRequest,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)

S = RequestStatus

TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.OPEN, S.DRAFT, S.DECLINED, S.CANCELLED}),
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.OFFERED, S.FILLED, S.CANCELLED, S.UNFILLED}),
    S.OFFERED: frozenset({S.OPEN, S.FILLED, S.CANCELLED, S.UNFILLED}),
    S.FILLED: frozenset({S.OPEN, S.OFFERED, S.COMPLETED, S.CANCELLED}),
    S.UNFILLED: frozenset({S.OPEN, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.DECLINED: frozenset(),
}

# Requests in these states can still take helpers.
ACCEPTING = frozenset({S.OPEN, S.OFFERED})


class TransitionError(Exception):
    pass


def can_transition(current: RequestStatus, target: RequestStatus) -> bool:
    return target in TRANSITIONS[current]


def transition(request: HelpRequest, target: RequestStatus, actor=None, note: str | None = None) -> None:
    """Move ``request`` to ``target`` and record who did it; refuses a transition the rules do not allow."""
    if request.status == target:
        return
    if not can_transition(request.status, target):
        raise TransitionError(
            _l(
                "Eine Anfrage mit Status „%(current)s“ kann nicht auf „%(target)s“ gesetzt werden.",
                current=request.status.value,
                target=target.value,
            )
        )
    db.session.add(
        RequestStatusChange(
            request_id=request.id,
            from_status=request.status,
            to_status=target,
            actor_id=getattr(actor, "id", None),
            note=note,
        )
    )
    record(
        "request.status",
        actor=actor,
        subject=request,
        from_status=request.status.value,
        to_status=target.value,
    )
    request.status = target


def lock_request(request_id: int) -> HelpRequest | None:
    """Start a fresh transaction that holds the write lock on this request.

    Whoever changes seats or offers of a request goes through here, so two
    coordinators (or two helpers) acting at once are served one after the
    other. PostgreSQL locks the row; SQLite, which has one writer at a time,
    takes its write lock with a no-op update before reading anything.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request_id)
            .values(id=HelpRequest.id)
            .execution_options(synchronize_session=False)
        )
        return db.session.scalar(
            select(HelpRequest).where(HelpRequest.id == request_id).execution_options(populate_existing=True)
        )
    return db.session.scalar(
        select(HelpRequest)
        .where(HelpRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# --- creating and editing requests ---------------------------------------------------------

IN_PERSON_KINDS = frozenset({RequestKind.ACCOMPANIMENT, RequestKind.ONSITE})
SCHEDULED_KINDS = frozenset({RequestKind.ACCOMPANIMENT, RequestKind.ONSITE, RequestKind.REMOTE})

# Changing a request in these states touches no confirmed seat. Once someone is confirmed,
# a new time is a reschedule (offers and assignments re-checked), not an edit.
EDITABLE = frozenset({S.SUBMITTED, S.DRAFT, S.OPEN, S.OFFERED})


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
    helpers_needed: int = 1
    fill_mode: FillMode = FillMode.COORDINATOR_CONFIRMS
    notes: str | None = None
    organisation_id: int | None = None
    # Automatic follow-up (ki_match.offers.escalation); None: off.
    escalate_after_hours: int | None = None
    escalate_limit: int | None = None

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
    "helpers_needed",
    "fill_mode",
    "notes",
    "organisation_id",
    "escalate_after_hours",
    "escalate_limit",
)


def _apply(request: HelpRequest, data: RequestData) -> list[str]:
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


def create_request(ki: Ki, data: RequestData, actor, *, open_now: bool) -> HelpRequest:
    """A new request, as a draft or open, with its first status change and an audit event."""
    data = data.relevant()
    status = S.OPEN if open_now else S.DRAFT
    request = HelpRequest(
        ki_id=ki.id, kind=data.kind, status=status, created_by_id=getattr(actor, "id", None)
    )
    _apply(request, data)
    db.session.add(request)
    db.session.flush()
    db.session.add(
        RequestStatusChange(
            request_id=request.id, from_status=None, to_status=status, actor_id=request.created_by_id
        )
    )
    record("request.created", actor=actor, subject=request, status=status.value, kind=data.kind.value)
    return request


def is_editable(request: HelpRequest) -> bool:
    return request.status in EDITABLE


def update_request(request: HelpRequest, data: RequestData, actor, *, open_now: bool) -> list[str]:
    """Change a request that nobody is confirmed for yet; opens a draft if asked to.

    Offers already sent are not re-checked here: moving a request with offers
    or seats is a reschedule, which tells the helpers.
    """
    if not is_editable(request):
        raise TransitionError(
            _l(
                "Eine Anfrage mit Status „%(status)s“ kann nicht mehr bearbeitet werden.",
                status=request.status.value,
            )
        )
    changed = _apply(request, data.relevant())
    if changed:
        record("request.updated", actor=actor, subject=request, fields=sorted(changed))
    if open_now and request.status in (S.DRAFT, S.SUBMITTED):
        was_submitted = request.status == S.SUBMITTED
        transition(request, S.OPEN, actor)
        if was_submitted:  # opened from the edit form: the organisation hears it as accepted
            tell_requester(request, Change.ACCEPTED, actor=actor, key="once")
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
        kind=data.kind,
        status=based_on.status if based_on is not None else S.DRAFT,
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
        "helpers_needed": request.helpers_needed,
        "fill_mode": request.fill_mode.value,
        "notes": request.notes,
        "organisation_id": request.organisation_id or 0,
        "escalates": request.escalates,
        "escalate_after_hours": request.escalate_after_hours,
        "escalate_limit": request.escalate_limit,
    }


# --- retention -----------------------------------------------------------------------------

# Requests in these states are over; after the retention period their client reference and
# exact address go, and what remains (language, town, times, helpers) still counts in reports.
FINISHED = frozenset({S.COMPLETED, S.CANCELLED, S.UNFILLED, S.DECLINED})
DEFAULT_RETENTION_DAYS = 90


def purge_client_data(older_than_days: int | None = None, now: datetime | None = None) -> dict[int, int]:
    """Forget the client reference and the exact place of requests finished long enough ago.

    "Finished" counts from the request's last status change (when it became
    completed, cancelled, unfilled or declined). Returns the number of requests
    purged per KI; running it again purges nothing new.
    """
    from flask import current_app

    days = older_than_days
    if days is None:
        days = int(current_app.config.get("RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    cutoff = (now or utcnow()) - timedelta(days=days)
    finished_at = (
        select(func.max(RequestStatusChange.at))
        .where(RequestStatusChange.request_id == HelpRequest.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.ki_id).where(
            HelpRequest.status.in_(FINISHED),
            or_(HelpRequest.client_ref.is_not(None), HelpRequest.place.is_not(None)),
            func.coalesce(finished_at, HelpRequest.updated_at) < cutoff,
        )
    ).all()
    per_ki: dict[int, list[int]] = {}
    for request_id, ki_id in rows:
        per_ki.setdefault(ki_id, []).append(request_id)
    for ki_id, ids in per_ki.items():
        for start in range(0, len(ids), 500):
            db.session.execute(
                update(HelpRequest)
                .where(HelpRequest.id.in_(ids[start : start + 500]))
                .values(client_ref=None, place=None)
                .execution_options(synchronize_session=False)
            )
        record("requests.client_data_purged", ki_id=ki_id, count=len(ids), older_than_days=days)
    db.session.commit()
    return {ki_id: len(ids) for ki_id, ids in per_ki.items()}
