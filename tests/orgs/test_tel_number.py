"""A phone number as a tel: link dials it: digits and a leading +, whatever people typed around them."""

from __future__ import annotations

import pytest

from ki_match.orgs.settings import tel_number


@pytest.mark.parametrize(
    ("typed", "dialled"),
    [
        ("05271 965-0", "052719650"),
        ("05271/965-0", "052719650"),
        (" (05271) 965 0 ", "052719650"),
        ("+49 5271 965-0", "+4952719650"),
        ("+49 (0)5271 965-0", "+4952719650"),  # the trunk 0 is wrong after the country code
        ("+49 ( 0 ) 5271 9650", "+4952719650"),
        ("0049 5271 9650", "004952719650"),  # dialled as typed: 00 is the international prefix
        ("05271 (0) 9650", "0527109650"),  # a national number keeps every digit
        ("٠٥٢٧١ ٩٦٥٠", "052719650"),  # Arabic-Indic digits
        ("+49\u00a05271\u2009965-0", "+4952719650"),  # no-break and thin spaces
        ("Tel. 05271 965-0", "052719650"),
    ],
)
def test_the_number_is_dialled_as_digits_with_a_leading_plus(typed, dialled):
    assert tel_number(typed) == dialled


@pytest.mark.parametrize("typed", [None, "", "   ", "bitte anrufen", "+", "²"])
def test_no_digits_means_no_link(typed):
    assert tel_number(typed) is None


def test_the_template_filter_is_registered(app):
    assert app.jinja_env.filters["tel_number"]("+49 (0)5271 965-0") == "+4952719650"
