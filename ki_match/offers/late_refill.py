"""After a late cancellation ("kurzfristige Absage"), the next people are asked at once.

A coordinator may tick on a request "Bei kurzfristiger Absage automatisch nachfragen"
(``HelpRequest.standby_auto``). When a confirmed helper of such a request then gives her seat back
late (``assignments.services.is_late``), this handler of ``AssignmentWithdrawn`` asks, in the same
transaction and under the request's lock the withdrawal holds, the candidates of the request page
(``matching.services.match``) who were not asked before: first those on standby ("auf Abruf") for
the request's day, then the rest in rank order; as many as the request's follow-up limit
(``escalate_limit``), else ``DEFAULT_ASKED``. The offers go out through
``offers.sending.write_offers`` in the name of ``escalation.sender_for``, so mails, the outbox and
the status change are the usual ones. What was done is an ``EscalationStep`` (the request page's
"Automatisches Nachfassen"), a line of the request's history and an audit event.

Confirming one of the people who said yes is the usual confirmation: the request's lock and the
seat's unique index keep two coordinators from both filling the freed seat.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.matching.services import match
from ki_match.offers.escalation import EscalationStep, sender_for
from ki_match.offers.sending import write_offers
from ki_match.requests import lifecycle
from ki_match.requests.events import AssignmentWithdrawn
from ki_match.requests.models import HelpRequest, Offer

# People asked at once when the request sets no follow-up limit of its own.
DEFAULT_ASKED = 3


def next_to_ask(request: HelpRequest, limit: int) -> tuple[list[int], int]:
    """Up to ``limit`` candidates nobody has asked for this request yet, those on standby for its
    day first, then the ranking; and how many of them are on standby."""
    asked = set(db.session.scalars(select(Offer.helper_id).where(Offer.request_id == request.id)))
    fresh = [candidate.helper for candidate in match(request).candidates if candidate.helper.id not in asked]
    standby = [helper.id for helper in fresh if helper.standby]
    chosen = (standby + [helper.id for helper in fresh if not helper.standby])[:limit]
    return chosen, len([helper_id for helper_id in chosen if helper_id in standby])


def ask_after_late_cancellation(event: AssignmentWithdrawn) -> EscalationStep | None:
    """Ask the next people for a request that says so, after a late withdrawal; the step taken."""
    request = event.request
    if not (event.late and request.standby_auto) or request.status not in lifecycle.ACCEPTING:
        return None
    if request.is_over():
        return None
    helper_ids, on_standby = next_to_ask(request, request.escalate_limit or DEFAULT_ASKED)
    sender = sender_for(request) if helper_ids else None
    sent = write_offers(request, set(helper_ids), sender).sent if sender is not None else []
    now = utcnow()
    step = EscalationStep(request_id=request.id, at=now, waited_since=now, offers_sent=len(sent))
    db.session.add(step)
    record("request.late_refill", subject=request, asked=len(sent), standby=on_standby if sent else 0)
    if sent:
        note = ngettext(
            "Nach kurzfristiger Absage automatisch angefragt: %(num)d Person (%(standby)d auf Abruf)",
            "Nach kurzfristiger Absage automatisch angefragt: %(num)d Personen (%(standby)d auf Abruf)",
            len(sent),
            standby=on_standby,
        )
    else:
        note = _l("Nach kurzfristiger Absage: niemand mehr, der automatisch angefragt werden kann")
    lifecycle.remark(request, None, note)
    return step


HANDLERS = {AssignmentWithdrawn: ask_after_late_cancellation}
