"""Static information pages and the interface language."""

from __future__ import annotations

from flask import Blueprint, request, session, url_for
from flask_login import current_user

from ki_match.access import public
from ki_match.core.forms import LocaleForm
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render
from ki_match.orgs.queries import page_ki
from ki_match.orgs.settings import settings_for
from ki_match.security import safe_local_path

bp = Blueprint("core", __name__)


@bp.route("/accessibility")
@public
def accessibility():
    return render("core/accessibility.html")


@bp.route("/privacy")
@public
def privacy():
    """The installation's privacy page; with the KI's name, contact and notice when the page
    belongs to one (a logged-in user's, or an installation's only KI)."""
    ki = page_ki()
    return render("core/privacy.html", ki=ki, ki_settings=settings_for(ki) if ki else None)


@bp.route("/locale", methods=["POST"])
@public
def set_locale():
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect_to(safe_local_path(request.form.get("next")) or url_for("home.index"))
