"""Short feedback after an assignment, from both sides: how it went (a few choices) and a short
text; either may ask to be called back — the helper "Belastender Einsatz – bitte Rückruf", the
requester "Bitte rufen Sie uns an" —, which gives the coordinators a task to call back whoever
asked (``notifications.tasks``).

The helper writes hers on her assignment page, the requester with the sign-off (same people as
``assignments.signoff.is_requester``). Either may leave it out, or change it later. Feedback is
for the coordinators: the author sees what she sent, nobody else (initiatives and other helpers
never). Its text goes with the request's client data (``forget_after_purge``) and with the
author's account (``privacy.services.RETENTION``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ki_match.accounts.models import User
from ki_match.assignments.models import Feedback, Mood, Side
from ki_match.assignments.queries import feedback_of
from ki_match.assignments.services import AssignmentError
from ki_match.assignments.signoff import SIGNABLE, has_begun, is_requester
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.requests import lifecycle
from ki_match.requests.events import CallbackAsked, ClientDataPurged
from ki_match.requests.models import Assignment, HelpRequest

MAX_TEXT = 500


def side_of(assignment: Assignment, request: HelpRequest, user: User) -> Side | None:
    """Which side ``user`` writes for on this assignment, if any."""
    if assignment.helper.user_id == user.id:
        return Side.HELPER
    if is_requester(request, user):
        return Side.REQUESTER
    return None


def open_for_feedback(assignment: Assignment) -> bool:
    """After the assignment has begun, while it was not called off or given back."""
    return assignment.status in SIGNABLE and has_begun(assignment)


def give_feedback(
    assignment_id: int, author: User, *, mood: Mood | None, body: str | None, callback: bool
) -> Feedback:
    """Write (or change) the author's feedback; asking for a call back — the first time — gives the
    coordinators a task (``CallbackAsked``). Commits."""
    assignment, request = lifecycle.locked_assignment(assignment_id)
    side = side_of(assignment, request, author)
    if side is None:
        _refuse(_l("Zu diesem Einsatz können Sie keine Rückmeldung geben."))
    if not open_for_feedback(assignment):
        _refuse(_l("Eine Rückmeldung ist erst nach dem Einsatz möglich."))
    feedback = feedback_of(assignment.id, side)
    asked_before = feedback is not None and feedback.callback
    if feedback is None:
        feedback = Feedback(assignment_id=assignment.id, side=side)
        db.session.add(feedback)
    feedback.author_id = author.id
    feedback.mood = mood
    feedback.body = (body or "").strip()[:MAX_TEXT] or None
    feedback.callback = callback
    feedback.written_at = utcnow()
    db.session.flush()
    record("assignment.feedback", actor=author, subject=assignment, side=side.value, callback=callback)
    if callback and not asked_before:
        publish(
            CallbackAsked(
                request=request,
                actor=author,
                assignment=assignment,
                feedback_id=feedback.id,
                by_requester=side == Side.REQUESTER,
            )
        )
    db.session.commit()
    return feedback


def _refuse(message) -> None:
    db.session.rollback()
    raise AssignmentError(message)


def forget_after_purge(event: ClientDataPurged) -> None:
    """A purged request's feedback loses its text: it may name the client or the place."""
    db.session.execute(
        update(Feedback)
        .where(
            Feedback.assignment_id.in_(
                select(Assignment.id).where(Assignment.request_id.in_(event.request_ids))
            )
        )
        .values(body=None)
        .execution_options(synchronize_session=False)
    )


HANDLERS = {ClientDataPurged: forget_after_purge}
