"""KI-Match: matching volunteers and Sprachlotsen to requests for help."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from ki_match import config as settings
from ki_match.core.locales import browser_language


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(settings.INSTANCE),
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    from ki_match.urls import IdConverter

    app.url_map.converters["int"] = IdConverter
    app.config.from_object(settings.BaseConfig)
    if test_config is None:
        app.config.from_mapping(settings.from_environment())
    else:
        app.config.from_object(settings.TestConfig)
        app.config.from_mapping(test_config)
    if app.config["ENV_NAME"] == "production":
        app.debug = False
    settings.INSTANCE.mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1)

    register_extensions(app)
    register_blueprints(app)
    register_event_handlers(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # e-mails rendered by commands and workers
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if session.get("locale") in supported:
        return session["locale"]
    return browser_language(request.accept_languages, supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    from ki_match import models  # noqa: F401  (the whole schema for Alembic)
    from ki_match.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
    from ki_match.reference import cache  # noqa: F401  (its listener gives changed reference data a new version)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None


def register_blueprints(app: Flask) -> None:
    from ki_match.access import Policy
    from ki_match.accounts.views import bp as accounts
    from ki_match.admin.audit import bp as audit
    from ki_match.admin.reference import bp as reference
    from ki_match.admin.settings import bp as settings_pages
    from ki_match.admin.views import bp as admin
    from ki_match.assignments.views import bp as assignments
    from ki_match.calendar.views import bp as calendar
    from ki_match.core.health import bp as health
    from ki_match.core.views import bp as core
    from ki_match.desk import routed_blueprints
    from ki_match.directory.views import bp as directory
    from ki_match.home.frontdoor import bp as frontdoor
    from ki_match.home.views import bp as home
    from ki_match.initiatives import series_pages as initiative_series
    from ki_match.initiatives.organisations import bp as organisations
    from ki_match.initiatives.views import bp as initiatives
    from ki_match.installation.views import bp as operator
    from ki_match.notifications.commands import bp as notifications
    from ki_match.notifications.preference_views import bp as notification_preferences
    from ki_match.notifications.views import bp as notification_views
    from ki_match.offers.views import bp as offers
    from ki_match.privacy.views import bp as privacy
    from ki_match.profile import language_views, week_views
    from ki_match.profile.views import bp as profile
    from ki_match.reports.views import bp as reports
    from ki_match.requests.commands import bp as request_commands
    from ki_match.standby.views import bp as standby
    from ki_match.statements.views import bp as statements
    from ki_match.tomorrow.views import bp as tomorrow
    from ki_match.training.views import bp as training

    # The profile's routes live in several modules on one blueprint; importing them adds the routes.
    helpers, requests, courses, series = routed_blueprints()
    assert all((language_views, week_views, initiative_series))
    for blueprint in (
        home,
        frontdoor,
        core,
        health,
        accounts,
        profile,
        offers,
        assignments,
        training,
        standby,
        tomorrow,
        calendar,
        privacy,
        requests,
        helpers,
        courses,
        series,
        initiatives,
        organisations,
        directory,
        reports,
        statements,
        admin,
        reference,
        settings_pages,
        audit,
        notifications,
        notification_preferences,
        notification_views,
        request_commands,
        operator,
    ):
        app.register_blueprint(blueprint)
    app.view_functions["static"].access_policy = Policy()


def register_event_handlers(app: Flask) -> None:
    """The upper layers' answers to what the lower ones publish (see ``ki_match.events``)."""
    from ki_match.accounts import services as accounts
    from ki_match.assignments import feedback
    from ki_match.events import subscribe
    from ki_match.helpers import activation
    from ki_match.initiatives import contacts
    from ki_match.initiatives import services as initiatives
    from ki_match.notifications import course_mails, recipients, tasks
    from ki_match.offers import commitments, late_refill, pool

    # A share of a helper's contact ends with her seat before anyone is mailed about the change.
    for handlers in (
        accounts.HANDLERS,
        activation.HANDLERS,
        commitments.HANDLERS,
        feedback.HANDLERS,
        pool.HANDLERS,
        contacts.HANDLERS,
        initiatives.HANDLERS,
        recipients.HANDLERS,
        course_mails.HANDLERS,
        tasks.HANDLERS,
        late_refill.HANDLERS,
    ):
        subscribe(app, handlers)


def register_request_hooks(app: Flask) -> None:
    from ki_match.access import enforce_access
    from ki_match.db import end_reading
    from ki_match.extensions import db
    from ki_match.htmx import add_vary
    from ki_match.security import set_security_headers

    app.before_request(enforce_access)
    app.after_request(add_vary)
    app.after_request(set_security_headers)

    @app.teardown_appcontext
    def forget_ki(_exc):
        g.pop("ki", None)

    # Runs before Flask-SQLAlchemy's own teardown closes the session (teardowns run last first).
    @app.teardown_appcontext
    def end_transaction(exc):
        if exc is None and db.session.registry.has():
            end_reading(db.session())


def register_errorhandlers(app: Flask) -> None:
    from ki_match.core.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from ki_match.assignments.labels import MOOD_LABELS, OUTCOME_LABELS
    from ki_match.core import templating
    from ki_match.home import navigation
    from ki_match.matching.pool import name_for
    from ki_match.training.labels import course_where

    templating.register(app)
    navigation.register(app)
    app.jinja_env.globals["pool_name"] = name_for
    app.jinja_env.globals["course_where"] = course_where
    app.jinja_env.globals.update(OUTCOME_LABELS=OUTCOME_LABELS, MOOD_LABELS=MOOD_LABELS)


def register_commands(app: Flask) -> None:
    from ki_match.accounts.commands import create_admin_command, operator_cli
    from ki_match.installation.commands import ki_cli
    from ki_match.offers.commands import escalate_command
    from ki_match.reference.commands import seed_command
    from ki_match.requests.commands import bp as request_commands

    request_commands.cli.add_command(escalate_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(ki_cli)
    app.cli.add_command(operator_cli)
