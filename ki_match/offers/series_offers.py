"""One helper for a whole series: who can take how many of its open dates, asking her for all of
them at once, and her "Alle annehmen" in the inbox.

A series is a row of normal requests (``requests.series``), so this works through the normal
rules: a helper "can take" a date when she is a candidate for that date's request
(``matching.services.match``), and the offers are written by ``sending.write_offers`` under each
request's lock, taken in id order so two coordinators at once never wait on each other crosswise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.matching.services import match, why_not
from ki_match.offers.answers import AcceptOutcome, accept_offer
from ki_match.offers.rules import OfferError, refuse, why_closed
from ki_match.offers.sending import write_offers
from ki_match.requests import lifecycle
from ki_match.requests.events import OfferAccepted, SeriesAccepted, SeriesOffered
from ki_match.requests.models import HelpRequest, Offer, OfferStatus


@dataclass(frozen=True)
class SeriesCandidate:
    """A helper and the open dates of the series she is a candidate for."""

    helper_id: int
    name: str
    request_ids: tuple[int, ...]
    open_dates: int  # how many open dates the series has in all
    score: float = 0.0  # the sum of her match scores over those dates: the tie-breaker

    @property
    def can_take(self) -> int:
        return len(self.request_ids)

    @property
    def takes_all(self) -> bool:
        return self.can_take == self.open_dates


@dataclass
class SeriesOfferResult:
    """What ``offer_series`` did: the offers written, and the dates she was already asked for."""

    sent: list[Offer] = field(default_factory=list)
    already_offered: list[HelpRequest] = field(default_factory=list)
    open_dates: int = 0  # how many open dates the series had when she was asked


def open_dates(requests: Iterable[HelpRequest]) -> list[HelpRequest]:
    """The dates of a series that still look for someone and are ahead, in date order."""
    return [
        request for request in requests if request.status in lifecycle.ACCEPTING and not request.is_over()
    ]


def rank_series(
    per_date: Mapping[int, Iterable[tuple[int, str, float]]], open_count: int
) -> list[SeriesCandidate]:
    """The helpers of ``per_date`` (request id → its candidates as (helper id, name, score)), those
    who can take the most dates first, then the better matches, then by name."""
    found: dict[int, tuple[str, list[int], float]] = {}
    for request_id, candidates in per_date.items():
        for helper_id, name, score in candidates:
            _name, ids, total = found.get(helper_id, (name, [], 0.0))
            found[helper_id] = (name, [*ids, request_id], total + score)
    ranked = [
        SeriesCandidate(helper_id, name, tuple(sorted(ids)), open_count, total)
        for helper_id, (name, ids, total) in found.items()
    ]
    return sorted(ranked, key=lambda c: (-c.can_take, -c.score, c.name.casefold(), c.helper_id))


def series_candidates(requests: Iterable[HelpRequest]) -> list[SeriesCandidate]:
    """ "Wer passt für die ganze Serie?": one ``match`` per open date (never one per helper)."""
    dates = open_dates(requests)
    return rank_series(candidates_by_date(dates), len(dates))


def candidates_by_date(dates: Iterable[HelpRequest]) -> dict[int, list[tuple[int, str, float]]]:
    """Each date's candidates as ``rank_series`` takes them (request id → (helper id, name,
    score)): one ``match`` per date, whatever its status."""
    return {
        request.id: [
            (candidate.helper.id, candidate.helper.name, candidate.score)
            for candidate in match(request).candidates
        ]
        for request in dates
    }


def offer_series(
    requests: Iterable[HelpRequest], helper: HelperProfile, coordinator: User
) -> SeriesOfferResult:
    """Ask ``helper`` for every open date of the series she is a candidate for, in one transaction.

    Each date is checked again under its lock (another coordinator may have filled or cancelled it
    meanwhile); a date she was already asked for is skipped, not asked twice. Refused when no date
    is left to ask her for.
    """
    ids = sorted(request.id for request in open_dates(requests))
    result = SeriesOfferResult(open_dates=len(ids))
    for request_id in ids:
        ask_locked(lifecycle.lock_existing(request_id), helper, coordinator, result)
    if not result.sent:
        if result.already_offered:
            refuse(_l("Diese Person ist für alle passenden Termine schon angefragt."))
        refuse(_l("Diese Person passt zu keinem offenen Termin der Serie."))
    announce(result, coordinator)
    db.session.commit()
    return result


def ask_locked(
    request: HelpRequest, helper: HelperProfile, coordinator: User, result: SeriesOfferResult
) -> bool:
    """Ask ``helper`` for one date whose lock the caller holds, when it still looks for someone and
    she is a candidate; what was written goes into ``result``. Whether she was asked."""
    if request.status not in lifecycle.ACCEPTING or request.is_over() or why_not(request, helper):
        return False
    written = write_offers(request, {helper.id}, coordinator, announce=False)
    result.sent.extend(written.sent)
    if written.already_offered:
        result.already_offered.append(request)
    return bool(written.sent)


def announce(result: SeriesOfferResult, coordinator: User) -> None:
    """One mail for all the dates of ``result`` (the caller commits)."""
    first = result.sent[0].request
    publish(SeriesOffered(request=first, actor=coordinator, offers=result.sent, open_dates=result.open_dates))


def series_helper(ki_id: int, helper_id: int) -> HelperProfile | None:
    """A helper of the coordinator's own KI by id, or None (the form then says so)."""
    return db.session.scalar(
        select(HelperProfile).where(HelperProfile.id == helper_id, HelperProfile.ki_id == ki_id)
    )


# --- the helper answers them together -------------------------------------------------------------


def series_groups(pending: Iterable[Offer]) -> dict[int, list[Offer]]:
    """The helper's answerable offers of the same series (two or more), by series id, soonest first:
    the inbox groups them under one "Alle annehmen"."""
    groups: dict[int, list[Offer]] = {}
    for offer in pending:
        series_id = offer.request.series_id
        if series_id is not None and offer.status == OfferStatus.PENDING and why_closed(offer) is None:
            groups.setdefault(series_id, []).append(offer)
    return {
        series_id: sorted(offers, key=lambda offer: (offer.request.starts_at, offer.id))
        for series_id, offers in groups.items()
        if len(offers) > 1
    }


@dataclass
class SeriesAnswer:
    """What "Alle annehmen" did: each yes with its outcome, and each date refused with why."""

    accepted: list[AcceptOutcome] = field(default_factory=list)
    refused: list[tuple[datetime | None, str]] = field(default_factory=list)


def accept_all(offers: Iterable[Offer], helper_user: User) -> SeriesAnswer:
    """A yes to each offer through ``answers.accept_offer``, the same rules as a single yes, each
    under its own request's lock, in id order; a date refused (filled meanwhile, too late, an
    overlap) leaves the others answered. The coordinators get one mail for the yeses that wait for
    them (``SeriesAccepted``), not one per date."""
    answer = SeriesAnswer()
    waiting: list[int] = []
    asked = sorted(((offer.id, offer.request.starts_at) for offer in offers), key=lambda pair: pair[0])
    for offer_id, starts_at in asked:
        try:
            outcome = accept_offer(offer_id, helper_user, announce=False)
        except OfferError as error:
            answer.refused.append((starts_at, str(error)))
        else:
            answer.accepted.append(outcome)
            if outcome != AcceptOutcome.CONFIRMED:
                waiting.append(offer_id)
    yeses = [db.session.get(Offer, offer_id) for offer_id in waiting]
    if len(yeses) == 1:
        publish(OfferAccepted(request=yeses[0].request, actor=helper_user, offer=yeses[0]))
    elif yeses:
        publish(SeriesAccepted(request=yeses[0].request, actor=helper_user, offers=yeses))
    db.session.commit()
    return answer
