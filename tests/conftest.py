"""Shared fixtures.

The suite runs on SQLite by default, or on a new PostgreSQL database with
``KI_MATCH_TEST_POSTGRES`` set (tests/databases.py). The schema is built by the
real migrations.

One application serves the whole session (``shared_app``); the reference data
is seeded once. Tests commit for real (some use several connections at once),
so each test ends by putting the database back to that reference data, and the
application's configuration back as it was. ``make_app`` builds another
application for the few tests that need other settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time
from functools import partial

import click
import pytest
from flask import Flask

from ki_match.accounts.models import Role, User
from ki_match.extensions import db as _db
from ki_match.extensions import limiter
from ki_match.helpers.models import HelperProfile
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.models import HelpRequest
from tests.databases import Baseline, migrate, new_database
from tests.factories import (
    PASSWORD,
    berlin,
    make_available_helper,
    make_helper,
    make_request,
    make_user,
    next_tuesday,
)
from tests.support import build_app


@pytest.fixture(scope="session")
def migrated() -> Iterator[str]:
    """The test database, brought to the newest migration once per run."""
    with new_database("test") as uri:
        yield migrate(uri)


@pytest.fixture(scope="session")
def shared_app(migrated) -> Iterator[Flask]:
    """The one application of the test session, on the migrated database with its reference data."""
    app = build_app(migrated)
    with app.app_context():
        ensure_reference_data()
        _db.session.commit()
        app.extensions["tests.baseline"] = Baseline(_db.engine)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def reset_database(shared_app) -> Callable[[], None]:
    """Bring the test database back to its reference data (for fixtures that fill it per module)."""

    def reset() -> None:
        with shared_app.app_context():
            _db.session.remove()
            shared_app.extensions["tests.baseline"].restore(_db.engine)

    return reset


@pytest.fixture
def app(shared_app, reset_database) -> Iterator[Flask]:
    """The session's application, in an app context; what the test changed is undone afterwards.

    Its configuration and view functions are put back as they were, and the
    database returns to the reference data.
    """
    config = shared_app.config.copy()
    views = shared_app.view_functions.copy()
    # The rate limiter is one object for every app, switched on or off by the last app that set
    # it up (another test's, a production one): hand it back to this one, where it is off.
    limiter.init_app(shared_app)
    try:
        with shared_app.app_context():
            yield shared_app
    finally:
        shared_app.config.clear()
        shared_app.config.update(config)
        shared_app.view_functions.clear()
        shared_app.view_functions.update(views)
        reset_database()


@pytest.fixture
def make_app(app, migrated) -> Iterator[Callable[..., Flask]]:
    """Another application on the test database, for the few tests that need other settings."""
    built = []

    def factory(**overrides) -> Flask:
        other = build_app(migrated, **overrides)
        built.append(other)
        return other

    yield factory
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ki(app):
    return ensure_reference_data()


@pytest.fixture
def create_user(ki) -> Callable[..., User]:
    """``create_user(role, email=…, verified=…, **columns)``: see tests/factories.py."""
    return partial(make_user, ki=ki)


@pytest.fixture
def create_helper(ki) -> Callable[..., HelperProfile]:
    """A helper with a profile; approved and speaking Arabic (native) and German (B2) by default."""
    return partial(make_helper, ki=ki)


@pytest.fixture
def available_helper(ki) -> Callable[..., HelperProfile]:
    """An approved, consenting helper with a Tuesday 09:00–13:00 slot (``slots=`` for others)."""
    return partial(make_available_helper, ki=ki)


@pytest.fixture
def coordinator(create_user) -> User:
    """A coordinator of the KI (not logged in)."""
    return create_user(Role.COORDINATOR)


@pytest.fixture
def tuesday_request(ki, coordinator) -> Callable[..., HelpRequest]:
    """Requests of the coordinator for next Tuesday 10:00, the time ``available_helper`` keeps free
    (Arabic, in Brakel); columns given by name win (tests/factories.py ``make_request``)."""
    return partial(make_request, ki=ki, created_by=coordinator, starts_at=berlin(next_tuesday(), time(10)))


class AuthActions:
    def __init__(self, client, create_user):
        self.client = client
        self.create_user = create_user

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")

    def as_role(self, role: Role, **fields) -> User:
        user = self.create_user(role, **fields)
        response = self.login(user.email)
        assert response.status_code == 303, response.get_data(as_text=True)
        return user


@pytest.fixture
def auth(client, create_user) -> AuthActions:
    return AuthActions(client, create_user)


@pytest.fixture
def login_as(auth, create_helper) -> Callable[[Role], User]:
    """Log the test client in as a fresh user of ``role`` (helpers get a profile)."""

    def factory(role: Role | str) -> User:
        role = Role(role)
        if role == Role.HELPER:
            profile = create_helper()
            response = auth.login(profile.user.email)
            assert response.status_code == 303
            return profile.user
        return auth.as_role(role)

    return factory


@pytest.fixture
def cli(app, db):
    """Run a command as ``flask --app app …`` would, after committing what the test set up.

    A development command is not in ``app.cli`` (Flask finds it through its entry point):
    pass its command object first, then its arguments."""
    runner = app.test_cli_runner()

    def invoke(*args, **kwargs):
        db.session.commit()
        command, args = (args[0], args[1:]) if isinstance(args[0], click.Command) else (None, args)
        result = runner.invoke(command, args=list(args), **kwargs)
        db.session.expire_all()
        return result

    return invoke
