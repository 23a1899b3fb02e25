"""The shared pool's consent on the KI's side, and what ends when a consent ends.

A KI shares (``Ki.shares_pool``): other sharing KIs may ask its helpers who agreed
(``HelperProfile.pool_remote_ok``, ``pool_in_person_ok``), and it may ask theirs.
When a KI stops sharing or a helper takes her consent back, no new offer can go
out (``offers.sending`` asks only whom the pool allows), and offers still out
across KIs that the pool no longer allows are withdrawn, as for a helper who
leaves (``offers.commitments``). Confirmed assignments stay: both KIs and the
helper agreed when they were made.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.events import PoolConsentWithdrawn
from ki_match.helpers.models import HelperProfile
from ki_match.matching.engine import IN_PERSON, Kind
from ki_match.orgs.models import Ki
from ki_match.requests import lifecycle
from ki_match.requests.events import OfferWithdrawn
from ki_match.requests.locks import lock_requests_in_transaction
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus


def set_pool_sharing(ki: Ki, on: bool, actor: User) -> int:
    """The KI's admin agrees (or no longer agrees) to share its helpers with other sharing KIs and
    to ask theirs. Audited; stopping withdraws the offers across KIs it concerns, both ways.
    Commits; the number of offers withdrawn."""
    if ki.shares_pool == on:
        return 0
    ki.shares_pool = on
    record("ki.pool_sharing_changed", actor=actor, subject=ki, shares_pool=on)
    withdrawn = 0 if on else _end_offers(actor, ki_id=ki.id)
    db.session.commit()
    return withdrawn


def pool_allows(offer: Offer) -> bool:
    """May this offer across KIs stay out: both KIs share, and its helper agrees to be asked for
    its kind of request?"""
    request, helper = offer.request, offer.helper
    agreed = helper.pool_in_person_ok if Kind(request.kind.value) in IN_PERSON else helper.pool_remote_ok
    return request.ki.shares_pool and helper.ki.shares_pool and agreed


def _open_offers_across(concerns):
    helper = aliased(HelperProfile)
    return (
        select(Offer)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .join(helper, helper.id == Offer.helper_id)
        .outerjoin(Assignment, Assignment.offer_id == Offer.id)
        .where(
            concerns(HelpRequest, helper),
            helper.ki_id != HelpRequest.ki_id,
            Offer.status.in_(lifecycle.OPEN_OFFER),
            Assignment.id.is_(None),
        )
    )


def _end_offers(actor: User, *, ki_id: int | None = None, helper_id: int | None = None) -> int:
    """Withdraw the open offers across KIs that concern this KI (either side) or this helper and
    that the pool no longer allows; their requests are locked first. The caller commits."""

    def concerns(request, helper):
        if ki_id is not None:
            return or_(request.ki_id == ki_id, helper.ki_id == ki_id)
        return helper.id == helper_id

    statement = _open_offers_across(concerns)
    lock_requests_in_transaction(
        sorted(set(db.session.scalars(statement.with_only_columns(Offer.request_id))))
    )
    # Read again under the locks: an answer may have come in meanwhile.
    offers = db.session.scalars(statement.execution_options(populate_existing=True)).all()
    withdrawn = [offer for offer in offers if not pool_allows(offer)]
    now = utcnow()
    for offer in withdrawn:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, offer.answered_at or now
        record("offer.withdrawn", actor=actor, subject=offer, reason="pool_consent")
        if actor.id != offer.helper.user_id:  # she took her consent back herself: no mail about it
            publish(OfferWithdrawn(request=offer.request, actor=actor, offer=offer))
    for offer in withdrawn:
        lifecycle.offers_ended(offer.request, actor)
    return len(withdrawn)


def helper_left_pool(event: PoolConsentWithdrawn) -> int:
    return _end_offers(event.actor, helper_id=event.profile.id)


HANDLERS = {PoolConsentWithdrawn: helper_left_pool}
