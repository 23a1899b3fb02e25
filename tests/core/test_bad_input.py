"""No input gives a 5xx: bad values in every field of every form and every query parameter.

Each GET page the url_map knows is rendered as a viewer that may see it (tests/routes.py builds
its URL from the world's rows); its ``<form>``s say what to send. A GET form gives query
parameters of its action, a POST form fields of its action, and ``hx-get``/``hx-post`` on the
form or on an element inside it one more target, asked as htmx does (``HX-Request`` and the
``HX-Target`` it names). Links of the page with a query string give query parameters too. Then
each field gets every value of ``BAD_VALUES`` for its kind in turn, the other fields keeping
what the page rendered (or, where it left them empty, what a person would type: ``GOOD_VALUES``,
so that a bad value gets past the first "required"); a form with a date and a time field also
gets the hour the clocks skip in March. Ids in the URL path get a number far beyond the
database's integers. Forms that only show for rows in other states (a submitted request, an
offer in the inbox, a link from an e-mail …) are reached through ``MORE_PAGES``.

To keep the walk well under a minute per database, a form met on several pages (the layout's
log-out and language forms) is walked once, and where a form goes to one URL both plainly and
through htmx the values take turns between the two.

The world is made once for the module and put back after each page. Within a page, a request
that logged the viewer out is followed by a new login (and by putting the world back if the
account can no longer log in); other changes stay, which keeps the walk fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.routing.converters import IntegerConverter

from ki_match.accounts.models import Role, TokenPurpose, User
from ki_match.accounts.services import invite_user, issue_token
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.answers import Answer
from ki_match.offers.tokens import answer_token
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Town
from ki_match.reference.services import ensure_reference_data
from ki_match.reports.models import AllowanceRate
from ki_match.requests.models import OfferStatus, RequestStatus
from tests.databases import rows_kept
from tests.factories import (
    PASSWORD,
    berlin,
    booked,
    make_available_helper,
    make_request,
    make_user,
    move_into_past,
    next_tuesday,
    offer_to,
)
from tests.routes import (
    ROLES,
    Route,
    World,
    all_routes,
    app_for_collection,
    build_url,
    log_in,
    make_world,
    route_ids,
)
from tests.support import htmx_headers

HUGE = "99999999999999999999999"
# Every field gets these; fields that hold numbers, days or times (or may: hidden ones) get more.
BAD_TEXT = ("", " \t\u00a0\u2003 ", "x" * 5000, "abc", HUGE, "a\x00b", "\u202eevil\u202c")
BAD_NUMBERS = ("-1",)
BAD_DAYS = ("2027-02-30", "2027-13-01", "9999-12-31", "0001-01-01", "25:00")
BAD_VALUES = {
    "text": BAD_TEXT,
    "number": BAD_TEXT + BAD_NUMBERS,
    "day": BAD_TEXT + BAD_DAYS,
    "hidden": BAD_TEXT + BAD_NUMBERS + BAD_DAYS,
}
# A choice (select, checkbox, radio, button) gets the text values: "abc" and the huge number
# already miss every choice.
KIND_OF_INPUT = {
    "number": "number",
    "date": "day",
    "time": "day",
    "datetime-local": "day",
    "month": "day",
    "hidden": "hidden",
}
DST_GAP = {"date": "2027-03-28", "time": "02:30"}
# What a person would type into a field the page left empty, so that a bad value in another
# field reaches the checks behind the first "required".
GOOD_VALUES = {
    "date": (local_today() + timedelta(days=40)).isoformat(),
    "time": "10:00",
    "number": "2",
    "email": "someone@example.org",
    "password": "ein langes gutes Passwort",
}
# Pages that are files or probes: nothing to fill in.
NOT_PAGES = {"static", "health.healthz", "health.readyz"}

ROUTES = [
    route for route in all_routes(app_for_collection(), methods={"GET"}) if route.endpoint not in NOT_PAGES
]


# --- reading a page's forms ----------------------------------------------------------------


@dataclass
class Target:
    """Where a form's values go: a method, a URL and, for htmx, the target it swaps."""

    method: str
    url: str
    hx_target: str | None = None


@dataclass
class Form:
    targets: list[Target] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send
    names: dict[str, str] = field(default_factory=dict)  # every field → its input type
    element_id: str | None = None


def _target(method: str, url: str | None, page_url: str, hx_target: str | None = None) -> Target:
    return Target(method.upper(), url or page_url, (hx_target or "").lstrip("#") or None)


class FormReader(HTMLParser):
    """The forms of a page, with their fields and where htmx would send them."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.query_names: set[str] = set()
        self._form: Form | None = None
        self._outside: list[tuple[str | None, dict]] = []  # fields that name their form by id
        self._select: tuple[Form, str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: tuple[Form, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value if value is not None else "" for key, value in attrs}
        if tag == "a" and "?" in attrs.get("href", ""):
            link = urlsplit(attrs["href"])
            if link.path in ("", urlsplit(self.page_url).path):
                self.query_names.update(name for name, _ in parse_qsl(link.query, keep_blank_values=True))
        if tag == "form":
            self._form = Form(element_id=attrs.get("id"))
            method = attrs.get("method", "get")
            self._form.targets.append(_target(method, attrs.get("action"), self.page_url))
            self._add_hx_target(self._form, attrs)
            self.forms.append(self._form)
            return
        if tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
            return
        form = self._form
        if tag in ("input", "select", "textarea", "button") and form is None and attrs.get("name"):
            if attrs.get("hx-get") or attrs.get("hx-post"):  # an element that sends itself
                form = Form()
                self.forms.append(form)
            elif attrs.get("form"):
                self._outside.append((attrs["form"], attrs))
                return
        if form is None:
            return
        self._add_hx_target(form, attrs)  # also a <div hx-post> that checks the form's fields
        name = attrs.get("name")
        if not name or "disabled" in attrs:
            return
        if tag == "input":
            self._add_input(form, name, attrs)
        elif tag == "button":
            form.names.setdefault(name, "button")
            if name not in dict(form.values):
                form.values.append((name, attrs.get("value", "")))
        elif tag == "select":
            form.names.setdefault(name, "select")
            self._select, self._options = (form, name, "multiple" in attrs), []
        elif tag == "textarea":
            form.names.setdefault(name, "textarea")
            self._textarea, self._text = (form, name), []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            form, name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            real = [value for value, _ in self._options if value not in ("", "0")]
            if not chosen and self._options and not multiple:
                chosen = real[:1] or [self._options[0][0]]
            form.values.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            form, name = self._textarea
            form.values.append((name, "".join(self._text).strip() or "Text"))
            self._textarea = None

    def _add_hx_target(self, form: Form, attrs: dict) -> None:
        for method in ("get", "post"):
            if attrs.get(f"hx-{method}"):
                form.targets.append(
                    _target(method, attrs[f"hx-{method}"], self.page_url, attrs.get("hx-target") or "")
                )

    @staticmethod
    def _add_input(form: Form, name: str, attrs: dict) -> None:
        kind = attrs.get("type", "text").lower()
        if kind in ("submit", "image", "reset", "file"):
            return
        form.names.setdefault(name, kind)
        if kind in ("checkbox", "radio") and "checked" not in attrs and "required" not in attrs:
            return
        value = attrs.get("value", "on" if kind == "checkbox" else "")
        if attrs.get("inputmode") in ("numeric", "decimal"):
            kind = "number"
        form.values.append(
            (name, value or GOOD_VALUES.get(kind, "Text" if kind in ("text", "search") else ""))
        )

    def close(self):
        super().close()
        forms_by_id = {form.element_id: form for form in self.forms if form.element_id}
        for form_id, attrs in self._outside:
            if form_id in forms_by_id:
                self._form = forms_by_id[form_id]
                self.handle_starttag("input", [(key, value) for key, value in attrs.items() if key != "form"])
        self._form = None


def forms_of(html: str, page_url: str) -> tuple[list[Form], set[str]]:
    reader = FormReader(page_url)
    reader.feed(html)
    reader.close()
    return reader.forms, reader.query_names


# --- the walk -------------------------------------------------------------------------------


def variations(form: Form) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(what changed, the values to send): each field with each bad value, the others as rendered."""
    for name in form.names:
        if name == "csrf_token":  # CSRF is off here; tests/core/test_csrf.py checks the token
            continue
        others = [(key, value) for key, value in form.values if key != name]
        for bad in BAD_VALUES[KIND_OF_INPUT.get(form.names[name], "text")]:
            yield f"{name}={bad[:30]!r}", [*others, (name, bad)]
    dates = [name for name, kind in form.names.items() if kind == "date"]
    times = [name for name, kind in form.names.items() if kind == "time"]
    if dates and times:
        gap = {**dict.fromkeys(dates, DST_GAP["date"]), **dict.fromkeys(times, DST_GAP["time"])}
        yield (
            f"DST gap {gap}",
            [(key, value) for key, value in form.values if key not in gap] + list(gap.items()),
        )


def viewer_of(app, route: Route) -> Role | None:
    """Anonymous for public pages, else the first role (in ``ROLES`` order) the policy names."""
    policy = route.policy(app)
    if policy.public:
        return None
    return next(role for role in ROLES if role in policy.roles)


@dataclass
class Walk:
    """One viewer's requests; a request that changed the world puts it back first."""

    app: object
    world: World
    reset: object
    role: Role | None
    failures: list[str] = field(default_factory=list)
    client: object = None

    def __post_init__(self):
        self.client = self._fresh_client()

    def _fresh_client(self):
        if self.role is None:
            return self.app.test_client()
        return log_in(self.app, self.world.email(self.role), PASSWORD)

    def send(self, target: Target, values: list[tuple[str, str]], what: str, *, htmx: bool = False) -> None:
        headers = {}
        if htmx or target.hx_target:
            headers = {"HX-Request": "true", **({"HX-Target": target.hx_target} if target.hx_target else {})}
        try:
            if target.method == "GET":
                response = self.client.get(target.url, query_string=MultiDict(values), headers=headers)
            else:
                response = self.client.open(
                    target.url, method=target.method, data=MultiDict(values), headers=headers
                )
        except Exception as error:  # noqa: BLE001 - the app's own error: what the test is looking for
            self.failures.append(
                f"{target.method} {target.url} {what}: {type(error).__name__}: {error}"[:400]
            )
            self._restart()
            return
        if response.status_code >= 500:
            self.failures.append(f"{target.method} {target.url} {what}: {response.status_code}")
        if _logged_out(response):
            self._restart()

    def _restart(self) -> None:
        """A new login; if that fails (the account was changed), the world is put back first."""
        try:
            self.client = self._fresh_client()
        except AssertionError:
            self.reset()
            self.client = self._fresh_client()


def _logged_out(response) -> bool:
    location = response.headers.get("HX-Redirect") or response.headers.get("Location") or ""
    return location.split("?")[0] == "/login"


@pytest.fixture(scope="module")
def walked() -> dict[tuple[str, str], list[frozenset[str]]]:
    """(method, URL) → the sets of fields sent there so far."""
    return {}


def new_targets(form: Form, walked: dict) -> list[list[Target]]:
    """The form's targets, grouped by URL, without those that got these fields already (the
    layout's forms are on every page; a copied request posts what a new one does)."""
    names = frozenset(form.names)
    groups: dict[tuple[str, str], list[Target]] = {}
    for target in form.targets:
        key = (target.method, urlsplit(target.url).path)
        if not any(names <= seen for seen in walked.get(key, [])):
            groups.setdefault(key, []).append(target)
    for key in groups:
        walked.setdefault(key, []).append(names)
    return list(groups.values())


@dataclass
class BadInputWorld(World):
    """The walk's world, plus pages whose forms only show in other states (``MORE_PAGES``)."""

    pages: dict[str, str] = field(default_factory=dict)


# Forms that only show for rows in another state than the world's: (viewer, what the page shows).
MORE_PAGES = {
    "submitted request, coordinator": Role.COORDINATOR,
    "submitted request, initiative": Role.INITIATIVE,
    "open request with a candidate": Role.COORDINATOR,
    "open request, edit": Role.COORDINATOR,
    "offered request with a yes": Role.COORDINATOR,
    "inbox with an offer": Role.HELPER,
    "past assignment": Role.HELPER,
    "reported hours": Role.COORDINATOR,
    "past request": Role.COORDINATOR,
    "allowance rates": Role.ADMIN,
    "invitation link": None,
    "password reset link": None,
    "verification link": None,
    "offer answer link": None,
}


@pytest.fixture(scope="module")
def world(shared_app) -> Iterator[BadInputWorld]:
    with shared_app.app_context():
        world = BadInputWorld(**vars(make_world(ensure_reference_data())))
        world.pages = _more_pages(world)
        db.session.commit()
    with rows_kept(shared_app):
        yield world


def _more_pages(world: World) -> dict[str, str]:
    ki = db.session.get(Ki, world.ki_id)
    users = {role: db.session.scalar(select(User).where(User.email == world.email(role))) for role in ROLES}
    helper = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == users[Role.HELPER].id))
    candidate = make_available_helper(ki=ki)
    tuesday = berlin(next_tuesday() + timedelta(days=7), time(10))
    submitted = make_request(
        ki=ki,
        status=RequestStatus.SUBMITTED,
        organisation_id=users[Role.INITIATIVE].organisation_id,
        requested_by_id=users[Role.INITIATIVE].id,
    )
    open_request = make_request(ki=ki, starts_at=tuesday)
    offered = make_request(ki=ki, starts_at=tuesday + timedelta(days=1), status=RequestStatus.OFFERED)
    offer_to(offered, candidate, OfferStatus.ACCEPTED)
    pending = offer_to(offered, helper)
    past = move_into_past(booked(make_request(ki=ki), helper), days=2)
    reported = move_into_past(booked(make_request(ki=ki), candidate), days=3)
    reported.actual_minutes, reported.travel_km, reported.reported_at = 60, 5, utcnow()
    invited = invite_user(
        ki,
        email="invited@example.org",
        display_name="Ina Eingeladen",
        role=Role.COORDINATOR,
        organisation=None,
        invited_by=users[Role.ADMIN],
    )
    unverified = make_user(Role.HELPER, ki=ki, verified=False)
    db.session.add(
        AllowanceRate(ki_id=ki.id, valid_from=date(2026, 1, 1), per_hour_cents=1250, per_km_cents=30)
    )
    return {
        "submitted request, coordinator": f"/requests/{submitted.id}",
        "submitted request, initiative": f"/initiative/requests/{submitted.id}",
        "open request with a candidate": f"/requests/{open_request.id}",
        "open request, edit": f"/requests/{open_request.id}/edit",
        "offered request with a yes": f"/requests/{offered.id}",
        "inbox with an offer": "/inbox",
        "past assignment": f"/assignments/{past.id}",
        "reported hours": "/requests/approvals",
        "past request": f"/requests/{past.request_id}",
        "allowance rates": "/reports/rates",
        "invitation link": f"/invitation/{issue_token(invited, TokenPurpose.INVITATION)}",
        "password reset link": f"/password/reset/{issue_token(users[Role.HELPER], TokenPurpose.RESET_PASSWORD)}",
        "verification link": f"/verify/{issue_token(unverified, TokenPurpose.VERIFY_EMAIL)}",
        "offer answer link": f"/offers/answer/{answer_token(pending, Answer.ACCEPT)}",
    }


def test_every_page_is_walked():
    endpoints = {route.endpoint for route in ROUTES}
    assert {"requests.index", "requests.show", "directory.index", "accounts.register"} <= endpoints
    assert len(ROUTES) > 50


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_no_input_gives_a_server_error(app, world, reset_database, walked, route):
    walk = Walk(app, world, reset_database, viewer_of(app, route))
    url = build_url(route, world)
    for name, converter in route.rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values = app.url_map.bind("localhost").match(url, method="GET")[1]
            huge = route.rule.build({**values, name: int(HUGE)}, append_unknown=False)[1]
            walk.send(Target("GET", huge), [], f"<{name}> huge")
    walk_page(walk, url, walked)


@pytest.mark.parametrize("page", MORE_PAGES)
def test_no_input_gives_a_server_error_in_other_states(app, world, reset_database, walked, page):
    walk = Walk(app, world, reset_database, MORE_PAGES[page])
    response = walk.client.get(world.pages[page])
    assert response.status_code == 200, (page, response.status_code)
    walk_page(walk, world.pages[page], walked)


def walk_page(walk: Walk, url: str, walked: dict) -> None:
    """Every form and query parameter of the page at ``url``, with every bad value."""
    page = walk.client.get(url)
    assert page.status_code < 500, page.status_code
    if page.mimetype != "text/html" or page.status_code >= 400:
        assert not walk.failures, "\n".join(walk.failures)
        return
    forms, query_names = forms_of(page.get_data(as_text=True), url)
    if query_names:
        forms.append(Form([Target("GET", url)], [], dict.fromkeys(query_names, "text")))
    for form in forms:
        groups = new_targets(form, walked)
        for number, (what, values) in enumerate(variations(form)):
            for targets in groups:
                # One view behind a URL: the values take turns between the plain request and
                # htmx's (which asks for a partial), instead of each going to both.
                walk.send(targets[number % len(targets)], values, what)
    assert not walk.failures, f"{len(walk.failures)} requests failed:\n" + "\n".join(walk.failures[:60])


# --- the cases the review found, answered as they should be -----------------------------------

FAR = "9999-12-31"


def _field_block(html: str, field_id: str) -> str:
    """The markup ``render_field`` drew for one field: label, input, hint and error."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return block
    raise AssertionError(f"no field {field_id}")


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("reschedule-day", "abc", "Bitte als Datum eingeben"),
        ("reschedule-day", "2027-02-30", "Bitte als Datum eingeben"),
        ("reschedule-day", FAR, "Bitte ein Datum zwischen 1. Jan. 2000 und 31. Dez. 2099 eingeben."),
        ("reschedule-start", "25:00", "Bitte als Uhrzeit eingeben"),
        ("reschedule-duration_minutes", HUGE, "Diese Zahl ist zu groß."),
    ],
)
def test_an_unreadable_new_time_answers_422_next_to_its_field(app, world, field, typed, message):
    request = make_request(ki=db.session.get(Ki, world.ki_id))
    client = log_in(app, world.email(Role.COORDINATOR), PASSWORD)
    data = {
        "reschedule-day": (local_today() + timedelta(days=20)).isoformat(),
        "reschedule-start": "10:00",
        "reschedule-duration_minutes": "60",
        field: typed,
    }
    response = client.post(f"/requests/{request.id}/reschedule", data=data)
    assert response.status_code == 422
    block = _field_block(response.get_data(as_text=True), field)
    assert message in block and f'value="{typed}"' in block


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Bitte als Datum eingeben"),
        ("2027-13-01", "Bitte als Datum eingeben"),
        (FAR, "Bitte ein Datum zwischen"),
    ],
)
def test_an_unreadable_first_day_of_a_rate_answers_422_next_to_its_field(app, world, typed, message):
    client = log_in(app, world.email(Role.ADMIN), PASSWORD)
    data = {"valid_from": typed, "per_hour": "12,50", "per_km": "0,30"}
    response = client.post("/reports/rates", data=data)
    assert response.status_code == 422
    block = _field_block(response.get_data(as_text=True), "valid_from")
    assert message in block and f'value="{typed}"' in block


def test_a_far_day_in_the_request_form_is_refused_and_previews_nothing(app, world):
    client = log_in(app, world.email(Role.COORDINATOR), PASSWORD)
    data = {
        "kind": "accompaniment",
        "language_id": str(db.session.scalar(select(Language.id).where(Language.code == "ar"))),
        "min_level": "3",
        "day": FAR,
        "start": "10:00",
        "duration_minutes": "60",
        "town_id": str(db.session.scalar(select(Town.id).where(Town.ki_id == world.ki_id))),
        "helpers_needed": "1",
        "fill_mode": "confirm",
        "intent": "open",
    }
    response = client.post("/requests/new", data=data)
    assert response.status_code == 422
    assert "Bitte ein Datum zwischen" in _field_block(response.get_data(as_text=True), "day")
    preview = client.post("/requests/preview", data=data, headers=htmx_headers("candidates-preview"))
    assert preview.status_code == 200


def test_far_and_huge_values_in_urls_are_not_found_or_refused_with_a_message(app, world):
    client = log_in(app, world.email(Role.COORDINATOR), PASSWORD)
    assert client.get(f"/requests/{HUGE}").status_code == 404
    assert client.get(f"/requests/{2**31}").status_code == 404
    refused = {
        f"to={FAR}": ("„to“", FAR),
        "from=0001-01-01": ("„from“", "0001-01-01"),
        f"language={HUGE}": ("„language“", HUGE[:40]),
        "town=abc": ("„town“", "abc"),
        "tab=nonsense": ("„tab“", "nonsense"),
        "page=-1": ("„page“", "-1"),
    }
    for query, named in refused.items():
        response = client.get(f"/requests?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert all(part in page for part in named), (query, page)
    # Empty is "not given" (a filter form's "all"); text is cleaned, never refused.
    for query in ("language=&town=&from=&to=&tab=", "q=a%00b", "page="):
        assert client.get(f"/requests?{query}").status_code == 200, query
    offers = client.post(
        f"/requests/{make_request(ki=db.session.get(Ki, world.ki_id)).id}/offers", data={"helper_ids": HUGE}
    )
    assert offers.status_code < 500
