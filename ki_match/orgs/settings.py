"""A KI's settings: what it says to the public, how long it keeps data, when it reminds, when a
cancellation is late, whom its coordinators may invite, which checks a helper needs before any
offer (the gates).

Each setting is a column of ``ki``; a NULL there means the installation's default from the
configuration (``RETENTION_DAYS``, ``REMINDER_HOURS_BEFORE``, ``POLICE_CERTIFICATE_VALID_YEARS``,
``LATE_CANCEL_HOURS``, ``DAY_BEFORE_HOUR``, ``DAY_BEFORE_DEADLINE_HOUR``). Every reader asks
``settings_for(ki)``, never the configuration, so a KI's own value wins everywhere at once. ``change_settings`` is the one way to change them (admins, /admin/settings).

The yearly tax-free limits are rows of their own (``KiAllowanceLimit``, a year each):
``allowance_limits(ki)`` lays them over the installation's ``ALLOWANCE_LIMITS``,
``set_allowance_limits`` changes one year.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from flask import current_app
from sqlalchemy import select

from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.orgs.models import Ki, KiAllowanceLimit

# Setting → the configuration key of its default.
CONFIGURED = {
    "retention_days": "RETENTION_DAYS",
    "reminder_hours_before": "REMINDER_HOURS_BEFORE",
    "police_certificate_valid_years": "POLICE_CERTIFICATE_VALID_YEARS",
    "late_cancel_hours": "LATE_CANCEL_HOURS",
    "day_before_hour": "DAY_BEFORE_HOUR",
    "day_before_deadline_hour": "DAY_BEFORE_DEADLINE_HOUR",
}
# What a person may type as a KI's contact; the audit log names the field, not the text.
TEXTS = ("contact_phone", "contact_email", "postal_address", "office_hours", "privacy_notice")
NUMBERS = (*CONFIGURED, "lead_time_days")
FLAGS = ("coordinators_invite_helpers", "gate_confidentiality", "gate_qualification")
# The ranges of the settings page, also CHECK constraints of ``ki``.
RANGES = {
    "retention_days": (7, 3650),
    "reminder_hours_before": (1, 168),
    "police_certificate_valid_years": (1, 10),
    "lead_time_days": (0, 30),
    "late_cancel_hours": (1, 336),
    # Hours of the day in Berlin; none near 2 a.m., which the change to summer time skips.
    "day_before_hour": (6, 20),
    "day_before_deadline_hour": (7, 23),
}


@dataclass(frozen=True)
class KiSettings:
    """The values in force for one KI: its own, else the configuration's."""

    contact_phone: str | None
    contact_email: str | None
    postal_address: str | None
    office_hours: str | None
    privacy_notice: str | None
    retention_days: int
    reminder_hours_before: int
    police_certificate_valid_years: int
    late_cancel_hours: int
    lead_time_days: int
    # "Kommen Sie morgen?": asked from this hour the day before, flagged when unanswered at the
    # deadline hour (``tomorrow``).
    day_before_hour: int
    day_before_deadline_hour: int
    coordinators_invite_helpers: bool
    # Safeguarding gates: checks a helper needs before any offer (matching's hard rules).
    gate_confidentiality: bool
    gate_qualification: bool

    @property
    def has_contact(self) -> bool:
        return any((self.contact_phone, self.contact_email, self.postal_address, self.office_hours))

    @property
    def phone_link(self) -> str | None:
        """The number for a ``tel:`` link (``tel_number``)."""
        return tel_number(self.contact_phone)


# "+49 (0)5271": the trunk 0 a caller inside the country dials, wrong after the country code.
TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")


def tel_number(number: str | None) -> str | None:
    """A phone number as a ``tel:`` link needs it: its digits, with a leading + for an
    international number, nothing else ("05271 965-0" → "052719650", "+49 (0)5271 965-0" →
    "+4952719650"). Digits of other scripts (Arabic-Indic …) count as digits. None when the
    text holds no digit at all; people still read the number as it was typed."""
    text = (number or "").strip()
    international = text.startswith("+")
    if international:
        text = TRUNK_ZERO.sub("", text)
    digits = "".join(str(unicodedata.decimal(character)) for character in text if character.isdecimal())
    if not digits:
        return None
    return f"+{digits}" if international else digits


def default(setting: str) -> int:
    """The installation's value of a setting a KI has not set itself."""
    return int(current_app.config[CONFIGURED[setting]])


def settings_for(ki: Ki) -> KiSettings:
    values = {field.name: getattr(ki, field.name) for field in fields(KiSettings)}
    for setting in CONFIGURED:
        if values[setting] is None:
            values[setting] = default(setting)
    return KiSettings(**values)


def change_settings(ki: Ki, actor, **values) -> list[str]:
    """Set the given settings (None: back to the default) and audit each change; the caller
    commits. Returns the names of the settings that changed."""
    changed = []
    for name, new in values.items():
        if name not in TEXTS + NUMBERS + FLAGS:
            raise ValueError(f"not a KI setting: {name}")
        if name in TEXTS:
            new = (new or "").strip() or None
        old = getattr(ki, name)
        if old == new:
            continue
        setattr(ki, name, new)
        changed.append(name)
        if name in TEXTS:
            record("ki.settings_changed", actor=actor, subject=ki, ki_id=ki.id, field=name)
        else:
            record("ki.settings_changed", actor=actor, subject=ki, ki_id=ki.id, field=name, old=old, new=new)
    return changed


# --- the yearly tax-free limits ---------------------------------------------------------------

LIMIT_KINDS = ("ehrenamt", "uebungsleiter")


def _installed_for(year: int) -> dict[str, int]:
    """The installation's amounts in force in ``year`` (its newest entry not after it), or none."""
    installed = current_app.config["ALLOWANCE_LIMITS"]
    valid = [entry for entry in installed if entry <= year]
    return dict(installed[max(valid)]) if valid else {}


def own_limits(ki: Ki) -> list[KiAllowanceLimit]:
    return list(
        db.session.scalars(
            select(KiAllowanceLimit).where(KiAllowanceLimit.ki_id == ki.id).order_by(KiAllowanceLimit.year)
        )
    )


def allowance_limits(ki: Ki) -> dict[int, dict[str, int]]:
    """Year → the amounts in cents in force from that year on, as ``ALLOWANCE_LIMITS`` says them:
    the installation's, with the KI's own years laid over them (an amount the KI left empty is the
    installation's for that year). A year without an entry keeps the newest one before it."""
    merged = {year: dict(amounts) for year, amounts in current_app.config["ALLOWANCE_LIMITS"].items()}
    for row in own_limits(ki):
        amounts = _installed_for(row.year)
        for kind in LIMIT_KINDS:
            if getattr(row, f"{kind}_cents") is not None:
                amounts[kind] = getattr(row, f"{kind}_cents")
        if all(kind in amounts for kind in LIMIT_KINDS):
            merged[row.year] = amounts
    return merged


def set_allowance_limits(
    ki: Ki, actor, year: int, ehrenamt_cents: int | None, uebungsleiter_cents: int | None
):
    """The KI's own limits of ``year`` (None: the installation's; both None: the year's entry goes),
    audited; the caller commits. Returns whether anything changed."""
    row = db.session.scalar(
        select(KiAllowanceLimit).where(KiAllowanceLimit.ki_id == ki.id, KiAllowanceLimit.year == year)
    )
    old = (row.ehrenamt_cents, row.uebungsleiter_cents) if row is not None else (None, None)
    new = (ehrenamt_cents, uebungsleiter_cents)
    if old == new:
        return False
    if new == (None, None):
        db.session.delete(row)
    else:
        if row is None:
            row = KiAllowanceLimit(ki_id=ki.id, year=year)
            db.session.add(row)
        row.ehrenamt_cents, row.uebungsleiter_cents = new
    record(
        "ki.settings_changed",
        actor=actor,
        subject=ki,
        ki_id=ki.id,
        field="allowance_limits",
        year=year,
        old=old,
        new=new,
    )
    return True
