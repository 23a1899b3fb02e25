"""On a phone (390×844) the main navigation waits behind "Menü", a disclosure that needs no
script: a helper and a coordinator find it, open it, see where they are, and go on; every page's
own content (its h1) is on the first screen; tables scroll in a box the keyboard can reach."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.requests.models import RequestStatusChange
from tests.browser.conftest import follow, main_navigation, open_menu

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def assert_content_first(page) -> None:
    """The header takes at most a fifth of the screen and the page's h1 is on the first screen."""
    header = page.locator(".site-header").bounding_box()
    assert header["y"] + header["height"] < PHONE["height"] / 5, header
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert heading["y"] + heading["height"] <= PHONE["height"], heading


def assert_marked(link) -> None:
    """The current page's link says so to a screen reader and to the eye (bold, a bar beside it)."""
    expect(link).to_have_attribute("aria-current", "page")
    expect(link).to_have_css("font-weight", "700")
    expect(link).to_have_css("border-inline-start-width", "4px")


# (role, the start page's h1, the link to follow, where it leads, that page's h1)
JOURNEYS = [
    (Role.HELPER, re.compile("^Hallo "), re.compile(r"^Anfragen( \(\d+\))?$"), r"/inbox$", "Anfragen an Sie"),
    (Role.COORDINATOR, "Was jetzt ansteht", re.compile("^Anfragen$"), r"/requests$", "Anfragen"),
]


@pytest.mark.parametrize(("role", "start_h1", "link", "url", "h1"), JOURNEYS, ids=["helper", "coordinator"])
def test_the_menu_on_a_phone(role, start_h1, link, url, h1, page, axe, log_in):
    page.set_viewport_size(PHONE)
    log_in(page, role)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(start_h1)
    nav = main_navigation(page)
    toggle = nav.locator("summary")
    expect(toggle).to_be_visible()
    expect(toggle).to_contain_text("Menü")
    expect(nav.get_by_role("link")).to_have_count(0)  # closed: no rows of links before the content
    assert_content_first(page)
    axe.check(page)

    # Open by keyboard, as a disclosure does without any script.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".nav-menu")).to_have_attribute("open", "")
    assert_marked(nav.get_by_role("link", name="Übersicht"))
    expect(nav.get_by_role("button", name="Abmelden")).to_be_visible()
    axe.check(page)
    target = nav.get_by_role("link", name=link)
    # A number worth seeing (offers to answer, calls to make) is on the closed toggle as well as in
    # the menu: each entry that shows one, whatever other journeys left in the shared demo data.
    counted = [
        text for text in nav.locator(".nav-menu-list a").all_inner_texts() if re.search(r"\(\d+\)$", text)
    ]
    if counted:
        expect(toggle.locator(".nav-count")).to_have_text(counted)
    else:
        expect(toggle.locator(".nav-count")).to_have_count(0)
    follow(target)

    expect(page).to_have_url(re.compile(url))
    expect(page.get_by_role("heading", level=1)).to_have_text(h1)
    expect(page.locator(".nav-menu")).not_to_have_attribute("open", "")  # a new page, the menu closed
    assert_content_first(page)
    axe.check(page)
    open_menu(page)
    assert_marked(nav.get_by_role("link", name=link))
    axe.check(page)
    assert page.problems.take() == []


def test_the_row_of_links_on_a_wide_screen_becomes_the_menu_on_a_phone(page, log_in):
    log_in(page, Role.COORDINATOR)
    page.goto("/requests")
    nav = main_navigation(page)
    expect(nav.locator("summary")).to_be_hidden()
    expect(nav.get_by_role("link", name="Berichte")).to_be_visible()
    expect(nav.locator(".nav-wide [aria-current=page]")).to_have_text("Anfragen")
    page.set_viewport_size(PHONE)
    expect(nav.get_by_role("link", name="Berichte")).to_be_hidden()
    open_menu(page)
    expect(nav.get_by_role("link", name="Berichte")).to_be_visible()
    open_menu(page)  # already open: stays open
    expect(page.locator(".nav-menu")).to_have_attribute("open", "")
    assert page.problems.take() == []


def _request_with_the_longest_history(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(RequestStatusChange.request_id)
            .group_by(RequestStatusChange.request_id)
            .order_by(func.count().desc(), RequestStatusChange.request_id)
            .limit(1)
        )


def test_wide_tables_scroll_by_keyboard_on_a_phone(page, live_server, axe, log_in):
    page.set_viewport_size(PHONE)
    log_in(page, Role.COORDINATOR)
    page.goto("/verzeichnis/abdeckung")
    region = page.get_by_role("region", name=re.compile("^Helfende je Sprache und Ort"))
    assert region.evaluate("(box) => box.scrollWidth > box.clientWidth"), "the coverage table fits a phone?"
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    axe.check(page)

    page.goto(f"/requests/{_request_with_the_longest_history(live_server.app)}")
    expect(page.get_by_role("region", name="Statusänderungen und Vermerke dieser Anfrage")).to_have_attribute(
        "tabindex", "0"
    )
    axe.check(page)
    assert page.problems.take() == []
