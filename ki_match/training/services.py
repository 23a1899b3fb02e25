"""Creating, changing and calling off a training course: its modules, its dates, its seats.

A coordinator hands over the course as ``CourseData`` (what the form says, already read into
days, times and numbers); ``create_course`` and ``update_course`` check it as a whole and raise
``CourseError`` with a message per field (``"title"``, ``"dates-0-end"`` …: the names of the form's
fields) or save it. Dates are entered as Berlin wall-clock times and stored as UTC instants
(``clock.local_to_utc``), like a request's ``starts_at``. More seats give the first who wait a
seat (``signups.promote``, under the course's lock); fewer seats than people registered are
refused. Calling a course off tells everyone signed up (``CourseCancelled``; the mail is
``notifications``'). Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import NonexistentLocalTime, local_to_utc, utcnow
from ki_match.core import dates
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.training.events import CourseCancelled
from ki_match.training.models import MAX_CAPACITY, Course, CourseDate, CourseModule, SignupStatus
from ki_match.training.signups import HOLDING, SignupError, lock_course, promote, seats_taken

TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 2000
PLACE_LENGTH = 200
MODULE_LENGTH = 120


@dataclass(frozen=True)
class DateData:
    """One row of the form's dates: a day with its times in Berlin, the module taught (by name),
    a place of its own. ``date_id`` names a stored date of the course; ``remove`` deletes it."""

    day: date | None = None
    start: time | None = None
    end: time | None = None
    module: str | None = None
    place: str | None = None
    date_id: int | None = None
    remove: bool = False

    @property
    def blank(self) -> bool:
        return self.day is None and self.start is None and self.end is None and not self.place


@dataclass(frozen=True)
class CourseData:
    title: str
    capacity: int | None
    description: str | None = None
    place: str | None = None
    online: bool = False
    qualifies: bool = True
    modules: list[str] = field(default_factory=list)
    dates: list[DateData] = field(default_factory=list)


class CourseError(Exception):
    """The course cannot be saved like this; ``errors`` maps a field's name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(str(message) for messages in errors.values() for message in messages))
        self.errors = errors


@dataclass(frozen=True)
class _Checked:
    """A date row that passed its checks, as it will be stored."""

    row: DateData
    starts_at: datetime
    ends_at: datetime


class _Errors(dict):
    def add(self, name: str, message) -> None:
        self.setdefault(name, []).append(message)


# --- checking ---------------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_course(data: CourseData, errors: _Errors, *, registered: int = 0) -> None:
    if not _text(data.title):
        errors.add("title", _l("Bitte geben Sie dem Kurs einen Titel."))
    elif len(_text(data.title)) > TITLE_LENGTH:
        errors.add("title", _l("Bitte höchstens %(count)d Zeichen.", count=TITLE_LENGTH))
    if len(_text(data.description)) > DESCRIPTION_LENGTH:
        errors.add("description", _l("Bitte höchstens %(count)d Zeichen.", count=DESCRIPTION_LENGTH))
    if len(_text(data.place)) > PLACE_LENGTH:
        errors.add("place", _l("Bitte höchstens %(count)d Zeichen.", count=PLACE_LENGTH))
    elif not _text(data.place) and not data.online:
        errors.add("place", _l("Bitte geben Sie einen Ort an oder kreuzen Sie „online“ an."))
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        errors.add("capacity", _l("Bitte eine Zahl von 1 bis %(top)d Plätzen.", top=MAX_CAPACITY))
    elif data.capacity < registered:
        errors.add(
            "capacity",
            _l(
                "Es sind schon %(count)d Personen angemeldet: Bitte mindestens %(count)d Plätze.",
                count=registered,
            ),
        )
    _check_modules(data.modules, errors)


def _check_modules(modules: list[str], errors: _Errors) -> None:
    seen: set[str] = set()
    for name in modules:
        if len(name) > MODULE_LENGTH:
            errors.add(
                "modules", _l("Ein Modulname darf höchstens %(count)d Zeichen haben.", count=MODULE_LENGTH)
            )
        elif name.casefold() in seen:
            errors.add("modules", _l("Das Modul „%(name)s“ steht zweimal in der Liste.", name=name))
        seen.add(name.casefold())


def _check_date(index: int, row: DateData, modules: list[str], errors: _Errors) -> _Checked | None:
    name = f"dates-{index}"
    for part, message in (
        ("day", _l("Bitte das Datum angeben.")),
        ("start", _l("Bitte die Anfangszeit angeben.")),
        ("end", _l("Bitte die Endzeit angeben.")),
    ):
        if getattr(row, part) is None:
            errors.add(f"{name}-{part}", message)
    if row.module and row.module not in modules:
        errors.add(f"{name}-module", _l("Bitte eines der Module dieses Kurses wählen."))
    if len(_text(row.place)) > PLACE_LENGTH:
        errors.add(f"{name}-place", _l("Bitte höchstens %(count)d Zeichen.", count=PLACE_LENGTH))
    if row.day is None or row.start is None or row.end is None:
        return None
    if row.end <= row.start:
        errors.add(f"{name}-end", _l("Das Ende muss nach dem Anfang liegen."))
        return None
    starts_at, ends_at = (
        _instant(row.day, row.start, f"{name}-start", errors),
        _instant(row.day, row.end, f"{name}-end", errors),
    )
    if starts_at is None or ends_at is None:
        return None
    return _Checked(row, starts_at, ends_at)


def _instant(day: date, clock: time, name: str, errors: _Errors) -> datetime | None:
    """The UTC instant of a Berlin day and time; the hour the clocks skip in March is refused in words."""
    try:
        return local_to_utc(day, clock)
    except NonexistentLocalTime:
        errors.add(
            name,
            _l(
                "Diese Uhrzeit gibt es am %(day)s nicht: In dieser Nacht werden die Uhren "
                "von 2 auf 3 Uhr vorgestellt. Bitte eine Zeit ab 3:00 Uhr wählen.",
                day=dates.show(day, "day_medium"),
            ),
        )
        return None


def _check_dates(
    data: CourseData, modules: list[str], errors: _Errors, course: Course | None
) -> list[_Checked]:
    stored = {stored.id: stored for stored in course.dates} if course is not None else {}
    checked = []
    mentioned = {row.date_id for row in data.dates}
    kept = len([date_id for date_id in stored if date_id not in mentioned])
    for index, row in enumerate(data.dates):
        existing = stored.get(row.date_id)
        if row.remove and existing is not None:
            if existing.attendances:
                errors.add(
                    f"dates-{index}-remove",
                    _l("Für diesen Termin ist die Anwesenheit eingetragen: Er bleibt."),
                )
                kept += 1
            continue
        if row.remove or (row.blank and existing is None):
            continue
        kept += 1
        result = _check_date(index, row, modules, errors)
        if result is not None:
            checked.append(result)
    if not kept:
        errors.add("dates", _l("Bitte tragen Sie mindestens einen Termin ein."))
    return checked


def _module_names(data: CourseData) -> list[str]:
    return [name for name in (_text(name) for name in data.modules) if name]


def _checked(data: CourseData, course: Course | None = None, *, registered: int = 0) -> list[_Checked]:
    """Every check of the course as given; ``CourseError`` with all messages at once."""
    errors = _Errors()
    modules = _module_names(data)
    _check_course(CourseData(**{**data.__dict__, "modules": modules}), errors, registered=registered)
    dates = _check_dates(data, modules, errors, course)
    if errors:
        raise CourseError(dict(errors))
    return dates


def course_errors(data: CourseData, course: Course | None = None) -> dict[str, list]:
    """What ``create_course`` or ``update_course`` would say about ``data`` (nothing: it fits),
    without writing anything: a form shows these next to its own messages, all at once."""
    try:
        _checked(data, course, registered=seats_taken(course.id) if course is not None else 0)
    except CourseError as error:
        return error.errors
    return {}


# --- writing ---------------------------------------------------------------------------------------


def _apply(course: Course, data: CourseData, dates: list[_Checked]) -> None:
    """Write the checked data into ``course``: modules matched by name (a stored module keeps its
    row, so its dates and their attendance stay), dates by id; those marked ``remove`` go, those
    the data does not mention stay."""
    course.title = _text(data.title)
    course.description = _text(data.description) or None
    course.place = _text(data.place) or None
    course.online = bool(data.online)
    course.capacity = data.capacity
    course.qualifies = bool(data.qualifies)
    modules = _module_names(data)
    by_name = {module.name: module for module in course.modules}
    course.modules = [by_name.get(name) or CourseModule(name=name) for name in modules]
    for position, module in enumerate(course.modules):
        module.position = position
    named = {module.name: module for module in course.modules}
    stored = {stored.id: stored for stored in course.dates}
    removed = {row.date_id for row in data.dates if row.remove}
    changed = set()
    for checked in dates:
        row = checked.row
        target = stored.get(row.date_id) or CourseDate()
        target.starts_at, target.ends_at = checked.starts_at, checked.ends_at
        target.module = named.get(row.module) if row.module else None
        target.place = _text(row.place) or None
        changed.add(id(target))
        if target.id is None:
            course.dates.append(target)
    for stored_date in list(course.dates):
        if stored_date.id in removed and id(stored_date) not in changed:
            course.dates.remove(stored_date)
        elif stored_date.module is not None and stored_date.module not in course.modules:
            stored_date.module = None  # a date the form did not show, of a module taken out


def create_course(ki: Ki, data: CourseData, actor: User) -> Course:
    """A new course of ``ki``; ``CourseError`` when the data does not make one. The caller commits."""
    dates = _checked(data)
    course = Course(ki_id=ki.id, created_by_id=actor.id, capacity=data.capacity or 1)
    _apply(course, data, dates)
    db.session.add(course)
    db.session.flush()
    record(
        "training.course_created",
        actor=actor,
        subject=course,
        ki_id=ki.id,
        dates=len(course.dates),
        modules=len(course.modules),
    )
    return course


def _locked_own(course_id: int, actor: User) -> Course:
    """The course under its lock, if it is of the actor's KI (``SignupError`` otherwise)."""
    course = lock_course(course_id)
    if course.ki_id != actor.ki_id:
        db.session.rollback()
        raise SignupError(_l("Dieser Kurs gehört zu einem anderen Integrationszentrum."))
    return course


def update_course(course_id: int, data: CourseData, actor: User) -> tuple[Course, list]:
    """Change the course under its lock; more seats move the first who wait up (the sign-ups are
    returned). ``CourseError`` for data that does not fit, ``SignupError`` when the course is
    gone or called off. Commits."""
    course = _locked_own(course_id, actor)
    if course.is_cancelled:
        db.session.rollback()
        raise SignupError(_l("Dieser Kurs wurde abgesagt."))
    try:
        dates = _checked(data, course, registered=seats_taken(course.id))
    except CourseError:
        db.session.rollback()
        raise
    capacity_before = course.capacity
    _apply(course, data, dates)
    db.session.flush()
    record("training.course_updated", actor=actor, subject=course, dates=len(course.dates))
    moved = promote(course, actor) if course.capacity > capacity_before else []
    db.session.commit()
    return course, moved


def cancel_course(course_id: int, actor: User, *, now: datetime | None = None) -> Course:
    """Call the course off: it takes no sign-ups any more, and everyone signed up (with a seat or
    waiting) is told. Calling off twice changes nothing. Commits."""
    course = _locked_own(course_id, actor)
    if course.is_cancelled:
        db.session.commit()
        return course
    course.cancelled_at = now or utcnow()
    signups = [signup for signup in course.signups if signup.status in HOLDING]
    record("training.course_cancelled", actor=actor, subject=course, signed_up=len(signups))
    publish(CourseCancelled(course=course, actor=actor, signups=signups))
    db.session.commit()
    return course


def registered_ids(course: Course) -> set[int]:
    """The helpers (profile ids) who hold a seat."""
    return {signup.helper_id for signup in course.signups if signup.status == SignupStatus.REGISTERED}
