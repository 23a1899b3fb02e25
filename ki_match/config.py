"""Settings, read from the environment.

``KI_MATCH_ENV`` selects the profile: ``production`` (the default, so that a
forgotten variable fails closed), ``development`` or ``testing``.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "please-change-me"}
MIN_SECRET_LENGTH = 32
# A random key of 32+ characters has far more; "x" * 40 or "abab…" has not.
MIN_SECRET_DISTINCT_CHARACTERS = 10
MAIL_SECURITY_CHOICES = ("starttls", "ssl", "none")


def database_url(raw: str | None) -> str:
    """Normalise a ``DATABASE_URL`` so that PostgreSQL always goes through psycopg 3."""
    if not raw:
        return f"sqlite:///{INSTANCE / 'ki_match.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _dev_secret_key() -> str:
    """A random key kept in instance/ so development sessions survive a restart."""
    path = INSTANCE / "dev-secret-key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        # Written aside (mkstemp: mode 0600) and linked into place, so the key is
        # never readable by others nor half-written, and when the web server and
        # the mail worker start together the second keeps the first one's key.
        fd, aside = tempfile.mkstemp(dir=INSTANCE, prefix=".dev-secret-key.")
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(aside)
    return path.read_text().strip()


def weak_secret(secret: str) -> bool:
    return (
        secret.lower() in WEAK_SECRETS
        or len(secret) < MIN_SECRET_LENGTH
        or len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS
        # The test suite's key is public: a copied test config must not sign real sessions.
        or secret == TestConfig.SECRET_KEY
    )


def _no_debug_in_production() -> None:
    """Keep ``flask run``/``flask --debug`` from turning debug back on.

    The Flask CLI reads FLASK_DEBUG again after the factory has run, both for
    ``app.debug`` and for the Werkzeug debugger (an interactive console);
    clearing it here is the only way to keep both off in production.
    """
    if _bool("FLASK_DEBUG", False):
        logging.getLogger(__name__).warning("FLASK_DEBUG is ignored in production")
        os.environ["FLASK_DEBUG"] = "0"


def from_environment() -> dict:
    env = os.environ.get("KI_MATCH_ENV", "production")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY", "")
    if production and weak_secret(secret):
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters in production "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if production:
        _no_debug_in_production()
    mail_security = os.environ.get("MAIL_SECURITY", "starttls").strip().lower()
    if mail_security not in MAIL_SECURITY_CHOICES:
        # A typo ("tls") must not quietly send passwords and mail in plain text.
        raise RuntimeError(f"MAIL_SECURITY must be one of {', '.join(MAIL_SECURITY_CHOICES)}.")
    if not secret:
        secret = _dev_secret_key()
    mail_timeout, mail_claim = _int("MAIL_TIMEOUT", 30), _int("MAIL_CLAIM_SECONDS", 300)
    if mail_claim < 2 * mail_timeout:
        # A claim running out while the server still thinks lets a second worker take the rows.
        raise RuntimeError("MAIL_CLAIM_SECONDS must be at least twice MAIL_TIMEOUT.")
    return {
        "ENV_NAME": env,
        "DEBUG": False if production else _bool("FLASK_DEBUG", False),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL")),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR", 1 if production else 0),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if production else "file"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "KI-Match <no-reply@ki-match.example>"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_SECURITY": mail_security,
        "MAIL_TIMEOUT": mail_timeout,
        "MAIL_CLAIM_SECONDS": mail_claim,
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(INSTANCE / "mail")),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 10),
        "IMPORT_DIR": os.environ.get("IMPORT_DIR", str(INSTANCE / "imports")),
        "MAIL_RETRY_BASE_SECONDS": _int("MAIL_RETRY_BASE_SECONDS", 30),
        "MAIL_RETRY_MAX_SECONDS": _int("MAIL_RETRY_MAX_SECONDS", 2 * 3600),
        "MAIL_BATCH_SIZE": _int("MAIL_BATCH_SIZE", 100),
        "RETENTION_DAYS": _int("RETENTION_DAYS", 90),
        "OUTBOX_BODY_RETENTION_DAYS": _int("OUTBOX_BODY_RETENTION_DAYS", 7),
        "REMINDER_HOURS_BEFORE": _int("REMINDER_HOURS_BEFORE", 24),
        "LATE_CANCEL_HOURS": _int("LATE_CANCEL_HOURS", 48),
        "DAY_BEFORE_HOUR": _int("DAY_BEFORE_HOUR", 10),
        "DAY_BEFORE_DEADLINE_HOUR": _int("DAY_BEFORE_DEADLINE_HOUR", 18),
        "OFFER_UNANSWERED_HOURS": _int("OFFER_UNANSWERED_HOURS", 48),
    }


class BaseConfig:
    """Defaults every profile shares; ``from_environment`` overrides them."""

    ENV_NAME = "production"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # No request body above 4 MB is read at all (413, an error page that says so): the largest
    # upload is a pool table of at most 2 MB, whose form says so next to the field.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "ki_match" / "translations")
    LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", "tr")
    RTL_LANGUAGES = ("ar", "fa", "ps", "ckb", "he", "ur")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 10 minutes"
    # Wrong passwords per account and client address: slows the guesser, never locks out the owner.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    ACCOUNT_LIMIT_PER_ADDRESS = "10 per hour"
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 2
    PASSWORD_MIN_LENGTH = 12
    VERIFY_TOKEN_TTL = timedelta(hours=48)
    RESET_TOKEN_TTL = timedelta(hours=1)
    INVITATION_TOKEN_TTL = timedelta(days=7)
    # An extended police certificate (erweitertes Führungszeugnis) is shown again after this many years.
    POLICE_CERTIFICATE_VALID_YEARS = 5
    # Days after a request is finished until its client reference, exact place and what people
    # typed about it are purged (also the days a failed mail keeps its body).
    RETENTION_DAYS = 90
    # Days after a mail was sent until its body is emptied (outbox.retention).
    OUTBOX_BODY_RETENTION_DAYS = 7
    # Hours before a confirmed assignment when its helper is reminded (notifications remind).
    REMINDER_HOURS_BEFORE = 24
    # A confirmed helper giving her assignment back with less than this many hours to go cancels
    # late ("kurzfristige Absage"): every coordinator is alerted (assignments.services.is_late).
    LATE_CANCEL_HOURS = 48
    # The tax-free yearly limits a helper's allowance is held against, in cents, from the year on
    # until a later year's entry (§ 3 Nr. 26a EStG Ehrenamtspauschale, § 3 Nr. 26 EStG
    # Übungsleiterpauschale; raised for 2026 by the Steueränderungsgesetz 2025). Read through
    # ``statements.limits.limit_cents``.
    ALLOWANCE_LIMITS = {
        2021: {"ehrenamt": 84000, "uebungsleiter": 300000},
        2026: {"ehrenamt": 96000, "uebungsleiter": 330000},
    }
    # "Kommen Sie morgen?" (tomorrow): the hour of the day before, in Berlin, from which a helper
    # is asked, and the hour by which an unanswered question is flagged to the coordinators.
    DAY_BEFORE_HOUR = 10
    DAY_BEFORE_DEADLINE_HOUR = 18
    # Hours an offer may stay unanswered before its coordinator is reminded.
    OFFER_UNANSWERED_HOURS = 48
    # Seconds between two looks of a request page's offers block for answers, while some are out.
    OFFERS_POLL_SECONDS = 20
    # Mail defaults, so that every profile (tests included) can build and send a message.
    MAIL_BACKEND = "file"
    MAIL_FROM = "KI-Match <no-reply@ki-match.example>"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 587
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SECURITY = "starttls"
    MAIL_TIMEOUT = 30
    MAIL_FILE_DIR = str(INSTANCE / "mail")
    # Pool tables between their preview and their import (helpers.import_uploads), for an hour.
    IMPORT_DIR = str(INSTANCE / "imports")
    # The worker tries a message this often, waiting base · 2^attempts seconds (capped) in between.
    MAIL_MAX_ATTEMPTS = 10
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_RETRY_MAX_SECONDS = 2 * 3600
    MAIL_BATCH_SIZE = 100
    # A worker's claim on the messages of its round; a killed worker's rows wait this long.
    MAIL_CLAIM_SECONDS = 300


class TestConfig(BaseConfig):
    """Fast hashing, no rate limits unless a test turns them on, mail kept in the outbox."""

    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key-that-is-long-enough-for-tests"  # noqa: S105
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    PUBLIC_BASE_URL = "http://localhost"
    MAIL_BACKEND = "memory"
    PROXY_FIX_X_FOR = 0
    SESSION_COOKIE_SECURE = False
    DEBUG = False
