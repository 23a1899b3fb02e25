"""The newest action wins in every live htmx feature, however late the server answers.

The server is slowed on purpose for some requests (a WSGI wrapper around the live
app), so an older request would answer after a newer one; the page must end up
in the state of the newer action, and its URL with it.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from tests.browser.conftest import Problems, settle
from tests.factories import next_tuesday

pytestmark = pytest.mark.browser

Rule = Callable[[str, str, dict[str, list[str]]], float]


class SlowServer:
    """Slows chosen requests to the live server, and tells when the slowed ones have been answered."""

    def __init__(self):
        self.rules: list[Rule] = []
        self.pending = 0
        self.answered = 0
        self.changed = threading.Condition()

    def __call__(self, rule: Rule) -> None:
        """Each request waits ``rule(method, path, params)`` seconds before the app sees it."""
        self.rules.append(rule)

    def wrap(self, inner):
        def app(environ, start_response):
            wait = max((rule(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), _params(environ))
                        for rule in self.rules), default=0)  # fmt: skip
            if not wait:
                return inner(environ, start_response)
            with self.changed:
                self.pending += 1
            try:
                time.sleep(wait)
                return list(inner(environ, start_response))
            finally:
                with self.changed:
                    self.pending -= 1
                    self.answered += 1
                    self.changed.notify_all()

        return app

    def wait_for_slowed_answers(self, count: int = 1, timeout: float = 15) -> None:
        """Until at least ``count`` slowed requests have been answered, and none is still held back.

        A request the page should not have sent, but did, is then answered too, so
        the assertions that follow see what its late answer did to the page.
        """
        with self.changed:
            done = self.changed.wait_for(lambda: self.answered >= count and not self.pending, timeout)
        assert done, "a slowed request was never answered"


def _params(environ) -> dict[str, list[str]]:
    """The query string and, for a form post, the form fields (the body is put back for the app)."""
    params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        for name, values in parse_qs(body.decode(), keep_blank_values=True).items():
            params.setdefault(name, []).extend(values)
    return params


@pytest.fixture
def slow_server(live_server) -> Iterator[SlowServer]:
    """``slow_server(rule)`` slows requests by ``rule(method, path, params)`` seconds, for this test."""
    inner = live_server.app.wsgi_app
    slow = SlowServer()
    live_server.app.wsgi_app = slow.wrap(inner)
    try:
        yield slow
    finally:
        live_server.app.wsgi_app = inner


def _first(params: dict[str, list[str]], name: str) -> str | None:
    return params.get(name, [None])[0]


def still_on_the_all_tab(page, slow_server: SlowServer, searched: str, slowed: int) -> None:
    """Once the slowed requests have been answered: the tab click's result stands, with the text."""
    slow_server.wait_for_slowed_answers(slowed)
    settle(page)
    expect(page).to_have_url(re.compile(r"tab=all"))
    expect(page).to_have_url(re.compile(rf"q={searched}"))
    expect(page.locator("#results-heading")).to_have_text("alle")
    expect(page.locator("#tab-all")).to_have_attribute("aria-current", "page")


def test_a_search_answered_late_does_not_undo_a_tab_click(page, slow_server, log_in):
    """The search is still on its way when the tab is clicked: the tab wins, and keeps the search text."""
    slow_server(
        lambda method, path, params: 2.5 if path == "/requests" and _first(params, "q") == "langsam" else 0
    )
    log_in(page, Role.COORDINATOR)
    page.goto("/requests")
    settle(page)

    with page.expect_request(lambda request: "q=langsam" in request.url):
        page.get_by_label("Suchen").press_sequentially("langsam", delay=30)
    page.locator("#tab-all").click()

    expect(page).to_have_url(re.compile(r"tab=all"))
    expect(page.locator("#results-heading")).to_have_text("alle")
    still_on_the_all_tab(page, slow_server, "langsam", slowed=1)
    expect(page.get_by_label("Suchen")).to_have_value("langsam")


def test_a_search_still_waiting_out_its_delay_does_not_undo_a_tab_click(page, slow_server, log_in):
    """Typing, then a tab click within the search's 300 ms delay: the search must not fire after the click.

    The tab's answer is slowed so the search, if it fires, goes out while the tab is still on its
    way (and before the hidden tab field says "all"), and its own answer is slowed even more so
    it would land last.
    """

    def rule(method, path, params):
        if path != "/requests":
            return 0
        if _first(params, "tab") == "all":
            return 1.0
        return 2.0 if _first(params, "q") == "wartend" else 0

    slow_server(rule)
    log_in(page, Role.COORDINATOR)
    page.goto("/requests")
    settle(page)

    # One script, so the click surely falls within the delay, however loaded the machine is.
    page.evaluate(
        """() => {
          const field = document.getElementById("filter-q");
          field.value = "wartend";
          field.dispatchEvent(new KeyboardEvent("keyup", {key: "d", bubbles: true}));
          document.getElementById("tab-all").click();
        }"""
    )

    expect(page).to_have_url(re.compile(r"tab=all"))
    still_on_the_all_tab(page, slow_server, "wartend", slowed=1)


def test_live_validation_counts_the_field_still_being_typed_in(page, log_in):
    """The last required field is typed in and not left: the feedback must still see it."""
    log_in(page, Role.COORDINATOR)
    page.goto("/requests/new")
    feedback = page.locator("#form-feedback")
    page.get_by_label("Sprache", exact=True).select_option(label="Paschtu")
    page.get_by_label("Datum").fill(next_tuesday().isoformat())
    page.get_by_label("Beginn (Uhrzeit)").fill("10:00")
    page.get_by_label("Stadt").select_option(label="Brakel")
    duration = page.get_by_label("Dauer in Minuten")
    duration.fill("")
    page.get_by_label("Hinweise").click()
    expect(feedback).to_contain_text("Zum Öffnen fehlt noch: Dauer in Minuten")
    duration.click()
    settle(page)

    duration.press_sequentially("90", delay=50)
    expect(feedback).to_contain_text("Alle nötigen Angaben sind da.")
    expect(duration).to_be_focused()


def test_a_late_validation_answer_does_not_overwrite_a_newer_one(page, slow_server, log_in):
    """A full name is checked slowly; the corrected reference, checked later, answers first and stays."""
    slow_server(
        lambda method, path, params: (
            2.5 if path == "/requests/validate" and _first(params, "client_ref") == "Amina Haddad" else 0
        )
    )
    log_in(page, Role.COORDINATOR)
    page.goto("/requests/new")
    client_ref = page.get_by_label("Kennung der Klientin oder des Klienten")
    with page.expect_request(lambda request: request.url.endswith("/requests/validate")):
        client_ref.fill("Amina Haddad")
        page.get_by_label("Hinweise").click()
    client_ref.fill("Fall Q-1")
    page.get_by_label("Hinweise").click()

    slow_server.wait_for_slowed_answers()
    settle(page)
    expect(page.locator("#client_ref-error")).to_be_empty()
    expect(client_ref).not_to_have_attribute("aria-invalid", "true")


def _message(text: str, kind: str = "error") -> SimpleNamespace:
    return SimpleNamespace(
        text=text, type=kind, location={"url": "http://x/static/vendor/htmx.js", "lineNumber": 1}
    )


def test_the_harness_forgives_a_deliberate_abort_and_nothing_else():
    problems = Problems()
    problems.on_console(_message("htmx:afterRequest, [object HTMLDivElement]"))
    problems.on_console(_message("htmx:sendAbort, [object HTMLDivElement]"))
    assert problems.take() == []

    problems.on_console(_message("htmx:afterRequest, [object HTMLDivElement]"))
    problems.on_console(_message("htmx:sendError, [object HTMLDivElement]"))
    assert [line.split(" (")[0] for line in problems.take()] == [
        "console error: htmx:afterRequest, [object HTMLDivElement]",
        "console error: htmx:sendError, [object HTMLDivElement]",
    ]

    problems.on_console(_message("htmx:afterRequest, [object HTMLDivElement]"))
    assert len(problems.take()) == 1, "an afterRequest error with nothing after it is still an error"

    problems.on_console(_message("htmx:sendAbort, [object HTMLDivElement]"))
    assert len(problems.take()) == 1, "an abort htmx did not announce with afterRequest is not forgiven"
