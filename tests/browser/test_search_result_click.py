"""A result found by searching as you type can be clicked however slowly the finger or mouse is.

Pressing on a result takes the focus from the search field, which fires its "change" event. The
field has already asked for these results while it was typed in; if that event asked again, the
answer would replace the results under the pointer between press and release, and the browser
would drop the click (press and release on two different links): the visitor stays on the list.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import search_as_you_type, settle

pytestmark = pytest.mark.browser


def press_and_release_after_htmx(page, link) -> None:
    """Press on ``link``, let htmx finish whatever the press set off, then release."""
    link.scroll_into_view_if_needed()
    box = link.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    settle(page)
    page.mouse.up()


def test_a_result_of_the_ki_chooser_opens_on_a_slow_click(new_page, live_server):
    page = new_page()
    page.goto("/k/")
    search_as_you_type(page, "Name, Ort oder Postleitzahl", "Höxter")
    link = page.locator("#ki-results").get_by_role("link", name="Kreis Höxter")
    expect(link).to_be_visible()

    press_and_release_after_htmx(page, link)

    expect(page).to_have_url(re.compile(r"/k/[a-z0-9-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Höxter")
