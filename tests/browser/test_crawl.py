"""Every page a person can reach from the navigation, for each role, in a real browser.

On each page, at a desktop's width and at a phone's (390×844): it loads, no console or page
errors, no CSP violations, no axe violations (WCAG 2.1 A/AA), one <h1>, and <html lang> and dir
are set; on the phone the <h1> is on the first screen.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest
from flask import url_for
from playwright.sync_api import expect

from ki_match.accounts.models import Role
from ki_match.home.navigation import ANONYMOUS_NAVIGATION, NAVIGATION
from tests.browser.conftest import choose_language

pytestmark = pytest.mark.browser

MAX_DEPTH = 2
ROLES = [None, Role.HELPER, Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN]
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


def page_problems(page, response, axe, contrast_within: str | None = None) -> list[str]:
    """Everything wrong with the page now showing; an empty list when it is fine. With
    ``contrast_within``, axe checks colour contrast only there (see ``check_both_widths``)."""
    found = []
    if response is None:
        found.append("no response")
    elif response.status >= 400:
        found.append(f"HTTP {response.status}")
    else:
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            found.append(f"weak or missing Content-Security-Policy: {policy!r}")
    found += axe.problems(page, contrast_within)
    headings = page.locator("h1").count()
    if headings != 1:
        found.append(f"{headings} <h1> elements, expected exactly one")
    lang, direction = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
    if not lang:
        found.append("<html> has no lang")
    if direction not in ("ltr", "rtl"):
        found.append(f"<html dir={direction!r}>")
    if not page.evaluate("() => typeof window.htmx === 'object'"):
        found.append("htmx did not load")
    found += page.problems.take()  # after axe: CSP reports arrive asynchronously
    return found


def problems_at_both_widths(page, response, axe) -> list[str]:
    """The page's problems at the width it was loaded at, then at the other one (desktop, phone).

    The page is loaded once and looked at twice: the viewport changes, the document stays. The
    next page starts at the width this one ends at, so each page costs one resize. The colour
    contrast of the content is checked at the first width only: only the header's colours change
    with the width (as in ``check_both_widths``).
    """
    found = []
    for turn, size in enumerate((page.viewport_size, PHONE if page.viewport_size == DESKTOP else DESKTOP)):
        page.set_viewport_size(size)
        label = "on a phone" if size == PHONE else "on a desktop"
        problems = page_problems(page, response, axe, ".site-header" if turn else None)
        if size == PHONE:
            problems += content_on_the_first_screen(page)
        found += [f"{label}: {problem}" for problem in problems]
    return found


def content_on_the_first_screen(page) -> list[str]:
    """On a phone the page's own content (its h1) is in view before any scrolling, not pushed
    down by the navigation."""
    bottom = page.evaluate("() => document.querySelector('h1')?.getBoundingClientRect().bottom ?? 0")
    if bottom > PHONE["height"]:
        return [f"the <h1> ends {bottom:.0f} px down, below the first screen ({PHONE['height']} px)"]
    return []


def links_in_navigation(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("nav a[href], footer a[href]", "links => links.map((a) => a.href)")
    paths = []
    for href in hrefs:
        link = urlsplit(href)
        if f"{link.scheme}://{link.netloc}" != origin:
            continue
        paths.append(link.path + (f"?{link.query}" if link.query else ""))
    return paths


# Paths a coordinator's crawl found clean in this process. An admin sees the same desk pages,
# drawn by the same templates for both roles (only the navigation has more entries, and it is
# checked on every page only an admin sees): her crawl still visits them, for their links, but
# does not look at them twice. Run alone, her crawl looks at everything.
CLEAN_FOR_STAFF: set[str] = set()


def crawl(page, origin: str, axe, *, already_clean=frozenset()) -> tuple[list[str], dict[str, list[str]]]:
    """Breadth-first from the start page through the links of <nav> and the footer, each page
    at a desktop's width and a phone's (except those in ``already_clean``).

    Each path once: the same page with another filter (``/requests?tab=open``)
    is the same template, and visiting every tab would double the time.
    """
    queue = deque([("/", 0)])
    seen = {"/"}
    visited, failures = [], {}
    while queue:
        path, depth = queue.popleft()
        response = page.goto(path)
        visited.append(path)
        problems = [] if path in already_clean else problems_at_both_widths(page, response, axe)
        if problems:
            failures[path] = problems
        if depth >= MAX_DEPTH:
            continue
        for link in links_in_navigation(page, origin):
            path_only = urlsplit(link).path
            if path_only not in seen:
                seen.add(path_only)
                queue.append((link, depth + 1))
    return visited, failures


def expected_paths(app, role: Role | None) -> set[str]:
    items = NAVIGATION[role] if role else ANONYMOUS_NAVIGATION
    endpoints = [item.endpoint for item in items] + ["core.accessibility", "core.privacy"]
    if role:
        endpoints.append("accounts.account")
    with app.test_request_context():
        return {url_for(endpoint) for endpoint in endpoints}


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_every_page_in_the_navigation_is_clean(role, page, live_server, axe, log_in):
    if role:
        log_in(page, role)
    already_clean = CLEAN_FOR_STAFF - {"/"} if role == Role.ADMIN else frozenset()
    visited, failures = crawl(page, live_server.url, axe, already_clean=already_clean)
    if role == Role.COORDINATOR:
        CLEAN_FOR_STAFF.update(path for path in visited if path not in failures)
    report = "\n\n".join(f"{path}:\n  " + "\n  ".join(problems) for path, problems in failures.items())
    assert not failures, f"problems on {len(failures)} of {len(visited)} pages:\n\n{report}"
    missing = expected_paths(live_server.app, role) - set(visited)
    assert not missing, f"navigation links missing: {sorted(missing)}; visited {visited}"


def test_pages_outside_the_navigation_are_clean(page, live_server, axe):
    for path in ["/password/forgot", "/check-mail/register", "/check-mail/reset"]:
        response = page.goto(path)
        assert page_problems(page, response, axe) == [], path
    # An e-mail link that is no longer valid, and a page that does not exist.
    page.problems.expect_console_error("status of 404")
    for path in ["/verify/not-a-token", "/no-such-page"]:
        response = page.goto(path)
        assert response.status == 404, path
        axe.check(page)
        assert page.locator("h1").count() == 1, path
        assert page.problems.take() == [], path


def submit_with_errors(page, form_id: str, button: str) -> None:
    """Submit a form through htmx and wait for it to come back with errors (422, swapped in place)."""
    page.problems.expect_console_error("status of 422")
    form = page.locator(f"#{form_id}")
    form.evaluate("(form) => { form.dataset.replaced = 'not yet'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name=button).click()
    assert answer.value.status == 422, answer.value.url
    assert answer.value.request.headers.get("hx-target") == form_id
    assert answer.value.request.headers.get("x-csrftoken"), "htmx sent no CSRF header"
    # The response is in before htmx has swapped it in: wait for the new form, and for htmx to
    # settle (for a moment the new form carries the old one's classes).
    page.locator(f"#{form_id}:not([data-replaced]) [aria-invalid='true']").first.wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def assert_errors_next_to_fields(page, first_invalid: str) -> None:
    """Focus on the first invalid field; each invalid field is described by the error beside it."""
    assert page.evaluate("() => document.activeElement.id") == first_invalid
    fields = page.eval_on_selector_all(
        "[aria-invalid='true']",
        """fields => fields.map((field) => {
             const error = document.getElementById(field.id + "-error");
             return {
               id: field.id,
               describedby: (field.getAttribute("aria-describedby") || "").split(" "),
               text: error ? error.textContent.trim() : "",
               besides: !!error && error.closest(".field") === field.closest(".field"),
             };
           })""",
    )
    assert fields and fields[0]["id"] == first_invalid, fields
    for field in fields:
        assert f"{field['id']}-error" in field["describedby"], field
        assert field["text"] and field["besides"], field
    assert page.locator("h1").count() == 1


def test_failed_login_swaps_in_errors_next_to_the_fields(page, axe):
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("admin@ki-hoexter.example")
    page.get_by_label("Passwort", exact=True).fill("falsches-passwort")
    submit_with_errors(page, "login-form", "Anmelden")
    assert_errors_next_to_fields(page, "password")
    assert "E-Mail-Adresse oder Passwort ist falsch." in page.locator("#password-error").inner_text()
    axe.check(page)

    # Nothing filled in: both fields are invalid, and the first of them gets the focus.
    page.get_by_label("E-Mail-Adresse").fill("")
    page.get_by_label("Passwort", exact=True).fill("")
    submit_with_errors(page, "login-form", "Anmelden")
    assert_errors_next_to_fields(page, "email")
    axe.check(page)
    assert page.problems.take() == []


# (who, page, form id, submit button, first invalid field when sent empty)
EMPTY_FORMS = [
    (None, "/k/hoexter/register", "register-form", "Registrieren", "display_name"),
    (None, "/password/forgot", "forgot-form", "Link anfordern", "email"),
    (Role.HELPER, "/account", "password-form", "Passwort ändern", "current_password"),
    (Role.ADMIN, "/admin/users/invite", "invite-form", "Einladung senden", "display_name"),
]


@pytest.mark.parametrize(("role", "path", "form_id", "button", "first_invalid"), EMPTY_FORMS)
def test_empty_forms_swap_in_errors_next_to_the_fields(
    role, path, form_id, button, first_invalid, page, axe, log_in
):
    if role:
        log_in(page, role)
    page.goto(path)
    submit_with_errors(page, form_id, button)
    assert_errors_next_to_fields(page, first_invalid)
    axe.check(page)
    assert page.problems.take() == []


def test_password_reset_form_swaps_in_errors(page, live_server, axe):
    email, _name = live_server.account(Role.COORDINATOR)
    page.goto("/password/forgot")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_role("button", name="Link anfordern").click()
    page.wait_for_url("**/check-mail/reset")
    page.goto(live_server.link_in_mail("reset_password", email))
    axe.check(page)
    page.get_by_label("Neues Passwort").fill("kurz")
    submit_with_errors(page, "reset-form", "Passwort speichern")
    assert_errors_next_to_fields(page, "password")
    axe.check(page)
    assert page.problems.take() == []


@pytest.mark.parametrize("role", [None, Role.COORDINATOR], ids=["anonymous", "coordinator"])
def test_skip_link_is_first_and_moves_focus_to_main(role, page, log_in):
    if role:
        log_in(page, role)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, href: document.activeElement.getAttribute('href'),"
        " top: document.activeElement.getBoundingClientRect().top})"
    )
    assert focused["cls"] == "skip-link" and focused["href"] == "#main", focused
    assert focused["top"] >= 0, "the skip link must be visible when it has focus"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.problems.take() == []


def test_stale_csrf_token_on_an_htmx_request_reloads_the_page(page):
    """An expired token must not fail silently: the server answers HX-Refresh and the page reloads."""
    page.problems.expect_console_error("status of 400")
    page.goto("/login")
    page.evaluate(
        """() => {
          document.querySelectorAll("input[name=csrf_token]").forEach((input) => { input.value = "stale"; });
          document.getElementById("page").setAttribute("hx-headers", '{"X-CSRFToken": "stale"}');
          document.getElementById("login-form").dataset.stale = "yes";
        }"""
    )
    page.get_by_label("E-Mail-Adresse").fill("admin@ki-hoexter.example")
    page.get_by_label("Passwort", exact=True).fill("demo-ki-match")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("#login-form").get_by_role("button", name="Anmelden").click()
    assert answer.value.status == 400
    assert answer.value.headers.get("hx-refresh") == "true"
    page.locator("#login-form:not([data-stale])").wait_for()
    assert page.input_value("#csrf_token") != "stale"
    assert page.problems.take() == []


def test_switching_to_english_sets_the_page_language(page, axe):
    """The locale buttons are a plain form with a CSRF token; the page follows in English."""
    page.goto("/privacy")
    # The form posts and the page is replaced: choose_language waits for the new document, not
    # on the old one (a function polled while the document is swapped can find no <html> at all).
    choose_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/privacy")
    page.locator(".locale-menu summary").click()
    expect(page.get_by_role("button", name="English", exact=True)).to_have_attribute("aria-pressed", "true")
    axe.check(page)
    choose_language(page, "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert page.problems.take() == []


@pytest.mark.parametrize("role", [None, Role.HELPER], ids=["anonymous", "helper"])
def test_pages_reflow_on_a_small_phone(role, page, live_server, log_in):
    """WCAG 1.4.10: at 320 CSS pixels nothing but a data table may need sideways scrolling."""
    page.set_viewport_size({"width": 320, "height": 640})
    if role:
        log_in(page, role)
    overflowing = {}
    for path in sorted(expected_paths(live_server.app, role) | {"/"}):
        page.goto(path)
        too_wide = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter((el) => !el.closest("table, .table") && el.getBoundingClientRect().right > 321)
                .slice(0, 5).map((el) => el.outerHTML.slice(0, 120))"""
        )
        if page.evaluate("() => document.documentElement.scrollWidth") > 320 or too_wide:
            overflowing[path] = too_wide
    assert not overflowing, f"wider than 320 px: {overflowing}"
    assert page.problems.take() == []
