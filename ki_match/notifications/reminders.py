"""Reminders, sent by ``flask --app app notifications remind`` (cron, every 15 minutes or so;
the command is in ``commands``, with the reminders about checks of ``certificates``).

Two kinds:

- to the helper, her KI's reminder hours (``orgs.settings``; the KI's own, else
  ``REMINDER_HOURS_BEFORE``, 24) before a confirmed assignment begins;
- to the coordinator who sent offers that stay unanswered for
  ``OFFER_UNANSWERED_HOURS`` hours (48), while the request still looks for people.
  One mail per request and coordinator lists every offer that became overdue
  since the last run, so asking five people at once gives one reminder, not five;
  each offer is mentioned once.

What was reminded of is written to ``reminder_log`` in the same transaction as
the outbox row, under a unique key, so running the command twice (or in two
processes at once) sends nothing new. An assignment's key includes its start,
so a rescheduled assignment is reminded of again. Every function takes ``now``
so that tests can freeze the clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, and_, cast, exists, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, selectinload

from ki_match.accounts.models import Role, User
from ki_match.clock import BERLIN, utcnow
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.notifications.mailing import request_link
from ki_match.notifications.tasks import queue_task
from ki_match.orgs.models import Ki
from ki_match.orgs.queries import in_active_ki
from ki_match.orgs.settings import settings_for
from ki_match.outbox.queue import queue_mail
from ki_match.requests.lifecycle import ACCEPTING
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, Offer, OfferStatus
from ki_match.requests.queries import responsible_coordinators
from ki_match.urls import public_url

DEFAULT_OFFER_UNANSWERED_HOURS = 48


class ReminderLog(db.Model):
    """One reminder that was due and handled; its key makes it happen once."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int | None] = mapped_column(ForeignKey("ki.id"))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass
class ReminderResult:
    assignments: int = 0
    unanswered: int = 0


def _assignment_key(assignment: Assignment) -> str:
    return f"assignment:{assignment.id}:{assignment.starts_at.isoformat()}"


def _offer_key(offer_id: int) -> str:
    return f"unanswered-offer:{offer_id}"


def _hours(name: str, default: int) -> timedelta:
    return timedelta(hours=int(current_app.config.get(name, default)))


def _locale(user: User) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def commit_once() -> bool:
    """Commit; False when another run logged the same reminder first (nothing is sent twice)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


# --- before an assignment ---------------------------------------------------------------------


def due_assignments(now: datetime) -> list[Assignment]:
    """Confirmed assignments starting within their KI's reminder window and not reminded of at
    this start."""
    windows = {
        ki.id: now + timedelta(hours=settings_for(ki).reminder_hours_before)
        for ki in db.session.scalars(select(Ki))
    }
    if not windows:
        return []
    rows = db.session.execute(
        select(Assignment, HelpRequest.ki_id)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(
            Assignment.status == AssignmentStatus.CONFIRMED,
            Assignment.starts_at > now,
            Assignment.starts_at <= max(windows.values()),
            in_active_ki(HelpRequest.ki_id),
        )
        .order_by(Assignment.starts_at, Assignment.id)
        .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
    ).all()
    candidates = [assignment for assignment, ki_id in rows if assignment.starts_at <= windows[ki_id]]
    if not candidates:
        return []
    logged = set(
        db.session.scalars(
            select(ReminderLog.key).where(ReminderLog.key.in_([_assignment_key(a) for a in candidates]))
        )
    )
    return [assignment for assignment in candidates if _assignment_key(assignment) not in logged]


def remind_assignment(assignment: Assignment) -> None:
    """Queue the reminder and log it, in the caller's transaction."""
    helper = assignment.helper
    request = assignment.request
    if helper.user.is_managed:  # a helper the KI manages is called, not mailed (mailing.to_helper)
        queue_task(helper, kind="assignment_reminder", key=_assignment_key(assignment), request_id=request.id)
        db.session.add(ReminderLog(ki_id=helper.ki_id, key=_assignment_key(assignment)))
        return
    with force_locale(_locale(helper.user)):
        queue_mail(
            kind="assignment_reminder",
            to=helper.user.email,
            subject=str(_l("Erinnerung: Ihr Einsatz am %(day)s", day=_day(assignment.starts_at))),
            template="emails/assignment_reminder",
            key=_assignment_key(assignment),
            ki_id=helper.ki_id,
            recipient=helper.user,
            request=request,
            assignment=assignment,
            link=public_url("assignments.show", assignment_id=assignment.id),
            settings_link=public_url("preferences.edit"),
        )
    db.session.add(ReminderLog(ki_id=helper.ki_id, key=_assignment_key(assignment)))


def _day(instant: datetime) -> str:
    """The local day in the recipient's language (called inside their locale)."""
    return dates.show(instant, "day")


# --- unanswered offers ------------------------------------------------------------------------


def overdue_offers(now: datetime) -> list[Offer]:
    """Pending offers older than the limit, on requests still looking for people, not yet reminded of."""
    cutoff = now - _hours("OFFER_UNANSWERED_HOURS", DEFAULT_OFFER_UNANSWERED_HOURS)
    today = now.astimezone(BERLIN).date()
    logged = exists().where(ReminderLog.key == literal("unanswered-offer:", String) + cast(Offer.id, String))
    return db.session.scalars(
        select(Offer)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .where(
            Offer.status == OfferStatus.PENDING,
            Offer.created_at <= cutoff,
            or_(Offer.expires_at.is_(None), Offer.expires_at > now),
            HelpRequest.status.in_(ACCEPTING),
            or_(
                HelpRequest.starts_at > now,
                and_(HelpRequest.starts_at.is_(None), HelpRequest.due_on >= today),
            ),
            ~logged,
            in_active_ki(HelpRequest.ki_id),
        )
        .order_by(Offer.request_id, Offer.id)
        .options(selectinload(Offer.helper).selectinload(HelperProfile.user))
    ).all()


def _recipients(request: HelpRequest, sender_id: int | None) -> list[User]:
    """The coordinator who sent the offers; if they left, whoever hears about the request."""
    sender = db.session.get(User, sender_id) if sender_id else None
    if sender is not None and sender.active and sender.role in (Role.COORDINATOR, Role.ADMIN):
        return [sender]
    return responsible_coordinators(request)


def remind_unanswered(request: HelpRequest, sender_id: int | None, offers: list[Offer]) -> None:
    """One mail per coordinator naming every overdue offer of ``request``; logs each offer."""
    ids = ",".join(str(offer.id) for offer in offers)
    for coordinator in _recipients(request, sender_id):
        with force_locale(_locale(coordinator)):
            queue_mail(
                kind="offer_unanswered",
                to=coordinator.email,
                subject=str(_l("Noch keine Antwort auf Anfrage #%(id)s", id=request.id)),
                template="emails/offers_unanswered",
                key=f"unanswered:{request.id}:{coordinator.id}:{ids}",
                ki_id=request.ki_id,
                recipient=coordinator,
                request=request,
                offers=offers,
                link=request_link(request),
                settings_link=public_url("preferences.edit"),
            )
    for offer in offers:
        db.session.add(ReminderLog(ki_id=request.ki_id, key=_offer_key(offer.id)))


# --- the command's work -----------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> ReminderResult:
    """Everything due at ``now``; each reminder in its own transaction. Safe to run again."""
    now = now or utcnow()
    result = ReminderResult()
    for assignment in due_assignments(now):
        remind_assignment(assignment)
        result.assignments += commit_once()
    groups: dict[tuple[int, int | None], list[Offer]] = defaultdict(list)
    for offer in overdue_offers(now):
        groups[(offer.request_id, offer.sent_by_id)].append(offer)
    for (request_id, sender_id), offers in groups.items():
        remind_unanswered(db.session.get(HelpRequest, request_id), sender_id, offers)
        if commit_once():
            result.unanswered += len(offers)
    return result
