"""A helper who leaves keeps nothing open: no offer waits for them, no seat ahead is theirs.

"Leaving" is whatever makes a helper unmatchable by a person's act: a coordinator or an
admin deactivates the account, or the helper withdraws their consent. Both end the same
commitments; see ``end_commitments`` for what happens to confirmed assignments.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from ki_match.assignments.services import withdraw
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.events import FreedCommitments, HelperLeaving, LeavingCause
from ki_match.requests import lifecycle
from ki_match.requests.locks import lock_requests_in_transaction
from ki_match.requests.models import Assignment, AssignmentStatus, Offer, OfferStatus

# The note in a reopened request's status history.
NOTES = {
    LeavingCause.DEACTIVATED: _l("Helfer*in deaktiviert"),
    LeavingCause.CONSENT_WITHDRAWN: _l("Einwilligung widerrufen"),
}


def end_commitments(event: HelperLeaving) -> FreedCommitments:
    """Offers still out (pending, or accepted and not yet confirmed) are withdrawn, and a request
    left with nobody to answer is open again; confirmed assignments that have not begun are given
    back with the event's reason and their request reopens. Past assignments stay as history.

    The decision for confirmed assignments ahead, also when consent is withdrawn: they are given
    back, not kept. Without consent the KI may no longer process the helper's data for new work
    (sharing contact and place, reminders, calendar), and a seat kept for someone who has left
    would stay silently booked. The coordinators are told by mail (``AssignmentWithdrawn``, with
    the reason), the request page shows the freed seat, and whoever caused it hears what ended
    from the returned ``FreedCommitments`` (the desk's flash, the helper's consent page, which
    also warns before). The requests concerned are locked first; the caller commits together with
    the change that makes the helper unmatchable."""
    profile, actor, now = event.profile, event.actor, utcnow()
    result = FreedCommitments()
    open_offer = and_(Offer.helper_id == profile.id, Offer.status.in_(lifecycle.OPEN_OFFER))
    upcoming = and_(
        Assignment.helper_id == profile.id,
        Assignment.status == AssignmentStatus.CONFIRMED,
        or_(Assignment.starts_at.is_(None), Assignment.starts_at > now),
    )
    concerned = db.session.scalars(
        select(Offer.request_id).where(open_offer).union(select(Assignment.request_id).where(upcoming))
    ).all()
    lock_requests_in_transaction(sorted(set(concerned)))
    db.session.expire_all()  # read again under the locks: an answer may have come in meanwhile
    offers = db.session.scalars(
        select(Offer)
        .outerjoin(Assignment, Assignment.offer_id == Offer.id)
        .where(open_offer, Assignment.id.is_(None))
        .execution_options(populate_existing=True)
    ).all()
    for offer in offers:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, offer.answered_at or now
        record("offer.withdrawn", actor=actor, subject=offer, reason=event.cause.value)
        result.offers_withdrawn += 1
    assignments = db.session.scalars(
        select(Assignment)
        .where(upcoming)
        .order_by(Assignment.request_id)
        .execution_options(populate_existing=True)
    ).all()
    for assignment in assignments:
        withdraw(
            assignment,
            assignment.request,
            actor,
            event.reason,
            note=NOTES[event.cause],
            reason=event.cause.value,
        )
        result.reopened.append(assignment.request)
    for offer in offers:
        lifecycle.offers_ended(offer.request, actor)
    return result


HANDLERS = {HelperLeaving: end_commitments}
