"""Loading a request for a view: one of the coordinators' KI, or the member's own organisation's — or 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ki_match.accounts.models import Role
from ki_match.orgs.queries import current_ki
from ki_match.requests import queries
from ki_match.requests.models import HelpRequest, RequestSeries


def get_request(request_id: int) -> HelpRequest:
    """Coordinators and admins see every request of their KI; an initiative member only those their
    organisation sent in; anyone else nothing. Another KI's request does not exist for them (404)."""
    if current_user.role in (Role.COORDINATOR, Role.ADMIN):
        found = queries.request_in_ki(current_ki(), request_id)
    elif current_user.role == Role.INITIATIVE and current_user.organisation_id is not None:
        found = queries.request_of_organisation(current_ki(), current_user.organisation_id, request_id)
    else:
        found = None
    if found is None:
        abort(404)
    return found


def get_series(series_id: int) -> RequestSeries:
    """A series of the coordinator's KI (the routes admit coordinators and admins only), or 404."""
    found = queries.series_in_ki(current_ki(), series_id)
    if found is None:
        abort(404)
    return found


def get_series_request(request_id: int) -> HelpRequest:
    """An appointment of a series, loaded and authorised like any request; 404 for a single request."""
    found = get_request(request_id)
    if found.series_id is None:
        abort(404)
    return found
