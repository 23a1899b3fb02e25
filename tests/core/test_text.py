"""Text as typed: what input loses."""

from ki_match.core.text import clean_text


def test_input_loses_nul_bytes_and_bidi_controls():
    assert clean_text("a\x00b\u202ec\u202a\u2066d\u2069") == "abcd"
    assert clean_text("Zeile 1\nZeile 2\tmit Tab") == "Zeile 1\nZeile 2\tmit Tab"
    assert clean_text(None) is None
