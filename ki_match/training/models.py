"""A KI's training courses: modules, dates, sign-ups (with a waiting list) and attendance.

A course is one run of a training ("Sprachlotsen-Qualifizierung Frühjahr 2027"): its modules
(what it teaches), its dates (each teaches one module, or none: an evening to meet), a place or
online, and a capacity. One sign-up covers the whole course; a sign-up past the capacity waits,
in the order signed up, and moves up when a seat frees. A helper has attended a date when a
coordinator recorded it; attending a date of every module of a course that ``qualifies`` completes
her qualification (``training.services``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ki_match.clock import utcnow
from ki_match.db import str_enum
from ki_match.extensions import db

MAX_CAPACITY = 500


class SignupStatus(enum.StrEnum):
    REGISTERED = "registered"  # has a seat
    WAITING = "waiting"  # on the waiting list
    CANCELLED = "cancelled"  # withdrew, or was taken off by a coordinator


class Course(db.Model):
    __tablename__ = "training_course"
    __table_args__ = (CheckConstraint(f"capacity BETWEEN 1 AND {MAX_CAPACITY}", name="capacity_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    # Where it takes place ("KI Höxter, Moltkestr. 12, Raum 3"); none when only online.
    place: Mapped[str | None] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(SmallInteger)
    # Attending every module completes the Sprachlotsen qualification.
    qualifies: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]

    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseModule.position"
    )
    dates: Mapped[list[CourseDate]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseDate.starts_at"
    )
    signups: Mapped[list[CourseSignup]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseSignup.signed_up_at"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class CourseModule(db.Model):
    __tablename__ = "training_module"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    course: Mapped[Course] = relationship(back_populates="modules")


class CourseDate(db.Model):
    __tablename__ = "training_date"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_training_date_course_starts", "course_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"))
    # The module taught that day; none for a date that teaches no module.
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_module.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Another place than the course's, for this date only.
    place: Mapped[str | None] = mapped_column(String(200))

    course: Mapped[Course] = relationship(back_populates="dates")
    module: Mapped[CourseModule | None] = relationship()
    attendances: Mapped[list[CourseAttendance]] = relationship(
        back_populates="date", cascade="all, delete-orphan"
    )


class CourseSignup(db.Model):
    __tablename__ = "training_signup"
    __table_args__ = (
        UniqueConstraint("course_id", "helper_id"),
        Index("ix_training_signup_helper_id", "helper_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("helper_profile.id", ondelete="CASCADE"))
    status: Mapped[SignupStatus] = mapped_column(str_enum(SignupStatus, "training_signup_status"))
    # The waiting list's order: who signed up (again) first moves up first.
    signed_up_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(back_populates="signups")
    helper = relationship("HelperProfile")


class CourseAttendance(db.Model):
    """A helper was there on that date, as a coordinator recorded."""

    __tablename__ = "training_attendance"

    date_id: Mapped[int] = mapped_column(ForeignKey("training_date.id", ondelete="CASCADE"), primary_key=True)
    helper_id: Mapped[int] = mapped_column(
        ForeignKey("helper_profile.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    date: Mapped[CourseDate] = relationship(back_populates="attendances")
    helper = relationship("HelperProfile")
