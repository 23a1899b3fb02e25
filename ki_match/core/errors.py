"""Error pages, and what htmx gets when a session or CSRF token has expired."""

from __future__ import annotations

from flask import Flask, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ki_match.core.args import QueryError
from ki_match.htmx import is_htmx, refresh


def _titles() -> dict[int, str]:
    return {
        400: _("Die Anfrage war fehlerhaft"),
        403: _("Kein Zugriff"),
        404: _("Seite nicht gefunden"),
        405: _("Diese Aktion ist hier nicht möglich"),
        413: _("Die Datei ist zu groß"),
        422: _("Die Eingaben sind unvollständig"),
        429: _("Zu viele Versuche"),
        500: _("Ein Fehler ist aufgetreten"),
        503: _("Vorübergehend nicht verfügbar"),
    }


def _texts() -> dict[int, str]:
    return {
        400: _("Bitte gehen Sie zurück und versuchen Sie es noch einmal."),
        403: _(
            "Sie haben keinen Zugriff auf diese Seite. Melden Sie sich gegebenenfalls mit einem anderen Konto an."
        ),
        404: _("Die Seite gibt es nicht (mehr). Vielleicht hilft die Startseite weiter."),
        405: _("Bitte nutzen Sie die Schaltflächen auf der Seite."),
        413: _("Bitte gehen Sie zurück und wählen Sie eine kleinere Datei (höchstens 2 MB)."),
        429: _(
            "Aus Sicherheitsgründen ist eine Pause nötig. Bitte versuchen Sie es in einigen Minuten wieder."
        ),
        500: _(
            "Das tut uns leid. Der Fehler wurde protokolliert; bitte versuchen Sie es später noch einmal."
        ),
        503: _("KI-Match ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal."),
    }


def render_error(code: int, text: str | None = None, way_out: tuple[str, str] | None = None):
    """The error page; ``way_out`` is a (label, url) link to what helps next."""
    titles = _titles()
    body = render_template(
        "errors/error.html",
        code=code,
        title=titles.get(code, titles[500]),
        text=text or _texts().get(code, _texts()[500]),
        way_out=way_out,
    )
    return make_response(body, code)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if is_htmx():
            # The page's token is stale (expired session): reload it instead of failing silently.
            return refresh(400)
        return render_error(
            400,
            _(
                "Ihre Sitzung ist abgelaufen oder das Formular war zu lange geöffnet. "
                "Bitte laden Sie die Seite neu und senden Sie es noch einmal."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if is_htmx() and error.code in (401, 403):
            return refresh(error.code)
        # Our own refusals (``core.args.QueryError``) say what was wrong; werkzeug's defaults
        # are English and technical, so the page keeps its own text for them.
        response = render_error(error.code, error.description if isinstance(error, QueryError) else None)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        return render_error(500)

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from ki_match.extensions import db

        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(500)
