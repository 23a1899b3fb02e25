""" "Warum nicht?" names the place the request page actually shows a helper (ki_match.matching.placement),
checked against the ranking the lists are drawn from."""

from __future__ import annotations

from datetime import time

from ki_match.extensions import db
from ki_match.matching.placement import Place, explain
from ki_match.matching.services import match
from ki_match.reference.models import Level
from ki_match.requests.models import Offer, OfferStatus

ALL: dict[str, int] = {}


def test_a_candidate_is_named_with_its_place_in_the_list(brakel_request, available_helper):
    available_helper(display_name="Amina K.")
    second = available_helper(display_name="Zahra M.", languages=(("ar", Level.B2), ("de", Level.C1)))
    answer = explain(brakel_request, second, shown=ALL)
    ranked = [entry.helper.id for entry in match(brakel_request).candidates]
    assert (answer.place, answer.position) == (Place.CANDIDATES, ranked.index(second.id) + 1)
    assert answer.place_text == f"passt – steht in der Liste der Passenden auf Platz {answer.position}."
    assert not answer.failures and answer.offer_text is None


def test_one_failed_rule_is_shown_under_fast_passend(brakel_request, available_helper):
    busy = available_helper(display_name="Basma R.", slots=[(3, time(9), time(13))])
    answer = explain(brakel_request, busy, shown=ALL)
    assert answer.place == Place.NEAR_MISSES
    assert [entry.helper.id for entry in match(brakel_request).near_misses] == [busy.id]
    assert answer.place_text == "scheitert an einer Bedingung – steht unter „Fast passend“ auf Platz 1:"
    assert [failure.rule for failure in answer.failures] == ["slot"]


def test_one_failed_rule_the_lists_never_look_at_is_said_to_be_in_no_list(brakel_request, available_helper):
    """Someone who speaks none of the languages fails one rule, yet no list holds them: the answer
    must not send the coordinator to "Fast passend"."""
    olena = available_helper(display_name="Olena P.", languages=(("uk", Level.NATIVE), ("de", Level.C1)))
    answer = explain(brakel_request, olena, shown=ALL)
    assert [failure.rule for failure in answer.failures] == ["language"]
    result = match(brakel_request)
    assert olena.id not in {entry.helper.id for entry in result.candidates + result.near_misses}
    assert answer.place == Place.NOWHERE and "steht aber in keiner Liste" in answer.place_text


def test_an_account_the_ranking_never_sees_names_its_reason(brakel_request, available_helper):
    """An unconfirmed e-mail address is no rule of the ranking: the answer would have said "passt"."""
    unverified = available_helper(display_name="Nadia S.")
    unverified.user.email_verified_at = None
    db.session.commit()
    answer = explain(brakel_request, unverified, shown=ALL)
    assert answer.place == Place.NOWHERE
    assert [failure.reason for failure in answer.failures] == ["E-Mail-Adresse ist noch nicht bestätigt"]
    assert "passt" not in answer.place_text


def test_several_failed_rules_are_in_no_list(brakel_request, available_helper):
    far = available_helper(
        display_name="Yusuf T.", languages=(("ar", Level.B1), ("de", Level.A2)), home="Warburg"
    )
    answer = explain(brakel_request, far, shown=ALL)
    assert answer.place == Place.NOWHERE and len(answer.failures) == 3
    assert answer.place_text == "scheitert an 3 Bedingungen – steht deshalb in keiner Liste:"


def test_beyond_what_the_list_shows_first_says_how_to_see_them(brakel_request, available_helper):
    helpers = [available_helper(display_name=f"Passt {number}") for number in range(3)]
    last = max(helpers, key=lambda h: explain(brakel_request, h, shown=ALL).position)
    assert explain(brakel_request, last, shown={"candidates": 2}).hidden
    assert "alle anzeigen" in explain(brakel_request, last, shown={"candidates": 2}).place_text
    assert not explain(brakel_request, last, shown={"candidates": 3}).hidden


def test_someone_asked_already_is_also_found_among_the_people_asked(brakel_request, available_helper):
    amina = available_helper(display_name="Amina K.")
    db.session.add(Offer(request_id=brakel_request.id, helper_id=amina.id, status=OfferStatus.DECLINED))
    db.session.commit()
    answer = explain(brakel_request, amina, shown=ALL)
    assert answer.place == Place.NEAR_MISSES and answer.failures[0].rule == "declined"
    assert answer.offer_text == "Wurde schon angefragt (abgelehnt) – steht auch unter „Angefragte Helfende“."
