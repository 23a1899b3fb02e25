"""The safeguarding gates against the database: the KI's settings and the helper's recorded checks
decide who is a candidate, a near miss ("Fast passend") or out, and "Warum nicht?" names the rule."""

from __future__ import annotations

from datetime import date

from ki_match.clock import local_date, local_today
from ki_match.extensions import db
from ki_match.helpers.services import add_months
from ki_match.matching import services
from ki_match.matching.placement import Place, explain
from tests.factories import other_ki, sharing
from tests.matching.test_pool_matching import saba, tuesday_request

ALL = {}


def places(request) -> dict[str, list[str]]:
    result = services.match(request)
    return {
        "candidates": [entry.helper.name for entry in result.candidates],
        "near": [(entry.helper.name, entry.failures[0].reason) for entry in result.near_misses],
    }


def test_without_a_declaration_she_is_a_near_miss_while_the_gate_is_on(ki, brakel_request, available_helper):
    available_helper(display_name="Amina K.")
    missing = available_helper(display_name="Basma R.")
    missing.confidentiality_signed_on = None
    db.session.commit()
    assert places(brakel_request) == {
        "candidates": ["Amina K."],
        "near": [("Basma R.", "Schweigepflichterklärung fehlt")],
    }
    answer = explain(brakel_request, missing, shown=ALL)
    assert answer.place == Place.NEAR_MISSES
    assert [failure.reason for failure in answer.failures] == ["Schweigepflichterklärung fehlt"]

    ki.gate_confidentiality = False
    db.session.commit()
    assert places(brakel_request)["candidates"] == ["Amina K.", "Basma R."]


def test_without_basic_training_she_is_a_near_miss_while_the_gate_is_on(ki, brakel_request, available_helper):
    untrained = available_helper(display_name="Basma R.")
    untrained.qualification_completed_on = None
    db.session.commit()
    assert places(brakel_request) == {"candidates": [], "near": [("Basma R.", "Basisqualifizierung fehlt")]}
    ki.gate_qualification = False
    db.session.commit()
    assert places(brakel_request)["candidates"] == ["Basma R."]


def test_both_checks_missing_is_out_of_every_list(brakel_request, available_helper):
    available_helper(display_name="Basma R.", checked=False)
    assert places(brakel_request) == {"candidates": [], "near": []}


def test_a_request_for_vulnerable_people_needs_a_certificate_valid_on_its_day(
    ki, brakel_request, available_helper
):
    brakel_request.protects_vulnerable = True
    ki.police_certificate_valid_years = 3
    day = local_date(brakel_request.starts_at)
    valid = available_helper(display_name="Amina K.")
    valid.police_certificate_seen_on = add_months(day, -36)  # valid exactly until the day
    expired = available_helper(display_name="Basma R.")
    expired.police_certificate_seen_on = add_months(local_today(), -36) - date.resolution
    available_helper(display_name="Chiara M.")
    db.session.commit()
    expired_on = add_months(expired.police_certificate_seen_on, 36)
    assert places(brakel_request) == {
        "candidates": ["Amina K."],
        "near": [
            (
                "Basma R.",
                f"Führungszeugnis abgelaufen am {expired_on.day}.{expired_on.month}.{expired_on.year}",
            ),
            ("Chiara M.", "kein Führungszeugnis vorgelegt"),
        ],
    }
    brakel_request.protects_vulnerable = False
    db.session.commit()
    assert places(brakel_request)["candidates"] == ["Amina K.", "Basma R.", "Chiara M."]


def test_the_shared_pool_is_held_to_the_asking_kis_gates(ki, coordinator):
    other = other_ki()
    sharing(ki, other)
    other.gate_confidentiality = False
    helper = saba(other, confidentiality_signed_on=None)
    request = tuesday_request(ki, coordinator)
    # Her own KI would not ask for the declaration; the asking one does, so she is no pool candidate.
    assert services.match(request, pool=True).pool == []
    ki.gate_confidentiality = False
    db.session.commit()
    assert [entry.helper.id for entry in services.match(request, pool=True).pool] == [helper.id]
