"""The helper's side of offers: the inbox, and answering from the e-mail link.

URL map:
  GET       /inbox                          offers.inbox           open offers, then answered ones (its list polls)
  POST      /offers/<id>/accept             offers.accept          yes (the card swaps)
  POST      /offers/<id>/decline            offers.decline         no, with an optional reason
  POST      /offers/<id>/take-back          offers.take_back       a yes not yet confirmed taken back (the card swaps)
  POST      /offers/series/<id>/accept      offers.accept_series   "Alle annehmen": yes to each open offer of a series
  GET/POST  /offers/answer/<token>          offers.answer_by_link  one-tap answer from the e-mail, no login
  GET       /offers/answer/<token>/done     offers.answered        what the answer led to
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ki_match.access import public, roles
from ki_match.accounts.models import Role
from ki_match.accounts.services import KI_CLOSED
from ki_match.assignments.standing import Standing, standing, standing_text
from ki_match.clock import BERLIN, local_date
from ki_match.core import dates
from ki_match.core.args import page_arg
from ki_match.extensions import limiter
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import Unmatchable, unmatchable
from ki_match.htmx import redirect_to, render, render_form, triggered_by, wants_block
from ki_match.offers import queries
from ki_match.offers.answers import (
    AcceptOutcome,
    Answer,
    accept_offer,
    decline_offer,
    take_back_acceptance,
)
from ki_match.offers.display import request_when
from ki_match.offers.forms import AcceptForm, DeclineForm
from ki_match.offers.loaders import get_offer
from ki_match.offers.rules import OfferError, cannot_accept_message, why_closed, why_helper_cannot_accept
from ki_match.offers.series_offers import SeriesAnswer, accept_all, series_groups
from ki_match.offers.tokens import offer_from_token
from ki_match.orgs.models import Ki
from ki_match.orgs.queries import current_ki
from ki_match.reference.geo import distance_km
from ki_match.requests.models import Assignment, Offer, OfferStatus

bp = Blueprint("offers", __name__)
bp.add_app_template_global(request_when)

# Answer links need no login, so the address is what limits guessing; override in config.
DEFAULT_LINK_LIMIT = "30 per hour"


def _link_limit() -> str:
    return current_app.config.get("OFFER_LINK_LIMIT_PER_ADDRESS", DEFAULT_LINK_LIMIT)


# --- the inbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferCard:
    offer: Offer
    closed: str | None  # why it can no longer be answered; None while it can
    assignment: Assignment | None  # what this offer became, if anything
    helper: HelperProfile  # whose card it is

    @property
    def answerable(self) -> bool:
        return self.offer.status == OfferStatus.PENDING and self.closed is None

    @property
    def assignment_id(self) -> int | None:
        return self.assignment.id if self.assignment is not None else None

    @property
    def standing(self) -> Standing:
        return standing(self.offer, self.assignment, closed=self.closed)

    @property
    def text(self) -> str:
        """Where the helper stands with it, in the words every helper screen uses."""
        return standing_text(self.standing, closed=self.closed, assignment=self.assignment)

    @property
    def distance(self) -> int | None:
        """Km from the helper's home town, as the crow flies (asked of open cards only: an answered
        one shows no place, and its request comes without its town)."""
        town, home = self.offer.request.town, self.helper.home_town
        return round(distance_km(home, town)) if town is not None and home is not None else None

    @property
    def other_ki(self) -> Ki | None:
        """The KI that asked, when it is not the helper's own (a request of the shared pool)."""
        request = self.offer.request
        return request.ki if request.ki_id != self.helper.ki_id else None

    @property
    def dom_id(self) -> str:
        return f"offer-card-{self.offer.id}"


def _card(offer: Offer, profile: HelperProfile, assignment: Assignment | None = None) -> OfferCard:
    return OfferCard(
        offer=offer,
        closed=why_closed(offer) if offer.status == OfferStatus.PENDING else None,
        assignment=assignment,
        helper=profile,
    )


def _decline_form(offer_id: int, *, submitted: bool = False) -> DeclineForm:
    """Each card's form has its own prefix, so its field ids are unique on the page."""
    if submitted:
        return DeclineForm(prefix=f"offer-{offer_id}")
    return DeclineForm(formdata=None, prefix=f"offer-{offer_id}")


def _decline_forms(cards: list[OfferCard]) -> dict[int, DeclineForm]:
    return {card.offer.id: _decline_form(card.offer.id) for card in cards if card.answerable}


_LATEST = datetime.max.replace(tzinfo=UTC)


def _soonest_first(card: OfferCard) -> datetime:
    """When the request is due: its start, else the end of its due day, else last."""
    asked = card.offer.request
    if asked.starts_at is not None:
        return asked.starts_at
    if asked.due_on is not None:
        return datetime.combine(asked.due_on, time.max, BERLIN)
    return _LATEST


def _inbox_context(profile: HelperProfile, wanted_page: int = 1, **extra) -> dict:
    """Open offers soonest first; accepted ones the KI has still to confirm; then one page of the
    answered ones, newest first, so the page stays short however long the helper's history."""
    ki = current_ki()
    done = queries.done_offers(ki, profile, wanted_page)
    current = queries.current_offers(ki, profile)
    pending = [_card(offer, profile) for offer in current.pending]
    # A pending offer that can no longer be answered is done with: the newest page shows it first.
    closed = [card for card in pending if not card.answerable] if done.page == 1 else []
    done.items = closed + [_card(offer, profile, assignment) for offer, assignment in done.items]
    done.total += len(closed)
    open_cards = sorted((card for card in pending if card.answerable), key=_soonest_first)
    return {
        "open_cards": open_cards,
        "waiting_cards": [_card(offer, profile) for offer in current.waiting],
        "done": done,
        "focus_done": triggered_by("done-page-"),
        "decline_forms": _decline_forms(open_cards) | extra.pop("decline_forms", {}),
        "series_groups": series_groups(card.offer for card in open_cards),
        **extra,
    }


@bp.route("/inbox")
@roles(Role.HELPER)
def inbox():
    """The inbox; its list block alone for the poll that keeps it fresh and for the pages of the
    answered offers. A helper who withdrew consent reads why no request comes and where to consent again."""
    profile = get_profile()
    no_consent = unmatchable(profile) == Unmatchable.NO_CONSENT
    return render(
        "offers/inbox.html",
        "offer_list",
        no_consent=cannot_accept_message(Unmatchable.NO_CONSENT) if no_consent else None,
        **_inbox_context(profile, page_arg()),
    )


def _answered(offer_id: int, message: str, *, failed: bool = False):
    """The card as it is now, with the result announced in it; without htmx back to the inbox."""
    target = f"offer-card-{offer_id}"
    if not wants_block("offer_card", target):
        flash(message, "error" if failed else "success")
        return redirect_to(url_for("offers.inbox"))
    offer = get_offer(offer_id)
    card = _card(offer, get_profile(), queries.assignment_of(offer.id))
    return render(
        "offers/inbox.html",
        "offer_card",
        status=409 if failed else 200,
        target=target,
        card=card,
        message=message,
        failed=failed,
        decline_forms=_decline_forms([card]),
    )


def _accepted_message(outcome: AcceptOutcome) -> str:
    if outcome == AcceptOutcome.CONFIRMED:
        return _("Der Einsatz ist Ihrer – vielen Dank!")
    return _("Danke! Sie haben zugesagt. Das Integrationszentrum bestätigt den Einsatz.")


def _declined_message() -> str:
    return _("Abgesagt. Danke für Ihre Rückmeldung.")


@bp.route("/offers/<int:offer_id>/accept", methods=["POST"])
@roles(Role.HELPER)
def accept(offer_id: int):
    offer = get_offer(offer_id)
    AcceptForm().validate_on_submit()  # the token only; CSRFProtect has already checked it
    try:
        outcome = accept_offer(offer.id, current_user._get_current_object())
    except OfferError as error:
        return _answered(offer_id, str(error), failed=True)
    return _answered(offer_id, _accepted_message(outcome))


@bp.route("/offers/<int:offer_id>/take-back", methods=["POST"])
@roles(Role.HELPER)
def take_back(offer_id: int):
    """The helper takes back a yes the KI has not confirmed yet; the card asks again."""
    offer = get_offer(offer_id)
    AcceptForm().validate_on_submit()  # the token only; CSRFProtect has already checked it
    try:
        take_back_acceptance(offer.id, current_user._get_current_object())
    except OfferError as error:
        return _answered(offer_id, str(error), failed=True)
    return _answered(
        offer_id,
        _("Ihre Zusage ist zurückgenommen. Sie können wieder zusagen, solange die Anfrage offen ist."),
    )


@bp.route("/offers/<int:offer_id>/decline", methods=["POST"])
@roles(Role.HELPER)
def decline(offer_id: int):
    offer = get_offer(offer_id)
    form = _decline_form(offer_id, submitted=True)
    if not form.validate_on_submit():
        profile = get_profile()
        target = f"offer-card-{offer_id}"
        if wants_block("offer_card", target):
            card = _card(offer, profile)
            return render(
                "offers/inbox.html",
                "offer_card",
                status=422,
                target=target,
                card=card,
                decline_forms={offer.id: form},
            )
        return render(
            "offers/inbox.html", status=422, **_inbox_context(profile, decline_forms={offer.id: form})
        )
    try:
        decline_offer(offer.id, current_user._get_current_object(), form.reason.data)
    except OfferError as error:
        return _answered(offer_id, str(error), failed=True)
    return _answered(offer_id, _declined_message())


@bp.route("/offers/series/<int:series_id>/accept", methods=["POST"])
@roles(Role.HELPER)
def accept_series(series_id: int):
    """ "Alle annehmen": a yes to each of her open offers of the series, by the rules of a single yes;
    404 when she has none (any more). htmx gets the whole list back, the result announced in it."""
    profile = get_profile()
    AcceptForm().validate_on_submit()  # the token only; CSRFProtect has already checked it
    pending = queries.current_offers(current_ki(), profile).pending
    offers = series_groups(pending).get(series_id)
    if not offers:
        abort(404)
    answer = accept_all(offers, current_user._get_current_object())
    message, failed = _series_message(answer), not answer.accepted
    if not wants_block("offer_list"):
        flash(message, "error" if failed else "success")
        return redirect_to(url_for("offers.inbox"))
    return render(
        "offers/inbox.html",
        "offer_list",
        status=409 if failed else 200,
        list_message=message,
        list_failed=failed,
        **_inbox_context(profile),
    )


def _series_message(answer: SeriesAnswer) -> str:
    parts = []
    if answer.accepted:
        parts.append(
            ngettext(
                "Danke! Sie haben für %(num)d Termin zugesagt.",
                "Danke! Sie haben für %(num)d Termine zugesagt.",
                len(answer.accepted),
            )
        )
    for starts_at, reason in answer.refused:
        day = dates.show(local_date(starts_at), "day_medium") if starts_at else "–"
        parts.append(_("%(day)s: %(reason)s", day=day, reason=reason))
    return " ".join(parts)


# --- answering from the e-mail link (no login) ----------------------------------------------


def _offer_by_token(token: str) -> tuple[Offer, Answer] | None:
    found = offer_from_token(token)
    if found is None:
        return None
    offer, answer = found
    user = offer.helper.user
    if not user.active or user.deleted_at is not None:
        return None
    return offer, answer


@bp.route("/offers/answer/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_link_limit, methods=["POST"])
def answer_by_link(token: str):
    """A confirmation page on GET; the answer happens only on POST, through the same rules as the inbox."""
    found = _offer_by_token(token)
    if found is None:
        return render("offers/answer_closed.html", status=404, reason=None)
    offer, answer = found
    if not offer.helper.user.may_use_app:  # the helper's KI is deactivated
        return render("offers/answer_closed.html", status=403, reason=KI_CLOSED)
    # A helper who may not accept hears why first (as in the inbox): their offers were withdrawn with it.
    closed = (answer == Answer.ACCEPT and why_helper_cannot_accept(offer)) or why_closed(offer)
    if closed:
        return render("offers/answer_closed.html", status=410, reason=closed, ki=offer.request.ki)
    form = DeclineForm() if answer == Answer.DECLINE else AcceptForm()
    if form.validate_on_submit():
        helper_user = offer.helper.user
        try:
            if answer == Answer.ACCEPT:
                accept_offer(offer.id, helper_user)
            else:
                decline_offer(offer.id, helper_user, form.reason.data)
        except OfferError as error:
            return render("offers/answer_closed.html", status=410, reason=str(error), ki=offer.request.ki)
        return redirect_to(url_for("offers.answered", token=token))
    return render_form("offers/answer.html", offer=offer, answer=answer, form=form)


@bp.route("/offers/answer/<token>/done")
@public
def answered(token: str):
    """What the helper's answer led to; the page the answer link's POST lands on."""
    found = _offer_by_token(token)
    if found is None:
        return render("offers/answer_closed.html", status=404, reason=None)
    offer, _answer = found
    if not offer.helper.user.may_use_app:
        return render("offers/answer_closed.html", status=403, reason=KI_CLOSED)
    if offer.status == OfferStatus.PENDING:
        return redirect(url_for("offers.answer_by_link", token=token), code=303)
    if offer.status == OfferStatus.ACCEPTED:
        confirmed = queries.assignment_of(offer.id) is not None
        message = _accepted_message(AcceptOutcome.CONFIRMED if confirmed else AcceptOutcome.ACCEPTED)
    elif offer.status == OfferStatus.DECLINED:
        message = _declined_message()
    else:
        return render("offers/answer_closed.html", status=410, reason=why_closed(offer), ki=offer.request.ki)
    return render("offers/answer_done.html", message=message)
