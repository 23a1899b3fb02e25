"""The day-before check, sent by ``flask --app app notifications remind`` (cron, every 15 minutes
or so, with the other reminders): "Kommen Sie morgen?" to the helper of each confirmed
appointment from her KI's hour on the day before (``tomorrow.services`` decides who and when), and
at the deadline hour each question still unanswered is flagged to the coordinators.

A question is asked once per assignment and start: its row (``DayBeforeCheck``, unique per
assignment and start) is written in the same transaction as the outbox row, so two runs — also
two at once — ask once. A helper the KI manages is asked through a coordinator's task
(``mailing.to_helper``). A flag is set once, by a conditional update; the coordinators see it on
their start page and on the request page, and no mail is sent for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ki_match.extensions import db
from ki_match.notifications.mailing import to_helper
from ki_match.notifications.reminders import commit_once
from ki_match.notifications.tasks import day_before_key
from ki_match.orgs.models import Ki
from ki_match.orgs.settings import settings_for
from ki_match.requests.models import Assignment
from ki_match.tomorrow import queries
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import Answer, askable, overdue
from ki_match.tomorrow.tokens import answer_url
from ki_match.urls import public_url


@dataclass
class DayBeforeResult:
    asked: int = 0
    flagged: int = 0


def ask(assignment: Assignment, ki_id: int) -> None:
    """Write the question and its mail (or task), in the caller's transaction."""
    check = DayBeforeCheck(ki_id=ki_id, assignment_id=assignment.id, starts_at=assignment.starts_at)
    db.session.add(check)
    db.session.flush()
    to_helper(
        assignment.helper,
        kind="day_before",
        key=day_before_key(assignment.id, assignment.starts_at),
        subject=_l("Kommen Sie morgen?"),
        template="emails/day_before",
        request=assignment.request,
        assignment=assignment,
        coming_link=answer_url(check, Answer.COMING),
        cannot_link=answer_url(check, Answer.CANNOT),
        link=public_url("assignments.show", assignment_id=assignment.id),
    )


def _ask_once(assignment: Assignment, ki_id: int) -> bool:
    """Ask and commit; False when another run asked first (its row is in the way)."""
    try:
        ask(assignment, ki_id)  # flushes the row, so a run that got there first shows here
    except IntegrityError:
        db.session.rollback()
        return False
    return commit_once()


def _flag(check_id: int, now: datetime) -> bool:
    """Flag once: of two runs at once, only one finds it unflagged."""
    flagged = db.session.execute(
        update(DayBeforeCheck)
        .where(DayBeforeCheck.id == check_id, DayBeforeCheck.flagged_at.is_(None))
        .values(flagged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(flagged)


def send_day_before_checks(now: datetime) -> DayBeforeResult:
    """Everything due at ``now``; each question in its own transaction. Safe to run again."""
    settings = {ki.id: settings_for(ki) for ki in db.session.scalars(select(Ki))}
    result = DayBeforeResult()
    for assignment, ki_id in queries.not_yet_asked(now):
        if askable(assignment, settings[ki_id], now):
            result.asked += _ask_once(assignment, ki_id)
    for check in queries.unanswered(now):
        if overdue(check, settings[check.ki_id], now):
            result.flagged += _flag(check.id, now)
    return result
