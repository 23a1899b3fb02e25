"""Reference data: towns with coordinates, languages, CEFR levels and topics."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ki_match.extensions import db


class Level(enum.IntEnum):
    """CEFR levels plus native speaker, stored as a number so SQL can compare them."""

    A2 = 2
    B1 = 3
    B2 = 4
    C1 = 5
    C2 = 6
    NATIVE = 7


LEVEL_CHECK = "BETWEEN 2 AND 7"


class Town(db.Model):
    __tablename__ = "town"
    __table_args__ = (
        UniqueConstraint("ki_id", "name"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    lat: Mapped[float]
    lon: Mapped[float]


class Language(db.Model):
    """A language by ISO 639 code.

    ``cldr`` is the key under which CLDR names it (Dari is ``fa_AF``, Kurmanji
    ``ku``); ``variant`` is the name people use for a variant the CLDR name does
    not single out (Kurmanji, Sorani, Farsi), shown in brackets.
    """

    __tablename__ = "language"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    cldr: Mapped[str] = mapped_column(String(12))
    variant: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)


class Topic(db.Model):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
