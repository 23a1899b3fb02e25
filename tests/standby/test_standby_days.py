"""/standby: a helper names the days she is "auf Abruf" (today up to 8 weeks ahead), sees and
removes them; bad days come back with the message next to the field; nobody else's days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.standby.models import StandbyDay
from ki_match.standby.services import refusal
from tests.factories import PASSWORD, make_helper
from tests.support import audit_events, htmx_headers


def _html(response) -> str:
    return response.get_data(as_text=True)


def _days(profile) -> list:
    db.session.expire_all()
    return db.session.scalars(select(StandbyDay.day).where(StandbyDay.helper_id == profile.id)).all()


@pytest.fixture
def amina(client, ki):
    profile = make_helper(ki=ki)
    assert client.post("/login", data={"email": profile.user.email, "password": PASSWORD}).status_code == 303
    return profile


@pytest.mark.parametrize(
    ("offset", "taken", "refused"),
    [
        (0, False, None),
        (56, False, None),
        (57, False, "8 Wochen"),
        (-1, False, "vorbei"),
        (3, True, "schon auf Abruf"),
    ],
)
def test_which_days_may_be_named(ki, offset, taken, refused):
    profile = make_helper(ki=ki)
    day = local_today() + timedelta(days=offset)
    if taken:
        db.session.add(StandbyDay(helper_id=profile.id, day=day))
        db.session.commit()
    reason = refusal(profile, day)
    assert (reason is None) if refused is None else (refused in reason)


def test_the_inbox_links_to_the_page_which_starts_empty(client, amina):
    assert 'href="/standby"' in _html(client.get("/inbox"))
    html = _html(client.get("/standby"))
    assert 'name="day"' in html and "Sie sind an keinem Tag auf Abruf." in html


def test_a_day_is_added_shown_and_removed(client, amina):
    day = local_today() + timedelta(days=3)
    response = client.post("/standby", data={"day": day.isoformat()})
    assert (response.status_code, response.headers["Location"]) == (303, "/standby")
    assert _days(amina) == [day]
    assert audit_events("standby.added")[0].detail["day"] == day.isoformat()
    html = _html(client.get("/standby"))
    assert day.strftime("%Y") in html and "Ihre Tage auf Abruf" in html and "(1)" in html
    standby_id = db.session.scalar(select(StandbyDay.id).where(StandbyDay.helper_id == amina.id))
    response = client.post(f"/standby/{standby_id}/remove")
    assert response.status_code == 303 and _days(amina) == []
    assert audit_events("standby.removed")


def test_with_htmx_only_the_panel_comes_back(client, amina):
    day = local_today() + timedelta(days=5)
    response = client.post(
        "/standby", data={"day": day.strftime("%d.%m.%Y")}, headers=htmx_headers("standby-panel")
    )
    html = _html(response)
    assert response.status_code == 200 and "<html" not in html and 'id="standby-panel"' in html
    assert "auf Abruf" in html and "(1)" in html
    standby_id = db.session.scalar(select(StandbyDay.id).where(StandbyDay.helper_id == amina.id))
    response = client.post(f"/standby/{standby_id}/remove", headers=htmx_headers("standby-panel"))
    assert response.status_code == 200 and "Sie sind an keinem Tag auf Abruf." in _html(response)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Bitte wählen Sie einen Tag."),
        ("morgen", "Bitte als Datum eingeben"),
        ("PAST", "vorbei"),
        ("FAR", "8 Wochen"),
        ("TAKEN", "schon auf Abruf"),
    ],
)
def test_a_bad_day_answers_422_with_the_message_and_the_typed_value(client, amina, value, message):
    today = local_today()
    taken = today + timedelta(days=2)
    db.session.add(StandbyDay(helper_id=amina.id, day=taken))
    db.session.commit()
    typed = {
        "PAST": (today - timedelta(days=1)).isoformat(),
        "FAR": (today + timedelta(weeks=9)).isoformat(),
        "TAKEN": taken.isoformat(),
    }.get(value, value)
    for headers in ({}, htmx_headers("standby-panel")):
        response = client.post("/standby", data={"day": typed}, headers=headers)
        html = _html(response)
        assert response.status_code == 422 and message in html
        assert f'value="{typed}"' in html if typed else True
    assert _days(amina) == [taken]


def test_nobody_removes_another_helpers_day(client, amina, ki):
    other = make_helper(ki=ki)
    theirs = StandbyDay(helper_id=other.id, day=local_today())
    db.session.add(theirs)
    db.session.commit()
    assert client.post(f"/standby/{theirs.id}/remove").status_code == 404
    assert client.post("/standby/999999/remove").status_code == 404
    assert _days(other) == [local_today()]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_only_helpers_have_standby_days(client, login_as, role):
    login_as(role)
    assert client.get("/standby").status_code == 403
    assert client.post("/standby", data={"day": local_today().isoformat()}).status_code == 403
