"""When an htmx request fails, the person is told so in the live region, never left guessing.

The failures are produced by intercepting the request in the browser: what is tested here is the
page's reaction (static/js/app.js and the texts on #flash in base.html), not the server.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.accounts.services import user_by_email
from ki_match.extensions import db
from tests.browser.conftest import DEMO_LOGINS, choose_language

pytestmark = pytest.mark.browser

RESULTS = re.compile(r"/requests\?")


def _failing(page):
    """The browser and htmx log a failed request to the console; here that is the point."""
    page.problems.expect_console_error(r"status of \d{3}|Response Status Error|net::ERR|sendError|htmx:")
    return page


def _search(page, text: str) -> None:
    page.get_by_label("Suchen").fill(text)
    page.get_by_label("Suchen").press("Enter")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "Das gibt es nicht (mehr). Bitte laden Sie die Seite neu."),
        (429, "Zu viele Versuche in kurzer Zeit."),
        (403, "Dafür fehlt Ihnen die Berechtigung."),
        (500, "Das hat nicht geklappt. Bitte laden Sie die Seite neu"),
    ],
)
def test_an_error_answer_is_announced(new_page, log_in, axe, status, message):
    page = _failing(new_page())
    log_in(page, Role.COORDINATOR)
    page.goto("/requests")
    results = page.locator("#request-results").inner_html()
    page.route(RESULTS, lambda route: route.fulfill(status=status, body="kaputt", content_type="text/html"))

    _search(page, "Elternabend")

    expect(page.locator("#flash")).to_contain_text(message)
    assert page.locator("#flash .flash-error").count() == 1
    assert page.locator("#request-results").inner_html() == results, "an error answer must not be swapped in"
    axe.check(page)


def test_an_unreachable_server_is_announced(new_page, log_in):
    page = _failing(new_page())
    log_in(page, Role.COORDINATOR)
    page.goto("/requests")
    page.route(RESULTS, lambda route: route.abort("connectionrefused"))

    _search(page, "Elternabend")

    expect(page.locator("#flash")).to_contain_text("Der Server ist nicht erreichbar.")


@pytest.fixture
def coordinator_language_restored(live_server):
    """The language switch is saved on the shared demo account: put it back for the next tests."""
    yield
    with live_server.app.app_context():
        user_by_email(DEMO_LOGINS[Role.COORDINATOR]).locale = None
        db.session.commit()


@pytest.mark.usefixtures("coordinator_language_restored")
def test_the_message_follows_the_page_language(new_page, log_in):
    page = _failing(new_page())
    log_in(page, Role.COORDINATOR)
    page.goto("/requests")
    choose_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.route(RESULTS, lambda route: route.fulfill(status=404, body="gone", content_type="text/html"))

    page.get_by_label("Search").fill("parents")
    page.get_by_label("Search").press("Enter")

    expect(page.locator("#flash")).to_contain_text("That does not exist (any more). Please reload the page.")
