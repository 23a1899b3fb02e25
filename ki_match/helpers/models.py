"""Helper profiles: languages, where and when they can help, and the coordinator's checks."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.db import association, str_enum
from ki_match.extensions import db
from ki_match.reference.models import LEVEL_CHECK


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    DIVERSE = "diverse"


class AllowanceLimit(enum.StrEnum):
    """The tax-free yearly limit a helper's allowance is held against (§ 3 EStG), chosen by coordinators."""

    EHRENAMT = "ehrenamt"  # Ehrenamtspauschale, § 3 Nr. 26a
    UEBUNGSLEITER = "uebungsleiter"  # Übungsleiterpauschale, § 3 Nr. 26


class HelperKind(enum.StrEnum):
    SPRACHLOTSE = "sprachlotse"
    VOLUNTEER = "volunteer"


helper_town = association("helper_town", "helper_id", "helper_profile", "town_id", "town", index_other=True)
helper_topic = association("helper_topic", "helper_id", "helper_profile", "topic_id", "topic")


class HelperProfile(db.Model):
    __tablename__ = "helper_profile"
    __table_args__ = (
        CheckConstraint("max_travel_km IS NULL OR max_travel_km BETWEEN 0 AND 300", name="travel_range"),
        CheckConstraint("monthly_cap BETWEEN 0 AND 100", name="cap_range"),
        # The shared pool looks for the few helpers of each sharing KI who agreed to be asked
        # (``helpers.queries.pool_filter``); the predicates read as its ``is_(True)`` renders.
        *(
            Index(
                f"ix_helper_profile_{column}".removesuffix("_ok"),
                "ki_id",
                postgresql_where=text(f"{column} IS true"),
                sqlite_where=text(f"{column} IS 1"),
            )
            for column in ("pool_in_person_ok", "pool_remote_ok")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    home_town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    max_travel_km: Mapped[int | None]
    remote_ok: Mapped[bool] = mapped_column(default=False)
    # "Ich habe kein Auto": matching's travel time between towns is the bus's, not the car's.
    has_no_car: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    allowance_limit: Mapped[AllowanceLimit] = mapped_column(
        str_enum(AllowanceLimit, "allowance_limit"),
        default=AllowanceLimit.EHRENAMT,
        server_default=text("'ehrenamt'"),
    )
    # The shared pool (README "Shared pool"): other KIs that share may ask her by phone, video or
    # in writing, and — separately — in person within her travel distance.
    pool_remote_ok: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    pool_in_person_ok: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender"))
    kind: Mapped[HelperKind] = mapped_column(
        str_enum(HelperKind, "helper_kind"), default=HelperKind.VOLUNTEER
    )
    # Coordinator-kept checks: dates only, never documents.
    qualification_completed_on: Mapped[date | None]
    confidentiality_signed_on: Mapped[date | None]
    police_certificate_seen_on: Mapped[date | None]
    # Who recorded each check (a coordinator or admin); kept when that account goes.
    confidentiality_seen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    qualification_seen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    police_certificate_seen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    monthly_cap: Mapped[int] = mapped_column(SmallInteger, default=4)
    directory_opt_in: Mapped[bool] = mapped_column(default=False)
    consent_given_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(20))
    approved_at: Mapped[datetime | None]
    # sha256 of the secret in the private calendar feed URL; resetting it kills the old URL.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The coordinators' internal note: shown to the KI's coordinators and admins only, never to
    # the helper, an initiative or another KI; exported and deleted with the profile.
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", foreign_keys=[user_id], backref="helper_profile", uselist=False)
    ki = relationship("Ki")
    home_town = relationship("Town")
    towns = relationship("Town", secondary=helper_town, order_by="Town.name")
    topics = relationship("Topic", secondary=helper_topic, order_by="Topic.name")
    languages: Mapped[list[HelperLanguage]] = relationship(
        back_populates="helper", cascade="all, delete-orphan"
    )
    slots: Mapped[list[AvailabilitySlot]] = relationship(
        back_populates="helper",
        cascade="all, delete-orphan",
        order_by="(AvailabilitySlot.weekday, AvailabilitySlot.starts)",
    )
    absences: Mapped[list[Absence]] = relationship(
        back_populates="helper", cascade="all, delete-orphan", order_by="Absence.first_day"
    )

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class HelperLanguage(db.Model):
    __tablename__ = "helper_language"
    __table_args__ = (
        CheckConstraint(f"level {LEVEL_CHECK}", name="level_range"),
        Index("ix_helper_language_language_level", "language_id", "level"),
    )

    helper_id: Mapped[int] = mapped_column(
        ForeignKey("helper_profile.id", ondelete="CASCADE"), primary_key=True
    )
    language_id: Mapped[int] = mapped_column(ForeignKey("language.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)

    helper: Mapped[HelperProfile] = relationship(back_populates="languages")
    language = relationship("Language")


class AvailabilitySlot(db.Model):
    """A weekly recurring window, in Europe/Berlin wall-clock time (0 = Monday)."""

    __tablename__ = "availability_slot"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="ends_after_starts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts: Mapped[time]
    ends: Mapped[time]

    helper: Mapped[HelperProfile] = relationship(back_populates="slots")


class Absence(db.Model):
    """Whole days (inclusive) on which the helper cannot help."""

    __tablename__ = "absence"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="last_after_first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))

    helper: Mapped[HelperProfile] = relationship(back_populates="absences")
