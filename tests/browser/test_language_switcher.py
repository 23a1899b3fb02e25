"""The language switcher on a phone, in Arabic: the page runs from right to left, the switcher's
list opens on the screen (at the header's left edge, where a right-to-left header ends), and the
keyboard alone opens it, closes it and chooses another language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose_language

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_switching_from_arabic_by_keyboard_on_a_phone(page, axe):
    page.set_viewport_size(PHONE)
    page.goto("/privacy")
    choose_language(page, "ar")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    menu = page.locator(".locale-menu")
    toggle = menu.locator("summary")
    expect(toggle).to_contain_text("العربية")
    expect(menu.get_by_role("button")).to_have_count(0)  # closed: the seven wait behind it
    axe.check(page)

    toggle.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    # Escape closes it and leaves the keyboard on its button; Enter opens it again.
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    listed = menu.locator(".locale-list")
    expect(listed.get_by_role("button")).to_have_count(7)
    box = listed.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    expect(listed.locator("button[lang=ar]")).to_have_attribute("aria-pressed", "true")
    axe.check(page)

    # Tab from the toggle into the list, to English (the second of the seven), and press Enter.
    english = listed.locator("button[lang=en]")
    for _ in range(7):
        page.keyboard.press("Tab")
        if english.evaluate("(button) => button === document.activeElement"):
            break
    expect(english).to_be_focused()
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    assert page.url.endswith("/privacy")
    expect(menu.locator("summary")).to_contain_text("English")
