"""The request flag "Kinder / besonders schutzbedürftige Personen": set on the coordinator's form and
on an initiative's, stored, shown in the request's facts, and matched only to helpers with a valid
police certificate (no checkbox to ask anyone else)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ki_match.accounts.models import Role
from ki_match.extensions import db
from tests.desk.test_requests_views import body, form_data, newest_request
from tests.initiatives.test_initiatives import _far_enough, _form
from tests.support import htmx_headers

FLAG = "Kinder / besonders schutzbedürftige Personen – nur mit gültigem Führungszeugnis"


@pytest.fixture
def desk(coordinator, auth):
    """The coordinator, logged in."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


def test_the_coordinator_sets_the_flag_and_the_request_page_shows_it(client, desk):
    assert 'name="protects_vulnerable"' in body(client.get("/requests/new"))
    response = client.post("/requests/new", data=form_data(protects_vulnerable="y"))
    assert response.status_code == 303
    created = newest_request()
    assert created.protects_vulnerable
    page = body(client.get(f"/requests/{created.id}"))
    assert f"<dt>Schutzbedarf</dt><dd>{FLAG}</dd>" in page

    response = client.post(f"/requests/{created.id}/edit", data=form_data())
    assert response.status_code == 303
    db.session.expire_all()
    assert not newest_request().protects_vulnerable
    assert "<dt>Schutzbedarf</dt><dd>nein</dd>" in body(client.get(f"/requests/{created.id}"))


def test_a_helper_without_a_certificate_is_a_near_miss_nobody_can_tick(client, desk, available_helper):
    amina = available_helper(display_name="Amina K.")
    basma = available_helper(display_name="Basma R.")
    basma.police_certificate_seen_on = date.today()
    db.session.commit()
    response = client.post(
        "/requests/preview",
        data=form_data(protects_vulnerable="y"),
        headers=htmx_headers("candidates-preview"),
    )
    html = body(response)
    assert response.status_code == 200
    assert "1 passende Person, 1 fast passend" in html and "kein Führungszeugnis vorgelegt" in html

    client.post("/requests/new", data=form_data(protects_vulnerable="y"))
    html = body(client.get(f"/requests/{newest_request().id}"))
    assert "kein Führungszeugnis vorgelegt" in html
    assert re.search(rf'name="helper_ids" value="{basma.id}"', html)
    assert not re.search(rf'name="helper_ids" value="{amina.id}"', html)


def test_the_initiative_sets_the_flag_and_sees_it(client, auth, coordinator):
    auth.as_role(Role.INITIATIVE)
    assert 'name="protects_vulnerable"' in body(client.get("/initiative/requests/new"))
    response = client.post("/initiative/requests/new", data=_form(_far_enough(), protects_vulnerable="y"))
    assert response.status_code == 303
    created = newest_request()
    assert created.protects_vulnerable
    page = body(client.get(f"/initiative/requests/{created.id}"))
    assert f"<dt>Schutzbedarf</dt><dd>{FLAG}</dd>" in page
