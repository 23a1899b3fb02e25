"""Every SELECT behind the helper's inbox and assignments, always scoped to one KI and one helper."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from ki_match.accounts.models import User
from ki_match.clock import BERLIN, utcnow
from ki_match.db import Page, page_number
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.lifecycle import ACCEPTING
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus
from ki_match.requests.queries import helper_rows

# Answered offers are history: the inbox shows them a page at a time, newest first.
DONE_PAGE_SIZE = 10


def _offers(ki: Ki, profile: HelperProfile):
    # The request joined in (the inbox sorts and filters by it), its details loaded with it.
    return helper_rows(Offer, ki, profile, contains_eager)


def own_offer(ki: Ki, profile: HelperProfile, offer_id: int) -> Offer | None:
    return db.session.scalar(_offers(ki, profile).where(Offer.id == offer_id))


_NEWEST_FIRST = (Offer.created_at.desc(), Offer.id.desc())


# ``requests.queries.own_helper`` with the ids bound per call.
_OWN = select(HelperProfile.id).where(
    HelperProfile.id == bindparam("helper_id"), HelperProfile.ki_id == bindparam("ki_id")
)


def _card_details(request):
    """``requests.queries.request_details`` with the alternative languages joined in too: the few
    current offers come with them in one statement, not a second one (hence ``unique()``)."""
    return (
        request.joinedload(HelpRequest.language),
        request.joinedload(HelpRequest.alt_languages),
        request.joinedload(HelpRequest.topic),
        request.joinedload(HelpRequest.town),
    )


def _inbox_rows(*columns, details=True):
    """The helper's offers with the request and what the offer became (``Assignment``, None while
    it became nothing); ``details``: with everything an open card shows of the request, else the
    language only, as an answered one shows it.

    Built once with bound parameters: the inbox polls, and a statement that is not rebuilt per
    call keeps its cache key, so SQLAlchemy neither rebuilds nor re-keys it.
    """
    request = contains_eager(Offer.request)
    return (
        select(Offer, Assignment, *columns)
        .join(HelpRequest, HelpRequest.id == Offer.request_id)
        .outerjoin(Assignment, Assignment.offer_id == Offer.id)  # at most one: offer_id is unique
        .where(Offer.helper_id.in_(_OWN))
        .options(*(_card_details(request) if details else (request.joinedload(HelpRequest.language),)))
        .order_by(*_NEWEST_FIRST)
    )


# Waiting: said yes, and the KI has neither confirmed nor turned it down (``AWAITING_CONFIRMATION``,
# read here through the joined assignment instead of a subquery per row).
_WAITING = and_(Offer.status == OfferStatus.ACCEPTED, Assignment.id.is_(None))
_CURRENT = _inbox_rows().where(or_(Offer.status == OfferStatus.PENDING, _WAITING))
# How many answered offers there are in all comes along with each row of the page.
_DONE = (
    _inbox_rows(func.count().over(), details=False)
    .where(Offer.status != OfferStatus.PENDING, ~_WAITING)
    .limit(bindparam("size"))
    .offset(bindparam("skip"))
)
_DONE_COUNT = (
    select(func.count())
    .select_from(Offer)
    .outerjoin(Assignment, Assignment.offer_id == Offer.id)
    .where(Offer.helper_id.in_(_OWN), Offer.status != OfferStatus.PENDING, ~_WAITING)
)


@dataclass(frozen=True)
class CurrentOffers:
    pending: list[Offer]  # not answered, newest first (whether they still can is ``rules.why_closed``)
    waiting: list[Offer]  # accepted, the KI has not confirmed yet, newest first


def current_offers(ki: Ki, profile: HelperProfile) -> CurrentOffers:
    """The offers still waiting for someone: the helper (pending) or the KI (accepted), in one query."""
    rows = db.session.execute(_CURRENT, {"helper_id": profile.id, "ki_id": ki.id}).unique()
    found = CurrentOffers([], [])
    for offer, _assignment in rows:
        (found.pending if offer.status == OfferStatus.PENDING else found.waiting).append(offer)
    return found


def done_offers(ki: Ki, profile: HelperProfile, wanted_page: int) -> Page:
    """One page of the answered offers that need nothing more from anyone, newest first; its items
    are (offer, what it became or None)."""
    params = {"helper_id": profile.id, "ki_id": ki.id, "size": DONE_PAGE_SIZE}
    wanted_page = max(1, wanted_page)
    rows = _done_page(params, wanted_page)
    if rows:
        total = rows[0][2]
    elif wanted_page > 1:  # past the last page, or none: count, and show the last one there is
        total = db.session.scalar(_DONE_COUNT, params)
    else:
        total = 0
    page, pages = page_number(total, wanted_page, DONE_PAGE_SIZE)
    if page != wanted_page and total:
        rows = _done_page(params, page)
    return Page([(offer, assignment) for offer, assignment, _total in rows], total, page, pages)


def _done_page(params: dict, page: int) -> list:
    return db.session.execute(_DONE, {**params, "skip": (page - 1) * DONE_PAGE_SIZE}).all()


def assignment_of(offer_id: int) -> Assignment | None:
    """What the offer became (any status), if anything."""
    return db.session.scalar(select(Assignment).where(Assignment.offer_id == offer_id))


# Every page a helper sees counts these for the navigation: built once, bound per call.
_OPEN_OFFER_COUNT = (
    select(func.count())
    .select_from(Offer)
    .join(HelpRequest, HelpRequest.id == Offer.request_id)
    .join(HelperProfile, HelperProfile.id == Offer.helper_id)
    .where(
        HelperProfile.user_id == bindparam("user_id"),
        HelperProfile.ki_id == bindparam("ki_id"),
        Offer.status == OfferStatus.PENDING,
        or_(Offer.expires_at.is_(None), Offer.expires_at > bindparam("now")),
        HelpRequest.status.in_(ACCEPTING),
        or_(
            HelpRequest.starts_at > bindparam("now"),
            and_(
                HelpRequest.starts_at.is_(None),
                or_(HelpRequest.due_on.is_(None), HelpRequest.due_on >= bindparam("today")),
            ),
        ),
    )
)


def open_offer_count(ki: Ki, user: User) -> int:
    """Pending offers the helper can still answer (the test of ``services.why_closed``), in one query."""
    now = utcnow()
    return db.session.scalar(
        _OPEN_OFFER_COUNT,
        {"user_id": user.id, "ki_id": ki.id, "now": now, "today": now.astimezone(BERLIN).date()},
    )


# --- the coordinator's view of one request -------------------------------------------------


def pending_offer_count(profile: HelperProfile) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(Offer.helper_id == profile.id, Offer.status == OfferStatus.PENDING)
    )


def offer_counts(profile: HelperProfile) -> dict[str, int]:
    """How the helper answered the offers sent to them: status value → count."""
    rows = db.session.execute(
        select(Offer.status, func.count()).where(Offer.helper_id == profile.id).group_by(Offer.status)
    )
    return {status.value: count for status, count in rows}
