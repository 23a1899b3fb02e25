"""Settings from the environment: production fails closed, development works out of the box.

These tests build the app the way ``flask --app app`` and gunicorn do
(``create_app()`` without a test config), with ``instance/`` redirected to a
temporary folder so the checkout's own instance folder is never touched.
"""

from __future__ import annotations

import stat

import pytest
from flask import jsonify, request
from flask.cli import ScriptInfo
from flask.helpers import get_debug_flag
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from ki_match import config, create_app
from ki_match.access import public
from ki_match.extensions import db

STRONG_SECRET = "q8Xv3L0pZr7NfT2wKc9YbH4sJm6GdA1eRu5iOk-_Qn"

ENVIRONMENT = (
    "KI_MATCH_ENV",
    "SECRET_KEY",
    "FLASK_DEBUG",
    "DATABASE_URL",
    "SESSION_COOKIE_SECURE",
    "PROXY_FIX_X_FOR",
    "SERVER_NAME",
    "MAIL_BACKEND",
    "MAIL_FILE_DIR",
    "MAIL_SECURITY",
)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """A clean environment and a throwaway instance/ folder."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE", folder)
    return folder


@pytest.fixture
def production(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    return instance


@pytest.fixture
def development(instance, monkeypatch):
    monkeypatch.setenv("KI_MATCH_ENV", "development")
    return instance


def dispose(app):
    with app.app_context():
        db.engine.dispose()


# --- production ------------------------------------------------------------------------------


def test_production_is_the_default_and_refuses_to_start_without_secret_key(instance):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    assert not (instance / "dev-secret-key").exists()


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("Zx9-kT2q", id="short"),
        pytest.param("a" * 31, id="one-short-of-minimum"),
        pytest.param("changeme", id="known-weak"),
        pytest.param("CHANGEME", id="known-weak-any-case"),
        pytest.param("x" * 64, id="long-but-one-character"),
        pytest.param("abababababababababababababababababab", id="long-but-two-characters"),
        pytest.param(config.TestConfig.SECRET_KEY, id="the-test-suite-key"),
    ],
)
def test_production_refuses_weak_secret_keys(instance, monkeypatch, secret):
    monkeypatch.setenv("KI_MATCH_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_strong_secret_and_without_debug(production, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SECRET_KEY"] == STRONG_SECRET
    assert app.debug is False
    assert app.config["DEBUG"] is False
    dispose(app)


def test_production_keeps_debug_off_through_the_flask_cli(production, monkeypatch):
    # `flask run` reads FLASK_DEBUG again *after* the factory, both for
    # app.debug and for the Werkzeug debugger (a remote console): it must be off.
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = ScriptInfo(create_app=create_app).load_app()
    assert app.debug is False
    assert get_debug_flag() is False
    dispose(app)


def test_production_cookies_are_secure(production):
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    dispose(app)


def add_probe(app):
    @app.route("/_probe")
    @public
    def probe():
        return jsonify(remote=request.remote_addr, scheme=request.scheme, host=request.host)


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "ki-match.example.org",
}


def test_production_trusts_one_proxy(production):
    app = create_app()
    assert isinstance(app.wsgi_app, ProxyFix)
    add_probe(app)
    seen = app.test_client().get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).json
    assert seen == {"remote": "203.0.113.9", "scheme": "https", "host": "ki-match.example.org"}
    dispose(app)


def test_development_ignores_forwarded_headers(development):
    app = create_app()
    assert not isinstance(app.wsgi_app, ProxyFix)
    add_probe(app)
    seen = app.test_client().get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).json
    assert seen["remote"] == "10.0.0.2"
    assert seen["scheme"] == "http"
    dispose(app)


# --- development -----------------------------------------------------------------------------


def test_development_generates_and_keeps_a_secret_key(development):
    first = create_app()
    key_file = development / "dev-secret-key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= config.MIN_SECRET_LENGTH
    second = create_app()
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert first.config["SESSION_COOKIE_SECURE"] is False
    dispose(first)
    dispose(second)


def test_development_may_debug(development, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app()
    assert app.debug is True
    dispose(app)


# --- database --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://ki:pw@db:5432/ki_match", "postgresql+psycopg://ki:pw@db:5432/ki_match"),
        ("postgresql://ki@db/ki_match", "postgresql+psycopg://ki@db/ki_match"),
        ("postgresql+psycopg://ki@db/ki_match", "postgresql+psycopg://ki@db/ki_match"),
        ("sqlite:////srv/ki.sqlite3", "sqlite:////srv/ki.sqlite3"),
    ],
)
def test_database_url_goes_through_psycopg3(raw, expected):
    assert config.database_url(raw) == expected


def test_database_url_from_the_environment(production, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ki@db.internal/ki_match")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://ki@db.internal/ki_match"
    dispose(app)


def test_default_database_is_sqlite_in_instance(development):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{development / 'ki_match.sqlite3'}"
    dispose(app)


def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_for_locks(development):
    app = create_app()
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() > 0
    assert (development / "ki_match.sqlite3").exists()
    dispose(app)


def test_a_mistyped_mail_security_is_refused(development, monkeypatch):
    # Anything but the three known values would have meant "no TLS".
    monkeypatch.setenv("MAIL_SECURITY", "tls")
    with pytest.raises(RuntimeError, match="MAIL_SECURITY"):
        create_app()
    monkeypatch.setenv("MAIL_SECURITY", "SSL")
    app = create_app()
    assert app.config["MAIL_SECURITY"] == "ssl"
    dispose(app)


def test_the_mail_claim_comes_from_the_environment_and_outlasts_the_timeout(development, monkeypatch):
    app = create_app()
    assert app.config["MAIL_CLAIM_SECONDS"] == 300
    dispose(app)
    monkeypatch.setenv("MAIL_CLAIM_SECONDS", "90")
    app = create_app()
    assert app.config["MAIL_CLAIM_SECONDS"] == 90
    dispose(app)
    # A claim shorter than a slow server's answer would let a second worker step in mid-send.
    monkeypatch.setenv("MAIL_TIMEOUT", "60")
    with pytest.raises(RuntimeError, match="MAIL_CLAIM_SECONDS"):
        create_app()
