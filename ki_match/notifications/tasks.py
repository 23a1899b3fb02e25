"""The coordinators' tasks: what would have been mailed to a helper the KI manages.

A helper "vom KI verwaltet" (``helpers.managed``) has no e-mail address or does not use the
app, so ``mailing.to_helper`` writes a task instead of a mail: "Ahmad R. anrufen: Angebot für …".
A task keeps ids and the kind of message only; its words are made when it is shown, in the
reader's language, from the request and the helper as they are then. Like a mail, a task is
written once per cause (its key), in the caller's transaction.

Tasks name a helper and a request: they go with the request's other personal data when the
request is purged (``forget_request_tasks``, on ``ClientDataPurged``) and with the helper's
account (``privacy.services.RETENTION``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.requests.events import CallbackAsked, ClientDataPurged, DayBeforeAnswered, HoursReported
from ki_match.requests.models import Assignment


class CoordinatorTask(db.Model):
    __tablename__ = "coordinator_task"
    __table_args__ = (Index("ix_coordinator_task_open", "ki_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    # The mail it stands for (``offer``, ``assignment_confirmed`` …): ``TASK_WORDS`` says it.
    kind: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    helper = relationship("HelperProfile")
    request = relationship("HelpRequest")
    done_by = relationship("User")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# What the coordinator has to tell the helper, per mail kind.
TASK_WORDS = {
    "offer": _l("Angebot"),
    "offer_withdrawn": _l("Anfrage zurückgezogen"),
    "assignment_confirmed": _l("Einsatz bestätigt"),
    "assignment_reminder": _l("Erinnerung an den Einsatz"),
    "day_before": _l("Kommen Sie morgen? – nachfragen, ob sie oder er kommt"),
    "assignment_no_show": _l("als nicht erschienen vermerkt"),
    "report_hours": _l("Stunden und Fahrtkilometer erfragen"),
    "report_approved": _l("Stunden bestätigt"),
    "request_rescheduled": _l("neuer Termin"),
    "request_cancelled": _l("Absage"),
    "assignment_released": _l("Termine einer anderen Person gegeben"),
    "course_cancelled": _l("Kurs abgesagt"),
    "certificate_reminder": _l(
        "Führungszeugnis läuft bald ab: neues beantragen (kostenlos für Ehrenamtliche)"
    ),
    "course_moved_up": _l("Platz im Kurs bekommen (von der Warteliste nachgerückt)"),
    "callback": _l("Rückruf erbeten – belastender Einsatz"),
    # Not a call to the helper: whoever asked for her assignment wants to talk (the task page
    # names them, ``asked_by``).
    "requester_callback": _l("Rückruf an die Anfragenden erbeten"),
}
# Tasks whose call goes to the requester, not to the helper they name.
TO_REQUESTER = frozenset({"requester_callback"})


def task_words(kind: str) -> str:
    return str(TASK_WORDS.get(kind, _l("Nachricht")))


def _key_hash(kind: str, key: str) -> str:
    return hashlib.sha256(f"task:{kind}:{key}".encode()).hexdigest()


def report_hours_key(assignment: Assignment) -> str:
    """The key of the request "please report your hours" for an assignment (mail or task)."""
    return f"report-hours:{assignment.id}"


def day_before_key(assignment_id: int, starts_at: datetime) -> str:
    """The key of "Kommen Sie morgen?" about one start of an assignment (mail or task)."""
    return f"day-before:{assignment_id}:{starts_at.isoformat()}"


def queue_task(
    helper: HelperProfile, *, kind: str, key: str, request_id: int | None = None
) -> CoordinatorTask:
    """The task standing for the mail ``kind`` with ``key`` (as ``outbox.queue_mail`` keys a mail);
    the existing one if that cause already made one. The caller commits."""
    key_hash = _key_hash(kind, key)
    existing = db.session.scalar(select(CoordinatorTask).where(CoordinatorTask.idempotency_key == key_hash))
    if existing is not None:
        return existing
    task = CoordinatorTask(
        ki_id=helper.ki_id, helper_id=helper.id, request_id=request_id, kind=kind, idempotency_key=key_hash
    )
    db.session.add(task)
    return task


# --- reading and doing them -------------------------------------------------------------------


def _open(ki_id) -> tuple:
    """What makes a task open: the one condition of the list, the navigation and the dashboard."""
    return (CoordinatorTask.ki_id == ki_id, CoordinatorTask.done_at.is_(None))


def open_count_subquery(ki_id):
    """How many tasks the list shows as open, as a subquery the dashboard counts along with the
    rest; ``ki_id`` a number or a bind parameter."""
    return select(func.count(CoordinatorTask.id)).where(*_open(ki_id)).correlate(None).scalar_subquery()


def open_count(ki_id: int) -> int:
    return db.session.scalar(select(open_count_subquery(ki_id)))


@dataclass
class TaskList:
    open: list[CoordinatorTask]
    done: list[CoordinatorTask]


DONE_SHOWN = 50


def task_list(ki_id: int) -> TaskList:
    """The KI's open tasks, oldest first, then the latest done ones."""
    options = (
        selectinload(CoordinatorTask.helper).selectinload(HelperProfile.user),
        selectinload(CoordinatorTask.request),
        selectinload(CoordinatorTask.done_by),
    )
    base = select(CoordinatorTask).where(CoordinatorTask.ki_id == ki_id).options(*options)
    return TaskList(
        open=list(
            db.session.scalars(
                base.where(*_open(ki_id)).order_by(CoordinatorTask.created_at, CoordinatorTask.id)
            )
        ),
        done=list(
            db.session.scalars(
                base.where(CoordinatorTask.done_at.is_not(None))
                .order_by(CoordinatorTask.done_at.desc(), CoordinatorTask.id.desc())
                .limit(DONE_SHOWN)
            )
        ),
    )


def get_task(task_id: int, ki_id: int) -> CoordinatorTask:
    """The task if it is this KI's, else 404 (another KI's task is as good as none)."""
    task = db.session.get(CoordinatorTask, task_id)
    if task is None or task.ki_id != ki_id:
        abort(404)
    return task


def mark_done(task: CoordinatorTask, by: User) -> bool:
    """Done, by whom and when; False when it already was. The caller commits."""
    if task.done_at is not None:
        return False
    task.done_at = utcnow()
    task.done_by_id = by.id
    record("task.done", actor=by, subject=task.helper, task=task.id)
    return True


def close_report_task(event: HoursReported) -> None:
    """Hours entered (by a coordinator for a helper the KI manages, or by the helper after all):
    the call asking for them is done, by whoever entered them."""
    key_hash = _key_hash("report_hours", report_hours_key(event.assignment))
    task = db.session.scalar(select(CoordinatorTask).where(CoordinatorTask.idempotency_key == key_hash))
    if task is not None:
        mark_done(task, event.actor)


def close_day_before_task(event: DayBeforeAnswered) -> None:
    """The answer to "Kommen Sie morgen?" is in (a coordinator took it by phone): the call asking
    for it is done, by whoever recorded it."""
    key_hash = _key_hash("day_before", day_before_key(event.assignment.id, event.starts_at))
    task = db.session.scalar(select(CoordinatorTask).where(CoordinatorTask.idempotency_key == key_hash))
    if task is not None:
        mark_done(task, event.actor)


def forget_request_tasks(event: ClientDataPurged) -> None:
    """A purged request's tasks go: they tie a helper to a client's appointment."""
    db.session.execute(
        delete(CoordinatorTask)
        .where(CoordinatorTask.request_id.in_(event.request_ids))
        .execution_options(synchronize_session=False)
    )


def callback_task(event: CallbackAsked) -> None:
    """A helper asks to be called back after a stressful assignment, or the requester asks the KI
    to call: a task for the coordinators of the request's KI, whether or not the KI manages the
    helper (the feedback's text stays with the feedback). A requester's task names the assignment
    by its helper and request; who asked is the author of its requester feedback (``asked_by``)."""
    kind = "requester_callback" if event.by_requester else "callback"
    task = queue_task(
        event.assignment.helper, kind=kind, key=f"{kind}:{event.feedback_id}", request_id=event.request.id
    )
    if event.by_requester:  # the request's KI answers its requester (the helper may be shared)
        task.ki_id = event.request.ki_id


HANDLERS = {
    ClientDataPurged: forget_request_tasks,
    HoursReported: close_report_task,
    DayBeforeAnswered: close_day_before_task,
    CallbackAsked: callback_task,
}
