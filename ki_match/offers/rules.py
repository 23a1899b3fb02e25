"""What every offer rule shares: its error, and an offer read under its request's lock.

These rules must hold under concurrency. Every change that takes or frees a
seat of a request first takes the request's lock (``requests.lifecycle``); the
database backs it with a unique seat per request and an overlap guard per
helper, so even a path that forgot the lock cannot double-book anyone. Losing
a race is an ``OfferError`` with a plain message, never a 500.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import Unmatchable, unmatchable
from ki_match.requests.lifecycle import ACCEPTING, RequestError
from ki_match.requests.locks import lock_request
from ki_match.requests.models import HelpRequest, Offer, OfferStatus, RequestStatus


class OfferError(RequestError):
    """The action cannot happen (any more); the message says why, in plain words."""


class ReasonNeeded(OfferError):
    """A rule is set aside only with a reason for the exception (booking a near miss, confirming a
    helper who fails a safeguarding gate); said next to the reason's field."""


def locked_offer(offer_id: int) -> tuple[Offer, HelpRequest]:
    request_id = db.session.scalar(select(Offer.request_id).where(Offer.id == offer_id))
    request = lock_request(request_id)
    offer = db.session.scalar(
        select(Offer).where(Offer.id == offer_id).execution_options(populate_existing=True)
    )
    return offer, request


def refuse(message) -> None:
    """Undo what this transaction did so far and say why the action cannot happen."""
    db.session.rollback()
    raise OfferError(message)


def too_late(offer: Offer, request: HelpRequest) -> str | None:
    """Why this offer can no longer be accepted, or None."""
    # A full request withdraws the other offers; "filled" is the truer reason then.
    if request.status in (RequestStatus.FILLED, RequestStatus.COMPLETED):
        return str(_l("Diese Anfrage ist inzwischen schon besetzt. Danke für Ihre Bereitschaft!"))
    if offer.status == OfferStatus.WITHDRAWN or request.status == RequestStatus.CANCELLED:
        return str(_l("Diese Anfrage wurde zurückgezogen. Sie müssen nichts weiter tun."))
    if offer.status == OfferStatus.EXPIRED or (offer.expires_at and offer.expires_at <= utcnow()):
        return str(_l("Diese Anfrage ist abgelaufen."))
    if request.status not in ACCEPTING:
        return str(_l("Diese Anfrage ist nicht mehr offen."))
    if request.is_over():
        return str(_l("Der Termin ist schon vorbei."))
    return None


def why_closed(offer: Offer) -> str | None:
    """Why the helper can no longer answer this offer, in plain words; None while they can.

    Read without a lock, for pages; accepting and declining check again under it.
    """
    if offer.status == OfferStatus.ACCEPTED:
        return str(_l("Sie haben diese Anfrage bereits zugesagt."))
    if offer.status == OfferStatus.DECLINED:
        return str(_l("Sie haben diese Anfrage bereits abgelehnt."))
    return too_late(offer, offer.request)


# --- a helper who may not be matched can neither accept nor be confirmed --------------------------

# What the coordinator reads after "<name> kann nicht bestätigt werden:".
NOT_CONFIRMABLE_BECAUSE = {
    Unmatchable.DELETED: _l("Das Konto ist gelöscht."),
    Unmatchable.INACTIVE: _l("Das Konto ist deaktiviert."),
    Unmatchable.UNVERIFIED: _l("Die E-Mail-Adresse ist nicht bestätigt."),
    Unmatchable.UNAPPROVED: _l("Das Profil ist nicht freigegeben."),
    Unmatchable.NO_CONSENT: _l("Die Einwilligung in die Datenverarbeitung ist widerrufen."),
}


def _helper_now(offer: Offer) -> HelperProfile:
    return profile_now(offer.helper_id)


def profile_now(helper_id: int) -> HelperProfile | None:
    """The helper and account as committed now (under the request's lock, when the caller
    holds it): consent or the account may have changed since the page was read."""
    profile = db.session.scalar(
        select(HelperProfile).where(HelperProfile.id == helper_id).execution_options(populate_existing=True)
    )
    if profile is None:
        return None
    db.session.scalar(
        select(User).where(User.id == profile.user_id).execution_options(populate_existing=True)
    )
    return profile


def why_helper_cannot_accept(offer: Offer) -> str | None:
    """Why the offer's helper may not accept any offer now (``helpers.services.unmatchable``), in
    words for the helper; None while they may."""
    reason = unmatchable(_helper_now(offer))
    return None if reason is None else cannot_accept_message(reason)


def cannot_accept_message(reason: Unmatchable) -> str:
    """What a helper reads who may not accept offers for ``reason``."""
    if reason == Unmatchable.NO_CONSENT:
        return str(
            _l(
                "Sie haben Ihre Einwilligung in die Datenverarbeitung widerrufen. Ohne sie können Sie "
                "keine Anfragen annehmen. Sie können auf der Seite „Einwilligung“ in Ihrem Profil wieder "
                "einwilligen."
            )
        )
    return str(
        _l("Sie können zurzeit keine Anfragen annehmen. Bitte wenden Sie sich an Ihr Integrationszentrum.")
    )


def why_helper_cannot_be_confirmed(offer: Offer) -> str | None:
    """Why the offer's helper may not be confirmed now, in words for the coordinator; None while they may."""
    return why_profile_cannot_be_confirmed(_helper_now(offer))


def why_profile_cannot_be_confirmed(profile: HelperProfile) -> str | None:
    """Why this helper (read as committed now by the caller) may not be confirmed, in words for
    the coordinator; None while they may."""
    reason = unmatchable(profile)
    if reason is None:
        return None
    return str(
        _l(
            "%(name)s kann nicht bestätigt werden: %(reason)s",
            name=profile.user.display_name,
            reason=NOT_CONFIRMABLE_BECAUSE[reason],
        )
    )
