"""The rules of "Kommen Sie morgen?": when a helper is asked, when the question is flagged, when
its links are closed, and what each answer does.

The helper of a confirmed assignment in person or by phone/video (not a written translation) is
asked from her KI's ``day_before_hour`` (10) on the day before, in Berlin; unanswered at its
``day_before_deadline_hour`` (18) that day, the coordinators see it. An assignment confirmed after
that hour is not asked: she said yes within the last day, and the confirmation mail has just told
her the time and place — a second question would be noise, and a missing answer no warning sign.

"Ja, ich komme" records the time; "Ich kann nicht" gives the assignment back through
``assignments.services.withdraw`` (a late withdrawal, with everything that follows it). Both
happen under the request's lock, so they are served one after the other and with any other
change of the assignment; a question is answered once. A coordinator who reached her by phone
records either answer for her ("Kommt (telefonisch)", "Kommt nicht"): the same rules, the
coordinator in ``answered_by_id`` and as the actor of the audit.

The question is one of her reminder mails (``outbox.preferences``, "Erinnerung vor einem
Einsatz"): with those switched off she is not asked, so no missing answer is flagged either
(``queries.not_yet_asked``).
"""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.assignments.services import AssignmentError, withdraw
from ki_match.audit.services import record
from ki_match.clock import local_date, local_to_utc, utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.orgs.settings import KiSettings
from ki_match.requests import lifecycle
from ki_match.requests.events import DayBeforeAnswered
from ki_match.requests.models import Assignment, AssignmentStatus, RequestKind
from ki_match.tomorrow.models import DayBeforeCheck


class Answer(enum.StrEnum):
    COMING = "coming"
    CANNOT = "cannot"


def _on_the_day_before(starts_at: datetime, hour: int) -> datetime:
    """``hour`` o'clock in Berlin on the calendar day before the start's Berlin day (an
    assignment at 00:30 is asked about the evening before that midnight)."""
    return local_to_utc(local_date(starts_at) - timedelta(days=1), time(hour))


def asked_from(starts_at: datetime, settings: KiSettings) -> datetime:
    return _on_the_day_before(starts_at, settings.day_before_hour)


def deadline(starts_at: datetime, settings: KiSettings) -> datetime:
    return _on_the_day_before(starts_at, settings.day_before_deadline_hour)


def askable(assignment: Assignment, settings: KiSettings, now: datetime) -> bool:
    """Whether the helper is to be asked at ``now`` (the job also makes sure she was not asked
    about this start already)."""
    starts_at = assignment.starts_at
    if (
        assignment.status != AssignmentStatus.CONFIRMED
        or starts_at is None
        or assignment.request.kind == RequestKind.WRITTEN
    ):
        return False
    opens = asked_from(starts_at, settings)
    return opens <= now < starts_at and assignment.confirmed_at <= opens


def overdue(check: DayBeforeCheck, settings: KiSettings, now: datetime) -> bool:
    """Unanswered at the deadline, for an assignment that still stands at the start asked about."""
    return (
        not check.answered
        and check.flagged_at is None
        and deadline(check.starts_at, settings) <= now
        and why_closed(check, now) is None
    )


def why_closed(check: DayBeforeCheck, now: datetime | None = None) -> str | None:
    """Why the question's links no longer answer, in plain words; None while they do."""
    now = now or utcnow()
    assignment = check.assignment
    if check.confirmed_at is not None:
        return str(_l("Sie haben schon geantwortet: Sie kommen. Danke!"))
    if check.declined_at is not None or assignment.status == AssignmentStatus.WITHDRAWN:
        return str(_l("Sie haben diesen Einsatz schon abgesagt."))
    if assignment.status != AssignmentStatus.CONFIRMED:
        return str(_l("Dieser Einsatz findet für Sie nicht mehr statt."))
    if assignment.starts_at != check.starts_at:
        return str(_l("Der Termin hat sich geändert. Ihre Einsätze sehen Sie nach der Anmeldung."))
    if assignment.starts_at <= now:
        return str(_l("Der Einsatz hat schon begonnen. Bitte rufen Sie das Integrationszentrum an."))
    return None


# Why a coordinator can no longer record an answer (``why_closed`` speaks to the helper).
STAFF_CLOSED = _l(
    "Für diesen Einsatz lässt sich keine Antwort mehr eintragen: sie ist schon eingetragen, "
    "oder der Einsatz hat sich geändert."
)


def _locked(check_id: int, *, for_staff: bool = False) -> DayBeforeCheck:
    """The question under its request's lock, read again; refused when it no longer answers."""
    assignment_id = db.session.scalar(
        select(DayBeforeCheck.assignment_id).where(DayBeforeCheck.id == check_id)
    )
    if assignment_id is None:
        raise AssignmentError(_l("Diesen Einsatz gibt es nicht (mehr)."))
    lifecycle.locked_assignment(assignment_id)
    check = db.session.get(DayBeforeCheck, check_id, populate_existing=True)
    closed = why_closed(check)
    if closed:
        db.session.rollback()
        raise AssignmentError(str(STAFF_CLOSED) if for_staff else closed)
    return check


def _answerer(check: DayBeforeCheck, coordinator: User | None) -> tuple[User, dict]:
    """Who answers, and what the audit keeps besides: the helper, or the coordinator who took her
    answer on the phone (kept in ``answered_by_id``; the audit names the helper by id, as
    ``offers.answers.OnBehalf`` does)."""
    helper_user = check.assignment.helper.user
    if coordinator is None:
        return helper_user, {}
    check.answered_by_id = coordinator.id
    return coordinator, {"on_behalf_of": helper_user.id, "channel": "phone"}


def _answered(check: DayBeforeCheck, actor: User) -> None:
    """Told to whom it concerns: the coordinators' call asking a helper the KI manages is done."""
    assignment = check.assignment
    publish(
        DayBeforeAnswered(
            request=assignment.request, actor=actor, assignment=assignment, starts_at=check.starts_at
        )
    )


def recordable(check: DayBeforeCheck, now: datetime | None = None) -> bool:
    """Whether the coordinators are offered "Kommt (telefonisch)" and "Kommt nicht": the question
    still stands, of the KI's own helper (another KI's helper answers to her own KI). Read without a
    lock; the answer says it again under it."""
    assignment = check.assignment
    return why_closed(check, now) is None and assignment.helper.ki_id == assignment.request.ki_id


def confirm_coming(check_id: int, coordinator: User | None = None) -> DayBeforeCheck:
    """She comes ("Ja, ich komme", or said so on the phone to ``coordinator``): the time is
    recorded; the coordinators see it on the request page, and the flag goes."""
    check = _locked(check_id, for_staff=coordinator is not None)
    check.confirmed_at = utcnow()
    actor, detail = _answerer(check, coordinator)
    record("assignment.coming_confirmed", actor=actor, subject=check.assignment, **detail)
    _answered(check, actor)
    db.session.commit()
    return check


def cannot_come(check_id: int, reason: str, coordinator: User | None = None) -> DayBeforeCheck:
    """She cannot ("Ich kann nicht", or said so on the phone to ``coordinator``): the assignment is
    given back with her reason, as if she had withdrawn it in the app (the request reopens; late,
    everyone hears of it)."""
    check = _locked(check_id, for_staff=coordinator is not None)
    assignment = check.assignment
    check.declined_at = utcnow()
    actor, detail = _answerer(check, coordinator)
    note = _l("Helfer*in hat telefonisch abgesagt") if coordinator else _l("Helfer*in hat abgesagt")
    withdraw(assignment, assignment.request, actor, reason, note=note, via="day_before", **detail)
    _answered(check, actor)
    db.session.commit()
    return check
