"""A KI's own tax-free limits (ki_match.orgs.settings): a year's Ehrenamts- and
Übungsleiterpauschale laid over the installation's ALLOWANCE_LIMITS, empty = the installation's;
the statements hold a helper against her KI's; and /admin/settings changes them (audited)."""

from __future__ import annotations

import pytest

from ki_match.accounts.models import Role
from ki_match.helpers.models import AllowanceLimit
from ki_match.orgs.models import KiAllowanceLimit
from ki_match.orgs.settings import allowance_limits, set_allowance_limits
from ki_match.statements.queries import limit_for
from tests.factories import first_ki, other_ki
from tests.support import audit_events

INSTALLED = {
    2021: {"ehrenamt": 84000, "uebungsleiter": 300000},
    2026: {"ehrenamt": 96000, "uebungsleiter": 330000},
}


@pytest.fixture(autouse=True)
def installed(app):
    app.config["ALLOWANCE_LIMITS"] = INSTALLED


def html(response) -> str:
    return response.get_data(as_text=True)


def test_without_its_own_a_ki_has_the_installations(ki):
    assert allowance_limits(ki) == INSTALLED


def test_a_years_amounts_hold_from_that_year_an_empty_one_is_the_installations(ki, coordinator):
    assert set_allowance_limits(ki, coordinator, 2024, 100000, None)
    limits = allowance_limits(ki)
    assert limits[2024] == {"ehrenamt": 100000, "uebungsleiter": 300000}  # the installation's of 2024
    assert limits[2026] == INSTALLED[2026]  # a later year of the installation still counts
    assert allowance_limits(other_ki()) == INSTALLED  # only this KI's


def test_the_statement_holds_her_against_her_kis_limit(ki, coordinator, create_helper):
    helper = create_helper()
    assert limit_for(helper, 2027) == 96000
    set_allowance_limits(ki, coordinator, 2027, 120000, 400000)
    assert limit_for(helper, 2027) == 120000
    helper.allowance_limit = AllowanceLimit.UEBUNGSLEITER
    assert limit_for(helper, 2027) == 400000
    assert limit_for(helper, 2026) == 330000


def test_both_empty_removes_the_year_and_each_change_is_audited(ki, coordinator):
    set_allowance_limits(ki, coordinator, 2027, 120000, None)
    assert not set_allowance_limits(ki, coordinator, 2027, 120000, None)  # nothing changed
    set_allowance_limits(ki, coordinator, 2027, None, None)
    assert allowance_limits(ki) == INSTALLED
    events = audit_events("ki.settings_changed")
    assert [(e.detail["field"], e.detail["year"]) for e in events] == [("allowance_limits", 2027)] * 2


# --- the settings page ---------------------------------------------------------------------------


def test_the_admin_sees_the_years_in_force_and_the_form(client, login_as):
    login_as(Role.ADMIN)
    page = html(client.get("/admin/settings"))
    assert 'action="/admin/settings/limits"' in page
    assert "960,00" in page and "3.300,00" in page and "der Installation" in page


def test_saving_a_year_without_javascript(client, login_as):
    login_as(Role.ADMIN)
    data = {"year": "2027", "ehrenamt": "1.200,00", "uebungsleiter": ""}
    response = client.post("/admin/settings/limits", data=data)
    assert response.status_code == 303 and response.location.endswith("/admin/settings#limits-heading")
    row = first_ki_row(2027)
    assert (row.ehrenamt_cents, row.uebungsleiter_cents) == (120000, None)
    page = html(client.get("/admin/settings"))
    assert "Die Pauschalen ab 2027 sind gespeichert." in page and "diesem KI" in page


@pytest.mark.parametrize(
    ("year", "amount", "message"),
    [
        ("", "100", "Bitte geben Sie das Jahr an."),
        ("1999", "100", "Bitte ein Jahr von 2000 bis 2100."),
        ("2027", "zwölf", "Bitte geben Sie einen Betrag in Euro"),
        ("2027", "100001", "Höchstens 100.000 Euro."),
    ],
)
def test_bad_input_is_422_next_to_the_field_and_kept(client, login_as, year, amount, message):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/settings/limits", data={"year": year, "ehrenamt": amount, "uebungsleiter": ""}
    )
    assert response.status_code == 422
    assert message in html(response) and f'value="{amount}"' in html(response)
    assert first_ki_row(2027) is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.HELPER, Role.INITIATIVE])
def test_only_admins(client, login_as, role):
    login_as(role)
    assert client.post("/admin/settings/limits", data={"year": "2027", "ehrenamt": "1"}).status_code == 403
    assert first_ki_row(2027) is None


def first_ki_row(year: int) -> KiAllowanceLimit | None:
    from ki_match.extensions import db

    db.session.expire_all()
    return db.session.scalar(
        db.select(KiAllowanceLimit).where(
            KiAllowanceLimit.ki_id == first_ki().id, KiAllowanceLimit.year == year
        )
    )
