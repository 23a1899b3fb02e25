"""Full page or fragment, and redirects htmx can follow.

A fragment is chosen only by an explicit signal, ``HX-Target`` naming the
block's element; a bare ``HX-Request`` (boosted navigation, history restore)
gets the whole page, because htmx would otherwise swap a form into ``<body>``.
"""

from __future__ import annotations

import pytest

from ki_match.accounts.forms import LoginForm
from ki_match.accounts.models import Role
from ki_match.htmx import redirect_to, render
from tests.factories import PASSWORD
from tests.support import htmx_headers

FULL = "full"
BLOCK = "block"


def rendered(app, headers, block="login_form", **kwargs) -> str:
    with app.test_request_context("/login", headers=headers):
        body = render("accounts/login.html", block, form=LoginForm(), **kwargs).get_data(as_text=True)
    if "<html" in body:
        return FULL
    assert body.lstrip().startswith('<form id="login-form"'), body[:200]
    return BLOCK


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, FULL),
        ({"HX-Request": "true"}, FULL),
        ({"HX-Target": "login-form"}, FULL),  # not from htmx at all
        (htmx_headers("login-form"), BLOCK),
        (htmx_headers("login_form"), FULL),  # ids use hyphens
        (htmx_headers("main"), FULL),
        ({**htmx_headers("login-form"), "HX-Boosted": "true"}, FULL),
        ({**htmx_headers("login-form"), "HX-History-Restore-Request": "true"}, FULL),
    ],
    ids=["plain", "bare-htmx", "target-without-htmx", "target", "underscore", "other", "boosted", "history"],
)
def test_render_picks_the_block_only_for_its_target(app, headers, expected):
    assert rendered(app, headers) == expected


def test_render_without_block_is_always_the_page(app):
    assert rendered(app, htmx_headers("login-form"), block=None) == FULL


def test_render_with_an_explicit_target_id(app):
    assert rendered(app, htmx_headers("login-form-2"), target="login-form-2") == BLOCK
    assert rendered(app, htmx_headers("login-form"), target="login-form-2") == FULL


def test_render_keeps_the_status(app):
    with app.test_request_context("/login", headers=htmx_headers("login-form")):
        assert render("accounts/login.html", "login_form", status=422, form=LoginForm()).status_code == 422


def test_fragment_and_page_come_from_one_template(client):
    page = client.get("/login").get_data(as_text=True)
    fragment = client.get("/login", headers=htmx_headers("login-form")).get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.strip() in page, "the fragment must be exactly the page's block"


@pytest.mark.parametrize(
    "extra",
    [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}],
    ids=["boosted", "history"],
)
def test_boosted_and_history_requests_get_the_whole_page(client, extra):
    response = client.get("/login", headers={**htmx_headers("login-form"), **extra})
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/", "/static/css/app.css", "/does-not-exist"])
def test_responses_vary_on_the_htmx_headers(client, path):
    response = client.get(path, headers=htmx_headers("login-form"))
    vary = {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}
    assert {"hx-request", "hx-target", "hx-boosted", "hx-history-restore-request"} <= vary


def test_redirect_to_is_a_303_for_browsers(app):
    with app.test_request_context("/"):
        response = redirect_to("/account")
    assert (response.status_code, response.headers["Location"]) == (303, "/account")
    assert "HX-Redirect" not in response.headers


def test_redirect_to_is_a_204_with_hx_redirect_for_htmx(app):
    with app.test_request_context("/", headers={"HX-Request": "true"}):
        response = redirect_to("/account")
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/account")
    assert "Location" not in response.headers
    assert response.get_data() == b""


def test_redirect_to_stays_a_303_for_boosted_requests(app):
    """Boosted navigation follows a normal redirect and swaps the page it lands on."""
    with app.test_request_context("/", headers={"HX-Request": "true", "HX-Boosted": "true"}):
        response = redirect_to("/account")
    assert (response.status_code, response.headers["Location"]) == (303, "/account")


def test_htmx_post_after_success_redirects_with_hx_redirect(client, create_user):
    user = create_user(Role.HELPER)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, headers=htmx_headers("login-form")
    )
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/")
