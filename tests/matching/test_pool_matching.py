"""The shared pool in matching: other KIs' helpers as candidates, only with every consent, by the
same rules, filtered by language in SQL, shown by first name."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import event

from ki_match.extensions import db
from ki_match.helpers.models import Absence
from ki_match.matching import queries, services
from ki_match.matching.engine import HelperFacts, Kind, RequestFacts, hard_rule_failures
from ki_match.orgs.models import Ki
from ki_match.reference.models import Level
from ki_match.requests.models import AssignmentStatus, HelpRequest, RequestKind
from tests.factories import (
    berlin,
    booked,
    in_pool,
    make_available_helper,
    make_request,
    next_tuesday,
    other_ki,
    sharing,
)

TIGRINYA = (("ti", Level.NATIVE), ("de", Level.B2))


@pytest.fixture
def elsewhere(ki):
    """The second KI; both KIs share their pools."""
    other = other_ki()
    sharing(ki, other)
    return other


def tuesday_request(ki, coordinator, kind=RequestKind.REMOTE, **columns):
    """Next Tuesday 10:00–11:30, Tigrinya at B1; by phone unless ``kind`` says otherwise."""
    columns.setdefault("where", None)
    columns.setdefault("starts_at", berlin(next_tuesday(), time(10)))
    return make_request(ki=ki, created_by=coordinator, kind=kind, lang="ti", **columns)


def saba(other, **pool):
    """A Tigrinya speaker of the other KI, free on Tuesday mornings, living in Paderborn."""
    helper = make_available_helper(ki=other, home="Paderborn", languages=TIGRINYA, display_name="Saba Tesfay")
    return in_pool(helper, **pool)


def test_a_phone_request_with_no_own_match_finds_other_kis_helpers_by_first_name(ki, coordinator, elsewhere):
    helper = saba(elsewhere)
    request = tuesday_request(ki, coordinator)

    result = services.match(request, pool=True)

    assert result.candidates == []
    assert [c.helper.id for c in result.pool] == [helper.id]
    entry = result.pool[0]
    assert entry.helper.name == "Saba"
    assert entry.helper.ki_name == "Anderes KI"
    assert "Muttersprache Tigrinya" in entry.reasons
    assert not any("Tesfay" in reason or "Paderborn" in reason for reason in entry.reasons)
    # Only the request page asks the pool.
    assert services.match(request).pool == []


def test_an_own_candidate_means_the_pool_is_not_asked(ki, coordinator, elsewhere):
    saba(elsewhere)
    in_pool(make_available_helper(ki=ki, languages=TIGRINYA), remote=False)
    result = services.match(tuesday_request(ki, coordinator), pool=True)
    assert len(result.candidates) == 1
    assert result.pool == []


@pytest.mark.parametrize(
    "missing", ["asking_ki", "helpers_ki", "helper_remote", "helper_remote_but_in_person"]
)
def test_every_consent_is_needed(ki, coordinator, elsewhere, missing):
    helper = saba(elsewhere)
    if missing == "asking_ki":
        ki.shares_pool = False
    elif missing == "helpers_ki":
        elsewhere.shares_pool = False
    elif missing == "helper_remote":
        helper.pool_remote_ok = False
    else:
        helper.pool_remote_ok, helper.pool_in_person_ok = False, True
    db.session.commit()
    request = tuesday_request(ki, coordinator)

    assert services.match(request, pool=True).pool == []
    # The engine says why as well, for "why not?" and for sending.
    if missing != "asking_ki":
        assert "pool" in {failure.rule for failure in services.why_not(request, helper)}


def test_the_pool_is_filtered_by_language_in_sql(ki, coordinator, elsewhere):
    tigrinya = saba(elsewhere)
    arabic = in_pool(make_available_helper(ki=elsewhere, home="Paderborn"))
    too_weak = in_pool(
        make_available_helper(ki=elsewhere, home="Paderborn", languages=(("ti", Level.A2), ("de", Level.B2)))
    )
    request = tuesday_request(ki, coordinator)

    chosen = set(queries.pool_helpers(queries.request_facts(request)))

    assert chosen == {tigrinya.id}
    assert arabic.id not in chosen and too_weak.id not in chosen


def test_the_pool_query_leaves_the_planner_setting_as_it_found_it(ki, coordinator, elsewhere):
    """On PostgreSQL the pool's select runs with its kept plan; the transaction's setting is put
    back afterwards, whatever it was."""
    tigrinya = saba(elsewhere)
    request = tuesday_request(ki, coordinator)
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    connection.exec_driver_sql("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")

    assert queries.pool_helpers(queries.request_facts(request)) == [tigrinya.id]
    assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"


def test_no_pool_query_when_no_other_ki_shares(ki, coordinator, elsewhere):
    saba(elsewhere)
    elsewhere.shares_pool = False
    request = tuesday_request(ki, coordinator)
    db.session.flush()
    ran = []

    def note(connection, cursor, statement, *args):
        ran.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert queries.pool_helpers(queries.request_facts(request)) == []
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert ran and not [statement for statement in ran if "helper_language" in statement]


def test_an_own_helper_is_never_in_the_pool_query(ki, coordinator, elsewhere):
    own = in_pool(make_available_helper(ki=ki, languages=TIGRINYA))
    request = tuesday_request(ki, coordinator)
    assert own.id not in set(queries.pool_helpers(queries.request_facts(request)))


def test_an_assignment_in_her_own_ki_blocks_the_time(ki, coordinator, elsewhere):
    helper = saba(elsewhere)
    request = tuesday_request(ki, coordinator)
    at_home = tuesday_request(
        elsewhere, coordinator=None, starts_at=request.starts_at + timedelta(minutes=30)
    )
    booked(at_home, helper)

    assert services.match(request, pool=True).pool == []
    assert "busy" in {failure.rule for failure in services.why_not(request, helper)}


def test_her_assignments_in_any_ki_count_towards_her_monthly_cap(ki, coordinator, elsewhere):
    helper = saba(elsewhere, monthly_cap=1)
    earlier = tuesday_request(ki, coordinator, starts_at=berlin(next_tuesday(), time(8)), minutes=30)
    booked(earlier, helper, status=AssignmentStatus.COMPLETED)
    request = tuesday_request(ki, coordinator)

    assert "cap" in {failure.rule for failure in services.why_not(request, helper)}


def test_an_assignment_in_a_ki_that_has_stopped_sharing_still_counts_towards_her_cap(
    ki, coordinator, elsewhere
):
    helper = saba(elsewhere, monthly_cap=1)
    third = Ki(slug="kreis-drei", name="Kreis Drei", shares_pool=True)
    db.session.add(third)
    db.session.commit()
    there = tuesday_request(third, None, starts_at=berlin(next_tuesday(), time(8)), minutes=30)
    booked(there, helper, status=AssignmentStatus.COMPLETED)
    third.shares_pool = False
    db.session.commit()
    request = tuesday_request(ki, coordinator)

    assert "cap" in {failure.rule for failure in services.why_not(request, helper)}
    assert services.match(request, pool=True).pool == []


def test_in_person_only_with_that_consent_and_within_her_travel_distance(ki, coordinator, elsewhere):
    """Paderborn to Brakel is about 29 km as the crow flies."""
    near = saba(elsewhere, remote=False, in_person=True, max_travel_km=40)
    saba(elsewhere, remote=False, in_person=True, max_travel_km=20)
    saba(elsewhere, remote=True, in_person=False, max_travel_km=40)
    request = tuesday_request(ki, coordinator, kind=RequestKind.ACCOMPANIMENT, where="Brakel")

    result = services.match(request, pool=True)

    assert [c.helper.id for c in result.pool] == [near.id]
    reasons = result.pool[0].reasons
    assert "wohnt 29 km entfernt" in reasons
    assert not any("Paderborn" in reason for reason in reasons)


def test_written_translations_use_the_remote_consent(ki, coordinator, elsewhere):
    helper = saba(elsewhere)
    request = make_request(ki=ki, created_by=coordinator, kind=RequestKind.WRITTEN, where=None, lang="ti")
    assert [c.helper.id for c in services.match(request, pool=True).pool] == [helper.id]


def test_the_pool_costs_the_same_statements_however_many_speak_the_language(app, ki, coordinator, elsewhere):
    request = tuesday_request(ki, coordinator)

    def statements_for_match() -> int:
        count = 0

        def count_statement(*args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            db.session.expire_all()
            services.match(db.session.get(HelpRequest, request.id), pool=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count_statement)
        return count

    saba(elsewhere)
    few = statements_for_match()
    for _ in range(6):
        saba(elsewhere)
    assert statements_for_match() == few


# --- the engine alone --------------------------------------------------------------------------


def _engine_facts(**helper):
    request = RequestFacts(
        id=1,
        kind=Kind.REMOTE,
        language_ids=(9,),
        min_level=3,
        starts_at=None,
        ends_at=None,
        due_on=None,
        place=None,
        gender_pref=None,
        qualified_required=False,
        topic_id=None,
        client_ref=None,
        ki_id=1,
        shares_pool=True,
    )
    facts = HelperFacts(id=5, name="Saba", languages={9: 7}, german_level=4, remote_ok=True, **helper)
    return request, facts


@pytest.mark.parametrize(
    ("helper", "fails"),
    [
        ({"ki_id": 1}, False),  # her own KI's: no pool rule
        ({"ki_id": 2, "ki_shares_pool": True, "pool_remote_ok": True}, False),
        ({"ki_id": 2, "ki_shares_pool": False, "pool_remote_ok": True}, True),
        ({"ki_id": 2, "ki_shares_pool": True, "pool_remote_ok": False, "pool_in_person_ok": True}, True),
    ],
)
def test_the_engine_holds_the_pool_rule(helper, fails):
    request, facts = _engine_facts(**helper)
    rules = {failure.rule for failure in hard_rule_failures(request, facts, lambda _id: "Tigrinya")}
    assert ("pool" in rules) == fails


def test_the_pool_leaves_out_in_sql_only_those_the_week_plan_or_an_absence_rules_out(
    ki, coordinator, elsewhere
):
    """The pre-filter may only drop helpers the engine's "slot" and "absent" rules would drop."""
    tuesday = next_tuesday()
    layouts = {
        "morning": [(1, time(9), time(13))],
        "joined": [(1, time(9), time(10, 30)), (1, time(10, 30), time(12))],  # one window 9–12
        "gap": [(1, time(9), time(10, 15)), (1, time(10, 45), time(12))],
        "late": [(1, time(10, 15), time(13))],
        "early_end": [(1, time(8), time(11))],
        "wednesday": [(2, time(9), time(13))],
        "evening": [(1, time(18), time(21))],
    }
    helpers = {}
    for name, slots in layouts.items():
        helper = make_available_helper(ki=elsewhere, home="Paderborn", languages=TIGRINYA, slots=slots)
        helpers[name] = in_pool(helper)
    away = in_pool(make_available_helper(ki=elsewhere, home="Paderborn", languages=TIGRINYA))
    db.session.add(Absence(helper_id=away.id, first_day=tuesday, last_day=tuesday))
    helpers["away"] = away
    db.session.commit()

    dropped = set()
    for hour, minute, minutes in ((10, 0, 90), (10, 30, 60), (9, 0, 30), (12, 0, 60), (19, 0, 90)):
        request = tuesday_request(
            ki, coordinator, starts_at=berlin(tuesday, time(hour, minute)), minutes=minutes
        )
        kept = set(queries.pool_helpers(queries.request_facts(request)))
        for name, helper in helpers.items():
            failed = {failure.rule for failure in services.why_not(request, helper)}
            if not failed & {"slot", "absent"}:
                assert helper.id in kept, (hour, minute, name)
            elif helper.id not in kept:
                dropped.add((hour, name))
    # and it does leave people out: the wrong day, the wrong hours, away that day
    assert {(10, "wednesday"), (10, "evening"), (10, "away"), (19, "morning")} <= dropped
