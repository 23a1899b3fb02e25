"""Words for the request list's tabs and for why a request needs attention (list and dashboard)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.requests.queries import Attention, Tab

TAB_LABELS = {
    Tab.ATTENTION: _l("braucht Aufmerksamkeit"),
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
    Attention.STALE_OFFER: _l("eine Anfrage an Helfende ist seit über 24 Stunden unbeantwortet"),
    Attention.SUBMITTED: _l("von einer Initiative eingereicht, noch nicht übernommen"),
}

# Which tab of the request list shows the requests behind a status (dashboard links).
STATUS_TABS = {
    "open": Tab.OPEN,
    "offered": Tab.OFFERED,
    "filled": Tab.FILLED,
    "draft": Tab.DRAFT,
    "unfilled": Tab.UNFILLED,
    "completed": Tab.COMPLETED,
    "cancelled": Tab.CANCELLED,
    "declined": Tab.CANCELLED,
    "submitted": Tab.SUBMITTED,
}
