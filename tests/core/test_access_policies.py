"""The guard rail: every route declares who may use it, and every request is held to it.

The routes come from ``app.url_map`` (see tests/routes.py), so a route added
later is walked here without touching this file. For each route and method:

- anonymous on a non-public route: sent to the login page (303, or 204 with
  ``HX-Redirect`` for htmx) and the view never runs;
- a role the policy does not name: 403 and the view never runs;
- a role the policy names: the view runs and does not answer 403;
- an ``anonymous_only`` page sends anyone logged in to the start page;
- ids of another KI's rows answer 404 to every role that may use the route,
  and change nothing.

Whether the view ran is observed directly (each view is wrapped in a spy),
because a redirect to /login can also be a view's own answer (logout).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ki_match.access import Policy, public
from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.models import HelpRequest, Offer
from tests.databases import rows_kept
from tests.factories import PASSWORD
from tests.routes import (
    DUMMY_STRING,
    ROLES,
    UNSAFE_METHODS,
    SampleError,
    World,
    all_routes,
    app_for_collection,
    build_url,
    database_snapshot,
    is_login_redirect,
    log_in,
    make_world,
    owned_by_ki,
    route_ids,
)
from tests.support import htmx_headers

ROUTES = all_routes(app_for_collection())
OBJECT_ROUTES = [
    route
    for route in ROUTES
    if any(name.endswith("_id") and owned_by_ki(name) for name in route.rule.arguments)
]


def routes_without_policy(app) -> list[str]:
    return sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if not isinstance(getattr(app.view_functions.get(rule.endpoint), "access_policy", None), Policy)
    )


@pytest.fixture(scope="module")
def world(shared_app) -> Iterator[World]:
    """Built once for the module; each test ends back at it (whatever an allowed request changed)."""
    with shared_app.app_context():
        world = make_world(ensure_reference_data())
    with rows_kept(shared_app):
        yield world


@pytest.fixture
def entered(app) -> list[str]:
    """Endpoints whose view function actually ran, in order."""
    calls: list[str] = []
    for endpoint, view in list(app.view_functions.items()):

        def spy(*args, _view=view, _endpoint=endpoint, **kwargs):
            calls.append(_endpoint)
            return _view(*args, **kwargs)

        if hasattr(view, "access_policy"):
            spy.access_policy = view.access_policy
        app.view_functions[endpoint] = spy
    return calls


def call(client, route, url, headers=None):
    data = {} if route.method in UNSAFE_METHODS else None
    return client.open(url, method=route.method, headers=headers or {}, data=data)


def test_every_route_declares_an_access_policy(app):
    missing = routes_without_policy(app)
    assert not missing, (
        "These routes have no access policy. Put @public, @anonymous_only, @logged_in or "
        "@roles(...) from ki_match.access right under the route decorator: " + ", ".join(missing)
    )


def test_a_route_without_policy_is_refused_and_named(make_app):
    app = make_app()
    app.add_url_rule("/unguarded", "unguarded", lambda: "geheim")
    assert routes_without_policy(app) == ["/unguarded (unguarded)"]
    response = app.test_client().get("/unguarded")
    assert response.status_code == 403
    assert "geheim" not in response.get_data(as_text=True)


def test_walk_covers_routes_added_later(make_app, world):
    """A new route needs nothing but its policy: the walk finds it and builds its URL."""
    later = make_app()
    later.add_url_rule("/later/<int:offer_id>/<any(a, b):mode>/<token>", "later", public(lambda **kw: "ok"))
    later.add_url_rule("/odd/<int:gizmo_id>", "odd", public(lambda **kw: "ok"))
    routes = {route.endpoint: route for route in all_routes(later)}
    offer_id = db.session.scalar(select(Offer.id).join(HelpRequest).where(HelpRequest.ki_id == world.ki_id))
    assert build_url(routes["later"], world) == f"/later/{offer_id}/a/{DUMMY_STRING}"
    with pytest.raises(SampleError, match=r"GET /odd/<int:gizmo_id>: .*add a sample to SAMPLES"):
        build_url(routes["odd"], world)


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_route_enforces_its_policy(app, world, entered, route):
    policy = route.policy(app)
    assert isinstance(policy, Policy), f"{route.id} has no access policy"
    url = build_url(route, world)

    for headers in ({}, htmx_headers("main")):
        entered.clear()
        response = call(app.test_client(), route, url, headers)
        if policy.public:
            assert entered == [route.endpoint], f"anonymous could not reach public {route.id}"
            assert not is_login_redirect(response) and response.status_code != 403
        else:
            assert entered == [], f"{route.id} ran for an anonymous visitor"
            assert is_login_redirect(response), (route.id, response.status_code, response.headers)
            if headers:
                assert response.status_code == 204
            else:
                assert response.status_code == 303
                expected_next = f"/login?next={url}" if route.method == "GET" else "/login"
                assert response.headers["Location"].replace("%2F", "/") == expected_next

    for role in ROLES:
        client = log_in(app, world.email(role), PASSWORD)
        allowed = policy.public or role in policy.roles
        if not allowed or policy.anonymous_only:
            # Refused requests change nothing, so the same client can try htmx first.
            entered.clear()
            response = call(client, route, url, htmx_headers("main"))
            assert entered == [], f"{route.id} ran for {role}"
            if policy.anonymous_only:
                assert (response.status_code, response.headers.get("HX-Redirect")) == (204, "/")
            else:
                assert response.status_code == 403
                assert response.headers.get("HX-Refresh") == "true"
        entered.clear()
        response = call(client, route, url)
        if policy.anonymous_only:
            assert entered == [], f"{route.id} ran for {role}"
            assert (response.status_code, response.headers.get("Location")) == (303, "/")
        elif allowed:
            assert entered == [route.endpoint], f"{role} could not reach {route.id}"
            assert response.status_code != 403, f"{route.id} refused {role}"
        else:
            assert entered == [], f"{route.id} ran for {role}"
            assert response.status_code == 403, f"{route.id} answered {response.status_code} to {role}"
            assert "Kein Zugriff" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=route_ids(OBJECT_ROUTES))
def test_objects_of_another_ki_are_not_found(app, world, route):
    policy = route.policy(app)
    roles = ROLES if policy.public else sorted(policy.roles)
    assert roles, f"{route.id}: anonymous_only route with object ids is not expected"
    url = build_url(route, world, ki_id=world.other_ki_id)
    for role in roles:
        client = log_in(app, world.email(role), PASSWORD)
        before = database_snapshot()
        response = call(client, route, url)
        assert response.status_code == 404, (
            f"{route.id} answered {response.status_code} to a {role} of another KI ({url})"
        )
        assert database_snapshot() == before, f"{route.id} changed data of another KI for {role}"


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_anonymous_only_pages_send_logged_in_users_home(client, login_as, path):
    login_as(Role.HELPER)
    for method in ("GET", "POST"):
        response = client.open(path, method=method, data={"email": "x@example.org", "password": "x"})
        assert (response.status_code, response.headers["Location"]) == (303, "/")
    response = client.post(path, headers=htmx_headers("login-form"))
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/")
    assert "<form" not in response.get_data(as_text=True)


def test_the_operator_sees_no_ki_data_anywhere(app, world):
    """The operator belongs to no KI: every KI page refuses (403/404, never a 500), and what the
    operator may open (the operator's pages, the account, public pages) names none of a KI's people."""
    people = db.session.scalars(select(User).where(User.ki_id.is_not(None))).all()
    personal = {user.email for user in people} | {user.display_name for user in people} | {"F-001"}
    client = log_in(app, world.email(Role.OPERATOR), PASSWORD)
    for route in all_routes(app, methods={"GET"}):
        url = build_url(route, world)
        response = client.get(url)
        assert response.status_code < 500, f"{route.id} answered {response.status_code} to the operator"
        policy = route.policy(app)
        if not (policy.public or Role.OPERATOR in policy.roles):
            assert response.status_code == 403, route.id
        if response.status_code == 200:
            body = response.get_data(as_text=True)
            assert not [value for value in personal if value in body], f"{route.id} shows a KI's people"
