"""The matching engine as pure domain code: facts in, ranked candidates with reasons out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from ki_match.helpers.availability import Absence, Slot
from ki_match.matching.engine import (
    Busy,
    HelperFacts,
    Kind,
    Place,
    RequestFacts,
    hard_rule_failures,
    rank,
    travel_time,
)

BRAKEL = Place(1, "Brakel", 51.7165, 9.1845)
HOEXTER = Place(2, "Höxter", 51.7739, 9.3818)
WARBURG = Place(3, "Warburg", 51.4880, 9.1407)
AR, DE, FA, PRS = 10, 11, 12, 13
NAMES = {AR: "Arabisch", DE: "Deutsch", FA: "Persisch (Farsi)", PRS: "Dari"}


def name(language_id: int) -> str:
    return NAMES[language_id]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Tuesday 2026-12-08, 10:00–11:30 in Berlin (CET, UTC+1)
TUESDAY_10 = utc(2026, 12, 8, 9, 0)


def request(**changes) -> RequestFacts:
    base = RequestFacts(
        id=1,
        kind=Kind.ACCOMPANIMENT,
        language_ids=(AR,),
        min_level=4,
        starts_at=TUESDAY_10,
        ends_at=TUESDAY_10 + timedelta(minutes=90),
        due_on=None,
        place=BRAKEL,
        gender_pref=None,
        qualified_required=False,
        topic_id=5,
        client_ref="Familie A-17",
    )
    return replace(base, **changes)


def helper(**changes) -> HelperFacts:
    base = HelperFacts(
        id=changes.pop("id", 1),
        name=changes.pop("name", "Amina K."),
        languages={AR: 7, DE: 4},
        german_level=4,
        gender="female",
        home=BRAKEL,
        served_town_ids=frozenset({BRAKEL.town_id}),
        max_travel_km=20,
        slots=(Slot(1, time(9), time(13)), Slot(6, time(9), time(13)), Slot(0, time(9), time(13))),
    )
    return replace(base, **changes)


def rules(req, h) -> list[str]:
    return [failure.rule for failure in hard_rule_failures(req, h, name)]


def test_a_fitting_helper_passes_every_rule():
    assert rules(request(), helper()) == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"approved": False}, "approved"),
        ({"consent": False}, "consent"),
        ({"active": False}, "active"),
        ({"languages": {FA: 7, DE: 4}}, "language"),
        ({"languages": {AR: 3, DE: 4}}, "language"),
        ({"german_level": 2}, "german"),
        ({"absences": (Absence(date(2026, 12, 1), date(2026, 12, 12)),)}, "absent"),
        ({"slots": (Slot(2, time(9), time(13)),)}, "slot"),
        ({"slots": (Slot(1, time(10), time(11)),)}, "slot"),
        ({"gender": "male"}, "gender"),
        ({"home": WARBURG, "served_town_ids": frozenset(), "max_travel_km": 10}, "reach"),
        ({"assignments_in_month": 4, "monthly_cap": 4}, "cap"),
        ({"declined_this_request": True}, "declined"),
    ],
)
def test_each_hard_rule_fails_alone(changes, rule):
    req = request(gender_pref="female") if rule == "gender" else request()
    assert rules(req, helper(**changes)) == [rule]


def test_alternative_language_counts_but_asked_language_is_preferred():
    req = request(language_ids=(PRS, FA))
    assert rules(req, helper(languages={FA: 7, DE: 4})) == []
    assert rules(req, helper(languages={AR: 7, DE: 4})) == ["language"]


def test_qualification_required():
    req = request(qualified_required=True)
    assert rules(req, helper()) == ["qualified"]
    assert rules(req, helper(qualified=True)) == []


def test_travel_distance_reaches_a_town_not_served():
    # Brakel–Höxter is about 15 km as the crow flies
    far = helper(home=HOEXTER, served_town_ids=frozenset(), max_travel_km=20)
    near = helper(home=HOEXTER, served_town_ids=frozenset(), max_travel_km=10)
    assert rules(request(), far) == []
    assert rules(request(), near) == ["reach"]


def test_remote_and_written_need_no_travel_but_remote_needs_phone_or_video():
    remote = request(kind=Kind.REMOTE, place=None)
    assert rules(remote, helper(home=WARBURG, served_town_ids=frozenset(), max_travel_km=0)) == ["remote"]
    assert rules(remote, helper(home=WARBURG, remote_ok=True)) == []
    written = request(kind=Kind.WRITTEN, place=None, starts_at=None, ends_at=None, due_on=date(2026, 12, 11))
    # written translations need no German B1 and no slot
    assert rules(written, helper(german_level=2, slots=())) == []
    assert rules(written, helper(absences=(Absence(date(2026, 12, 10), date(2026, 12, 12)),))) == ["absent"]


def test_daylight_saving_sundays_are_matched_in_local_time():
    # Sunday slot 09:00–13:00 local. 10:00 local is 09:00Z in winter and 08:00Z in summer.
    sunday = helper(slots=(Slot(6, time(9), time(13)),))
    last_winter = request(starts_at=utc(2026, 3, 22, 9), ends_at=utc(2026, 3, 22, 11))
    first_summer = request(starts_at=utc(2026, 3, 29, 8), ends_at=utc(2026, 3, 29, 10))
    back_to_winter = request(starts_at=utc(2026, 10, 25, 9), ends_at=utc(2026, 10, 25, 11))
    assert rules(last_winter, sunday) == []
    assert rules(first_summer, sunday) == []
    assert rules(back_to_winter, sunday) == []
    # 08:00Z on 2026-10-25 is 09:00 local (CET) — inside; 07:00Z is 08:00 local — outside
    assert rules(request(starts_at=utc(2026, 10, 25, 8), ends_at=utc(2026, 10, 25, 9)), sunday) == []
    assert rules(request(starts_at=utc(2026, 10, 25, 7), ends_at=utc(2026, 10, 25, 8)), sunday) == ["slot"]


def test_travel_time_between_towns_is_a_buffer_around_other_assignments():
    assert travel_time(BRAKEL, BRAKEL) == timedelta(minutes=15)
    assert travel_time(WARBURG, HOEXTER) > timedelta(minutes=30)
    # an assignment in Warburg ending 15 minutes before: too close for the way to Höxter
    in_warburg = Busy(TUESDAY_10 - timedelta(hours=1), TUESDAY_10 - timedelta(minutes=15), WARBURG)
    in_hoexter = Busy(TUESDAY_10 - timedelta(hours=1), TUESDAY_10 - timedelta(minutes=15), HOEXTER)
    req = request(place=HOEXTER)
    h = helper(served_town_ids=frozenset({HOEXTER.town_id}))
    assert rules(req, replace(h, busy=(in_warburg,))) == ["busy"]
    assert rules(req, replace(h, busy=(in_hoexter,))) == []


@pytest.mark.parametrize(
    ("a", "b", "by_car", "minutes"),
    [
        (BRAKEL, BRAKEL, True, 15),  # the same town: a short break
        (BRAKEL, BRAKEL, False, 15),  # also without a car: no bus to take
        (BRAKEL, HOEXTER, True, 25),  # 19.5 km by road at 50 km/h, up to 5 minutes
        (BRAKEL, HOEXTER, False, 60),  # at 20 km/h by bus
        (WARBURG, HOEXTER, True, 60),  # 46.6 km
        (WARBURG, HOEXTER, False, 140),
    ],
)
def test_travel_time_is_slower_without_a_car(a, b, by_car, minutes):
    assert travel_time(a, b, by_car=by_car) == timedelta(minutes=minutes)


def test_a_helper_without_a_car_needs_more_time_between_towns():
    # 40 minutes between an assignment in Brakel and one in Höxter: enough by car, not by bus.
    in_brakel = Busy(TUESDAY_10 - timedelta(hours=1), TUESDAY_10 - timedelta(minutes=40), BRAKEL)
    req = request(place=HOEXTER)
    h = helper(served_town_ids=frozenset({HOEXTER.town_id}), busy=(in_brakel,))
    assert rules(req, h) == []
    assert rules(req, replace(h, has_car=False)) == ["busy"]


def test_ranking_explains_itself_and_prefers_fairness_and_continuity():
    busy_bee = helper(id=1, name="Amina K.", recent_assignments=6)
    newcomer = helper(id=2, name="Bilal S.")
    friend = helper(id=3, name="Chiara D.", recent_assignments=6, knows_client=True)
    result = rank(request(), [busy_bee, newcomer, friend], name)
    names = [c.helper.name for c in result.candidates]
    assert names.index("Bilal S.") < names.index("Amina K.")
    assert names.index("Chiara D.") < names.index("Amina K.")
    friend_reasons = next(c.reasons for c in result.candidates if c.helper.name == "Chiara D.")
    assert friend_reasons[0] == "kennt die Familie"
    assert "Muttersprache Arabisch" in friend_reasons
    assert "6 Einsätze in 30 Tagen" in friend_reasons


def test_distance_reason_and_score():
    req = request(place=HOEXTER)
    near = helper(id=1, name="Near", home=HOEXTER, served_town_ids=frozenset({HOEXTER.town_id}))
    far = helper(id=2, name="Far", home=BRAKEL, served_town_ids=frozenset({HOEXTER.town_id}))
    result = rank(req, [far, near], name)
    assert [c.helper.name for c in result.candidates] == ["Near", "Far"]
    assert "wohnt in Brakel, 15 km" in result.candidates[1].reasons


def test_near_misses_fail_exactly_one_rule_and_say_which():
    on_holiday = helper(id=1, name="Urlaub", absences=(Absence(date(2026, 12, 1), date(2026, 12, 12)),))
    two_problems = helper(id=2, name="Zwei", absences=on_holiday.absences, gender="male")
    result = rank(request(gender_pref="female"), [on_holiday, two_problems], name)
    assert result.candidates == []
    assert [c.helper.name for c in result.near_misses] == ["Urlaub"]
    assert result.near_misses[0].failures[0].reason == "abwesend bis 12.12."


def test_unreliable_helpers_rank_lower():
    steady = helper(id=1, name="Steady", offers_answered=10, offers_accepted=9)
    flaky = helper(id=2, name="Flaky", offers_answered=10, offers_accepted=2, no_shows=2)
    result = rank(request(), [flaky, steady], name)
    assert [c.helper.name for c in result.candidates] == ["Steady", "Flaky"]
    assert "2× nicht erschienen" in result.candidates[1].reasons
