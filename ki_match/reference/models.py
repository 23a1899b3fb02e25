"""Reference data: towns with coordinates, languages, CEFR levels and topics."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # False: a neighbouring place where helpers live, but where the KI takes no requests.
    served: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # Amtlicher Gemeindeschlüssel, when picked from the NRW list.
    municipality_key: Mapped[str | None] = mapped_column(String(8))


# The languages a KI offers in its pickers. The catalogue (``language``) is shared by every KI,
# so that a helper's language means the same everywhere.
ki_language = Table(
    "ki_language",
    db.metadata,
    Column("ki_id", ForeignKey("ki.id", ondelete="CASCADE"), primary_key=True),
    Column("language_id", ForeignKey("language.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Language(db.Model):
    """A language of the installation's catalogue, by code.

    ``cldr`` is the key under which CLDR names it (Dari is ``fa_AF``, Kurmanji
    ``ku``); ``variant`` is the name people use for a variant the CLDR name does
    not single out (Kurmanji, Sorani, Farsi), shown in brackets. A named variety
    that CLDR lacks has a ``variety`` row (its name and the KI that made it); its
    code is private use under its parent (``ar-x-1``) and ``cldr`` the parent's key.
    """

    __tablename__ = "language"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    cldr: Mapped[str] = mapped_column(String(12))
    variant: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)

    variety: Mapped[LanguageVariety | None] = relationship(lazy="joined", back_populates="language")


class LanguageVariety(db.Model):
    """A variety CLDR does not name ("Syrisches Arabisch"), made by one KI and offered by it alone."""

    __tablename__ = "language_variety"
    __table_args__ = (UniqueConstraint("ki_id", "name"),)

    language_id: Mapped[int] = mapped_column(ForeignKey("language.id", ondelete="CASCADE"), primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))

    language: Mapped[Language] = relationship(back_populates="variety")


class Topic(db.Model):
    """A topic of requests and helpers' experience; each KI has its own list."""

    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("ki_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ki_id: Mapped[int] = mapped_column(ForeignKey("ki.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
