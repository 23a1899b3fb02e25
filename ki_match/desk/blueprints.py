"""The desk's blueprints: everything under /requests, /series (recurring appointments), /helpers and
/courses (training courses)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ki_match.accounts.models import Role

requests = Blueprint("requests", __name__, url_prefix="/requests")
helpers = Blueprint("helpers", __name__, url_prefix="/helpers")
courses = Blueprint("courses", __name__, url_prefix="/courses")
series = Blueprint("series", __name__, url_prefix="/series")

STAFF = (Role.COORDINATOR, Role.ADMIN)


def actor():
    """The logged-in coordinator, as the rules record them."""
    return current_user._get_current_object()
