"""The municipalities of North Rhine-Westphalia, shipped as data (see NRW_MUNICIPALITIES.md).

Admins pick a town for their KI from this list: its official key, name and coordinates.
Read once per process; the file does not change while the app runs.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("nrw_municipalities.csv")


@dataclass(frozen=True)
class Municipality:
    key: str  # Amtlicher Gemeindeschlüssel, 8 digits
    name: str
    lat: float
    lon: float
    postcodes: tuple[str, ...] = ()


def folded(text: str) -> str:
    """Case- and umlaut-insensitive form for searching: "Höxter", "hoexter" and "HOXTER" meet."""
    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _without_e(text: str) -> str:
    # "hoexter" and "hoxter" both mean Höxter
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


@cache
def all_municipalities() -> tuple[Municipality, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as file:
        return tuple(
            Municipality(
                key=row["key"],
                name=row["name"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                postcodes=tuple(row["postcodes"].split()),
            )
            for row in csv.DictReader(file)
        )


@cache
def _by_key() -> dict[str, Municipality]:
    return {municipality.key: municipality for municipality in all_municipalities()}


def by_key(key: str) -> Municipality | None:
    return _by_key().get(key)


def search(text: str, limit: int = 20) -> list[Municipality]:
    """Municipalities whose name contains ``text`` (those starting with it first), or whose key starts with it."""
    text = text.strip()
    if not text:
        return []
    if text.isdigit():
        return [m for m in all_municipalities() if m.key.startswith(text)][:limit]
    wanted = _without_e(folded(text))
    starts, contains = [], []
    for municipality in all_municipalities():
        name = _without_e(folded(municipality.name))
        if name.startswith(wanted):
            starts.append(municipality)
        elif wanted in name:
            contains.append(municipality)
    by_name = sorted(starts, key=lambda m: folded(m.name)) + sorted(contains, key=lambda m: folded(m.name))
    return by_name[:limit]


def by_postcode(code: str) -> list[Municipality]:
    code = code.strip()
    return [m for m in all_municipalities() if code in m.postcodes]
