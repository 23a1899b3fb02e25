"""The NRW municipalities shipped as data: complete, well-formed, searchable."""

from __future__ import annotations

from ki_match.reference.municipalities import all_municipalities, by_key, by_postcode, search


def test_every_municipality_of_nrw_once():
    municipalities = all_municipalities()
    keys = [m.key for m in municipalities]
    assert len(municipalities) == 396
    assert len(set(keys)) == 396
    assert all(len(key) == 8 and key.isdigit() and key.startswith("05") for key in keys)
    # NRW lies between 50.3 and 52.6 °N, 5.8 and 9.5 °E
    assert all(50.3 < m.lat < 52.6 and 5.8 < m.lon < 9.5 for m in municipalities)


def test_hoexter_and_heinsberg_where_they_are():
    hoexter = by_key("05762020")
    assert hoexter.name == "Höxter"
    assert abs(hoexter.lat - 51.77) < 0.1 and abs(hoexter.lon - 9.38) < 0.1
    heinsberg = by_key("05370016")
    assert heinsberg.name == "Heinsberg"
    assert abs(heinsberg.lat - 51.06) < 0.1 and abs(heinsberg.lon - 6.10) < 0.1
    assert by_key("09162000") is None


def test_search_by_name_ignores_case_and_umlauts():
    for typed in ("Höxter", "höxter", "HOEXTER", "hoxter", "xter"):
        assert "05762020" in [m.key for m in search(typed)], typed
    names = [m.name for m in search("brakel")]
    assert names == ["Brakel"]
    # names that start with the text come before names that only contain it
    found = [m.name for m in search("heins")]
    assert found[0] == "Heinsberg"
    assert search("") == [] and search("   ") == []


def test_search_by_key_prefix_and_limit():
    in_hoexter = search("05762")
    assert len(in_hoexter) == 10 and all(m.key.startswith("05762") for m in in_hoexter)
    assert len(search("05", limit=20)) == 20
    assert len(search("a", limit=5)) == 5


def test_postcodes_where_known():
    assert [m.name for m in by_postcode("37671")] == ["Höxter"]
    assert by_postcode("10115") == []  # Berlin
    assert by_key("05762020").postcodes == ("37671",)
