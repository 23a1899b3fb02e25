"""At a phone's width every checkbox and radio button of a helper's forms sits beside its label,
on one line, and a tap on the label ticks it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_helper

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HELPER_FORMS = ("/profile/where", "/profile/more", "/profile/pool", "/account/notifications")

# Each box of the page's main part with its label's and its own box (a box with no label: null).
GEOMETRY = """() => [...document.querySelectorAll('main input[type=checkbox], main input[type=radio]')]
  .map(input => {
    const label = input.id && document.querySelector(`label[for="${input.id}"]`);
    const box = input.getBoundingClientRect();
    const text = label && label.getBoundingClientRect();
    return {id: input.id, beside: !!text && text.left >= box.right - 1 && text.top < box.bottom
            && text.bottom > box.top && text.right <= window.innerWidth};
  })"""


def misplaced(page) -> list[str]:
    boxes = page.evaluate(GEOMETRY)
    assert boxes, page.url
    return [f"{page.url} #{box['id']}" for box in boxes if not box["beside"]]


def test_checkboxes_sit_beside_their_labels_on_a_phone(live_server, new_page, log_in):
    with live_server.app.app_context():
        email = make_helper(display_name="Hevin B.").user.email
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/k/hoexter/register")
    found = misplaced(page)
    log_in(page, email, PASSWORD)
    for path in HELPER_FORMS:
        page.goto(path)
        found += misplaced(page)
    assert found == []

    # The label is the tap target.
    page.goto("/profile/where")
    box = page.get_by_role("checkbox", name="Ich kann auch am Telefon oder per Video dolmetschen.")
    was = box.is_checked()
    page.locator("label[for=remote_ok]").click()
    expect(box).to_be_checked(checked=not was)
