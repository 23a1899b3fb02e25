"""Candidates on standby ("auf Abruf") for the request's day are marked and listed first among
equals, never above a better candidate; a standby day on another day counts for nothing."""

from __future__ import annotations

from datetime import timedelta

from ki_match.accounts.models import Role
from ki_match.clock import local_date
from ki_match.extensions import db
from ki_match.matching.engine import rank
from ki_match.matching.services import match
from ki_match.standby.models import StandbyDay
from tests.factories import PASSWORD, make_available_helper
from tests.matching.test_matching_engine import helper, name, request


def test_standby_breaks_ties_but_never_beats_a_better_score(app):
    equals = [helper(id=1, name="Anna"), helper(id=2, name="Berna"), helper(id=3, name="Cem", standby=True)]
    assert [c.helper.name for c in rank(request(), equals, name).candidates] == ["Cem", "Anna", "Berna"]
    better = helper(id=4, name="Dilan", knows_client=True)
    ranked = [c.helper.name for c in rank(request(), [*equals, better], name).candidates]
    assert ranked[:2] == ["Dilan", "Cem"]


def test_the_request_page_marks_and_lists_first_who_is_on_standby_that_day(
    client, ki, coordinator, tuesday_request
):
    request = tuesday_request()
    day = local_date(request.starts_at)
    anna = make_available_helper(ki=ki, display_name="Anna Standby")
    cem = make_available_helper(ki=ki, display_name="Cem Abruf")
    other_day = make_available_helper(ki=ki, display_name="Dora Anderertag")
    db.session.add_all(
        [
            StandbyDay(helper_id=cem.id, day=day),
            StandbyDay(helper_id=other_day.id, day=day + timedelta(days=1)),
        ]
    )
    db.session.commit()
    candidates = match(request).candidates
    assert candidates[0].helper.id == cem.id and candidates[0].helper.standby
    assert not any(c.helper.standby for c in candidates if c.helper.id in (anna.id, other_day.id))

    assert client.post("/login", data={"email": coordinator.email, "password": PASSWORD}).status_code == 303
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    cem_entry = html.split("Cem Abruf")[1].split("</li>")[0]
    assert "auf Abruf" in cem_entry
    assert "auf Abruf" not in html.split("Dora Anderertag")[1].split("</li>")[0]
    assert html.index("Cem Abruf") < html.index("Anna Standby")
    assert coordinator.role == Role.COORDINATOR
