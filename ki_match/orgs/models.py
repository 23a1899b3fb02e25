"""The integration centre (KI) that owns every row, and the organisations that ask it for help."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.db import str_enum
from ki_match.extensions import db


def new_reference_version() -> int:
    """Random, not counted up: a database put back to an earlier state (a restore, the tests' reset)
    must not hand an old number to new data."""
    return secrets.randbits(62)


class Ki(db.Model):
    """One Kommunales Integrationszentrum; the tenant every owned row points at."""

    __tablename__ = "ki"
    __table_args__ = (
        CheckConstraint("lead_time_days BETWEEN 0 AND 30", name="lead_time_range"),
        CheckConstraint("retention_days BETWEEN 7 AND 3650", name="retention_days_range"),
        CheckConstraint("reminder_hours_before BETWEEN 1 AND 168", name="reminder_hours_range"),
        CheckConstraint("police_certificate_valid_years BETWEEN 1 AND 10", name="certificate_years_range"),
        CheckConstraint("late_cancel_hours BETWEEN 1 AND 336", name="late_cancel_hours_range"),
        CheckConstraint("day_before_hour BETWEEN 6 AND 20", name="day_before_hour_range"),
        CheckConstraint("day_before_deadline_hour BETWEEN 7 AND 23", name="day_before_deadline_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Working days an initiative's request must lie ahead, unless it is marked urgent.
    lead_time_days: Mapped[int] = mapped_column(SmallInteger, default=3, server_default=text("3"))
    # A deactivated KI keeps all its data, but nobody of it can log in and its front door is closed.
    active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # The KI lets other sharing KIs ask its consenting helpers, and asks theirs (README "Shared pool").
    shares_pool: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Changes (to a new random number) with every change to the KI's towns or to the languages and
    # topics; processes keep their cached reference data by it (``reference.cache``).
    reference_version: Mapped[int] = mapped_column(
        BigInteger, default=new_reference_version, server_default=text("0")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Per-KI settings (ki_match.orgs.settings); NULL means the installation's configured default.
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(String(300))
    office_hours: Mapped[str | None] = mapped_column(String(300))
    privacy_notice: Mapped[str | None] = mapped_column(Text)
    retention_days: Mapped[int | None] = mapped_column(SmallInteger)
    reminder_hours_before: Mapped[int | None] = mapped_column(SmallInteger)
    police_certificate_valid_years: Mapped[int | None] = mapped_column(SmallInteger)
    # Giving a confirmed assignment back with less than this many hours to go is a late cancellation.
    late_cancel_hours: Mapped[int | None] = mapped_column(SmallInteger)
    day_before_hour: Mapped[int | None] = mapped_column(SmallInteger)
    day_before_deadline_hour: Mapped[int | None] = mapped_column(SmallInteger)
    coordinators_invite_helpers: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Safeguarding gates (matching's hard rules): checks a helper needs before any offer.
    gate_confidentiality: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    gate_qualification: Mapped[bool] = mapped_column(default=True, server_default=text("true"))


# The highest yearly limit a KI may set (the CHECK of ``ki_allowance_limit``): 100,000 €.
MAX_LIMIT_CENTS = 10_000_000


class KiAllowanceLimit(db.Model):
    """A KI's own tax-free limits from ``year`` on, in cents: the Ehrenamtspauschale and the
    Übungsleiterpauschale (``statements.limits``); NULL is the installation's amount for that year
    (``ALLOWANCE_LIMITS``). ``orgs.settings.allowance_limits`` lays them over the installation's."""

    __tablename__ = "ki_allowance_limit"
    __table_args__ = (
        UniqueConstraint("ki_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(f"ehrenamt_cents BETWEEN 0 AND {MAX_LIMIT_CENTS}", name="ehrenamt_range"),
        CheckConstraint(f"uebungsleiter_cents BETWEEN 0 AND {MAX_LIMIT_CENTS}", name="uebungsleiter_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    ehrenamt_cents: Mapped[int | None]
    uebungsleiter_cents: Mapped[int | None]


class OrganisationKind(enum.StrEnum):
    INITIATIVE = "initiative"
    MIGRANT_ORGANISATION = "migrant_organisation"
    SCHOOL = "school"
    PARTNER_SERVICE = "partner_service"


class Organisation(db.Model):
    """A refugee initiative, migrant organisation, school or partner service."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("ki_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, "organisation_kind"), default=OrganisationKind.INITIATIVE
    )
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    town = relationship("Town")
