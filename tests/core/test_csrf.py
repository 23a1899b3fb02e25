"""CSRF protection on every state change, with tokens on as in production.

Every rule that accepts POST/PUT/PATCH/DELETE (walked from ``app.url_map``, see
tests/routes.py) is sent without a token by someone allowed to use it: the
answer is the 400 error page and not a single row changes. An htmx request
with a stale token gets ``HX-Refresh`` so the page reloads with a fresh one,
instead of failing silently. A token taken from the page works.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.reference.services import ensure_reference_data
from tests.databases import rows_kept
from tests.factories import PASSWORD
from tests.routes import (
    ROLES,
    UNSAFE_METHODS,
    World,
    all_routes,
    app_for_collection,
    build_url,
    csrf_tokens,
    database_snapshot,
    log_in,
    make_world,
    route_ids,
)
from tests.support import build_app, htmx_headers

ROUTES = all_routes(app_for_collection(), methods=UNSAFE_METHODS)
EXPIRED_TEXT = "Ihre Sitzung ist abgelaufen"


@pytest.fixture(scope="module")
def csrf_server(migrated) -> Iterator[Flask]:
    """An app with CSRF tokens on, as in production, on the session's database (one per module)."""
    csrf = build_app(migrated, WTF_CSRF_ENABLED=True)
    yield csrf
    with csrf.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_app(app, csrf_server) -> Flask:
    return csrf_server


@pytest.fixture(scope="module")
def world(shared_app) -> Iterator[World]:
    """Built once for the module; each test ends back at it (whatever an allowed request changed)."""
    with shared_app.app_context():
        world = make_world(ensure_reference_data())
    with rows_kept(shared_app):
        yield world


def client_allowed_to_use(app, world, route):
    """Anonymous for public pages, else a user of the first role the policy names."""
    policy = route.policy(app)
    if policy.public:
        return app.test_client()
    role = next(role for role in ROLES if role in policy.roles)
    return log_in(app, world.email(role), PASSWORD)


def test_every_unsafe_route_is_walked():
    assert ROUTES, "no POST routes found: the walk is broken"
    assert {"POST /login", "POST /logout"} <= set(route_ids(ROUTES))


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_state_change_without_token_is_refused(csrf_app, world, route):
    client = client_allowed_to_use(csrf_app, world, route)
    url = build_url(route, world)
    before = database_snapshot()

    response = client.open(url, method=route.method, data={})
    assert response.status_code == 400, f"{route.id} accepted a request without CSRF token"
    body = response.get_data(as_text=True)
    assert "<html" in body and EXPIRED_TEXT in body, "the error page, inside the layout"
    assert database_snapshot() == before, f"{route.id} changed data without a CSRF token"

    for token in (None, "forged-token"):
        headers = {"HX-Request": "true", "HX-Target": "main"}
        if token:
            headers["X-CSRFToken"] = token
        response = client.open(url, method=route.method, data={}, headers=headers)
        assert response.status_code == 400
        assert response.headers.get("HX-Refresh") == "true", f"{route.id}: htmx would fail silently"
    assert database_snapshot() == before


def test_login_with_the_token_of_the_form(csrf_app, create_user):
    user = create_user(Role.COORDINATOR)
    client = csrf_app.test_client()
    form_token, _ = csrf_tokens(client.get("/login").get_data(as_text=True))
    assert form_token
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": form_token}
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/")


def test_htmx_login_with_the_token_from_hx_headers(csrf_app, create_user):
    user = create_user(Role.COORDINATOR)
    client = csrf_app.test_client()
    _, header_token = csrf_tokens(client.get("/login").get_data(as_text=True))
    assert header_token
    headers = {**htmx_headers("login-form"), "X-CSRFToken": header_token}

    failed = client.post("/login", data={"email": user.email, "password": "falsch"}, headers=headers)
    assert failed.status_code == 422
    fragment_token, _ = csrf_tokens(failed.get_data(as_text=True))
    assert fragment_token, "the swapped-in form must carry a token for the next try"

    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=headers)
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/")


def test_a_token_of_another_session_is_refused(csrf_app, create_user):
    user = create_user(Role.COORDINATOR)
    token, _ = csrf_tokens(csrf_app.test_client().get("/login").get_data(as_text=True))
    victim = csrf_app.test_client()
    victim.get("/login")
    response = victim.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400


def test_pages_after_login_carry_a_working_token(csrf_app, create_user):
    """The login starts a new session: the old token dies, the new pages bring their own."""
    user = create_user(Role.COORDINATOR)
    client = csrf_app.test_client()
    before_login, _ = csrf_tokens(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before_login})
    form_token, header_token = csrf_tokens(client.get("/account").get_data(as_text=True))
    assert form_token and header_token
    assert client.post("/logout", data={"csrf_token": before_login}).status_code == 400
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/login")
    assert client.get("/account").status_code == 303
