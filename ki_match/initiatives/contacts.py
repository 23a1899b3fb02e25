"""Whose contact the requesting organisation may see: shared per helper and request, on purpose.

A coordinator shares one confirmed helper's name, e-mail and phone with the organisation that
sent the request in (a ``ContactShare``), or takes it back. The share is the person's, not the
seat's: it ends when that helper's assignment ends (withdrawn, or cancelled with the request),
so whoever is confirmed next is not shown until their own contact is shared. Every share, end
and view is audited with the helper as the subject, so her export names them.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.initiatives import queries
from ki_match.initiatives.models import ContactShare
from ki_match.initiatives.services import HELPER_CONFIRMED, InitiativeError
from ki_match.requests.events import AssignmentWithdrawn, Cancelled, ContactShared
from ki_match.requests.locks import lock_request
from ki_match.requests.models import HelpRequest


def _refuse(message) -> None:
    db.session.rollback()
    raise InitiativeError(message)


def share_contact(request_id: int, helper_id: int, coordinator: User, shared: bool) -> HelpRequest:
    """Let the requesting organisation see this confirmed helper's contact, or not any more."""
    request = lock_request(request_id)
    if request is None:
        _refuse(_l("Diese Anfrage gibt es nicht."))
    live = next((share for share in queries.live_shares(request.id) if share.helper_id == helper_id), None)
    if not shared:
        if live is not None:
            _end(live, coordinator, "unshared", action="contact.unshared")
        db.session.commit()
        return request
    helper = queries.seat_holder(request.id, helper_id)
    if request.status not in HELPER_CONFIRMED or request.organisation_id is None or helper is None:
        _refuse(_l("Den Kontakt gibt es erst, wenn eine Helfer*in bestätigt ist."))
    if live is None:
        db.session.add(
            ContactShare(
                request_id=request.id,
                helper_id=helper.id,
                organisation_id=request.organisation_id,
                shared_by_id=coordinator.id,
            )
        )
        record(
            "contact.shared",
            actor=coordinator,
            subject=helper,
            request_id=request.id,
            organisation_id=request.organisation_id,
        )
        publish(ContactShared(request=request, actor=coordinator, helpers=[helper]))
    db.session.commit()
    return request


def _end(
    share: ContactShare, actor: User | None, reason: str, *, action: str = "contact.share_ended"
) -> None:
    share.ended_at = utcnow()
    record(
        action,
        actor=actor,
        subject=share.helper,
        request_id=share.request_id,
        organisation_id=share.organisation_id,
        reason=reason,
    )


def _end_shares(
    request: HelpRequest, helper_ids: Iterable[int] | None, actor: User | None, reason: str
) -> None:
    wanted = None if helper_ids is None else set(helper_ids)
    for share in queries.live_shares(request.id):
        if wanted is None or share.helper_id in wanted:
            _end(share, actor, reason)


def contacts_shown(request: HelpRequest, helpers: list[HelperProfile], viewer: User) -> set[int]:
    """The ids of ``helpers`` whose full contact the organisation's member is shown now; each
    showing is audited under that helper."""
    if request.status not in HELPER_CONFIRMED:
        return set()
    shared = queries.shared_helper_ids(request)
    for helper in helpers:
        if helper.id in shared:
            record(
                "contact.viewed",
                actor=viewer,
                subject=helper,
                request_id=request.id,
                organisation_id=request.organisation_id,
            )
    return shared


# --- the assignment ends, the share ends with it ---------------------------------------------


def assignment_withdrawn(event: AssignmentWithdrawn) -> None:
    _end_shares(event.request, [event.assignment.helper_id], event.actor, "assignment_withdrawn")


def request_cancelled(event: Cancelled) -> None:
    _end_shares(event.request, None, event.actor, "request_cancelled")


HANDLERS = {AssignmentWithdrawn: assignment_withdrawn, Cancelled: request_cancelled}
