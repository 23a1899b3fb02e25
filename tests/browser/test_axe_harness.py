"""The accessibility check itself: it finds what it is meant to find, also where it looks at colour
contrast in the header only (the second width of ``check_both_widths`` and the crawl)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _ids(violations) -> set[str]:
    return {violation["id"] for violation in violations}


def test_contrast_is_found_in_the_whole_page_or_only_in_the_header(page, axe):
    page.goto("/login")
    assert axe.violations(page) == []
    page.evaluate(
        """() => {
          for (const where of ["header", "main"]) {
            const text = document.createElement("p");
            text.textContent = "Kaum lesbar";
            text.style.color = "#eee";  // through the CSSOM: the page's CSP refuses style attributes
            text.style.background = "#fff";
            text.dataset.pale = where;
            document.querySelector(where === "header" ? ".site-header" : "main").append(text);
          }
        }"""
    )
    whole = axe.violations(page)
    assert "color-contrast" in _ids(whole)
    contrast = [node["target"] for v in whole if v["id"] == "color-contrast" for node in v["nodes"]]
    assert sorted(contrast) == [['p[data-pale="header"]'], ['p[data-pale="main"]']]

    header_only = [
        v for v in axe.violations(page, contrast_within=".site-header") if v["id"] == "color-contrast"
    ]
    assert [node["target"] for v in header_only for node in v["nodes"]] == [['p[data-pale="header"]']]

    # Other rules still look at the whole page.
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert "image-alt" in _ids(axe.violations(page, contrast_within=".site-header"))
