"""Everything the database holds about one helper, found by walking the foreign keys.

A table belongs in the export when one of its columns points at the person's
``user_account`` or ``helper_profile`` row. The walk finds such tables from
the SQLAlchemy metadata, so a table added later is exported without anyone
remembering this module; ``NOT_EXPORTED`` names the few left out, each with
its reason, and tests/privacy/test_privacy.py fails on a referring table that is in
neither. Two links are not foreign keys and are added by hand: audit events
whose *subject* is one of the person's rows (what others did about her: her
contact shared or viewed, a "why not" check, a login tried on her account —
events about a helper name her profile or account as the subject, never only in
the detail), and e-mails sent to their address. An organisation a row points
at (her contact shared with it) is named.

What never leaves: secrets (any column whose name says hash, secret, password
or token — only digests are stored, but even those stay), and other people:
a column pointing at another account (the coordinator who sent an offer) is
dropped, as is the address of someone else's audit event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, MetaData, Table, and_, or_, select, tuple_

from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Organisation
from ki_match.outbox.models import OutboxMessage
from ki_match.reference.models import Language, Topic, Town
from ki_match.reference.names import language_name, topic_name
from ki_match.requests.models import HOLDING_STATES, HelpRequest

PERSON_TABLES = ("user_account", "helper_profile")
SECRET_COLUMN = re.compile(r"hash|secret|password|token", re.IGNORECASE)
FORMAT_VERSION = 1

# Tables that refer to a person but are not part of the export, and why.
NOT_EXPORTED: dict[str, object] = {
    "help_request": _l(
        "Anfragen legen Koordination und Initiativen an. Was Sie davon betrifft, "
        "steht bei Ihren Anfragen (offer) und Einsätzen (assignment)."
    ),
}


def referencing_columns(metadata: MetaData) -> dict[str, list[Column]]:
    """Every table with a foreign key to a person's row, with those columns."""
    found: dict[str, list[Column]] = {}
    for table in metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name in PERSON_TABLES:
                found.setdefault(table.name, []).append(foreign_key.parent)
    return found


def personal_tables(metadata: MetaData) -> set[str]:
    """The person's own rows plus every table referring to them."""
    return set(PERSON_TABLES) | set(referencing_columns(metadata))


@dataclass(frozen=True)
class Person:
    user_id: int
    profile_id: int | None

    def id_for(self, table_name: str) -> int | None:
        return self.user_id if table_name == "user_account" else self.profile_id


# --- building the export --------------------------------------------------------------------


def personal_data(user: User) -> dict:
    """The whole export of ``user`` (a helper), as JSON-ready data."""
    profile = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user.id))
    person = Person(user.id, profile.id if profile else None)
    metadata = db.metadata
    tables: dict[str, list[dict]] = {}

    own_user_row = db.session.execute(
        select(metadata.tables["user_account"]).where(metadata.tables["user_account"].c.id == user.id)
    ).mappings()
    tables["user_account"] = [_clean(metadata.tables["user_account"], row, person) for row in own_user_row]

    for table_name, columns in referencing_columns(metadata).items():
        if table_name in NOT_EXPORTED:
            continue
        table = metadata.tables[table_name]
        conditions = []
        for column in columns:
            target = next(iter(column.foreign_keys)).column.table.name
            own_id = person.id_for(target)
            if own_id is not None:
                conditions.append(column == own_id)
        rows = []
        if conditions:
            rows = db.session.execute(
                select(table).where(or_(*conditions)).order_by(*table.primary_key.columns)
            ).mappings()
        tables[table_name] = [_clean(table, row, person) for row in rows]

    tables["day_before_check"] = _day_before_questions(person)
    _add_audit_events_about(tables, person)
    _add_requests(tables, person)
    tables["outbox_message"] = _mails_to(user.email)
    return {
        "export": {
            "format": FORMAT_VERSION,
            "created_at": utcnow().replace(microsecond=0),
            "ki": user.ki.name if user.ki else None,
            "note": str(
                _l(
                    "Alle Daten, die KI-Match über Sie gespeichert hat, nach Tabellen. "
                    "Zeiten in UTC (ISO 8601). Angaben über andere Personen sind nicht enthalten."
                )
            ),
        },
        "tables": tables,
        "not_included": {name: str(reason) for name, reason in NOT_EXPORTED.items()},
    }


def _clean(table: Table, row, person: Person) -> dict:
    data = {}
    for column in table.columns:
        if SECRET_COLUMN.search(column.name):
            continue
        value = row[column.name]
        person_target = _person_target(column)
        if person_target is not None and value != person.id_for(person_target):
            continue  # someone else's account (or no one's): not theirs to receive
        data[column.name] = value
        label = _reference_label(column, value)
        if label is not None:
            data[column.name.removesuffix("_id")] = label
    if table.name == "audit_event":
        data["by"] = _by(row["actor_id"], row["action"], person)
        if data["by"] != "self":
            data.pop("ip", None)  # the address of whoever else acted
    return data


# Events with no actor that someone unknown caused, not the system: a login tried on the account.
UNKNOWN_ACTOR_ACTIONS = frozenset({"login.failure"})


def _by(actor_id: int | None, action: str, person: Person) -> str:
    """Who acted, as a kind of person, never by name or id."""
    if actor_id == person.user_id:
        return "self"
    if actor_id is None:
        return "unknown" if action in UNKNOWN_ACTOR_ACTIONS else "system"
    role = db.session.scalar(select(User.role).where(User.id == actor_id))
    if role == Role.INITIATIVE:
        return "organisation"
    if role == Role.HELPER:
        return "another helper"
    return "staff"


def _person_target(column: Column) -> str | None:
    for foreign_key in column.foreign_keys:
        if foreign_key.column.table.name in PERSON_TABLES:
            return foreign_key.column.table.name
    return None


def _reference_label(column: Column, value) -> str | None:
    if value is None:
        return None
    for foreign_key in column.foreign_keys:
        target = foreign_key.column.table.name
        if target == "language":
            language = db.session.get(Language, value)
            return f"{language_name(language)} ({language.code})" if language else None
        if target == "town":
            town = db.session.get(Town, value)
            return town.name if town else None
        if target == "topic":
            topic = db.session.get(Topic, value)
            return topic_name(topic) if topic else None
        if target == "organisation":
            organisation = db.session.get(Organisation, value)
            return organisation.name if organisation else None
    return None


def _add_audit_events_about(tables: dict[str, list[dict]], person: Person) -> None:
    """Events whose subject is one of the person's rows, next to those they did themselves."""
    if "audit_event" not in tables:
        return
    subjects = [
        (table_name, row["id"])
        for table_name, rows in tables.items()
        for row in rows
        if isinstance(row.get("id"), int)
    ]
    if not subjects:
        return
    table = db.metadata.tables["audit_event"]
    seen = {row["id"] for row in tables["audit_event"]}
    about = db.session.execute(
        select(table)
        .where(
            and_(
                table.c.subject_type.is_not(None),
                tuple_(table.c.subject_type, table.c.subject_id).in_(subjects),
            )
        )
        .order_by(table.c.id)
    ).mappings()
    for row in about:
        if row["id"] not in seen:
            tables["audit_event"].append(_clean(table, row, person))
    tables["audit_event"].sort(key=lambda row: row["id"])


def _day_before_questions(person: Person) -> list[dict]:
    """The "Kommen Sie morgen?" questions about her assignments (they point at the assignment, not
    at her, so the walk does not find them): the start asked about, when, her answer and when, and
    whether she answered or staff recorded it for her (never who)."""
    if person.profile_id is None:
        return []
    table, assignment = db.metadata.tables["day_before_check"], db.metadata.tables["assignment"]
    rows = db.session.execute(
        select(table)
        .join(assignment, assignment.c.id == table.c.assignment_id)
        .where(assignment.c.helper_id == person.profile_id)
        .order_by(table.c.id)
    ).mappings()
    questions = []
    for row in rows:
        data = _clean(table, row, person)
        answered = row["confirmed_at"] or row["declined_at"]
        data["answer"] = ("coming" if row["confirmed_at"] else "cannot") if answered else None
        by = row["answered_by_id"]
        data["answered_by"] = None if answered is None else ("self" if by is None else _by(by, "", person))
        questions.append(data)
    return questions


def _add_requests(tables: dict[str, list[dict]], person: Person) -> None:
    """What the helper was asked to do: the request's open facts; place and client
    reference only where they were confirmed for it (as the assignment page shows them)."""
    confirmed_requests = {
        row["request_id"] for row in tables.get("assignment", []) if str(row.get("status")) in HOLDING_STATES
    }
    for table_name in ("offer", "assignment"):
        for row in tables.get(table_name, []):
            request = db.session.get(HelpRequest, row["request_id"])
            if request is not None:
                row["request"] = request_summary(request, confirmed=request.id in confirmed_requests)


def request_summary(request: HelpRequest, *, confirmed: bool) -> dict:
    data = {
        "id": request.id,
        "kind": request.kind,
        "language": f"{language_name(request.language)} ({request.language.code})",
        "topic": topic_name(request.topic) if request.topic else None,
        "starts_at": request.starts_at,
        "duration_minutes": request.duration_minutes,
        "due_on": request.due_on,
        "town": request.town.name if request.town else None,
    }
    if confirmed:
        data["place"] = request.place
        data["client_ref"] = request.client_ref
    return data


def _mails_to(address: str) -> list[dict]:
    """Which e-mails went to the person, not their text: the subject says what they were about."""
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    )
    return [
        {
            "id": message.id,
            "kind": message.kind,
            "subject": message.subject,
            "created_at": message.created_at,
            "sent_at": message.sent_at,
        }
        for message in rows
    ]


def json_default(value):
    """ISO dates and times; enums by value; lazy strings as text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)
