"""Access policies declared next to each route and enforced for every request.

Every view carries a policy; ``enforce_access`` runs before each request and
refuses any endpoint without one, so a new route cannot be reachable by
accident. The guard-rail test walks ``app.url_map`` and checks each policy.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, request, url_for
from flask_login import current_user

from ki_match.htmx import redirect_to


class Role(enum.StrEnum):
    """Who someone is in the KI; every policy names roles (``accounts.models.User.role`` stores one)."""

    HELPER = "helper"
    COORDINATOR = "coordinator"
    INITIATIVE = "initiative"
    ADMIN = "admin"
    # Runs the installation above the KIs: belongs to no KI and sees none of their people.
    OPERATOR = "operator"


ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Policy:
    """``roles`` empty means public; ``anonymous_only`` pages send logged-in users home."""

    roles: frozenset[Role] = frozenset()
    anonymous_only: bool = False

    @property
    def public(self) -> bool:
        return not self.roles


def _declare(policy: Policy) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.access_policy = policy
        return view

    return decorate


def public(view: Callable) -> Callable:
    """Reachable by anyone, logged in or not."""
    return _declare(Policy())(view)


def anonymous_only(view: Callable) -> Callable:
    """Login, registration and the like: a logged-in user is sent to the start page."""
    return _declare(Policy(anonymous_only=True))(view)


def roles(*allowed: Role) -> Callable:
    """Only logged-in users with one of these roles."""
    return _declare(Policy(roles=frozenset(allowed)))


def logged_in(view: Callable) -> Callable:
    """Any logged-in user, whatever the role."""
    return _declare(Policy(roles=ALL_ROLES))(view)


def policy_for(endpoint: str) -> Policy | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce_access():
    if request.endpoint is None:  # no route matched: the 404/405 handlers answer
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        current_app.logger.error("route %s has no access policy", request.endpoint)
        abort(403)
    if policy.anonymous_only and current_user.is_authenticated:
        return redirect_to(url_for("home.index"))
    if policy.public:
        return None
    if not current_user.is_authenticated:
        return redirect_to(url_for("accounts.login", next=_safe_next()))
    if current_user.role not in policy.roles:
        abort(403)
    return None


def _safe_next() -> str | None:
    if request.method != "GET":
        return None
    return request.full_path.rstrip("?")
