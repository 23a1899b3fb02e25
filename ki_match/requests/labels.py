"""Plain words for the states of requests, offers and assignments, the list's tabs, and why a request needs attention."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.requests.lists import Attention, Tab
from ki_match.requests.models import AssignmentStatus, OfferStatus, RequestKind, RequestStatus
from ki_match.requests.recurrence import Frequency, SkipReason

STATUS_LABELS = {
    RequestStatus.SUBMITTED: _l("eingereicht"),
    RequestStatus.DRAFT: _l("Entwurf"),
    RequestStatus.OPEN: _l("offen"),
    RequestStatus.OFFERED: _l("angefragt"),
    RequestStatus.FILLED: _l("besetzt"),
    RequestStatus.COMPLETED: _l("erledigt"),
    RequestStatus.CANCELLED: _l("abgesagt"),
    RequestStatus.UNFILLED: _l("nicht besetzt"),
    RequestStatus.DECLINED: _l("abgelehnt"),
}

# A history line that changed no status (``RequestStatusChange.changes_status``): its note says
# what happened.
REMARK_LABEL = _l("Vermerk, Status unverändert")


def history_status(change) -> str:
    """The status column of a history line (``requests.queries.HistoryEntry.change``)."""
    if not change.changes_status:
        return str(REMARK_LABEL)
    if change.from_status is None:
        return str(STATUS_LABELS[change.to_status])
    return f"{STATUS_LABELS[change.from_status]} → {STATUS_LABELS[change.to_status]}"


KIND_LABELS = {
    RequestKind.ACCOMPANIMENT: _l("Begleitung zu einem Termin"),
    RequestKind.ONSITE: _l("Dolmetschen vor Ort"),
    RequestKind.REMOTE: _l("Dolmetschen per Telefon/Video"),
    RequestKind.WRITTEN: _l("Schriftliche Übersetzung"),
}

# As coordinators read them.
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

TAB_LABELS = {
    Tab.ATTENTION: _l("braucht Aufmerksamkeit"),
    Tab.SOON: _l("nächste 48 Stunden, nicht besetzt"),
    Tab.SUBMITTED: _l("eingereicht"),
    Tab.OPEN: _l("offen"),
    Tab.OFFERED: _l("angefragt"),
    Tab.FILLED: _l("besetzt"),
    Tab.WEEK: _l("heute und diese Woche"),
    Tab.DRAFT: _l("Entwürfe"),
    Tab.UNFILLED: _l("nicht besetzt"),
    Tab.COMPLETED: _l("erledigt"),
    Tab.CANCELLED: _l("abgesagt"),
    Tab.ALL: _l("alle"),
}

ATTENTION_LABELS = {
    Attention.SOON: _l("beginnt in weniger als 48 Stunden und ist noch nicht besetzt"),
    Attention.DUE_SOON: _l("ist in den nächsten 48 Stunden fällig und noch nicht besetzt"),
    Attention.STALE_OFFER: _l("eine Anfrage an Helfende ist seit über 24 Stunden unbeantwortet"),
    Attention.SUBMITTED: _l("von einer Initiative eingereicht, noch nicht übernommen"),
}


# Why a series left a date out; how it repeats.
SKIP_LABELS = {
    SkipReason.SCHOOL_HOLIDAY: _l("Ferien"),
    SkipReason.PUBLIC_HOLIDAY: _l("Feiertag"),
    SkipReason.SKIPPED: _l("ausgelassen"),
}
RULE_LABELS = {
    Frequency.WEEKLY: _l("wöchentlich"),
    Frequency.BIWEEKLY: _l("alle zwei Wochen"),
    Frequency.DATES: _l("an bestimmten Tagen"),
}
