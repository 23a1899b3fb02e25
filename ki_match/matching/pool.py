"""The shared pool: what a KI's coordinators see of another KI's helper.

One function decides it (``sight``) for every page, partial, mail and export that
shows a helper to the KI of a request: before she accepted, another KI sees her
first name, languages and availability (the candidate list's reasons); once she
accepted, her name, to confirm her; while she is confirmed for its request, her
contact, as the KI sees of its own confirmed helpers. Her profile page stays her
own KI's (404 elsewhere).
"""

from __future__ import annotations

import enum

from ki_match.core.text import first_name
from ki_match.helpers.models import HelperProfile
from ki_match.requests.models import Assignment, AssignmentStatus, Offer, OfferStatus


class Sight(enum.IntEnum):
    """How much of a helper a viewer sees, least first."""

    FIRST_NAME = 1  # another KI's helper who has not accepted (or no longer holds a seat)
    NAME = 2  # she accepted: her name, to confirm (and in the request's history)
    CONTACT = 3  # confirmed for the viewer's request, not yet over: e-mail and phone too
    OWN = 4  # the viewer's own KI's helper: everything the desk shows, with her page


def sight(
    viewer_ki_id: int,
    helper: HelperProfile,
    *,
    offer: Offer | None = None,
    assignment: Assignment | None = None,
) -> Sight:
    """What a coordinator of ``viewer_ki_id`` may see of ``helper`` for one request, given her
    offer and assignment for it (if any)."""
    if helper.ki_id == viewer_ki_id:
        return Sight.OWN
    if assignment is not None:
        return Sight.CONTACT if assignment.status == AssignmentStatus.CONFIRMED else Sight.NAME
    if offer is not None and offer.status == OfferStatus.ACCEPTED:
        return Sight.NAME
    return Sight.FIRST_NAME


def shown_name(seen: Sight, display_name: str) -> str:
    """The helper's name as far as ``seen`` shows it."""
    return first_name(display_name) if seen == Sight.FIRST_NAME else display_name


def name_for(
    viewer_ki_id: int,
    helper: HelperProfile,
    *,
    offer: Offer | None = None,
    assignment: Assignment | None = None,
) -> str:
    """The helper's name as a coordinator of ``viewer_ki_id`` may read it (pages, flashes, mails)."""
    seen = sight(viewer_ki_id, helper, offer=offer, assignment=assignment)
    return shown_name(seen, helper.user.display_name)
