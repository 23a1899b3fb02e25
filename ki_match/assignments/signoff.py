"""The requester's sign-off of an assignment: it took place, or what went wrong.

Who signs off is who asked: the initiative member who sent the request in
(``HelpRequest.requested_by_id``; any member of the organisation when no one is named), or, for
the KI's own requests, its coordinators and admins. One sign-off per assignment, given once the
assignment has begun and changeable until the hours are approved; every change is audited.

"Helfer*in ist nicht gekommen" does not change the assignment by itself: it is the requester's
word, and the coordinator records the no-show through the one path there is
(``requests.lifecycle.no_show``), which the request page offers beside it. The word alerts every
coordinator of the KI at once (``AbsenceReported``: a mail, and the start page's tile "Nicht
erschienen") until one of them marks it handled (``mark_absence_handled``). ``mismatch`` says when
the sign-off and the helper's hours report disagree, for the coordinator to see before approving.

"Klient*in ist nicht gekommen": the helper went, so her kilometres count in full and her time
counts as she reported it, at most the planned duration (``reports.queries``, the allowance).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ki_match.accounts.models import Role, User
from ki_match.assignments.models import Outcome, SignOff
from ki_match.assignments.queries import signoff_of
from ki_match.assignments.services import AssignmentError
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.requests import lifecycle
from ki_match.requests.events import AbsenceReported
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest

# Assignments a sign-off can be about: the helper was due to come (or a no-show is recorded).
SIGNABLE = frozenset({AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW})
MAX_LATE_MINUTES = 600


def is_requester(request: HelpRequest, user: User) -> bool:
    """Whether ``user`` speaks for whoever asked for ``request``."""
    if request.organisation_id is None:
        return user.role in (Role.COORDINATOR, Role.ADMIN) and user.ki_id == request.ki_id
    if user.role != Role.INITIATIVE or user.organisation_id != request.organisation_id:
        return False
    return request.requested_by_id is None or request.requested_by_id == user.id


def has_begun(assignment: Assignment, now=None) -> bool:
    """Begun (a written translation: any time after confirmation, like the hours report)."""
    return assignment.starts_at is None or assignment.starts_at <= (now or utcnow())


def signable(assignment: Assignment, now=None) -> bool:
    """Whether a sign-off can be given or changed now (read without a lock; ``sign_off`` checks
    again under it)."""
    return assignment.status in SIGNABLE and assignment.approved_at is None and has_begun(assignment, now)


def sign_off(assignment_id: int, actor: User, outcome: Outcome, late_minutes: int | None = None) -> SignOff:
    """Record (or change) what the requester says happened; commits."""
    assignment, request = lifecycle.locked_assignment(assignment_id)
    if not is_requester(request, actor):
        _refuse(_l("Diesen Einsatz bestätigt, wer ihn angefragt hat."))
    if assignment.status not in SIGNABLE:
        _refuse(_l("Dieser Einsatz findet nicht statt."))
    if assignment.approved_at is not None:
        _refuse(_l("Die Stunden sind schon bestätigt; die Rückmeldung kann nicht mehr geändert werden."))
    if not has_begun(assignment):
        _refuse(_l("Der Einsatz hat noch nicht begonnen."))
    if late_minutes is not None and (
        outcome != Outcome.HELPER_LATE or not 1 <= late_minutes <= MAX_LATE_MINUTES
    ):
        _refuse(_l("Minuten der Verspätung nur bei „kam zu spät“, von 1 bis 600."))
    signoff = signoff_of(assignment.id)
    changed = signoff is not None
    if signoff is None:
        signoff = SignOff(assignment_id=assignment.id)
        db.session.add(signoff)
    newly_absent = outcome == Outcome.HELPER_ABSENT and signoff.outcome != Outcome.HELPER_ABSENT
    if newly_absent:  # a new alert, whatever became of an earlier one
        signoff.handled_at = signoff.handled_by_id = None
    signoff.outcome = outcome
    signoff.late_minutes = late_minutes
    signoff.signed_by_id = actor.id
    signoff.signed_at = utcnow()
    record(
        "assignment.signed_off",
        actor=actor,
        subject=assignment,
        request_id=request.id,
        outcome=outcome.value,
        changed=changed,
    )
    if newly_absent:
        publish(AbsenceReported(request=request, actor=actor, assignment=assignment, at=signoff.signed_at))
    db.session.commit()
    return signoff


def mark_absence_handled(signoff: SignOff, actor: User) -> bool:
    """A coordinator has seen to a "nicht gekommen" (called the helper, recorded the no-show …):
    it leaves the start page's tile. False when it already had, or when the requester has since
    said otherwise. Commits."""
    db.session.refresh(signoff, with_for_update=True)
    if signoff.outcome != Outcome.HELPER_ABSENT or signoff.handled_at is not None:
        db.session.rollback()
        return False
    signoff.handled_at = utcnow()
    signoff.handled_by_id = actor.id
    record("assignment.absence_handled", actor=actor, subject=signoff.assignment, signoff=signoff.id)
    db.session.commit()
    return True


def _refuse(message) -> None:
    db.session.rollback()
    raise AssignmentError(message)


def mismatch(assignment: Assignment, signoff: SignOff | None) -> str | None:
    """Where the sign-off and the helper's side disagree, in one line for the coordinator; None
    when they agree or there is nothing to compare yet."""
    if signoff is None:
        return None
    reported = assignment.reported_at is not None
    if signoff.outcome == Outcome.HELPER_ABSENT:
        if reported:
            return _("Stunden gemeldet, laut Anfragenden aber nicht gekommen.")
        return None
    if assignment.status == AssignmentStatus.NO_SHOW:
        return _("Als nicht erschienen vermerkt, laut Anfragenden aber gekommen.")
    planned = assignment.request.duration_minutes
    over_plan = reported and planned is not None and (assignment.actual_minutes or 0) > planned
    if signoff.outcome == Outcome.CLIENT_ABSENT and over_plan:
        return _(
            "Klient*in nicht gekommen: es zählen höchstens die geplanten %(minutes)d Minuten.",
            minutes=planned,
        )
    return None
