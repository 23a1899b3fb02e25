"""An initiative looks for help in the directory: languages and a town chosen in the form,
the results swap in place with the URL pushed, a free-text search as one types, the next
page; the coverage table filtered; axe after every swap. No helper's surname anywhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from tests.browser.conftest import follow, settle

pytestmark = pytest.mark.browser


def _surnames(app) -> set[str]:
    with app.app_context():
        names = [profile.user.display_name.split() for profile in db.session.scalars(select(HelperProfile))]
        first = {words[0] for words in names if words}
        return {words[-1] for words in names if len(words) > 1} - first


def _assert_no_surname(page, surnames: set[str]) -> None:
    text = page.locator("main").inner_text() if page.locator("main").count() else page.content()
    found = [name for name in surnames if re.search(rf"\b{re.escape(name)}\b", text)]
    assert not found, found


def _swap(page, action) -> None:
    """Do ``action`` and wait for the results to be replaced by htmx (not a page load)."""
    page.locator("#directory-results").evaluate("(el) => { el.dataset.before = 'yes'; }")
    with page.expect_response(lambda response: "/verzeichnis" in response.url) as answer:
        action()
    assert answer.value.request.headers.get("hx-target") == "directory-results"
    settle(page)
    # The region itself stays; only its content was swapped (a page load would drop the mark).
    expect(page.locator("#directory-results")).to_have_attribute("data-before", "yes")


def test_initiative_filters_the_directory_in_place(page, live_server, log_in, axe):
    surnames = _surnames(live_server.app)
    log_in(page, Role.INITIATIVE)
    follow(page.get_by_role("link", name="Verzeichnis", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verzeichnis der Helfenden")
    axe.check(page)
    status = page.locator("#directory-count")
    everyone = int(re.match(r"\d+", status.inner_text()).group())
    assert everyone > 0
    _assert_no_surname(page, surnames)

    filters = page.locator("#directory-filters")
    # Two alternatives: Farsi or Dari.
    _swap(page, lambda: filters.get_by_label("Dari", exact=True).check())
    expect(page).to_have_url(re.compile(r"language=prs"))
    _swap(page, lambda: filters.get_by_label("Persisch (Farsi)").check())
    expect(page).to_have_url(re.compile(r"language=prs.*language=fa|language=fa.*language=prs"))
    axe.check(page)
    either = int(re.match(r"\d+", status.inner_text()).group())
    assert 0 < either < everyone
    cards = page.locator("#directory-results .directory-card")
    expect(cards.first).to_contain_text(re.compile(r"Dari|Persisch"))

    # And the town: helpers who live there or reach it.
    _swap(page, lambda: filters.get_by_label("Ort", exact=True).select_option(label="Höxter"))
    expect(page).to_have_url(re.compile(r"town=\d+"))
    axe.check(page)
    _assert_no_surname(page, surnames)
    expect(status).to_have_attribute("role", "status")
    in_town = int(re.match(r"\d+", status.inner_text()).group())
    assert in_town <= either

    # The pushed URL is a page of its own: reloading it shows the same, without htmx.
    page.reload()
    expect(page.locator("#directory-count")).to_have_text(status.inner_text())
    expect(filters.get_by_label("Dari", exact=True)).to_be_checked()
    axe.check(page)

    # Typing a search: the results follow after a pause; nothing found says what to try instead.
    _swap(page, lambda: filters.get_by_label("Suche").press_sequentially("zzzz", delay=20))
    expect(page.locator("#directory-results")).to_contain_text("Niemand passt zu allen Filtern.")
    expect(page.locator("#directory-results")).to_contain_text("ohne Suchtext")
    axe.check(page)
    # A suggestion loads the page without that filter, so the search field is empty again too.
    with page.expect_navigation():
        page.locator("#directory-results").get_by_role("link", name=re.compile("ohne Suchtext")).click()
    expect(page).not_to_have_url(re.compile(r"q=zzzz"))
    expect(filters.get_by_label("Suche")).to_have_value("")
    expect(filters.get_by_label("Dari", exact=True)).to_be_checked()
    expect(page.locator("#directory-results .directory-card").first).to_be_visible()
    axe.check(page)


def test_pages_of_the_directory_swap_and_keep_the_focus_in_the_results(page, log_in, axe):
    log_in(page, Role.COORDINATOR)
    page.goto("/verzeichnis")
    next_page = page.locator("#page-next")
    if not next_page.count():
        pytest.skip("the demo directory fits on one page")
    _swap(page, lambda: next_page.click())
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#directory-count")).to_contain_text("Seite 2")
    focused = page.evaluate("() => document.activeElement && document.activeElement.id")
    assert focused == "directory-results-heading"
    axe.check(page)


def test_coverage_filters_swap_in_place(page, log_in, axe):
    log_in(page, Role.INITIATIVE)
    follow(page.get_by_role("link", name="Sprachabdeckung", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprachabdeckung nach Ort")
    axe.check(page)
    rows = page.locator("#coverage-results tbody tr")
    assert rows.count() > 5
    form = page.locator("#coverage-filters")
    with page.expect_response(lambda response: "/verzeichnis/abdeckung" in response.url):
        form.get_by_label("Tigrinya").check()
    settle(page)
    expect(page).to_have_url(re.compile(r"language=ti"))
    expect(rows).to_have_count(1)
    with page.expect_response(lambda response: "/verzeichnis/abdeckung" in response.url):
        form.get_by_label("Sprachniveau mindestens").select_option(label="Muttersprache")
    settle(page)
    expect(page).to_have_url(re.compile(r"level=7"))
    expect(page.locator("#coverage-results caption")).to_contain_text("Muttersprache")
    axe.check(page)
