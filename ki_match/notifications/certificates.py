"""Reminders about checks that come due, sent by ``flask --app app notifications remind`` with the
other reminders:

- to the helper, 8 and 2 weeks before her police certificate has to be shown again, with how a
  volunteer gets one free of charge and her KI's contact (to a helper the KI manages, a task);
- once a week, to each of a KI's coordinators, what the "Nachweise" page lists.

Each reminder is logged in ``reminder_log`` under a key with its due day (the certificate's
renewal day, the digest's week), in the transaction of its outbox row: it goes out once per due
day however often the command runs, and again for the next certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import User
from ki_match.extensions import db
from ki_match.helpers import due
from ki_match.helpers.models import HelperProfile
from ki_match.notifications.mailing import ki_coordinators, to_helper
from ki_match.notifications.reminders import ReminderLog, commit_once
from ki_match.orgs.models import Ki
from ki_match.orgs.settings import settings_for
from ki_match.outbox.queue import queue_mail
from ki_match.urls import public_url

# Weeks before the renewal day a helper is reminded, the earlier first.
REMIND_WEEKS = (8, 2)


@dataclass(frozen=True)
class CertificateReminder:
    helper: HelperProfile
    renew_by: date
    weeks: int

    @property
    def key(self) -> str:
        return f"certificate:{self.helper.id}:{self.renew_by.isoformat()}:{self.weeks}"


def _weeks_before(renew_by: date, today: date) -> int:
    """The latest reminder whose day has come (2 when only two weeks are left, else 8)."""
    return min(
        (weeks for weeks in REMIND_WEEKS if renew_by - today <= timedelta(weeks=weeks)),
        default=max(REMIND_WEEKS),
    )


def certificate_reminders(today: date) -> list[CertificateReminder]:
    """Helpers whose certificate runs out within eight weeks (today included) and who were not yet
    reminded for that stretch: one SELECT over every active KI, each with its own validity."""
    kis = list(db.session.scalars(select(Ki).where(Ki.active.is_(True))))
    if not kis:
        return []
    years = {ki.id: settings_for(ki).police_certificate_valid_years for ki in kis}
    last = today + timedelta(weeks=max(REMIND_WEEKS)) + timedelta(days=1)
    seen = HelperProfile.police_certificate_seen_on
    windows = [
        and_(
            HelperProfile.ki_id == ki_id,
            seen >= due.seen_before(today, valid),
            seen < due.seen_before(last, valid),
        )
        for ki_id, valid in years.items()
    ]
    profiles = db.session.scalars(
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(or_(*windows), User.active.is_(True), User.deleted_at.is_(None))
        .order_by(HelperProfile.id)
        .options(selectinload(HelperProfile.user))
    ).all()
    reminders = []
    for profile in profiles:
        renew_by = due.renewal_day(profile.police_certificate_seen_on, years[profile.ki_id])
        reminders.append(CertificateReminder(profile, renew_by, _weeks_before(renew_by, today)))
    if not reminders:
        return []
    logged = set(
        db.session.scalars(select(ReminderLog.key).where(ReminderLog.key.in_([r.key for r in reminders])))
    )
    return [reminder for reminder in reminders if reminder.key not in logged]


def remind_certificate(reminder: CertificateReminder) -> None:
    """Queue the mail (or the task) and log it, in the caller's transaction."""
    helper = reminder.helper
    to_helper(
        helper,
        kind="certificate_reminder",
        key=reminder.key,
        subject=_l("Ihr erweitertes Führungszeugnis läuft bald ab"),
        template="emails/certificate_reminder",
        renew_by=reminder.renew_by,
        ki=db.session.get(Ki, helper.ki_id),
    )
    db.session.add(ReminderLog(ki_id=helper.ki_id, key=reminder.key))


def _digest_key(ki_id: int, coordinator_id: int, today: date) -> str:
    year, week, _day = today.isocalendar()
    return f"checks-digest:{ki_id}:{coordinator_id}:{year}-W{week:02d}"


def digest_checks(ki: Ki, today: date) -> int:
    """This week's digest to each of ``ki``'s coordinators not yet sent one: the first page of the
    "Nachweise" list, most urgent first, and how many there are in all. Nothing when all is in order."""
    coordinators = ki_coordinators(ki.id)
    keys = {coordinator.id: _digest_key(ki.id, coordinator.id, today) for coordinator in coordinators}
    logged = set(db.session.scalars(select(ReminderLog.key).where(ReminderLog.key.in_(list(keys.values())))))
    waiting = [coordinator for coordinator in coordinators if keys[coordinator.id] not in logged]
    if not waiting:
        return 0
    page = due.due_page(ki, due.DueFilters(), today=today)
    if not page.total:
        return 0
    for coordinator in waiting:
        queue_mail(
            kind="checks_digest",
            to=coordinator.email,
            subject=_l("Nachweise: %(count)s Helfende", count=page.total),
            template="emails/checks_digest",
            key=keys[coordinator.id],
            ki_id=ki.id,
            recipient=coordinator,
            page=page,
            describe=due.describe,
            link=public_url("helpers.due_checks"),
        )
        db.session.add(ReminderLog(ki_id=ki.id, key=keys[coordinator.id]))
    return len(waiting) if commit_once() else 0


def send_check_reminders(today: date) -> tuple[int, int]:
    """(certificate reminders, digests) sent at ``today``; each in its own transaction."""
    reminded = 0
    for reminder in certificate_reminders(today):
        remind_certificate(reminder)
        reminded += commit_once()
    digests = sum(
        digest_checks(ki, today) for ki in db.session.scalars(select(Ki).where(Ki.active.is_(True))).all()
    )
    return reminded, digests
