"""Plain words for the states of offers and assignments, as coordinators read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.requests.models import AssignmentStatus, OfferStatus

OFFER_LABELS = {
    OfferStatus.PENDING: _l("wartet auf Antwort"),
    OfferStatus.ACCEPTED: _l("zugesagt"),
    OfferStatus.DECLINED: _l("abgelehnt"),
    OfferStatus.WITHDRAWN: _l("zurückgezogen"),
    OfferStatus.EXPIRED: _l("abgelaufen"),
}

ASSIGNMENT_LABELS = {
    AssignmentStatus.CONFIRMED: _l("bestätigt"),
    AssignmentStatus.COMPLETED: _l("erledigt"),
    AssignmentStatus.NO_SHOW: _l("nicht erschienen"),
    AssignmentStatus.WITHDRAWN: _l("selbst abgesagt"),
    AssignmentStatus.CANCELLED: _l("vom KI abgesagt"),
}
