"""Loading an offer for a view: its helper's own, or one of the coordinators' KI — or 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ki_match.accounts.models import Role
from ki_match.helpers.loaders import get_profile
from ki_match.offers import queries
from ki_match.orgs.queries import current_ki
from ki_match.requests.models import Offer
from ki_match.requests.queries import row_in_ki


def get_offer(offer_id: int) -> Offer:
    """A helper sees only offers made to them, coordinators and admins those of their KI; anyone
    else, and any other offer, gets 404 (never 403: it does not confirm the offer exists)."""
    if current_user.role == Role.HELPER:
        offer = queries.own_offer(current_ki(), get_profile(), offer_id)
    elif current_user.role in (Role.COORDINATOR, Role.ADMIN):
        offer = row_in_ki(Offer, current_ki(), offer_id)
    else:
        offer = None
    if offer is None:
        abort(404)
    return offer
