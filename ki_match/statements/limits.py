"""The rules a helper's yearly allowance is held against: the tax-free limit that applies to her
(Ehrenamtspauschale or Übungsleiterpauschale) and the Ehrenamtskarte NRW. Pure rules, no database.

The tax-free limits (§ 3 Nr. 26a and Nr. 26 EStG) are yearly amounts; the installation's are in
the configuration (``ALLOWANCE_LIMITS``, year → amounts in cents, valid until a later year's
entry): 840 € and 3,000 € from 2021, 960 € and 3,300 € from 2026 (Steueränderungsgesetz 2025).

The Ehrenamtskarte NRW asks for a given number of volunteering hours a year or a week (the
organisation confirms them). Until 2025: 250 hours a year or 5 a week, and no flat allowance
(pauschale Aufwandsentschädigung) beyond the refund of costs. Since 2026 the state asks for 200
hours a year or 4 a week, and a flat allowance no longer excludes the card as long as it stays
within the tax-free limit (Ehrenamtspauschale or Übungsleiterpauschale). The KI's allowance per
hour is such a flat allowance; kilometres and tickets refund costs. A yearly statement can only
judge the yearly hours (the weekly figure is for those who help regularly part of a year) and
says so, as it says that the card also asks for two years of volunteering, which the KI's
records alone do not show.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ki_match.helpers.models import AllowanceLimit

LIMIT_NAMES = {
    AllowanceLimit.EHRENAMT: _l("Ehrenamtspauschale"),
    AllowanceLimit.UEBUNGSLEITER: _l("Übungsleiterpauschale"),
}
LIMIT_LAWS = {
    AllowanceLimit.EHRENAMT: _l("§ 3 Nr. 26a EStG"),
    AllowanceLimit.UEBUNGSLEITER: _l("§ 3 Nr. 26 EStG"),
}


def limit_cents(limits: dict[int, dict[str, int]], year: int, kind: AllowanceLimit) -> int | None:
    """The limit of ``kind`` in ``year``: the newest entry not after that year; None before the first."""
    valid = [entry for entry in limits if entry <= year]
    if not valid:
        return None
    return limits[max(valid)][kind.value]


@dataclass(frozen=True)
class CardRule:
    """What the Ehrenamtskarte NRW asks for, from ``since`` on."""

    since: int
    hours_a_year: int
    hours_a_week: int
    # True: any flat allowance excludes the card; False: one within the tax-free limit is allowed.
    any_flat_allowance_excludes: bool


CARD_RULES = (
    CardRule(since=2026, hours_a_year=200, hours_a_week=4, any_flat_allowance_excludes=False),
    CardRule(since=0, hours_a_year=250, hours_a_week=5, any_flat_allowance_excludes=True),
)


def card_rule(year: int) -> CardRule:
    return next(rule for rule in CARD_RULES if rule.since <= year)


class CardStanding:
    """Where a helper stands for the Ehrenamtskarte NRW in one year, as the statement says it."""

    REACHED = "reached"  # enough hours, no allowance that excludes it
    TOO_FEW_HOURS = "too_few_hours"
    EXCLUDED = "excluded"  # a flat allowance excludes it


@dataclass(frozen=True)
class Card:
    rule: CardRule
    hours: float
    standing: str


def ehrenamtskarte(year: int, minutes: int, flat_cents: int, limit: int | None) -> Card:
    """The card's standing from the year's approved minutes and the flat allowance paid for them
    (the part per hour, not kilometres or tickets), against the limit that applies to the helper."""
    rule = card_rule(year)
    hours = minutes / 60
    excluded = (
        flat_cents > 0 if rule.any_flat_allowance_excludes else (limit is not None and flat_cents > limit)
    )
    if excluded:
        standing = CardStanding.EXCLUDED
    elif hours >= rule.hours_a_year:
        standing = CardStanding.REACHED
    else:
        standing = CardStanding.TOO_FEW_HOURS
    return Card(rule, hours, standing)


@dataclass(frozen=True)
class LimitUse:
    """How much of her limit a helper's allowance uses in one year."""

    kind: AllowanceLimit
    limit_cents: int | None
    paid_cents: int

    @property
    def name(self) -> str:
        return str(LIMIT_NAMES[self.kind])

    @property
    def over(self) -> bool:
        return self.limit_cents is not None and self.paid_cents > self.limit_cents

    @property
    def left_cents(self) -> int | None:
        return None if self.limit_cents is None else max(0, self.limit_cents - self.paid_cents)

    @property
    def share(self) -> float | None:
        """The used part of the limit, 0 … (over 1 when over)."""
        return self.paid_cents / self.limit_cents if self.limit_cents else None
