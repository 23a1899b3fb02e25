"""The integration centre (KI) that owns every row, and the organisations that ask it for help."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.db import str_enum
from ki_match.extensions import db


class Ki(db.Model):
    """One Kommunales Integrationszentrum; the tenant every owned row points at."""

    __tablename__ = "ki"
    __table_args__ = (CheckConstraint("lead_time_days BETWEEN 0 AND 30", name="lead_time_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Working days an initiative's request must lie ahead, unless it is marked urgent.
    lead_time_days: Mapped[int] = mapped_column(SmallInteger, default=3, server_default=text("3"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
