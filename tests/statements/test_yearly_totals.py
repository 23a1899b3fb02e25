"""A helper's year in money on known data, computed by hand: year boundaries in Berlin time, a rate
change in the middle of the year, tickets at cost, the limit and the warning before approving."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ki_match.helpers.models import AllowanceLimit
from ki_match.statements.limits import CardStanding, LimitUse, ehrenamtskarte, limit_cents
from ki_match.statements.queries import over_limit_warnings, use_after_approval, year_total
from tests.factories import allowance_rate, reported

LIMITS = {
    2021: {"ehrenamt": 84000, "uebungsleiter": 300000},
    2026: {"ehrenamt": 96000, "uebungsleiter": 330000},
}


@pytest.mark.parametrize(
    ("year", "kind", "cents"),
    [
        (2020, AllowanceLimit.EHRENAMT, None),  # before the first entry
        (2021, AllowanceLimit.EHRENAMT, 84000),
        (2025, AllowanceLimit.EHRENAMT, 84000),
        (2025, AllowanceLimit.UEBUNGSLEITER, 300000),
        (2026, AllowanceLimit.EHRENAMT, 96000),
        (2026, AllowanceLimit.UEBUNGSLEITER, 330000),
        (2030, AllowanceLimit.EHRENAMT, 96000),  # until a later entry
    ],
)
def test_the_limit_of_a_year(year, kind, cents):
    assert limit_cents(LIMITS, year, kind) == cents


@pytest.mark.parametrize(
    ("year", "minutes", "flat", "limit", "standing"),
    [
        # Until 2025: 250 hours a year, and any flat allowance excludes the card.
        (2025, 250 * 60, 0, 84000, CardStanding.REACHED),
        (2025, 250 * 60 - 1, 0, 84000, CardStanding.TOO_FEW_HOURS),
        (2025, 300 * 60, 1, 84000, CardStanding.EXCLUDED),
        # Since 2026: 200 hours, and a flat allowance within the tax-free limit is allowed.
        (2026, 200 * 60, 96000, 96000, CardStanding.REACHED),
        (2026, 200 * 60 - 1, 0, 96000, CardStanding.TOO_FEW_HOURS),
        (2026, 300 * 60, 96001, 96000, CardStanding.EXCLUDED),
    ],
)
def test_the_ehrenamtskarte_of_a_year(year, minutes, flat, limit, standing):
    assert ehrenamtskarte(year, minutes, flat, limit).standing == standing


def test_limit_use():
    use = LimitUse(AllowanceLimit.EHRENAMT, 96000, 101200)
    assert (use.over, use.left_cents, use.name) == (True, 0, "Ehrenamtspauschale")
    assert not LimitUse(AllowanceLimit.EHRENAMT, 96000, 96000).over
    assert not LimitUse(AllowanceLimit.EHRENAMT, None, 10**9).over


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def year_of_work(ki, create_helper, coordinator):
    """Rates: 10 €/h and 0.30 €/km from 2025, 12 €/h and 0.35 €/km from 1 July 2026 (Berlin)."""
    allowance_rate(ki, date(2025, 1, 1), 1000, 30)
    allowance_rate(ki, date(2026, 7, 1), 1200, 35)
    helper = create_helper(display_name="Dilan Helferin")
    work = {
        # 31.12.2025 23:30 Berlin: 2025. 60 min, 10 km → 10,00 + 3,00 = 13,00 €
        "A": reported(helper, coordinator, utc(2025, 12, 31, 22, 30), minutes=60, km=10),
        # 01.01.2026 00:30 Berlin (still 2025 in UTC): 2026. 90 min, 20 km → 15,00 + 6,00 = 21,00 €
        "B": reported(helper, coordinator, utc(2025, 12, 31, 23, 30), minutes=90, km=20),
        # 30.06.2026 23:30 Berlin, the old rate: 45 min → 7,50 €, a ticket 7,40 € → 14,90 €
        "C": reported(helper, coordinator, utc(2026, 6, 30, 21, 30), minutes=45, ticket_cents=740),
        # 01.07.2026 00:30 Berlin (30 June in UTC), the new rate: 50 min, 12 km → 10,00 + 4,20 = 14,20 €
        "D": reported(helper, coordinator, utc(2026, 6, 30, 22, 30), minutes=50, km=12),
        # A written translation due 31.12.2026: 100 min at 12 € → 20,00 €
        "E": reported(helper, coordinator, None, minutes=100, due_on=date(2026, 12, 31)),
        # Not approved yet: not counted.
        "F": reported(helper, coordinator, utc(2026, 11, 10, 9), minutes=180, km=10, approved=False),
        # 01.01.2027 00:30 Berlin: 2027.
        "G": reported(helper, coordinator, utc(2026, 12, 31, 23, 30), minutes=60),
    }
    return helper, work


def test_a_year_counts_its_berlin_days_at_the_rates_of_their_days(year_of_work):
    helper, _work = year_of_work
    total = year_total(helper.ki_id, helper.id, 2026)
    assert len(total.lines) == 4  # B, C, D, E
    assert (total.minutes, total.km, total.ticket_cents) == (285, 32, 740)
    assert total.cents == 2100 + 1490 + 1420 + 2000
    assert total.flat_cents == 1500 + 750 + 1000 + 2000  # the part per hour
    assert [line.cents for line in total.lines] == [2100, 1490, 1420, 2000]
    assert year_total(helper.ki_id, helper.id, 2025).cents == 1300
    assert year_total(helper.ki_id, helper.id, 2027).cents == 1200


def test_the_warning_before_approving_goes_over_the_limit(year_of_work, coordinator):
    helper, work = year_of_work
    # Three long days at the new rate (24 h × 12 € = 288,00 € each): 70,10 + 864,00 = 934,10 €.
    for day in (3, 4, 5):
        reported(helper, coordinator, utc(2026, 8, day, 6), minutes=1440)
    # F: 180 min at 12 € = 36,00 € and 10 km at 0,35 € = 3,50 €: 973,60 € > 960,00 €.
    use = use_after_approval(work["F"])
    assert (use.paid_cents, use.limit_cents, use.over) == (97360, 96000, True)
    assert over_limit_warnings([work["F"]]) == {work["F"].id: use}
    # The Übungsleiterpauschale (3.300 €) leaves room.
    helper.allowance_limit = AllowanceLimit.UEBUNGSLEITER
    assert not use_after_approval(work["F"]).over
    assert over_limit_warnings([work["F"]]) == {}


def test_no_warning_within_the_limit(year_of_work):
    _helper, work = year_of_work
    use = use_after_approval(work["F"])
    assert (use.paid_cents, use.over) == (7010 + 3950, False)
