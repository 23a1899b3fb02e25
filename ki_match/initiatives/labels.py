"""How an organisation sees the status of its request: fewer, plainer steps than the coordinators'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.requests.models import RequestStatus

S = RequestStatus

# The coordinators' status → the step the organisation sees.
_AS_SEEN = {
    S.SUBMITTED: "submitted",
    S.DRAFT: "in_progress",
    S.OPEN: "in_progress",
    S.OFFERED: "in_progress",
    S.FILLED: "filled",
    S.COMPLETED: "completed",
    S.DECLINED: "declined",
    S.CANCELLED: "cancelled",
    S.UNFILLED: "unfilled",
}

INITIATIVE_STATUS = {
    "submitted": _l("eingereicht"),
    "in_progress": _l("in Bearbeitung"),
    "filled": _l("Helfer*in gefunden"),
    "completed": _l("erledigt"),
    "declined": _l("abgelehnt"),
    "cancelled": _l("abgesagt"),
    "unfilled": _l("nicht besetzt"),
}

# The filter of the organisation's list: each step and the statuses behind it.
STATUS_GROUPS = {
    step: tuple(status for status, seen in _AS_SEEN.items() if seen == step) for step in INITIATIVE_STATUS
}


def initiative_status(status: RequestStatus) -> str:
    return _AS_SEEN[status]
