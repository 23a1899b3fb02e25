"""Checks that come due ("Nachweise"): which of a helper's confidentiality declaration, training
(qualification) and police certificate is missing, runs out within eight weeks, or has run out.

The declaration and the training do not expire; the police certificate has to be shown again
``police_certificate_valid_years`` (a KI setting) after it was seen, on the day
``services.police_certificate`` computes. The list is one COUNT and one SELECT: a certificate's
renewal day is a monotone function of the day it was seen, so "renews before day t" is "seen
before ``seen_before(t)``", a date the database compares without date arithmetic of its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from ki_match.accounts.models import User
from ki_match.core import dates
from ki_match.db import Page, page_number
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import add_months
from ki_match.orgs.models import Ki
from ki_match.orgs.settings import settings_for

DUE_SOON = timedelta(weeks=8)
PAGE_SIZE = 25

# The checks in the order the page shows them: the profile's date column for each.
CHECKS = {
    "confidentiality": "confidentiality_signed_on",
    "qualification": "qualification_completed_on",
    "police_certificate": "police_certificate_seen_on",
}

CHECK_LABELS = {
    "confidentiality": _l("Schweigepflichterklärung"),
    "qualification": _l("Qualifizierung"),
    "police_certificate": _l("Erweitertes Führungszeugnis"),
}


class DueState(enum.StrEnum):
    ALL = "all"
    MISSING = "missing"
    DUE_SOON = "due_soon"
    EXPIRED = "expired"


class DueOrder(enum.StrEnum):
    DUE = "due"
    NAME = "name"


@dataclass(frozen=True)
class DueFilters:
    state: DueState = DueState.ALL
    order: DueOrder = DueOrder.DUE
    page: int = 1


@dataclass(frozen=True)
class CheckDue:
    """One check of one helper: ``state`` is ``missing``, ``due_soon``, ``expired`` or ``ok``;
    ``due_on`` the day it runs out (the police certificate only)."""

    check: str
    seen_on: date | None
    due_on: date | None
    state: str


@dataclass(frozen=True)
class DueRow:
    profile: HelperProfile
    checks: list[CheckDue]

    @property
    def complete(self) -> bool:
        return all(check.state == "ok" for check in self.checks)


def describe(item: CheckDue) -> str:
    """What needs doing about a check that is not in order, in the reader's language:
    "Erweitertes Führungszeugnis: abgelaufen am 3. November 2026"."""
    if item.state == "missing":
        state = _("fehlt")
    elif item.state == "expired":
        state = _("abgelaufen am %(date)s", date=dates.show(item.due_on, "day"))
    else:
        state = _("läuft ab am %(date)s", date=dates.show(item.due_on, "day"))
    return f"{CHECK_LABELS[item.check]}: {state}"


def renewal_day(seen_on: date, valid_years: int) -> date:
    """The day a certificate seen on ``seen_on`` has to be shown again (as ``services.police_certificate``)."""
    return add_months(seen_on, 12 * valid_years)


def seen_before(day: date, valid_years: int) -> date:
    """The first day a certificate can have been seen on and still renew on ``day`` or later:
    ``renewal_day(seen, years) < day`` exactly when ``seen < seen_before(day, years)``.

    Going back ``years`` from ``day`` lands on the answer, except where the month is shorter a
    year earlier (29 Feb → 28 Feb): then a certificate seen on that 28 Feb renews on 28 Feb,
    before ``day``, and the answer is the day after.
    """
    candidate = add_months(day, -12 * valid_years)
    if renewal_day(candidate, valid_years) < day:
        candidate += timedelta(days=1)
    return candidate


def check_due(check: str, seen_on: date | None, *, valid_years: int, today: date) -> CheckDue:
    if seen_on is None:
        return CheckDue(check, None, None, "missing")
    if check != "police_certificate":
        return CheckDue(check, seen_on, None, "ok")
    due_on = renewal_day(seen_on, valid_years)
    if due_on < today:
        state = "expired"
    elif due_on <= today + DUE_SOON:
        state = "due_soon"
    else:
        state = "ok"
    return CheckDue(check, seen_on, due_on, state)


def due_row(profile: HelperProfile, *, valid_years: int, today: date) -> DueRow:
    checks = [
        check_due(check, getattr(profile, column), valid_years=valid_years, today=today)
        for check, column in CHECKS.items()
    ]
    return DueRow(profile, checks)


def _conditions(state: DueState, *, valid_years: int, today: date):
    """The WHERE clause of one state (or of any, for ``ALL``) on the helper's profile."""
    seen = HelperProfile.police_certificate_seen_on
    expired_before = seen_before(today, valid_years)
    due_before = seen_before(today + DUE_SOON + timedelta(days=1), valid_years)
    missing = or_(*(getattr(HelperProfile, column).is_(None) for column in CHECKS.values()))
    if state == DueState.MISSING:
        return missing
    if state == DueState.EXPIRED:
        return seen < expired_before
    if state == DueState.DUE_SOON:
        return and_(seen >= expired_before, seen < due_before)
    return or_(missing, seen < due_before)


def due_page(ki: Ki, filters: DueFilters, *, today: date) -> Page:
    """The KI's active helpers with a check missing or coming due, one page of ``DueRow``: by the
    most urgent first (a missing check, then the certificate that runs out first), or by name."""
    valid_years = settings_for(ki).police_certificate_valid_years
    base = (
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(
            HelperProfile.ki_id == ki.id,
            User.active.is_(True),
            User.deleted_at.is_(None),
            _conditions(filters.state, valid_years=valid_years, today=today),
        )
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page, pages = page_number(total, filters.page, PAGE_SIZE)
    if filters.order == DueOrder.NAME:
        order = (User.display_name, HelperProfile.id)
    else:
        missing_first = case(
            (_conditions(DueState.MISSING, valid_years=valid_years, today=today), 0), else_=1
        )
        order = (
            missing_first,
            HelperProfile.police_certificate_seen_on.nulls_first(),
            User.display_name,
            HelperProfile.id,
        )
    profiles = db.session.scalars(
        base.options(contains_eager(HelperProfile.user))
        .order_by(*order)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    rows = [due_row(profile, valid_years=valid_years, today=today) for profile in profiles]
    return Page(rows, total, page, pages)
