"""Every route of the app as a URL a test can request, built from ``app.url_map``.

Tests that walk all routes (access policies, CSRF, security headers) use this
module, so a route added later is covered without touching those tests. URL
values come from the rule's converters:

- ``int``: the id of a row that exists in the KI under test. The table is
  found from the argument's name (``offer_id`` → ``offer``, ``request_id`` →
  the table that ``*.request_id`` columns point at, ``profile_id`` →
  ``helper_profile``); rows are created by ``make_world``.
- ``any(a, b)``: the first option.
- ``string``/``path``: a dummy (tokens, slugs), or a value from ``SAMPLES``.

When no value can be built the walk fails and says which rule and argument
need an entry in ``SAMPLES`` or a row in ``make_world``.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import time, timedelta
from html.parser import HTMLParser

from flask import Flask
from sqlalchemy import Table, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
)

from ki_match.access import Policy
from ki_match.accounts.models import Role, User
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import Absence, AvailabilitySlot, HelperProfile
from ki_match.notifications.tasks import CoordinatorTask
from ki_match.orgs.models import Ki, Organisation
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from ki_match.reference.models import Language, Town
from ki_match.requests.models import (
    Assignment,
    FillMode,
    HelpRequest,
    Offer,
    RequestKind,
    RequestSeries,
    RequestStatus,
)
from ki_match.requests.recurrence import Frequency
from ki_match.standby.models import StandbyDay
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.training.models import Course, CourseDate, CourseModule, CourseSignup, SignupStatus
from tests.factories import make_helper, make_user, other_ki

ROLES = tuple(Role)
# The roles of people in a KI; the operator stands above the KIs.
KI_ROLES = tuple(role for role in ROLES if role != Role.OPERATOR)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DUMMY_STRING = "sample-token-that-matches-nothing"

# Values by argument name, for arguments the generic rules cannot guess.
# A value, or a callable ``(world, ki_id) -> value``.
SAMPLES: dict[str, object] = {
    "filename": "css/app.css",
    # A KI's front door: the KI under test's own.
    "slug": lambda world, ki_id: db.session.get(Ki, ki_id).slug if ki_id else "hoexter",
    # A yearly statement: this year's.
    "year": lambda world, ki_id: local_today().year,
}


class SampleError(AssertionError):
    """A URL could not be built: the route needs a sample value."""


@dataclass(frozen=True)
class Route:
    """One rule with one method, e.g. ``POST /helpers/<int:profile_id>/approve``."""

    rule: Rule
    method: str

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule.rule}"

    def policy(self, app: Flask) -> Policy | None:
        return getattr(app.view_functions.get(self.endpoint), "access_policy", None)

    @property
    def has_object_ids(self) -> bool:
        return any(
            isinstance(converter, IntegerConverter) and name.endswith("_id")
            for name, converter in self.rule._converters.items()
        )


def all_routes(app: Flask, methods: set[str] | None = None) -> list[Route]:
    """Every (rule, method) of the app, sorted for stable test ids."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if methods is None or method in methods:
                found.append(Route(rule, method))
    return sorted(found, key=lambda route: (route.rule.rule, route.method))


def route_ids(routes: list[Route]) -> list[str]:
    return [route.id for route in routes]


def app_for_collection() -> Flask:
    """An app only for listing routes at collection time; it never touches a database."""
    from ki_match import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


# --- the sample world ----------------------------------------------------------------------


@dataclass
class World:
    """Users of every role in one KI (and an operator, in none), rows to point URLs at, and a second KI."""

    ki_id: int
    other_ki_id: int
    emails: dict[Role, str] = field(default_factory=dict)

    def email(self, role: Role) -> str:
        return self.emails[role]


def make_world(ki: Ki) -> World:
    """Rows every route can point at, created first so they have the lowest ids.

    The first rows of the KI are targets (an unapproved helper waiting for
    approval, whose user is also the first user); then one user per role. A
    request, an offer to the world's helper and an assignment exist in both
    KIs (and the helper's weekly slot and absence), so routes with
    ``<int:request_id>`` and the like find something.
    """
    make_helper(ki=ki, approved=False)
    helper = make_helper(ki=ki)
    users = {Role.HELPER: helper.user}
    for role in (Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN):
        users[role] = make_user(role, ki=ki)
    users[Role.OPERATOR] = make_user(Role.OPERATOR)
    _request_offer_assignment(ki, helper, users[Role.INITIATIVE])

    other = other_ki()
    other_org = Organisation(ki_id=other.id, name="Initiative im anderen KI")
    db.session.add(other_org)
    db.session.flush()
    other_users = [
        User(
            ki_id=other.id,
            email=f"{role.value}@other-ki.example.org",
            display_name=f"{role.value} anderes KI",
            role=role,
            organisation_id=other_org.id if role == Role.INITIATIVE else None,
            email_verified_at=utcnow(),
        )
        for role in KI_ROLES
    ]
    db.session.add_all(other_users)
    db.session.flush()
    other_helper = HelperProfile(ki_id=other.id, user_id=other_users[0].id)
    db.session.add(other_helper)
    db.session.flush()
    _request_offer_assignment(other, other_helper, other_users[KI_ROLES.index(Role.INITIATIVE)])
    db.session.commit()
    return World(ki_id=ki.id, other_ki_id=other.id, emails={role: user.email for role, user in users.items()})


def _request_offer_assignment(ki: Ki, helper: HelperProfile, requester: User) -> None:
    """A weekly slot and an absence of ``helper``, and a request with an offer to and an
    assignment of ``helper``."""
    db.session.add(AvailabilitySlot(helper_id=helper.id, weekday=0, starts=time(9), ends=time(12)))
    today = utcnow().date()
    db.session.add(
        Absence(
            helper_id=helper.id, first_day=today + timedelta(days=30), last_day=today + timedelta(days=35)
        )
    )
    language = db.session.scalar(select(Language).where(Language.code == "ar"))
    town = db.session.scalar(select(Town).where(Town.ki_id == ki.id).order_by(Town.id))
    starts = (utcnow() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    request = HelpRequest(
        ki_id=ki.id,
        kind=RequestKind.ONSITE,
        status=RequestStatus.FILLED,
        language_id=language.id,
        starts_at=starts,
        duration_minutes=60,
        town_id=town.id,
        place="Rathaus, Zimmer 1",
        client_ref="F-001",
        fill_mode=FillMode.COORDINATOR_CONFIRMS,
        organisation_id=requester.organisation_id,
        requested_by_id=requester.id,
    )
    db.session.add(request)
    db.session.flush()
    offer = Offer(request_id=request.id, helper_id=helper.id)
    db.session.add(offer)
    db.session.flush()
    # A call to make about the offer (the coordinators' task list; notifications.tasks).
    db.session.add(
        CoordinatorTask(
            ki_id=ki.id,
            helper_id=helper.id,
            request_id=request.id,
            kind="offer",
            idempotency_key=f"world-{ki.id}",
        )
    )
    assignment = Assignment(
        request_id=request.id,
        helper_id=helper.id,
        offer_id=offer.id,
        seat=1,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=60),
    )
    db.session.add(assignment)
    db.session.flush()
    # "Kommen Sie morgen?" asked about it (the coordinators record a phone answer).
    db.session.add(DayBeforeCheck(ki_id=ki.id, assignment_id=assignment.id, starts_at=starts))
    _course(ki, helper)
    # A series (its page and calendar file); its dates are made by tests that need them.
    db.session.add(
        RequestSeries(
            ki_id=ki.id,
            frequency=Frequency.WEEKLY,
            first_day=starts.date(),
            start_time=time(10),
            repeat_count=1,
        )
    )
    db.session.add(StandbyDay(helper_id=helper.id, day=today + timedelta(days=7)))
    # A mail in doubt, for the outbox status page's actions.
    db.session.add(
        OutboxMessage(
            ki_id=ki.id,
            kind="offer",
            idempotency_key=uuid.uuid4().hex,
            to_address=f"helper-{ki.id}@example.org",
            subject="Anfrage",
            body_text="Anfrage",
            status=DeliveryStatus.IN_DOUBT,
        )
    )
    db.session.flush()


def _course(ki: Ki, helper: HelperProfile) -> None:
    """A training course with one date past (its attendance can be recorded) and one to come,
    with ``helper`` holding a seat."""
    start = utcnow().replace(minute=0, second=0, microsecond=0)
    course = Course(ki_id=ki.id, title="Qualifizierung", place="KI, Raum 1", capacity=10)
    modules = [CourseModule(name="Rolle", position=0), CourseModule(name="Technik", position=1)]
    course.modules = modules
    course.dates = [
        CourseDate(module=module, starts_at=start + offset, ends_at=start + offset + timedelta(hours=2))
        for module, offset in zip(modules, (timedelta(days=-2), timedelta(days=5)), strict=True)
    ]
    db.session.add(course)
    db.session.flush()
    db.session.add(CourseSignup(course_id=course.id, helper_id=helper.id, status=SignupStatus.REGISTERED))


# --- building URLs -------------------------------------------------------------------------


def build_url(route: Route, world: World | None, *, ki_id: int | None = None) -> str:
    """A URL for ``route`` whose ids point at rows of ``ki_id`` (the world's KI by default)."""
    values = {}
    for name, converter in route.rule._converters.items():
        values[name] = _sample(route, name, converter, world, ki_id or (world.ki_id if world else None))
    built = route.rule.build(values, append_unknown=False)
    if built is None:
        raise SampleError(f"{route.id}: could not build a URL from {values!r}; add samples to SAMPLES")
    return built[1]


def _sample(route: Route, name: str, converter, world: World | None, ki_id: int | None):
    if name in SAMPLES:
        value = SAMPLES[name]
        return value(world, ki_id) if callable(value) else value
    if isinstance(converter, AnyConverter):
        return _first_any_option(route.rule, name)
    if isinstance(converter, IntegerConverter):
        return _existing_id(route, name, ki_id)
    if isinstance(converter, FloatConverter):
        return 1.5
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, PathConverter | UnicodeConverter):
        return DUMMY_STRING
    raise SampleError(
        f"{route.id}: no sample for <{type(converter).__name__}:{name}>; "
        "add one to SAMPLES in tests/routes.py"
    )


def _first_any_option(rule: Rule, name: str) -> str:
    match = re.search(r"<any\(([^)]*)\):" + re.escape(name) + ">", rule.rule)
    assert match, rule.rule
    return match.group(1).split(",")[0].strip().strip("'\"")


def table_for_argument(name: str) -> Table | None:
    """The table an ``<int:x_id>`` argument most likely points at."""
    tables = db.metadata.tables
    stem = name.removesuffix("_id")
    if stem in tables:
        return tables[stem]
    targets = {
        next(iter(column.foreign_keys)).column.table.name
        for table in tables.values()
        for column in table.columns
        if column.name == name and len(column.foreign_keys) == 1
    }
    if len(targets) == 1:
        return tables[targets.pop()]
    near = [table for table in tables if table.endswith("_" + stem) or table.startswith(stem + "_")]
    if len(near) == 1:
        return tables[near[0]]
    return None


def _existing_id(route: Route, name: str, ki_id: int | None) -> int:
    table = table_for_argument(name)
    if table is None:
        raise SampleError(
            f"{route.id}: cannot tell which table <int:{name}> refers to; "
            "add a sample to SAMPLES in tests/routes.py"
        )
    row_id = db.session.scalar(_rows_of_ki(table, ki_id).order_by(table.c.id).limit(1))
    if row_id is None:
        raise SampleError(
            f"{route.id}: no row in table {table.name!r} for <int:{name}> in KI {ki_id}; "
            "create one in make_world() in tests/routes.py (for both KIs) or add a sample to SAMPLES"
        )
    return row_id


def _rows_of_ki(table: Table, ki_id: int | None):
    """Ids of ``table``'s rows owned by the KI, directly or through one foreign key."""
    query = select(table.c.id)
    if ki_id is None:
        return query
    if "ki_id" in table.c:
        return query.where(table.c.ki_id == ki_id)
    for column in table.columns:
        for key in column.foreign_keys:
            parent = key.column.table
            if "ki_id" in parent.c:
                return query.join(parent, column == key.column).where(parent.c.ki_id == ki_id)
    return query


def owned_by_ki(name: str) -> bool:
    """Whether rows behind ``<int:name>`` belong to a KI (so another KI's id must give 404)."""
    table = table_for_argument(name)
    if table is None:
        return False
    return "ki_id" in table.c or any(
        "ki_id" in key.column.table.c for column in table.columns for key in column.foreign_keys
    )


# --- logging in and reading pages ----------------------------------------------------------


class _TokenFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.form_token = None
        self.header_token = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token" and self.form_token is None:
            self.form_token = attrs.get("value")
        if attrs.get("id") == "page" and attrs.get("hx-headers"):
            self.header_token = json.loads(attrs["hx-headers"]).get("X-CSRFToken")


def csrf_tokens(html: str) -> tuple[str | None, str | None]:
    """The token of the first hidden ``csrf_token`` input and the one in ``#page``'s hx-headers."""
    finder = _TokenFinder()
    finder.feed(html)
    return finder.form_token, finder.header_token


def log_in(app: Flask, email: str, password: str, **client_kwargs):
    """A new test client logged in as the user of ``email``; works with CSRF on or off."""
    client = app.test_client(**client_kwargs)
    page = client.get("/login")
    token, _ = csrf_tokens(page.get_data(as_text=True))
    data = {"email": email, "password": password}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused request changed nothing."""
    db.session.commit()  # end the test's transaction, so the rows are read fresh
    return {
        table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def is_login_redirect(response) -> bool:
    location = response.headers.get("HX-Redirect") or response.headers.get("Location") or ""
    return response.status_code in (303, 204) and location.split("?")[0] == "/login"


@dataclass(frozen=True)
class Visit:
    """One GET of one route by one viewer (``anonymous`` or a role's value)."""

    viewer: str
    route: Route
    url: str
    response: object

    @property
    def is_html(self) -> bool:
        return self.response.mimetype == "text/html" and bool(self.response.get_data())


def crawl(app: Flask, world: World, password: str) -> list[Visit]:
    """GET every GET route as anonymous and as each role of the world."""
    viewers = [("anonymous", app.test_client())]
    viewers += [(role.value, log_in(app, world.email(role), password)) for role in ROLES]
    routes = all_routes(app, methods={"GET"})
    visits = []
    for viewer, client in viewers:
        for route in routes:
            url = build_url(route, world)
            visits.append(Visit(viewer, route, url, client.get(url)))
    return visits
