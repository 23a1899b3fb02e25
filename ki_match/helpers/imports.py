"""Importing a KI's existing pool from a spreadsheet: the preview of every row, then the import.

``plan`` compares the rows (``import_rows``) with the KI's helpers, loaded once: a row is a new
helper, an update of one (found by e-mail address, else by name and phone number), unchanged, or
an error with its reasons. ``run`` writes exactly a plan, in one transaction, with one audit event.

An update only adds or changes what the file holds: a new name or phone number, languages she
lacks or a level that differs, towns she does not serve yet, her home town, the note. It never
removes a language or a town; the preview names every change. The same file imported twice
therefore changes nothing the second time: every row is "unchanged".

Modes: ``INVITE`` sends each new person an invitation (``accounts.services.invite_user``; a
row without e-mail address is an error); ``MANAGED`` makes profiles the KI keeps for people
without e-mail or without wish to use the app.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import contains_eager, selectinload

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import invite_user
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.helpers.import_file import Table
from ki_match.helpers.import_rows import Columns, Field, Row, names_of, phone_key, read_rows
from ki_match.helpers.managed import create_managed_helper
from ki_match.helpers.models import HelperLanguage, HelperProfile, helper_town
from ki_match.helpers.queries import profile_of
from ki_match.orgs.models import Ki
from ki_match.reference import queries as reference
from ki_match.reference.models import Language, Town


class Mode(enum.StrEnum):
    INVITE = "invite"
    MANAGED = "managed"


class Outcome(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class Change:
    """One thing an update changes: ``what`` (a ``Field`` or "level") from ``old`` to ``new``."""

    what: str
    old: str | int | None
    new: str | int | None
    subject: int | None = None  # the language or town it concerns


@dataclass
class RowPlan:
    row: Row
    outcome: Outcome
    profile: HelperProfile | None = None
    changes: list[Change] = field(default_factory=list)


@dataclass
class Plan:
    mode: Mode
    columns: Columns
    rows: list[RowPlan]
    languages: dict[int, Language]
    towns: dict[int, Town]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def to_write(self) -> int:
        return self.count(Outcome.NEW) + self.count(Outcome.UPDATE)

    def fingerprint(self) -> str:
        """What the preview showed, as a digest: the import runs only if the plan is still this one."""
        shown = [
            self.mode.value,
            [
                [
                    plan.row.number,
                    plan.outcome.value,
                    plan.profile.id if plan.profile else None,
                    [[change.what, change.old, change.new, change.subject] for change in plan.changes],
                    sorted({problem.column for problem in plan.row.problems}),
                ]
                for plan in self.rows
            ],
        ]
        return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


# --- the preview ------------------------------------------------------------------------------


@dataclass
class Pool:
    """The KI's helpers, loaded once, by e-mail address and by name and phone number."""

    by_email: dict[str, HelperProfile]
    by_name_and_phone: dict[tuple[str, str], HelperProfile]
    other_accounts: set[str]  # addresses of the KI's accounts that are not helpers
    taken: set[str]  # for managed profiles: addresses of any other account (one address, one account)


def _pool(ki: Ki, rows: list[Row], mode: Mode) -> Pool:
    profiles = db.session.scalars(
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(HelperProfile.ki_id == ki.id, User.deleted_at.is_(None))
        .options(
            contains_eager(HelperProfile.user),
            selectinload(HelperProfile.languages),
            selectinload(HelperProfile.towns),
        )
    ).all()
    pool = Pool({}, {}, set(), set())
    for profile in profiles:
        if profile.user.email:
            pool.by_email[profile.user.email] = profile
        if profile.phone:
            pool.by_name_and_phone[(profile.user.display_name.casefold(), phone_key(profile.phone))] = profile
    pool.other_accounts = set(
        db.session.scalars(select(User.email).where(User.ki_id == ki.id, User.role != Role.HELPER))
    )
    if mode == Mode.MANAGED:
        # ``create_managed_helper`` refuses an address any account has, as the coordinators' form
        # says openly; the preview says it first, so that the import cannot fail half-way.
        wanted = [row.email for row in rows if row.email and row.email not in pool.by_email]
        pool.taken = set(db.session.scalars(select(User.email).where(User.email.in_(wanted))))
    return pool


def plan(ki: Ki, table: Table, mode: Mode) -> Plan:
    """What importing ``table`` in ``mode`` would do, row by row; nothing is written."""
    languages = {language.id: language for language in reference.languages(ki)}
    towns = {town.id: town for town in reference.towns(ki)}
    columns, rows = read_rows(table, names_of(languages.values(), towns.values()))
    _mark_duplicates(rows, columns)
    pool = _pool(ki, rows, mode)
    return Plan(mode, columns, [_row_plan(row, columns, pool, mode) for row in rows], languages, towns)


def _header(columns: Columns, *fields: Field) -> str:
    return next((columns.headers[columns.fields[f]] for f in fields if f in columns.fields), "")


def _mark_duplicates(rows: list[Row], columns: Columns) -> None:
    """Rows that name the same person twice are all errors: which of them is right, only the KI knows."""
    groups: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        if row.email:
            groups[("email", row.email)].append(row)
        elif row.name and row.phone:
            groups[("phone", row.name.casefold(), phone_key(row.phone))].append(row)
    for (kind, *_ignored), same in groups.items():
        if len(same) < 2:
            continue
        header = (
            _header(columns, Field.EMAIL) if kind == "email" else _header(columns, Field.NAME, Field.PHONE)
        )
        for row in same:
            others = ", ".join(str(other.number) for other in same if other is not row)
            if kind == "email":
                message = _("Dieselbe E-Mail-Adresse steht auch in Zeile %(rows)s.", rows=others)
            else:
                message = _(
                    "Derselbe Name mit derselben Telefonnummer steht auch in Zeile %(rows)s.", rows=others
                )
            row.problem(header, message)


def _match(row: Row, columns: Columns, pool: Pool) -> HelperProfile | None:
    if row.email and row.email in pool.by_email:
        return pool.by_email[row.email]
    if row.phone:
        found = pool.by_name_and_phone.get((row.name.casefold(), phone_key(row.phone)))
        if found is not None and row.email and found.user.email != row.email:
            row.problem(
                _header(columns, Field.EMAIL),
                _(
                    "%(name)s mit dieser Telefonnummer ist schon mit einer anderen oder ohne "
                    "E-Mail-Adresse eingetragen. Bitte die Adresse auf ihrer Seite ändern.",
                    name=row.name,
                ),
            )
        return found
    return None


def _row_plan(row: Row, columns: Columns, pool: Pool, mode: Mode) -> RowPlan:
    if row.email and row.email in pool.other_accounts:
        row.problem(
            _header(columns, Field.EMAIL),
            _("Zu dieser E-Mail-Adresse gibt es ein Konto, das keine helfende Person ist."),
        )
    elif row.email and row.email in pool.taken:
        row.problem(_header(columns, Field.EMAIL), _("Für diese E-Mail-Adresse gibt es bereits ein Konto."))
    profile = _match(row, columns, pool)
    if profile is None and not row.problems:
        if mode == Mode.INVITE and not row.email:
            row.problem(
                _header(columns, Field.EMAIL) or _("E-Mail"),
                _("Für eine Einladung fehlt die E-Mail-Adresse."),
            )
        elif mode == Mode.MANAGED and not row.email and not row.phone:
            row.problem(
                _header(columns, Field.PHONE) or _("Telefon"),
                _("Ohne E-Mail-Adresse braucht das KI eine Telefonnummer."),
            )
    if row.problems:
        return RowPlan(row, Outcome.ERROR, profile)
    if profile is None:
        return RowPlan(row, Outcome.NEW)
    changes = changes_for(profile, row)
    return RowPlan(row, Outcome.UPDATE if changes else Outcome.UNCHANGED, profile, changes)


def changes_for(profile: HelperProfile, row: Row) -> list[Change]:
    """What the row would add to or change in ``profile``; nothing it lacks is taken away."""
    changes = []
    if row.name != profile.user.display_name:
        changes.append(Change(Field.NAME, profile.user.display_name, row.name))
    if row.phone and phone_key(row.phone) != phone_key(profile.phone):
        changes.append(Change(Field.PHONE, profile.phone, row.phone))
    levels = {entry.language_id: entry.level for entry in profile.languages}
    for language_id, level in row.languages.items():
        if levels.get(language_id) != level:
            changes.append(Change("level", levels.get(language_id), level, language_id))
    served = {town.id for town in profile.towns}
    changes += [Change(Field.TOWNS, None, town.id, town.id) for town in row.towns if town.id not in served]
    if row.home_town and row.home_town.id != profile.home_town_id:
        changes.append(Change(Field.HOME_TOWN, profile.home_town_id, row.home_town.id))
    if row.note and row.note != profile.note:
        changes.append(Change(Field.NOTE, profile.note, row.note))
    return changes


# --- the import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    created: int
    updated: int
    unchanged: int
    skipped: int


def run(ki: Ki, planned: Plan, actor: User) -> Result:
    """Write ``planned``: new helpers, and the changes of the updated ones; rows with errors are
    left out. One transaction and one audit event (counts and ids only)."""
    created, updated, towns = [], [], []
    for row_plan in planned.rows:
        if row_plan.outcome == Outcome.NEW:
            profile = _create(ki, row_plan.row, planned.mode, actor)
            if profile is not None:
                towns += _apply(profile, list(contents(row_plan.row)), new=True)
                created.append(profile.id)
        elif row_plan.outcome == Outcome.UPDATE:
            towns += _apply(row_plan.profile, row_plan.changes)
            updated.append(row_plan.profile.id)
    if towns:
        db.session.execute(insert(helper_town), towns)
    result = Result(
        len(created), len(updated), planned.count(Outcome.UNCHANGED), planned.count(Outcome.ERROR)
    )
    record(
        "helper.pool_imported",
        actor=actor,
        ki_id=ki.id,
        mode=planned.mode.value,
        rows=len(planned.rows),
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=result.skipped,
        created_ids=created,
        updated_ids=updated,
    )
    db.session.commit()
    return result


def contents(row: Row):
    """A new helper's profile gets all the row holds (its name came with the account)."""
    if row.phone:
        yield Change(Field.PHONE, None, row.phone)
    for language_id, level in row.languages.items():
        yield Change("level", None, level, language_id)
    for town in row.towns:
        yield Change(Field.TOWNS, None, town.id, town.id)
    if row.home_town:
        yield Change(Field.HOME_TOWN, None, row.home_town.id)
    if row.note:
        yield Change(Field.NOTE, None, row.note)


def _create(ki: Ki, row: Row, mode: Mode, actor: User) -> HelperProfile | None:
    """The new helper's profile; when inviting, None for an address of another KI's account, whose
    owner ``invite_user`` tells instead (the KI must not learn of it)."""
    if mode == Mode.MANAGED:
        return create_managed_helper(
            ki, display_name=row.name, phone=row.phone, email=row.email, actor=actor, commit=False
        )
    user = invite_user(
        ki,
        email=row.email,
        display_name=row.name,
        role=Role.HELPER,
        organisation=None,
        invited_by=actor,
        commit=False,
    )
    return profile_of(user) if user is not None else None


def _apply(profile: HelperProfile, changes: list[Change], *, new: bool = False) -> list[dict]:
    """Make ``changes`` to ``profile``; the towns it is to serve are returned as rows of
    ``helper_town``, which ``run`` inserts at once for all. Rows are written by their keys, so a new
    profile's empty collections are never loaded (an import of 200 takes seconds, not minutes)."""
    levels = {} if new else {entry.language_id: entry for entry in profile.languages}
    towns = []
    for change in changes:
        if change.what == Field.NAME:
            profile.user.display_name = change.new
        elif change.what == Field.PHONE:
            profile.phone = change.new
        elif change.what == "level" and change.subject in levels:
            levels[change.subject].level = change.new
        elif change.what == "level":
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=change.subject, level=change.new))
        elif change.what == Field.TOWNS:
            towns.append({"helper_id": profile.id, "town_id": change.subject})
        elif change.what == Field.HOME_TOWN:
            profile.home_town_id = change.new
        elif change.what == Field.NOTE:
            profile.note = change.new
    return towns
