"""Which KIs serve a place: by a town's name or by a postcode (``reference.places.kis_serving``)."""

from __future__ import annotations

import pytest

from ki_match.extensions import db
from ki_match.reference.places import PlaceKind, kis_serving, place_kind
from ki_match.reference.towns import add_town
from tests.factories import other_ki, town

HEINSBERG_KEY = "05370016"  # postcode 52525, shared with Waldfeucht


@pytest.mark.parametrize(
    "text, kind",
    [
        ("52525", PlaceKind.POSTCODE),
        (" 37671 ", PlaceKind.POSTCODE),
        ("12", PlaceKind.DIGITS),
        ("123456", PlaceKind.DIGITS),
        ("abcde", PlaceKind.NAME),
        ("５２５２５", PlaceKind.NAME),
        ("", PlaceKind.NAME),
    ],
)
def test_what_a_search_text_names(text, kind):
    assert place_kind(text) is kind


def test_a_postcode_finds_a_town_typed_in_by_its_name(ki):
    assert kis_serving("37671") == {ki: ["Höxter"]}  # the demo towns have no key


def test_a_postcode_finds_a_town_by_its_key_whatever_it_is_called(ki):
    other = other_ki()
    add_town(other, name="Stadt Heinsberg", lat=51.06, lon=6.1, municipality_key=HEINSBERG_KEY)
    add_town(other, name="Waldfeucht", lat=51.06, lon=6.0, municipality_key="05370032")
    assert kis_serving("52525") == {other: ["Stadt Heinsberg", "Waldfeucht"]}


def test_a_key_of_another_municipality_beats_the_name(ki):
    add_town(other_ki(), name="Heinsberg", lat=51.06, lon=6.1, municipality_key="05762020")
    assert kis_serving("52525") == {}


def test_only_served_towns_of_active_kis_count(ki):
    other = other_ki()
    add_town(other, name="Heinsberg", lat=51.06, lon=6.1, municipality_key=HEINSBERG_KEY, served=False)
    town("Höxter").served = False
    db.session.flush()
    assert kis_serving("52525") == {} and kis_serving("37671") == {} and kis_serving("Höxter") == {}
    assert kis_serving("Paderborn") == {other: ["Paderborn"]}
    other.active = False
    db.session.flush()
    assert kis_serving("33098") == {}


@pytest.mark.parametrize("text", ["12", "123456", "10115", "abcde"])
def test_what_is_no_served_place_finds_nothing(ki, text):
    assert kis_serving(text) == {}
