"""The safeguarding gates as hard rules of the engine: the KI's confidentiality and training gates,
and the police certificate a request for children or vulnerable people needs."""

from __future__ import annotations

from datetime import date

import pytest

from ki_match.matching.engine import hard_rule_failures, rank
from tests.matching.test_matching_engine import helper, name, request

TODAY = date(2026, 12, 8)  # the requests' Tuesday
GATES = {"needs_confidentiality": True, "needs_training": True}
CHECKED = {"confidentiality_signed_on": date(2026, 1, 5), "training_completed_on": date(2026, 2, 1)}


def failures(req, h) -> list[tuple[str, str]]:
    return [(failure.rule, failure.reason) for failure in hard_rule_failures(req, h, name)]


@pytest.mark.parametrize(
    ("gates", "checks", "expected"),
    [
        # Both gates on: each missing check is its own rule.
        (GATES, CHECKED, []),
        (
            GATES,
            {**CHECKED, "confidentiality_signed_on": None},
            [("confidentiality", "Schweigepflichterklärung fehlt")],
        ),
        (GATES, {**CHECKED, "training_completed_on": None}, [("training", "Basisqualifizierung fehlt")]),
        (
            GATES,
            {},
            [
                ("confidentiality", "Schweigepflichterklärung fehlt"),
                ("training", "Basisqualifizierung fehlt"),
            ],
        ),
        # A gate that is off is no rule at all.
        (
            {"needs_confidentiality": False, "needs_training": True},
            {"training_completed_on": date(2026, 2, 1)},
            [],
        ),
        (
            {"needs_confidentiality": True, "needs_training": False},
            {"confidentiality_signed_on": date(2026, 1, 5)},
            [],
        ),
        ({}, {}, []),
    ],
)
def test_the_kis_gates(gates, checks, expected):
    assert failures(request(**gates), helper(**checks)) == expected


def vulnerable(needed_on: date = TODAY, today: date = TODAY):
    return request(certificate_needed_on=needed_on, today=today)


@pytest.mark.parametrize(
    ("valid_until", "needed_on", "expected"),
    [
        (date(2027, 3, 1), TODAY, []),
        (TODAY, TODAY, []),  # valid exactly until the day
        (date(2026, 12, 7), TODAY, [("police_certificate", "Führungszeugnis abgelaufen am 7.12.2026")]),
        (date(2026, 11, 3), TODAY, [("police_certificate", "Führungszeugnis abgelaufen am 3.11.2026")]),
        (None, TODAY, [("police_certificate", "kein Führungszeugnis vorgelegt")]),
        # Valid today, but not on the day of the work any more.
        (
            date(2026, 12, 20),
            date(2026, 12, 21),
            [("police_certificate", "Führungszeugnis gilt nur bis 20.12.2026")],
        ),
        (date(2026, 12, 21), date(2026, 12, 21), []),
    ],
)
def test_a_police_certificate_for_children_and_vulnerable_people(valid_until, needed_on, expected):
    assert failures(vulnerable(needed_on), helper(police_certificate_valid_until=valid_until)) == expected


def test_no_certificate_needed_without_the_flag():
    assert failures(request(today=TODAY), helper(police_certificate_valid_until=None)) == []


def test_a_helper_failing_one_gate_is_a_near_miss_that_names_it_and_may_be_asked():
    result = rank(request(**GATES), [helper(**{**CHECKED, "confidentiality_signed_on": None})], name)
    assert result.candidates == []
    [miss] = result.near_misses
    assert [failure.reason for failure in miss.failures] == ["Schweigepflichterklärung fehlt"]
    assert miss.askable


def test_a_near_miss_for_the_certificate_may_not_be_asked():
    result = rank(vulnerable(), [helper(police_certificate_valid_until=date(2026, 12, 7))], name)
    [miss] = result.near_misses
    assert [failure.rule for failure in miss.failures] == ["police_certificate"]
    assert not miss.askable


def test_failing_a_gate_and_another_rule_is_out():
    result = rank(request(**GATES, gender_pref="female"), [helper(gender="male", **CHECKED)], name)
    assert result.near_misses and result.near_misses[0].failures[0].rule == "gender"
    result = rank(request(**GATES, gender_pref="female"), [helper(gender="male")], name)
    assert result.candidates == [] and result.near_misses == []
