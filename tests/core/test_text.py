"""Text as typed and as shown: what input loses, and the one short name of a helper."""

import pytest

from ki_match.core.text import clean_text, normalise_name, short_name


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Amina Haddad", "Amina H."),
        ("Amina\u00a0Haddad", "Amina H."),
        ("Amina\tHaddad", "Amina H."),
        ("  Amina \u2003 Maria  Haddad ", "Amina H."),
        ("Amina Maria  Haddad", "Amina H."),
        ("Cher", "Cher"),
        ("", "–"),
        (None, "–"),
    ],
)
def test_short_name_splits_at_any_whitespace(typed, shown):
    assert short_name(typed) == shown


def test_input_loses_nul_bytes_and_bidi_controls_and_names_get_plain_spaces():
    assert clean_text("a\x00b\u202ec\u202a\u2066d\u2069") == "abcd"
    assert clean_text("Zeile 1\nZeile 2\tmit Tab") == "Zeile 1\nZeile 2\tmit Tab"
    assert clean_text(None) is None
    assert normalise_name(" Amina\u00a0\t Haddad\x00\n") == "Amina Haddad"
