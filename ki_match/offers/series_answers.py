"""What the helpers asked for a series said, at a glance, and confirming one helper's yes for all
its dates at once ("Alle Zusagen bestätigen").

Each date is confirmed through ``confirming.confirm_offer`` (the same checks as a single
confirmation, each under its own request's lock and in its own transaction, in offer id order); a
date that cannot be confirmed (filled meanwhile, a clash, a safeguarding gate that needs a reason
for an exception) is named and the others are confirmed. The helper then gets one mail listing
every date confirmed (``SeriesConfirmed``), not one mail per date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ki_match.accounts.models import User
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.rules import OfferError, ReasonNeeded
from ki_match.requests import lifecycle
from ki_match.requests.events import SeriesConfirmed
from ki_match.requests.models import HOLDING_STATES, Assignment, HelpRequest, Offer, OfferStatus

NEEDS_A_REASON = _l("braucht eine begründete Ausnahme; bitte auf der Seite des Termins bestätigen.")


@dataclass(frozen=True)
class HelperAnswers:
    """One helper asked for dates of a series: the offers still unanswered, the yeses waiting for
    confirmation (of dates still open), and how many dates she holds."""

    helper_id: int
    name: str
    pending: tuple[int, ...] = ()  # offer ids
    accepted: tuple[int, ...] = ()  # offer ids
    holding: int = 0

    @property
    def to_confirm(self) -> int:
        return len(self.accepted)


def _open_offers(dates: list[HelpRequest]) -> list[Offer]:
    """The offers of ``dates`` still looking for someone that wait for an answer or for the
    coordinators' confirmation (an offer that became an assignment, held or given back, is done),
    each with its helper, in one query."""
    ids = [request.id for request in dates if request.status in lifecycle.ACCEPTING]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Offer)
            .where(
                Offer.request_id.in_(ids),
                Offer.status.in_((OfferStatus.PENDING, OfferStatus.ACCEPTED)),
                ~select(Assignment.id).where(Assignment.offer_id == Offer.id).exists(),
            )
            .options(joinedload(Offer.helper).joinedload(HelperProfile.user))
            .order_by(Offer.id)
        )
    )


def answers(dates: Iterable[HelpRequest]) -> list[HelperAnswers]:
    """Everyone asked for a date of the series still to come, with where each stands: yeses to
    confirm first, then those still asked, then those who hold dates, each by name."""
    dates = [request for request in dates if not request.is_over()]
    if not dates:
        return []
    holding = db.session.scalars(
        select(Assignment)
        .where(
            Assignment.request_id.in_([request.id for request in dates]),
            Assignment.status.in_(HOLDING_STATES),
        )
        .options(joinedload(Assignment.helper).joinedload(HelperProfile.user))
    )
    found: dict[int, dict] = {}

    def entry(helper: HelperProfile) -> dict:
        return found.setdefault(
            helper.id, {"name": helper.user.display_name, "pending": [], "accepted": [], "holding": 0}
        )

    for offer in _open_offers(dates):
        entry(offer.helper)["pending" if offer.status == OfferStatus.PENDING else "accepted"].append(offer.id)
    for assignment in holding:
        entry(assignment.helper)["holding"] += 1
    rows = [
        HelperAnswers(
            helper_id,
            item["name"],
            tuple(item["pending"]),
            tuple(item["accepted"]),
            item["holding"],
        )
        for helper_id, item in found.items()
    ]
    return sorted(
        rows, key=lambda row: (-row.to_confirm, -len(row.pending), row.name.casefold(), row.helper_id)
    )


def accepted_by_date(dates: Iterable[HelpRequest]) -> dict[int, list[str]]:
    """Request id → who said yes to that date and waits for the coordinators' confirmation."""
    names: dict[int, list[str]] = {}
    for offer in _open_offers(list(dates)):
        if offer.status == OfferStatus.ACCEPTED:
            names.setdefault(offer.request_id, []).append(offer.helper.user.display_name)
    return names


@dataclass
class ConfirmOutcome:
    """What "Alle Zusagen bestätigen" did: the assignments made, and the dates refused with why."""

    confirmed: list[Assignment] = field(default_factory=list)
    refused: list[tuple[datetime, str]] = field(default_factory=list)


def confirm_all(dates: Iterable[HelpRequest], helper: HelperProfile, coordinator: User) -> ConfirmOutcome:
    """Confirm every yes ``helper`` gave to an open date of the series; one mail tells her all."""
    mine = answers(dates)
    row = next((answer for answer in mine if answer.helper_id == helper.id), None)
    if row is None or not row.accepted:
        raise OfferError(_l("Von dieser Person gibt es keine Zusage, die noch zu bestätigen ist."))
    outcome = ConfirmOutcome()
    for offer_id in row.accepted:
        starts_at = db.session.get(Offer, offer_id).request.starts_at
        try:
            outcome.confirmed.append(confirm_offer(offer_id, coordinator, tell_helper=False))
        except ReasonNeeded:
            outcome.refused.append((starts_at, str(NEEDS_A_REASON)))
        except OfferError as error:
            outcome.refused.append((starts_at, str(error)))
    if outcome.confirmed:
        assignments = [db.session.get(Assignment, assignment.id) for assignment in outcome.confirmed]
        publish(SeriesConfirmed(request=assignments[0].request, actor=coordinator, assignments=assignments))
        db.session.commit()
    return outcome
