"""Shared fixtures.

The suite runs on SQLite by default. With ``KI_MATCH_TEST_POSTGRES`` set to a
server URL (``postgresql://postgres@127.0.0.1:5432/test``) it creates a fresh
database on that server, runs the same tests there, and drops it afterwards.

The schema is built by the real migrations. Tests commit for real (some use
several connections at once), so each test ends by emptying every table.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from ki_match import create_app
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import utcnow
from ki_match.config import database_url
from ki_match.extensions import db as _db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.orgs.models import Organisation
from ki_match.outbox.models import OutboxMessage
from ki_match.reference.models import Language, Level, Town
from ki_match.reference.services import ensure_reference_data

PASSWORD = "richtig-gutes-passwort"


def _postgres_server() -> str | None:
    return os.environ.get("KI_MATCH_TEST_POSTGRES") or None


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory) -> Iterator[str]:
    server = _postgres_server()
    if server is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    admin_url = make_url(database_url(server))
    name = f"ki_match_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_uri) -> str:
    """The test database, brought to the newest migration once per run."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return database_uri


def empty_all_tables(uri: str) -> None:
    engine = create_engine(uri)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """Each request in its own application context, as behind a real server.

    Otherwise a request made while the ``app`` fixture's context is pushed
    reuses that context: ``g`` (Flask-Login's cached user, Babel's locale, the
    CSRF token) and the database session would carry over from one request to
    the next, so a revoked session could still look logged in and a view that
    forgets to commit would pass. What the test has set up is committed first,
    so the request (on its own connection) sees it; the commit also expires the
    test's objects, which therefore show what the request wrote when read next.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context:  # ``with client:`` keeps Flask's own handling
            return super().open(*args, **kwargs)
        if has_app_context():
            _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(migrated) -> Iterator[Callable]:
    """Build an app on the test database, with config overrides for this test."""
    built = []

    def factory(**overrides):
        app = create_app({"SQLALCHEMY_DATABASE_URI": migrated, **overrides})
        app.test_client_class = RequestIsolatingClient
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
    empty_all_tables(migrated)


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        ensure_reference_data()
        _db.session.commit()
        yield app


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ki(app):
    return ensure_reference_data()


def town(name: str) -> Town:
    return _db.session.scalar(select(Town).where(Town.name == name))


def language(code: str) -> Language:
    return _db.session.scalar(select(Language).where(Language.code == code))


@pytest.fixture
def create_user(ki) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: Role = Role.COORDINATOR, *, email: str | None = None, verified: bool = True, **fields):
        number = next(counter)
        organisation = fields.pop("organisation", None)
        if role == Role.INITIATIVE and organisation is None:
            organisation = Organisation(ki_id=ki.id, name=f"Initiative {number}")
            _db.session.add(organisation)
            _db.session.flush()
        user = User(
            ki_id=ki.id,
            email=email or f"{role.value}{number}@example.org",
            display_name=fields.pop("display_name", f"{role.value.title()} {number}"),
            role=role,
            password_hash=fields.pop("password_hash", hash_password(PASSWORD)),
            organisation_id=organisation.id if organisation else None,
            email_verified_at=utcnow() - timedelta(days=1) if verified else None,
            **fields,
        )
        _db.session.add(user)
        _db.session.flush()
        _db.session.commit()
        return user

    return factory


@pytest.fixture
def create_helper(ki, create_user) -> Callable[..., HelperProfile]:
    """A helper with a profile; approved and speaking Arabic (native) and German (B2) by default."""

    def factory(
        *, approved: bool = True, languages=(("ar", Level.NATIVE), ("de", Level.B2)), home="Brakel", **fields
    ):
        user = create_user(Role.HELPER, **fields)
        profile = HelperProfile(
            ki_id=ki.id,
            user_id=user.id,
            home_town_id=town(home).id if home else None,
            approved_at=utcnow() if approved else None,
        )
        _db.session.add(profile)
        _db.session.flush()
        for code, level in languages:
            _db.session.add(HelperLanguage(helper_id=profile.id, language_id=language(code).id, level=level))
        _db.session.commit()
        return profile

    return factory


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


def outbox(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(_db.session.scalars(query))


def link_in(message: OutboxMessage) -> str:
    """The path of the first link of this app in a message's text body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


HTMX = {"HX-Request": "true"}


def htmx_headers(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}
