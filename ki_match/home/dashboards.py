"""What each role's start page shows."""

from __future__ import annotations

from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.assignments import queries as assignment_queries
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers import queries as helper_queries
from ki_match.home import queries as home_queries
from ki_match.initiatives.labels import INITIATIVE_STATUS, initiative_status
from ki_match.initiatives.queries import step_counts
from ki_match.offers import queries as offer_queries
from ki_match.orgs.queries import current_ki
from ki_match.profile.services import progress
from ki_match.requests import lists as request_lists
from ki_match.requests.labels import ATTENTION_LABELS
from ki_match.requests.queries import series_positions
from ki_match.tomorrow import queries as tomorrow_queries


def for_user(user: User) -> dict:
    return _BUILDERS[user.role](user)


def _helper(user: User) -> dict:
    profile = helper_queries.profile_of(user)
    return {
        "profile": profile,
        "progress": progress(profile),
        "pending_offers": offer_queries.pending_offer_count(profile),
        "upcoming": assignment_queries.upcoming_assignments(profile),
    }


def _coordinator(user: User) -> dict:
    ki, now = current_ki(), utcnow()
    return {
        "figures": home_queries.dashboard_figures(ki, now),
        "attention": request_lists.needing_attention(ki, now),
        "attention_labels": ATTENTION_LABELS,
        "late_cancellations": assignment_queries.late_cancellations(ki),
        "no_answer": tomorrow_queries.without_answer_for_tomorrow(ki, now),
    }


def _initiative(user: User) -> dict:
    requests = request_lists.requests_of_organisation(user.organisation, limit=10)
    return {
        "organisation": user.organisation,
        "requests": requests,
        "positions": series_positions(requests),
        "step_counts": step_counts(current_ki(), user.organisation_id),
        "step_labels": INITIATIVE_STATUS,
        "initiative_status": initiative_status,
    }


def _admin(user: User) -> dict:
    ki = current_ki()
    rows = db.session.execute(select(User.role, func.count()).where(User.ki_id == ki.id).group_by(User.role))
    counts = dict.fromkeys(Role, 0)
    counts.update(dict(rows.all()))
    return {"role_counts": counts, **_coordinator(user)}


_BUILDERS = {
    Role.HELPER: _helper,
    Role.COORDINATOR: _coordinator,
    Role.INITIATIVE: _initiative,
    Role.ADMIN: _admin,
}
