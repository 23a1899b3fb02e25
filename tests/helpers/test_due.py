"""Checks that come due: the renewal day and its boundaries, and the list's SQL agreeing with it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.helpers.due import (
    DueFilters,
    DueOrder,
    DueState,
    check_due,
    due_page,
    renewal_day,
    seen_before,
)
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import police_certificate, record_checks
from tests.factories import first_ki, make_helper, other_ki

TODAY = date(2026, 12, 4)


def police(seen_on, *, years=5, today=TODAY):
    return check_due("police_certificate", seen_on, valid_years=years, today=today)


@pytest.mark.parametrize(
    ("seen_on", "state", "due_on"),
    [
        (None, "missing", None),
        (date(2021, 12, 4), "due_soon", date(2026, 12, 4)),  # runs out today: still valid today
        (date(2021, 12, 3), "expired", date(2026, 12, 3)),  # ran out yesterday
        (date(2022, 1, 29), "due_soon", date(2027, 1, 29)),  # in exactly 8 weeks
        (date(2022, 1, 30), "ok", date(2027, 1, 30)),  # 8 weeks and a day
    ],
)
def test_police_certificate_boundary_days(seen_on, state, due_on):
    assert TODAY + timedelta(weeks=8) == date(2027, 1, 29)
    found = police(seen_on)
    assert (found.state, found.due_on) == (state, due_on)


def test_declaration_and_training_do_not_expire():
    long_ago = date(2000, 1, 1)
    assert check_due("confidentiality", long_ago, valid_years=1, today=TODAY).state == "ok"
    assert check_due("qualification", long_ago, valid_years=1, today=TODAY).state == "ok"
    assert check_due("qualification", None, valid_years=1, today=TODAY).state == "missing"


def test_leap_day_certificate_renews_on_the_last_day_of_february():
    assert renewal_day(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert renewal_day(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert police(date(2024, 2, 29), years=1, today=date(2025, 2, 28)).state == "due_soon"
    assert police(date(2024, 2, 29), years=1, today=date(2025, 3, 1)).state == "expired"
    # Seen on 28 Feb of a year before a leap year: it runs out on 28 Feb, before the 29th.
    assert police(date(2027, 2, 28), years=1, today=date(2028, 2, 29)).state == "expired"


def test_seen_before_is_the_exact_threshold_across_leap_years():
    """``renewal_day(x) < day`` exactly when ``x < seen_before(day)``, day by day over eight years."""
    for years in (1, 3, 5):
        day = date(2024, 1, 1)
        while day < date(2032, 1, 1):
            threshold = seen_before(day, years)
            assert renewal_day(threshold, years) >= day
            assert renewal_day(threshold - timedelta(days=1), years) < day
            day += timedelta(days=1)


def test_the_same_renewal_day_as_the_helpers_page():
    profile = HelperProfile(police_certificate_seen_on=date(2024, 2, 29))
    assert police_certificate(profile, valid_years=3, today=TODAY).renew_by == renewal_day(
        date(2024, 2, 29), 3
    )


def _names(page) -> list[str]:
    return [row.profile.user.display_name for row in page.items]


@pytest.fixture
def pool(app):
    """One helper per case, in the first KI (certificates valid 5 years by default), and one elsewhere."""
    complete = {"confidentiality_signed_on": date(2020, 1, 1), "qualification_completed_on": date(2020, 1, 1)}
    cases = {
        "Alle da": date(2024, 6, 1),
        "Bald fällig": date(2021, 12, 20),
        "Heute fällig": date(2021, 12, 4),
        "Abgelaufen": date(2021, 12, 3),
        "Ohne Zeugnis": None,
    }
    for name, seen in cases.items():
        helper = make_helper(display_name=name)
        for column, value in complete.items():
            setattr(helper, column, value)
        helper.police_certificate_seen_on = seen
    declaration_missing = make_helper(display_name="Ohne Erklärung", checked=False)
    declaration_missing.qualification_completed_on = date(2020, 1, 1)
    declaration_missing.police_certificate_seen_on = date(2025, 1, 1)
    gone = make_helper(display_name="Deaktiviert")
    gone.user.active = False
    make_helper(ki=other_ki(), display_name="Anderes KI", email="anders@example.org")
    db.session.commit()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (DueState.ALL, ["Ohne Zeugnis", "Ohne Erklärung", "Abgelaufen", "Heute fällig", "Bald fällig"]),
        (DueState.MISSING, ["Ohne Zeugnis", "Ohne Erklärung"]),
        (DueState.EXPIRED, ["Abgelaufen"]),
        (DueState.DUE_SOON, ["Heute fällig", "Bald fällig"]),
    ],
)
def test_list_by_state_most_urgent_first(pool, state, expected):
    page = due_page(first_ki(), DueFilters(state=state), today=TODAY)
    assert _names(page) == expected
    assert page.total == len(expected)
    # What the SQL chose agrees with the rule each row is drawn with.
    for row in page.items:
        assert not row.complete
        if state != DueState.ALL:
            assert state.value in {check.state for check in row.checks}


def test_list_by_name_and_in_pages(pool, monkeypatch):
    by_name = due_page(first_ki(), DueFilters(order=DueOrder.NAME), today=TODAY)
    assert _names(by_name) == sorted(_names(by_name))
    monkeypatch.setattr("ki_match.helpers.due.PAGE_SIZE", 2)
    second = due_page(first_ki(), DueFilters(page=2), today=TODAY)
    assert (second.page, second.pages, _names(second)) == (2, 3, ["Abgelaufen", "Heute fällig"])


def test_the_kis_own_validity_counts(pool):
    ki = first_ki()
    ki.police_certificate_valid_years = 3
    db.session.commit()
    page = due_page(ki, DueFilters(state=DueState.EXPIRED), today=TODAY)
    assert _names(page) == ["Abgelaufen", "Heute fällig", "Bald fällig"]


def test_record_checks_keeps_who_saw_each_and_forgets_it_when_taken_back(create_user):
    staff, other = create_user(Role.COORDINATOR), create_user(Role.ADMIN)
    helper = make_helper()
    record_checks(
        helper, staff, confidentiality_signed_on=date(2026, 1, 5), police_certificate_seen_on=date(2026, 1, 5)
    )
    record_checks(
        helper, other, police_certificate_seen_on=date(2026, 2, 1), confidentiality_signed_on=date(2026, 1, 5)
    )
    assert (helper.confidentiality_seen_by_id, helper.police_certificate_seen_by_id) == (staff.id, other.id)
    assert helper.qualification_seen_by_id is None
    record_checks(helper, other, confidentiality_signed_on=None)
    assert helper.confidentiality_seen_by_id is None
