"""Requests for help (Einsatzanfragen), the offers sent for them and the confirmed assignments."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import local_date, utcnow
from ki_match.db import association, str_enum
from ki_match.extensions import db
from ki_match.helpers.models import Gender
from ki_match.reference.models import LEVEL_CHECK
from ki_match.requests.recurrence import MAX_OCCURRENCES, Frequency, SkipReason


class RequestKind(enum.StrEnum):
    ACCOMPANIMENT = "accompaniment"
    ONSITE = "onsite"
    REMOTE = "remote"
    WRITTEN = "written"


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # sent in by an initiative, not yet taken on
    DRAFT = "draft"
    OPEN = "open"
    OFFERED = "offered"
    FILLED = "filled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    UNFILLED = "unfilled"
    DECLINED = "declined"  # an initiative's request the coordinators turned down


class FillMode(enum.StrEnum):
    COORDINATOR_CONFIRMS = "confirm"
    FIRST_TO_ACCEPT = "first_accept"


request_alt_language = association(
    "request_alt_language", "request_id", "help_request", "language_id", "language"
)


class HelpRequest(db.Model):
    __tablename__ = "help_request"
    __table_args__ = (
        CheckConstraint(f"min_level {LEVEL_CHECK}", name="min_level_range"),
        CheckConstraint("helpers_needed BETWEEN 1 AND 20", name="helpers_needed_range"),
        CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes BETWEEN 15 AND 720",
            name="duration_range",
        ),
        CheckConstraint(
            "status IN ('draft', 'submitted') "
            "OR (kind = 'written' AND due_on IS NOT NULL) "
            "OR (kind <> 'written' AND starts_at IS NOT NULL AND duration_minutes IS NOT NULL)",
            name="schedule_by_kind",
        ),
        CheckConstraint(
            "status IN ('draft', 'submitted') OR kind IN ('remote', 'written') OR town_id IS NOT NULL",
            name="town_for_in_person",
        ),
        Index("ix_help_request_ki_status_starts", "ki_id", "status", "starts_at"),
        CheckConstraint(
            "escalate_after_hours IS NULL OR escalate_after_hours BETWEEN 1 AND 720",
            name="escalate_after_range",
        ),
        CheckConstraint(
            "escalate_limit IS NULL OR escalate_limit BETWEEN 1 AND 20", name="escalate_limit_range"
        ),
        # One appointment per date its series' rule made.
        UniqueConstraint("series_id", "series_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"))
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, "request_kind"))
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "request_status"), default=RequestStatus.DRAFT
    )
    language_id: Mapped[int] = mapped_column(ForeignKey("language.id"), index=True)
    min_level: Mapped[int] = mapped_column(SmallInteger, default=3)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    starts_at: Mapped[datetime | None]
    duration_minutes: Mapped[int | None]
    due_on: Mapped[date | None]
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    # The exact address: shown to a helper only once they are confirmed.
    place: Mapped[str | None] = mapped_column(String(300))
    # A pseudonym or case number, never a client's name.
    client_ref: Mapped[str | None] = mapped_column(String(60))
    gender_pref: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender_pref"))
    qualified_required: Mapped[bool] = mapped_column(default=False)
    # "Kinder / besonders schutzbedürftige Personen": only helpers with a valid police certificate.
    protects_vulnerable: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    helpers_needed: Mapped[int] = mapped_column(SmallInteger, default=1)
    fill_mode: Mapped[FillMode] = mapped_column(
        str_enum(FillMode, "fill_mode"), default=FillMode.COORDINATOR_CONFIRMS
    )
    notes: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # An initiative may ask inside the KI's lead time only when it says why.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    urgent_reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the retention purge (requests.retention) emptied what identifies the client.
    client_data_purged_at: Mapped[datetime | None]
    # Automatic follow-up (ki_match.offers.escalation): when nobody said yes this many hours
    # after the newest offer, ask the next candidates, up to escalate_limit more people. NULL: off.
    escalate_after_hours: Mapped[int | None] = mapped_column(SmallInteger)
    escalate_limit: Mapped[int | None] = mapped_column(SmallInteger)
    # An appointment of a series (``RequestSeries``), and the date the series' rule made it for:
    # a date moved elsewhere stays recognisable by it.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("request_series.id"), index=True)
    series_day: Mapped[date | None]
    # "Bei kurzfristiger Absage automatisch nachfragen" (ki_match.offers.late_refill).
    standby_auto: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    ki = relationship("Ki")
    language = relationship("Language")
    alt_languages = relationship("Language", secondary=request_alt_language)
    topic = relationship("Topic")
    town = relationship("Town")
    organisation = relationship("Organisation")
    offers: Mapped[list[Offer]] = relationship(back_populates="request", cascade="all, delete-orphan")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )

    @property
    def escalates(self) -> bool:
        return self.escalate_after_hours is not None and self.escalate_limit is not None

    @property
    def ends_at(self) -> datetime | None:
        """When a scheduled request ends (a written translation has no end, only a due date)."""
        if self.starts_at is None or self.duration_minutes is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def is_over(self, now: datetime | None = None) -> bool:
        """Begun, or a translation past its due date: nobody new can be asked or confirmed."""
        now = now or utcnow()
        if self.starts_at is not None:
            return self.starts_at <= now
        if self.due_on is not None:
            return self.due_on < local_date(now)
        return False


class RequestSeries(db.Model):
    """Recurring appointments: the rule that made them (``requests.recurrence``). Each appointment
    is an ordinary ``HelpRequest`` with ``series_id``; the dates the rule skipped are
    ``SeriesSkip`` rows. Offers or matching for a whole series can hang off this row later."""

    __tablename__ = "request_series"
    __table_args__ = (
        CheckConstraint(
            "frequency = 'dates' OR until IS NOT NULL OR repeat_count IS NOT NULL", name="has_end"
        ),
        CheckConstraint(
            f"repeat_count IS NULL OR repeat_count BETWEEN 1 AND {MAX_OCCURRENCES}", name="count_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "series_frequency"))
    first_day: Mapped[date]
    # Berlin wall-clock time of the appointments, as the rule says (a moved one may differ).
    start_time: Mapped[time]
    until: Mapped[date | None]
    repeat_count: Mapped[int | None] = mapped_column(SmallInteger)
    skip_holidays: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ki = relationship("Ki")
    skips: Mapped[list[SeriesSkip]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="SeriesSkip.day"
    )


class SeriesSkip(db.Model):
    """A date the series' rule made but left out, and why (school holiday, public holiday, by hand)."""

    __tablename__ = "series_skip"
    __table_args__ = (UniqueConstraint("series_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("request_series.id", ondelete="CASCADE"))
    day: Mapped[date]
    reason: Mapped[SkipReason] = mapped_column(str_enum(SkipReason, "series_skip_reason"))
    # The holiday's German name ("Herbstferien", "Fronleichnam"), if it was one.
    name: Mapped[str | None] = mapped_column(String(80))

    series: Mapped[RequestSeries] = relationship(back_populates="skips")


class RequestStatusChange(db.Model):
    """Who moved a request from one status to the next, and when."""

    __tablename__ = "request_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus, "from_status"))
    to_status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300))

    @hybrid_property
    def changes_status(self) -> bool:
        """False for a remark (``requests.lifecycle.remark``: a phone answer, a direct booking),
        which keeps the status on both sides; whoever counts status changes asks this."""
        return self.from_status != self.to_status

    @changes_status.inplace.expression
    @classmethod
    def _changes_status_expression(cls):
        return or_(cls.from_status.is_(None), cls.from_status != cls.to_status)


_PENDING_SQL = "status = 'pending'"


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Offer(db.Model):
    __tablename__ = "offer"
    __table_args__ = (
        UniqueConstraint("request_id", "helper_id"),
        # Offers still waiting (the dashboard's count, stale ones needing attention) without
        # reading the state's whole history of answered offers. Partial, so that SQLite (which
        # plans without statistics) never prefers it to ``helper_id`` for a helper's answered offers.
        Index(
            "ix_offer_pending_created",
            "created_at",
            sqlite_where=text(_PENDING_SQL),
            postgresql_where=text(_PENDING_SQL),
        ),
        # A helper's offers; with status and request in the index, matching counts how each
        # candidate answered so far (and whether they declined this request) from the index alone.
        Index("ix_offer_helper_status", "helper_id", "status", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id"))
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.PENDING
    )
    decline_reason: Mapped[str | None] = mapped_column(String(300))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    request: Mapped[HelpRequest] = relationship(back_populates="offers")
    helper = relationship("HelperProfile")


class AssignmentStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Assignments in these states hold one of the request's seats and block the helper's time.
HOLDING_STATES = ("confirmed", "completed", "no_show")
_HOLDING_SQL = "status IN ('confirmed', 'completed', 'no_show')"
_AWAITING_APPROVAL_SQL = "reported_at IS NOT NULL AND approved_at IS NULL"


class Assignment(db.Model):
    """A confirmed helper on a request, and afterwards what they report.

    ``seat`` numbers the helpers of a request from 1 to ``helpers_needed``; a
    partial unique index lets only one holding assignment sit on each seat, so
    two helpers racing for the last place cannot both win. Overlapping time of
    one helper is refused by an exclusion constraint (PostgreSQL) or a trigger
    (SQLite), created in the migrations.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("request_id", "helper_id"),
        CheckConstraint("seat >= 1", name="seat_positive"),
        Index(
            "uq_assignment_request_seat",
            "request_id",
            "seat",
            unique=True,
            sqlite_where=text(_HOLDING_SQL),
            postgresql_where=text(_HOLDING_SQL),
        ),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("actual_minutes IS NULL OR actual_minutes BETWEEN 0 AND 1440", name="minutes_range"),
        CheckConstraint("travel_km IS NULL OR travel_km BETWEEN 0 AND 1000", name="km_range"),
        # A helper's assignments by time; status and request ride along so that matching's
        # history counts (this month, last 30 days, no-shows) never read the table itself.
        Index("ix_assignment_helper_history", "helper_id", "starts_at", "status", "request_id"),
        # Reported hours waiting for approval: a handful among a year of assignments.
        Index(
            "ix_assignment_awaiting_approval",
            "request_id",
            sqlite_where=text(_AWAITING_APPROVAL_SQL),
            postgresql_where=text(_AWAITING_APPROVAL_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"), unique=True)
    seat: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus, "assignment_status"), default=AssignmentStatus.CONFIRMED
    )
    # Copied from the request so overlaps can be checked without a join.
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdraw_reason: Mapped[str | None] = mapped_column(String(300))
    # Given back with less than the KI's ``late_cancel_hours`` to go: a "kurzfristige Absage".
    withdrawn_late: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    actual_minutes: Mapped[int | None]
    travel_km: Mapped[int | None]
    report_note: Mapped[str | None] = mapped_column(String(500))
    reported_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    request: Mapped[HelpRequest] = relationship(back_populates="assignments")
    helper = relationship("HelperProfile")
    ticket: Mapped[TravelTicket | None] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", passive_deletes=True
    )


class TravelTicket(db.Model):
    """ "Ticket statt Kilometer": what the bus or train ticket of a reported assignment cost, paid
    at cost instead of kilometres (the assignment's ``travel_km`` is then 0).

    A table of its own rather than columns of ``assignment``: adding a CHECK there would rebuild
    that table on SQLite, which loses its overlap trigger."""

    __tablename__ = "travel_ticket"
    __table_args__ = (CheckConstraint("cents BETWEEN 1 AND 50000", name="cents_range"),)

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True
    )
    cents: Mapped[int]
    # The receipt, in the helper's words ("Bus Brakel–Höxter, Quittung liegt vor"); purged with
    # the request's other texts.
    note: Mapped[str | None] = mapped_column(String(200))

    assignment: Mapped[Assignment] = relationship(back_populates="ticket")
