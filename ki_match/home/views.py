"""The start page: a welcome for visitors, each role's overview for everyone logged in."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ki_match.access import public
from ki_match.home import dashboards
from ki_match.htmx import render

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render("home/welcome.html")
    return render(f"home/dashboard_{current_user.role.value}.html", **dashboards.for_user(current_user))
