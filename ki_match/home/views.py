"""The start page: each role's overview for everyone logged in; visitors go to a front door."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from ki_match.access import Role, public
from ki_match.home import dashboards
from ki_match.home.frontdoor import where_visitors_start
from ki_match.htmx import redirect_to, render

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect_to(where_visitors_start())
    if current_user.role == Role.OPERATOR:  # above the KIs: no KI's start page
        return redirect_to(url_for("operator.index"))
    return render(f"home/dashboard_{current_user.role.value}.html", **dashboards.for_user(current_user))
