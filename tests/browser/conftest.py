"""Browser tests: the real app on a live server, driven by Debian's Chromium through Playwright.

One live server serves the whole session from its own database, filled once
with the demo data (plus a fallback login per role while the demo set lacks
one). CSRF is on here, unlike the rest of the suite, so real
forms and htmx requests prove that the token reaches the server.

Every page a test opens is watched: console errors, uncaught page errors,
Content-Security-Policy violations and server exceptions are collected, and a
test that leaves any of them unchecked fails at teardown.
"""

from __future__ import annotations

import os
import re
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import axe_playwright_python
import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from ki_match import create_app
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password, user_by_email
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperKind, HelperLanguage, HelperProfile
from ki_match.orgs.models import Ki, Organisation
from ki_match.outbox.models import OutboxMessage
from ki_match.reference.models import Language, Level, Town
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.models import Assignment
from tests.databases import migrate, new_database
from tests.support import delivered_text

# The live server shares two cores with the browser and, in CI, nothing else
# hurries it: assertions wait up to 15 s instead of Playwright's 5 s before failing.
expect.set_options(timeout=15_000)

CHROMIUM = Path(os.environ.get("KI_MATCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SOURCE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 10_000

DEMO_PASSWORD = "demo-ki-match"
DEMO_LOGINS = {
    Role.ADMIN: "admin@ki-hoexter.example",
    Role.COORDINATOR: "koordination@ki-hoexter.example",
    Role.INITIATIVE: "initiative@asylkreis-brakel.example",
    Role.HELPER: "sprachlotse@ki-hoexter.example",
}


def pytest_collection_modifyitems(items):
    """Every test in this folder drives the browser, marked or not, so ``-m "not browser"`` skips them all."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- Chromium and Playwright ---------------------------------------------------------------


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; missing means skip on a laptop, but fail on CI where it must be there."""
    if not CHROMIUM.exists():
        reason = "Chromium not installed (apt-get install chromium)"
        if _on_ci():
            pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- the live server ------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _recording_server_errors(wsgi_app, errors: list[str]):
    """Keep every exception and 5xx the app produces, so a test can show the traceback."""

    def app(environ, start_response):
        where = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"

        def recording_start_response(status, headers, exc_info=None):
            if status.startswith("5"):
                errors.append(f"{where} answered {status}")
            return start_response(status, headers, exc_info)

        try:
            return wsgi_app(environ, recording_start_response)
        except Exception:
            errors.append(f"{where} raised:\n{traceback.format_exc()}")
            raise

    return app


@dataclass
class LiveServer:
    app: Flask
    url: str
    server_errors: list[str] = field(default_factory=list)

    def account(self, who: Role | str) -> tuple[str, str]:
        """E-mail address and display name of a demo login (by role) or of any address."""
        email = DEMO_LOGINS[who] if isinstance(who, Role) else who
        with self.app.app_context():
            user = user_by_email(email)
            assert user is not None, f"no account {email}"
            return user.email, user.display_name

    def latest_mail(self, kind: str, to: str) -> OutboxMessage:
        with self.app.app_context():
            message = db.session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind, OutboxMessage.to_address == to)
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
            assert message is not None, f"no {kind!r} mail to {to} in the outbox"
            db.session.expunge(message)
            return message

    def link_in_mail(self, kind: str, to: str) -> str:
        """The first link of the latest such mail, pointed at this live server."""
        message = self.latest_mail(kind, to)
        with self.app.app_context():
            text = delivered_text(message)  # an account link is made when its mail is sent
        match = re.search(r"https?://\S+", text)
        assert match, f"no link in the {kind!r} mail:\n{text}"
        link = urlsplit(match.group(0))
        return self.url + link.path + (f"?{link.query}" if link.query else "")

    def deactivate_ki(self, slug: str) -> None:
        """A KI a test made, out of the way again: the demo installation has one active KI, whose
        visitors go straight to its front door."""
        with self.app.app_context():
            ki = db.session.scalar(select(Ki).where(Ki.slug == slug))
            if ki is not None:
                ki.active = False
                db.session.commit()

    def operator(self, password: str) -> str:
        """A new installation operator with this password; their e-mail address."""
        email = f"betrieb.{uuid.uuid4().hex[:8]}@land.example"
        with self.app.app_context():
            db.session.add(
                User(
                    ki_id=None,
                    email=email,
                    display_name="Betrieb",
                    role=Role.OPERATOR,
                    password_hash=hash_password(password),
                    email_verified_at=utcnow(),
                )
            )
            db.session.commit()
        return email


def _ensure_demo_logins() -> None:
    """One login per role with the demo addresses, where the demo data does not have it yet."""
    ki = ensure_reference_data()

    def user(role: Role, name: str, organisation: Organisation | None = None) -> User:
        account = User(
            ki_id=ki.id,
            email=DEMO_LOGINS[role],
            display_name=name,
            role=role,
            password_hash=hash_password(DEMO_PASSWORD),
            organisation_id=organisation.id if organisation else None,
            email_verified_at=utcnow() - timedelta(days=30),
        )
        db.session.add(account)
        db.session.flush()
        return account

    if user_by_email(DEMO_LOGINS[Role.ADMIN]) is None:
        user(Role.ADMIN, "Ada Admin")
    if user_by_email(DEMO_LOGINS[Role.COORDINATOR]) is None:
        user(Role.COORDINATOR, "Katrin Koordination")
    if user_by_email(DEMO_LOGINS[Role.INITIATIVE]) is None:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.ki_id == ki.id, Organisation.name == "Asylkreis Brakel")
        )
        if organisation is None:
            organisation = Organisation(ki_id=ki.id, name="Asylkreis Brakel")
            db.session.add(organisation)
            db.session.flush()
        user(Role.INITIATIVE, "Ines Initiative", organisation)
    if user_by_email(DEMO_LOGINS[Role.HELPER]) is None:
        helper = user(Role.HELPER, "Samir Sprachlotse")
        home = db.session.scalar(select(Town).where(Town.ki_id == ki.id, Town.name == "Brakel"))
        profile = HelperProfile(
            ki_id=ki.id,
            user_id=helper.id,
            home_town_id=home.id,
            kind=HelperKind.SPRACHLOTSE,
            consent_given_at=utcnow(),
            approved_at=utcnow(),
            **gate_checks(),
        )
        db.session.add(profile)
        db.session.flush()
        for code, level in (("ar", Level.NATIVE), ("de", Level.C1)):
            language = db.session.scalar(select(Language).where(Language.code == code))
            db.session.add(HelperLanguage(helper_id=profile.id, language_id=language.id, level=level))
        db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=1, starts=time(9), ends=time(13)))
    db.session.commit()


@pytest.fixture(scope="session")
def demo_database() -> Iterator[str]:
    """The browser tests' own database: migrated, with the demo data and a login per role, once."""
    from ki_match.devtools.demo.data import load_demo

    with new_database("browser") as uri:
        app = create_app({"SQLALCHEMY_DATABASE_URI": migrate(uri)})
        with app.app_context():
            load_demo()
            _ensure_demo_logins()
            db.session.remove()
            db.engine.dispose()
        yield uri


@pytest.fixture(scope="session")
def live_server(chromium, demo_database) -> Iterator[LiveServer]:
    """The real app with CSRF on, serving the demo data on 127.0.0.1 to every browser test.

    Tests share the data, so each works on rows it makes itself or on demo rows
    no other test changes, and never counts rows it did not make.
    """
    # The offers block looks for answers every 2 s instead of 20, so a journey need not wait long.
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": demo_database, "WTF_CSRF_ENABLED": True, "OFFERS_POLL_SECONDS": 2}
    )
    errors: list[str] = []
    app.wsgi_app = _recording_server_errors(app.wsgi_app, errors)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url, server_errors=errors)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- pages, and what goes wrong on them -----------------------------------------------------

# Runs before any script of the page and whatever its CSP says: reports CSP violations through
# a binding, and counts htmx requests in flight so a test can wait for the page to settle.
INIT_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__kiMatchCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.location.pathname
  });
}, true);
(function () {
  var inFlight = new Set();
  document.addEventListener("htmx:beforeSend", function (event) {
    var xhr = event.detail.xhr;
    inFlight.add(xhr);
    // loadend comes after htmx's own load handler (the swap), and also after errors and aborts.
    xhr.addEventListener("loadend", function () { inFlight.delete(xhr); });
  }, true);
  window.__kiMatchHtmxBusy = function () {
    return inFlight.size > 0 || !!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling");
  };
})();
"""


@dataclass
class Problems:
    """What went wrong in one browser context, until a test looks at it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    expected: list[re.Pattern] = field(default_factory=list)

    def expect_console_error(self, pattern: str) -> None:
        """An error the test provokes on purpose (say a 422 answer) is not a problem."""
        self.expected.append(re.compile(pattern))

    # hx-sync "replace" aborts a superseded request on purpose, and htmx logs that as two console
    # errors in a row: "htmx:afterRequest, …" then "htmx:sendAbort, …". Only that pair is forgiven;
    # an afterRequest followed by anything else (a failed send, a timeout) is still an error.
    held_after_request: str | None = None

    def on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text:
            self.csp_violations.append(f"console: {text}")
            return
        if message.type != "error" or any(p.search(text) for p in self.expected):
            return
        location = message.location or {}
        described = f"{text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})"
        if text.startswith("htmx:sendAbort") and self.held_after_request is not None:
            self.held_after_request = None
            return
        self._release_held()
        if text.startswith("htmx:afterRequest"):
            self.held_after_request = described
            return
        self.console_errors.append(described)

    def _release_held(self) -> None:
        if self.held_after_request is not None:
            self.console_errors.append(self.held_after_request)
            self.held_after_request = None

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def on_csp_violation(self, report: dict) -> None:
        self.csp_violations.append(
            "{page}: {directive} blocked {blocked!r} ({source}:{line}) {sample}".format(**report)
        )

    def take(self) -> list[str]:
        """Every problem seen so far, labelled; the list starts again empty."""
        self._release_held()
        found = (
            [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"CSP violation: {text}" for text in self.csp_violations]
        )
        self.console_errors.clear()
        self.page_errors.clear()
        self.csp_violations.clear()
        return found


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Open a page in a fresh browser context (its own cookies), German, watched for problems.

    ``page.problems`` holds what went wrong; whatever a test does not take is
    reported when the test ends, along with exceptions on the server.
    """
    contexts = []
    watched = []
    first_server_error = len(live_server.server_errors)

    def factory(locale: str = "de-DE"):
        """``locale``: what the browser asks for (Accept-Language, ``navigator.language``)."""
        context = browser.new_context(locale=locale, base_url=live_server.url, timezone_id="Europe/Berlin")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        problems = Problems()
        context.expose_function("__kiMatchCspViolation", problems.on_csp_violation)
        context.add_init_script(script=INIT_SCRIPT)
        page = context.new_page()
        page.on("console", problems.on_console)
        page.on("pageerror", problems.on_page_error)
        page.problems = problems
        watched.append(problems)
        return page

    yield factory
    left = [problem for problems in watched for problem in problems.take()]
    server_errors = live_server.server_errors[first_server_error:]
    for context in contexts:
        context.close()
    assert not server_errors, "the server failed:\n" + "\n".join(server_errors)
    assert not left, "problems in the browser:\n" + "\n".join(left)


@pytest.fixture
def page(new_page):
    return new_page()


def settle(page) -> None:
    """Wait until htmx has no request in flight and has finished swapping and settling."""
    page.wait_for_function("() => !(window.__kiMatchHtmxBusy && window.__kiMatchHtmxBusy())")


def search_as_you_type(page, label: str, text: str) -> None:
    """Type ``text`` into the search box and wait for the results that answer all of it.

    The scripts are deferred, so a field can be on screen before htmx listens to it: right
    after a link's click, keys typed before the page's load event would send no request.
    """
    field = page.get_by_label(label)
    field.wait_for()
    page.wait_for_load_state("load")
    with page.expect_response(lambda response: f"q={quote(text)}" in response.url):
        field.press_sequentially(text)
    settle(page)


def follow(link) -> None:
    """Click a link to another page and wait for that page's load event.

    The scripts are deferred, so the new page's fields and buttons are on screen before htmx
    listens to them: a choice made or a form sent right after the click would go past htmx (a
    whole-page post, or no request at all). For links that htmx swaps in place, click them.
    """
    assert link.get_attribute("hx-get") is None, "an htmx link: click it and wait for its swap"
    with link.page.expect_navigation(wait_until="load"):
        link.click()


def main_navigation(page):
    return page.get_by_role("navigation", name="Hauptnavigation")


def open_menu(page) -> None:
    """Open the main navigation's menu where it is collapsed (a narrow screen); on a wide screen its
    links are already in view and nothing happens."""
    menu = page.locator(".nav-menu")
    toggle = menu.locator("summary")
    if toggle.is_visible() and not menu.evaluate("(menu) => menu.open"):
        toggle.click()
        expect(menu).to_have_attribute("open", "")


def choose_language(page, code: str) -> None:
    """Open the language switcher (a disclosure at the end of the header) and choose the language
    ``code`` ("en", "ar" …); wait for the page in that language."""
    menu = page.locator(".locale-menu")
    if not menu.evaluate("(menu) => menu.open"):
        menu.locator("summary").click()
        expect(menu).to_have_attribute("open", "")
    with page.expect_navigation(wait_until="load"):
        menu.locator(f"button[name=locale][value={code}]").click()


# --- accessibility --------------------------------------------------------------------------

AXE_RUN = """
async ({tags, contrastWithin}) => {
  const run = (context, options) => axe.run(context, {...options, resultTypes: ["violations"]});
  const all = {runOnly: {type: "tag", values: tags}};
  const found = contrastWithin === null
    ? (await run(document, all)).violations
    : [
        ...(await run(document, {...all, rules: {"color-contrast": {enabled: false}}})).violations,
        ...(await run({include: [contrastWithin]}, {runOnly: {type: "rule", values: ["color-contrast"]}})).violations,
      ];
  return found.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}
"""


class Axe:
    """axe-core injected with ``evaluate`` (allowed under the page's CSP, which stays on)."""

    def __init__(self) -> None:
        self.source = AXE_SOURCE.read_text(encoding="utf-8")

    def violations(self, page, contrast_within: str | None = None) -> list[dict]:
        """Every rule of ``AXE_TAGS`` on the whole page; with ``contrast_within`` (a selector), the
        colour contrast (by far the slowest rule) only inside those elements."""
        settle(page)
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)
        return page.evaluate(AXE_RUN, {"tags": AXE_TAGS, "contrastWithin": contrast_within})

    @staticmethod
    def report(violations: list[dict], where: str) -> str:
        lines = [f"{len(violations)} accessibility violation(s) on {where} (WCAG 2.1 A/AA):"]
        for violation in violations:
            lines.append(f"- {violation['id']} [{violation['impact']}] {violation['help']}")
            lines.append(f"  {violation['helpUrl']}")
            for node in violation["nodes"][:5]:
                html = node["html"] if len(node["html"]) <= 200 else node["html"][:200] + "…"
                lines.append(f"  at {' '.join(map(str, node['target']))}: {html}")
                for detail in (node["summary"] or "").splitlines():
                    lines.append(f"      {detail.strip()}")
            if len(violation["nodes"]) > 5:
                lines.append(f"  … and {len(violation['nodes']) - 5} more")
        return "\n".join(lines)

    def problems(self, page, contrast_within: str | None = None) -> list[str]:
        violations = self.violations(page, contrast_within)
        return [self.report(violations, urlsplit(page.url).path)] if violations else []

    def check(self, page, contrast_within: str | None = None) -> None:
        """Fail with a readable report if the page as it is now has any violation."""
        violations = self.violations(page, contrast_within)
        assert not violations, self.report(violations, urlsplit(page.url).path)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


# --- acting as a person ---------------------------------------------------------------------


@pytest.fixture
def log_in(live_server) -> Callable:
    """Log in through the real form (htmx posts it, the server answers with HX-Redirect)."""

    def act(page, who: Role | str, password: str = DEMO_PASSWORD) -> None:
        """``who`` is a role (its demo login) or an e-mail address."""
        email = DEMO_LOGINS[who] if isinstance(who, Role) else who
        page.goto("/login")
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Passwort", exact=True).fill(password)
        page.locator("#login-form").get_by_role("button", name="Anmelden").click()
        # Logged in: the page has a way out (on a phone it waits in the closed menu, out of sight).
        page.locator("form[action='/logout']").first.wait_for(state="attached")

    return act


def gate_checks() -> dict:
    """A helper profile's columns for her declaration and basic training, recorded a month ago."""
    day = utcnow().date() - timedelta(days=30)
    return {"confidentiality_signed_on": day, "qualification_completed_on": day}


def assignment_moved_into_the_past(app: Flask, offer_id: int) -> int:
    """The assignment the offer became, started yesterday (as reporting hours needs); its id."""
    with app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.offer_id == offer_id))
        starts = (utcnow() - timedelta(days=1)).replace(second=0, microsecond=0)
        assignment.request.starts_at = starts
        assignment.starts_at = starts
        assignment.ends_at = starts + timedelta(minutes=90)
        db.session.commit()
        return assignment.id


def reported_hours(app: Flask, assignment_id: int) -> tuple[int | None, int | None]:
    """Minutes and kilometres reported for the assignment."""
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        return assignment.actual_minutes, assignment.travel_km


def gate_checks_recorded(app: Flask, display_name: str) -> None:
    """The confidentiality declaration and basic training of the helper of this name recorded (a
    month ago), as a KI's gates (on by default) want before she is asked; the checks form itself
    is walked in test_safeguarding_journey."""
    with app.app_context():
        profile = db.session.scalar(
            select(HelperProfile)
            .join(User, User.id == HelperProfile.user_id)
            .where(User.display_name == display_name)
        )
        profile.confidentiality_signed_on = profile.qualification_completed_on = utcnow().date() - timedelta(
            days=30
        )
        db.session.commit()


def accept_invitation(page, link: str, password: str) -> None:
    """Open the invitation from the mail and set a password, which logs the invitee in."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen bei KI-Match")
    page.get_by_label("Neues Passwort").fill(password)
    page.get_by_label("Passwort wiederholen").fill(password)
    page.get_by_role("button", name="Konto einrichten").click()
    expect(page.locator("#flash")).to_contain_text("Ihr Konto ist eingerichtet")


def add_weekly_slot(page, day: str, starts: str, ends: str) -> None:
    """On the helper's "when" page: add a weekly time and wait until it is saved."""
    page.get_by_label("Tag", exact=True).select_option(label=day)
    page.get_by_label("von", exact=True).fill(starts)
    page.get_by_label("bis", exact=True).fill(ends)
    page.get_by_role("button", name="Zeit hinzufügen").click()
    expect(page.locator("#slot-list [role=status]")).to_have_text(
        f"Neue Zeit gespeichert: {day} {starts}–{ends} Uhr."
    )


def fill_request(page, *, language: str, day: str, town: str, place: str, client_ref: str) -> None:
    """On a new request's form: one appointment of 90 minutes at 10:00, ready to be opened."""
    # The form's live check listens once the page's deferred htmx script has run: typing before
    # the load event (right after a link's click) would ask for no feedback (see search_as_you_type).
    page.get_by_label("Sprache", exact=True).wait_for()
    page.wait_for_load_state("load")
    page.get_by_label("Sprache", exact=True).select_option(label=language)
    page.get_by_label("Datum").fill(day)
    page.get_by_label("Beginn (Uhrzeit)").fill("10:00")
    page.get_by_label("Dauer in Minuten").fill("90")
    page.get_by_label("Stadt").select_option(label=town)
    page.get_by_label("Genauer Ort").fill(place)
    page.get_by_label("Kennung der Klientin oder des Klienten").fill(client_ref)
    expect(page.locator("#form-feedback")).to_contain_text("Alle nötigen Angaben sind da.")


def repeat_weekly_over_osterferien(page, until) -> None:
    """On a request form: weekly until ``until`` (``factories.osterferien_term``); the live preview
    shows four dates and the two Osterferien Tuesdays left out."""
    page.get_by_label("wöchentlich").check()
    page.get_by_label("Letzter möglicher Tag").fill(until.isoformat())
    expect(page.get_by_label("Schulferien und Feiertage in NRW auslassen")).to_be_checked()
    preview = page.locator("#series-preview")
    expect(preview).to_contain_text("4 Termine")
    expect(preview.get_by_role("listitem").filter(has_text="Ferien (Osterferien)")).to_have_count(2)


def open_new_request(page, **fields) -> str:
    """From the navigation, post a request (``fill_request``'s fields) and open it; its path."""
    follow(main_navigation(page).get_by_role("link", name="Neue Anfrage"))
    fill_request(page, **fields)
    page.get_by_role("button", name="Anfrage öffnen").click()
    # Opened, the page shows its candidates (the focus on their heading).
    expect(page).to_have_url(re.compile(r"/requests/\d+#candidates-heading$"))
    return re.search(r"/requests/\d+", page.url).group(0)


def confirm_address(page, link: str) -> None:
    """Open the mailed link that confirms an address, confirm, and arrive at the login."""
    page.goto(link)
    page.get_by_role("button", name="Adresse bestätigen").click()
    page.wait_for_url(re.compile(r"/login$"))


@pytest.fixture
def register() -> Callable:
    """Fill in the open registration form and send it."""

    def act(page, name: str, email: str, password: str) -> None:
        page.get_by_label("Ihr Name").fill(name)
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Neues Passwort").fill(password)
        page.get_by_label("Passwort wiederholen").fill(password)
        page.get_by_label("Ich habe die Datenschutzhinweise gelesen.").check()
        page.get_by_role("button", name="Registrieren").click()

    return act


PHONE_SIZE = {"width": 390, "height": 844}


def check_both_widths(page, axe) -> None:
    """axe on the page as it is, then at a 390 px phone's size, and back.

    At the phone's size the colour contrast is checked in the header only: the stylesheet changes
    colours by width only there (the collapsed menu); the content keeps its colours, and its text
    is never smaller on a phone, so the first check already covered it. (Contrast is most of axe's
    time: this saves a few minutes of CI.)"""
    size = page.viewport_size
    axe.check(page)
    page.set_viewport_size(PHONE_SIZE)
    axe.check(page, contrast_within=".site-header")
    page.set_viewport_size(size)
