"""Security headers, a strict CSP the pages actually keep to, no third-party hosts,
and error pages inside the layout.

Every GET route is crawled as anonymous and as each role (tests/routes.py), so
a new page is checked the moment it exists.

The rule for third-party hosts: no response body — page, CSS, JavaScript or
SVG — may contain an absolute http(s) URL whose host is not this app's own
(localhost, 127.0.0.1, or the host of PUBLIC_BASE_URL). Two things are not
references and are exempt: XML namespace names (``xmlns="http://www.w3.org/…"``
is an identifier a browser never fetches), and text inside vendored files
under ``static/vendor/`` (upstream libraries may name their website in a
comment or message; we do not edit them, and the CSP's ``'self'`` sources
would refuse any fetch they tried). Our own files get no such exemption.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ki_match.access import public
from ki_match.accounts.models import Role
from tests.factories import PASSWORD
from tests.routes import crawl, make_world

ABSOLUTE_URL = re.compile(r"""https?://[^\s"'<>()\\]+""", re.I)
XML_NAMESPACE = re.compile(r"""\sxmlns(?::\w+)?\s*=\s*["'][^"']*["']""", re.I)
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
ASSET_ATTRIBUTES = {("script", "src"), ("link", "href"), ("img", "src"), ("source", "src"), ("iframe", "src")}


@pytest.fixture
def world(ki):
    return make_world(ki)


@pytest.fixture
def visits(app, world):
    return crawl(app, world, PASSWORD)


def own_hosts(app) -> set[str]:
    return {"localhost", "127.0.0.1", urlsplit(app.config["PUBLIC_BASE_URL"]).hostname}


def third_party_urls(text: str, hosts: set[str]) -> list[str]:
    text = XML_NAMESPACE.sub(" ", text)
    return [url for url in ABSOLUTE_URL.findall(text) if urlsplit(url).hostname not in hosts]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, "no Content-Security-Policy"
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response, where: str) -> None:
    directives = csp_directives(response)
    every_source = [source for sources in directives.values() for source in sources]
    assert "'unsafe-inline'" not in every_source and "'unsafe-eval'" not in every_source, where
    assert directives.get("script-src") == ["'self'"], where
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert "*" not in every_source, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY" or directives.get("frame-ancestors") == [
        "'none'"
    ]
    assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES, where


class PageAudit(HTMLParser):
    """What a page does that the CSP would block, and what it loads."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.assets: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=...>")
            if (tag, name) in ASSET_ATTRIBUTES and value:
                self.assets.append(value)
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.problems.append("<script> without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


# --- the crawl ------------------------------------------------------------------------------


def test_every_page_of_every_role(app, visits):
    """One crawl (it is the slow part), every rule checked on every response.

    Problems are collected per rule, so one run names every offending page.
    """
    html_pages = {(visit.viewer, visit.route.endpoint) for visit in visits if visit.is_html}
    assert {
        ("anonymous", "accounts.login"),
        ("admin", "admin.users"),
        ("coordinator", "helpers.pending"),
    } <= (html_pages)
    assert {viewer for viewer, _ in html_pages} == {"anonymous", *(role.value for role in Role)}

    hosts = own_hosts(app)
    asset_client = app.test_client()
    served: dict[str, int] = {}
    problems: dict[str, list] = {}

    def problem(rule: str, visit, detail) -> None:
        problems.setdefault(rule, []).append((f"{visit.viewer} GET {visit.url}", detail))

    for visit in visits:
        response = visit.response
        try:
            assert_security_headers(response, visit.url)
        except AssertionError as error:
            problem("security headers", visit, str(error))
        cache = response.headers.get("Cache-Control", "")
        if (visit.route.endpoint == "static") == ("no-store" in cache):
            problem("no-store on pages, not on /static/", visit, cache)
        if not visit.is_html:
            continue
        html = response.get_data(as_text=True)
        page = audit(html)
        if page.problems:
            problem("inline script, style or on*= (CSP)", visit, page.problems)
        if urls := third_party_urls(html, hosts):
            problem("third-party host", visit, urls)
        for asset in page.assets:
            parts = urlsplit(asset)
            if parts.scheme or parts.netloc or not asset.startswith("/"):
                problem("same-origin assets", visit, asset)
                continue
            if asset not in served:
                served[asset] = asset_client.get(asset).status_code
            if served[asset] != 200:
                problem("assets are served", visit, (asset, served[asset]))

    assert not problems, "\n".join(f"{rule}: {found}" for rule, found in problems.items())
    assert any(asset.startswith("/static/vendor/htmx") for asset in served), served
    assert "/static/css/app.css" in served


def test_no_static_file_of_ours_names_a_third_party_host(app, client):
    static = Path(app.static_folder)
    hosts = own_hosts(app)
    checked = []
    for path in sorted(static.rglob("*")):
        if not path.is_file() or path.suffix not in {".css", ".js", ".svg", ".html", ".txt", ".json"}:
            continue
        relative = path.relative_to(static).as_posix()
        response = client.get(f"/static/{relative}")
        assert response.status_code == 200, relative
        assert_security_headers(response, relative)
        checked.append(relative)
        if relative.startswith("vendor/"):
            continue
        text = response.get_data(as_text=True)
        assert not third_party_urls(text, hosts), (relative, third_party_urls(text, hosts))
        for target in re.findall(r"""(?:url\(|@import\s+)\s*["']?([^"')\s;]+)""", text):
            assert target.startswith(("data:", "/", "#")) or "://" not in target, (relative, target)
    assert "css/app.css" in checked and "js/app.js" in checked


def test_url_rule_finds_third_party_hosts_and_spares_namespaces(app):
    """The checker itself: it must be able to fail."""
    hosts = own_hosts(app)
    assert third_party_urls('<link href="https://cdn.example.net/x.css">', hosts) == [
        "https://cdn.example.net/x.css"
    ]
    assert third_party_urls("src: url(//fonts.example/a) url(http://fonts.example/b)", hosts) == [
        "http://fonts.example/b"
    ]
    assert third_party_urls('<svg xmlns="http://www.w3.org/2000/svg">', hosts) == []
    assert third_party_urls("http://localhost/verify/abc", hosts) == []
    assert audit('<p style="color:red" onclick="x()">').problems == [
        '<p style="color:red">',
        "<p onclick=...>",
    ]
    assert audit("<script>alert(1)</script>").problems == ["<script> without src", "inline script: alert(1)"]


# --- error pages ----------------------------------------------------------------------------


def assert_error_page(response, status: int, title: str) -> None:
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>"), html[:100]
    assert '<div id="page"' in html and 'class="site-header"' in html, "rendered inside the layout"
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert f"<h1>{title}</h1>" in html
    assert_security_headers(response, f"error {status}")
    assert "no-store" in response.headers.get("Cache-Control", "")
    assert not audit(html).problems


def test_400_page(make_app, app):
    response = make_app(WTF_CSRF_ENABLED=True).test_client().post("/login", data={"email": "a@b.de"})
    assert_error_page(response, 400, "Die Anfrage war fehlerhaft")


def test_403_page(client, login_as):
    login_as(Role.HELPER)
    assert_error_page(client.get("/admin/users"), 403, "Kein Zugriff")


def test_404_page(client):
    assert_error_page(client.get("/gibt-es-nicht"), 404, "Seite nicht gefunden")


def test_405_page(client):
    response = client.get("/logout")
    assert_error_page(response, 405, "Diese Aktion ist hier nicht möglich")
    assert "POST" in response.headers["Allow"]


def test_429_page(make_app, app):
    limited = make_app(RATELIMIT_ENABLED=True)
    responses = [
        limited.test_client().post("/login", data={"email": "a@b.de", "password": "falsch"}) for _ in range(6)
    ]
    assert [response.status_code for response in responses] == [422] * 5 + [429]
    assert_error_page(responses[-1], 429, "Zu viele Versuche")


def test_500_page_shows_nothing_of_the_error(make_app, app):
    broken = make_app(PROPAGATE_TEST_ERRORS=False)

    def boom():
        raise RuntimeError("geheimes Detail aus dem Stacktrace")

    broken.add_url_rule("/boom", "boom", public(boom))
    response = broken.test_client().get("/boom")
    assert_error_page(response, 500, "Ein Fehler ist aufgetreten")
    assert "geheimes Detail" not in response.get_data(as_text=True)
