"""Every SELECT behind the calendar files and the private feed."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest
from ki_match.requests.queries import own_helper

# How far back the feed reaches: recent assignments stay visible; older ones
# need not be sent to a calendar app every hour.
FEED_PAST = timedelta(days=90)


def feed_token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _with_request():
    path = selectinload(Assignment.request)
    return (
        path.selectinload(HelpRequest.language),
        path.selectinload(HelpRequest.topic),
        path.selectinload(HelpRequest.town),
    )


def _of(ki: Ki, profile: HelperProfile):
    """The helper's assignments, whichever KI asked (the shared pool)."""
    return (
        select(Assignment)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(Assignment.helper_id.in_(own_helper(ki, profile)))
        .options(*_with_request())
    )


def feed_assignments(profile: HelperProfile) -> list[Assignment]:
    """Everything of the last 90 days and ahead, withdrawn and cancelled ones included
    so that subscribed calendars learn they are off."""
    since = utcnow() - FEED_PAST
    return db.session.scalars(
        _of(profile.ki, profile)
        .where(
            or_(
                Assignment.starts_at >= since,
                and_(
                    Assignment.starts_at.is_(None),
                    HelpRequest.due_on >= since.astimezone(BERLIN).date(),
                ),
            )
        )
        .order_by(Assignment.starts_at.asc().nulls_last(), HelpRequest.due_on, Assignment.id)
    ).all()


def series_assignments(ki: Ki, profile: HelperProfile, series_id: int) -> list[Assignment]:
    """The helper's assignments on the dates of a series, whatever became of them, by rule day:
    her own calendar event of the series is built from them (``calendar.series``)."""
    return db.session.scalars(
        _of(ki, profile)
        .where(HelpRequest.series_id == series_id)
        .order_by(HelpRequest.series_day, Assignment.id)
    ).all()


def upcoming_confirmed(ki: Ki, profile: HelperProfile) -> list[Assignment]:
    """Confirmed assignments still ahead, soonest first, for single downloads."""
    now = utcnow()
    return db.session.scalars(
        _of(ki, profile)
        .where(
            Assignment.status == AssignmentStatus.CONFIRMED,
            or_(
                Assignment.starts_at > now,
                and_(
                    Assignment.starts_at.is_(None),
                    HelpRequest.due_on >= now.astimezone(BERLIN).date(),
                ),
            ),
        )
        .order_by(Assignment.starts_at.asc().nulls_last(), HelpRequest.due_on, Assignment.id)
    ).all()


def profile_for_feed_token(raw: str) -> HelperProfile | None:
    """The helper whose feed this secret opens; the view asks whether they may use the app
    (``User.may_use_app``: not once the account is inactive or deleted, or its KI deactivated)."""
    return db.session.scalar(
        select(HelperProfile).where(HelperProfile.calendar_token_hash == feed_token_digest(raw))
    )
