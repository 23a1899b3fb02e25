"""Where an offer, and the assignment it became, stand for their helper: the one answer that the
inbox, "Meine Einsätze", the assignment page and the start page all show.

``standing`` decides; ``standing_text`` says it in one line; ``is_ahead`` says whether it is still
to come (a cancelled assignment next week is ahead, never among the past ones). An offer that is
still pending but can no longer be answered (``offers.rules.why_closed``) is ``CLOSED``; that
reason is the offers' to give, so the caller passes it in.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ki_match.clock import BERLIN, utcnow
from ki_match.core import dates
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, Offer, OfferStatus


class Standing(enum.StrEnum):
    OPEN = "open"  # waiting for the helper's answer
    CLOSED = "closed"  # never answered, and now it cannot be
    DECLINED = "declined"  # the helper said no
    NOT_NEEDED = "not_needed"  # the KI withdrew the offer (someone else took it, the request ended)
    EXPIRED = "expired"  # the answer came too late
    WAITING = "waiting"  # the helper said yes; the KI has not confirmed yet
    CONFIRMED = "confirmed"  # the assignment is the helper's, still ahead
    TO_REPORT = "to_report"  # confirmed and begun: the hours are still to be reported
    REPORTED = "reported"  # hours reported, the KI checks them
    APPROVED = "approved"  # hours approved
    NO_SHOW = "no_show"  # the KI recorded that the helper did not come
    WITHDRAWN_BY_HELPER = "withdrawn_by_helper"  # the helper gave the assignment back
    CANCELLED = "cancelled"  # the KI called the assignment off


# What comes of an assignment, by its status (CONFIRMED and COMPLETED depend on more).
_ASSIGNMENT = {
    AssignmentStatus.NO_SHOW: Standing.NO_SHOW,
    AssignmentStatus.WITHDRAWN: Standing.WITHDRAWN_BY_HELPER,
    AssignmentStatus.CANCELLED: Standing.CANCELLED,
}
_ANSWERED = {
    OfferStatus.DECLINED: Standing.DECLINED,
    OfferStatus.WITHDRAWN: Standing.NOT_NEEDED,
    OfferStatus.EXPIRED: Standing.EXPIRED,
}


def standing(
    offer: Offer | None,
    assignment: Assignment | None,
    *,
    closed: str | None = None,
    now: datetime | None = None,
) -> Standing:
    """Where the helper stands with an offer and what it became (either may be None)."""
    if assignment is not None:
        return _of_assignment(assignment, now or utcnow())
    if offer is None:
        raise ValueError("an offer or an assignment is needed")
    if offer.status == OfferStatus.PENDING:
        return Standing.CLOSED if closed else Standing.OPEN
    if offer.status == OfferStatus.ACCEPTED:
        return Standing.WAITING
    return _ANSWERED[offer.status]


def _of_assignment(assignment: Assignment, now: datetime) -> Standing:
    if assignment.status in _ASSIGNMENT:
        return _ASSIGNMENT[assignment.status]
    if assignment.status == AssignmentStatus.COMPLETED:
        return Standing.APPROVED if assignment.approved_at is not None else Standing.REPORTED
    return Standing.CONFIRMED if _ahead(assignment.request, assignment.starts_at, now) else Standing.TO_REPORT


def _ahead(request: HelpRequest, starts_at: datetime | None, now: datetime) -> bool:
    """Whether the appointment (or a written translation's due day) is still to come."""
    if starts_at is not None:
        return starts_at > now
    if request.due_on is not None:
        return request.due_on >= now.astimezone(BERLIN).date()
    return True


def is_ahead(offer: Offer | None, assignment: Assignment | None, now: datetime | None = None) -> bool:
    """Whether its time is still to come: a called-off assignment next week is ahead too."""
    now = now or utcnow()
    if assignment is not None:
        return _ahead(assignment.request, assignment.starts_at, now)
    return _ahead(offer.request, offer.request.starts_at, now)


def standing_text(found: Standing, *, closed: str | None = None, assignment: Assignment | None = None) -> str:
    """The one line the helper reads about it, in the language in force."""
    if found == Standing.CLOSED:
        return closed or _("Abgelaufen.")
    if found == Standing.APPROVED and assignment is not None and assignment.approved_at is not None:
        return _(
            "Erledigt – Stunden bestätigt am %(date)s.",
            date=dates.show(assignment.approved_at, "day"),
        )
    return str(_TEXTS[found])


# Marked for translation once; each line is translated when it is read, so a page of cards pays
# for the lines it shows, not for all twelve per card.
_TEXTS = {
    Standing.OPEN: _l("Wartet auf Ihre Antwort."),
    Standing.DECLINED: _l("Abgesagt."),
    Standing.NOT_NEEDED: _l("Zurückgezogen – Sie müssen nichts weiter tun."),
    Standing.EXPIRED: _l("Abgelaufen."),
    Standing.WAITING: _l("Zugesagt – das Integrationszentrum bestätigt noch."),
    Standing.CONFIRMED: _l("Bestätigt – der Einsatz ist Ihrer."),
    Standing.TO_REPORT: _l("Bestätigt – bitte melden Sie nach dem Einsatz Ihre Stunden."),
    Standing.REPORTED: _l("Erledigt – Stunden gemeldet, das Integrationszentrum prüft sie."),
    Standing.APPROVED: _l("Erledigt – Stunden bestätigt."),
    Standing.NO_SHOW: _l("Als nicht erschienen vermerkt."),
    Standing.WITHDRAWN_BY_HELPER: _l("Von Ihnen abgesagt."),
    Standing.CANCELLED: _l("Vom Integrationszentrum abgesagt."),
}
