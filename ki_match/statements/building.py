"""A helper's yearly statement, as the page, the print and the XLSX file show it: each approved
assignment of the year, the totals, her limit and how much of it is used, and the hours for the
Ehrenamtskarte NRW with whether it applies."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ki_match.clock import BERLIN
from ki_match.core import dates
from ki_match.helpers.models import HelperProfile
from ki_match.reports.services import Column, Table, Unit
from ki_match.requests.labels import KIND_LABELS
from ki_match.statements import queries
from ki_match.statements.limits import LIMIT_LAWS, Card, CardStanding, LimitUse


@dataclass(frozen=True)
class Statement:
    helper: HelperProfile
    year: int
    total: queries.YearTotal
    use: LimitUse
    card: Card
    table: Table

    @property
    def law(self) -> str:
        return str(LIMIT_LAWS[self.use.kind])

    @property
    def costs_cents(self) -> int:
        """Kilometres and tickets: refunds of costs, not a flat allowance."""
        return self.total.cents - self.total.flat_cents

    def card_text(self) -> str:
        """The statement's one sentence on the Ehrenamtskarte NRW."""
        rule, card = self.card.rule, self.card
        if card.standing == CardStanding.EXCLUDED:
            if rule.any_flat_allowance_excludes:
                return _(
                    "Die Ehrenamtskarte NRW kommt für %(year)d nicht in Frage: Die Aufwandsentschädigung "
                    "je Stunde ist eine pauschale Aufwandsentschädigung, und diese schließt die Karte aus "
                    "(Fahrtkosten allein würden sie nicht ausschließen).",
                    year=self.year,
                )
            return _(
                "Die Ehrenamtskarte NRW kommt für %(year)d nicht in Frage: Die pauschale "
                "Aufwandsentschädigung (je Stunde) liegt über der %(name)s.",
                year=self.year,
                name=self.use.name,
            )
        if card.standing == CardStanding.REACHED:
            return _(
                "Die Stunden reichen für die Ehrenamtskarte NRW (mindestens %(hours)d Stunden im Jahr "
                "oder %(week)d in der Woche).",
                hours=rule.hours_a_year,
                week=rule.hours_a_week,
            )
        return _(
            "Für die Ehrenamtskarte NRW sind mindestens %(hours)d Stunden im Jahr oder %(week)d in der "
            "Woche nötig; diese Übersicht zählt nur die Einsätze über das Integrationszentrum.",
            hours=rule.hours_a_year,
            week=rule.hours_a_week,
        )


def _day(line) -> str:
    day = line.starts_at.astimezone(BERLIN).date() if line.starts_at else line.due_on
    return dates.show(day, "day_medium")


def _table(total: queries.YearTotal) -> Table:
    table = Table(
        "statement",
        _("Einsätze %(year)d", year=total.year),
        [
            Column(_("Tag"), Unit.TEXT),
            Column(_("Art"), Unit.TEXT),
            Column(_("Stunden"), Unit.MINUTES_AS_HOURS),
            Column(_("Kilometer"), Unit.KM),
            Column(_("Ticket"), Unit.CENTS),
            Column(_("Betrag"), Unit.CENTS),
        ],
        [
            [
                _day(line),
                str(KIND_LABELS.get(line.kind, line.kind)),
                line.minutes,
                line.km,
                line.ticket_cents or None,
                line.cents,
            ]
            for line in total.lines
        ],
    )
    if total.lines:
        table.footer = [_("Summe"), "", total.minutes, total.km, total.ticket_cents, total.cents]
    return table


def statement(helper: HelperProfile, year: int) -> Statement:
    """The helper's statement of ``year``, for the KI she belongs to (what it paid her)."""
    total = queries.year_total(helper.ki_id, helper.id, year)
    return Statement(
        helper=helper,
        year=year,
        total=total,
        use=queries.limit_use(helper, total),
        card=queries.card(helper, total),
        table=_table(total),
    )
