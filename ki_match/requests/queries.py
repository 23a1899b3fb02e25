"""Every SELECT about one request: loading it, its seats and offers, its history, who looks after it.

The coordinators' list and the dashboard's counts are in ``requests.lists``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from ki_match.accounts.models import Role, User
from ki_match.db import folded
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.models import (
    HOLDING_STATES,
    Assignment,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestSeries,
    RequestStatusChange,
)


def request_details(path):
    """Everything a card shows about a request, loaded in a fixed number of queries: one row
    each joined in, the alternative languages in one more statement."""
    return (
        path.joinedload(HelpRequest.language),
        path.selectinload(HelpRequest.alt_languages),
        path.joinedload(HelpRequest.topic),
        path.joinedload(HelpRequest.town),
    )


def responsible_coordinators(request: HelpRequest) -> list[User]:
    """Who looks after a request: its creator while still an active coordinator, else every
    active coordinator of its KI (they hear of answers, and offers go out in their name)."""
    creator = db.session.get(User, request.created_by_id) if request.created_by_id else None
    if creator is not None and creator.active and creator.role in (Role.COORDINATOR, Role.ADMIN):
        return [creator]
    return db.session.scalars(
        select(User).where(User.ki_id == request.ki_id, User.role == Role.COORDINATOR, User.active.is_(True))
    ).all()


# --- one request ---------------------------------------------------------------------------


@cache
def _request_in_ki_statement():
    # Built once (the ids are parameters): SQLAlchemy reuses its cache key instead of walking
    # the loader options again on every page. Everything joined into the request's one
    # statement, the few alternative languages too, rather than a statement apiece.
    return (
        select(HelpRequest)
        .where(HelpRequest.id == bindparam("request_id"), HelpRequest.ki_id == bindparam("ki_id"))
        .options(
            joinedload(HelpRequest.language),
            joinedload(HelpRequest.alt_languages),
            joinedload(HelpRequest.town),
            joinedload(HelpRequest.topic),
            joinedload(HelpRequest.organisation),
        )
    )


def request_in_ki(ki: Ki, request_id: int) -> HelpRequest | None:
    found = db.session.execute(_request_in_ki_statement(), {"request_id": request_id, "ki_id": ki.id})
    return found.unique().scalar_one_or_none()


def request_of_organisation(ki: Ki, organisation_id: int | None, request_id: int) -> HelpRequest | None:
    """The request if the organisation asked for it, within the KI; otherwise None."""
    if organisation_id is None:
        return None
    return db.session.scalar(
        select(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.ki_id == ki.id,
            HelpRequest.organisation_id == organisation_id,
        )
        .options(
            selectinload(HelpRequest.language),
            selectinload(HelpRequest.town),
            selectinload(HelpRequest.topic),
            selectinload(HelpRequest.assignments).selectinload(Assignment.helper),
        )
    )


# --- the rows of a request: offers and assignments -------------------------------------------


def row_in_ki(model: type[Offer] | type[Assignment], ki: Ki, row_id: int):
    """An offer or assignment of one of the KI's requests, or None."""
    return db.session.scalar(
        select(model)
        .join(HelpRequest, HelpRequest.id == model.request_id)
        .where(model.id == row_id, HelpRequest.ki_id == ki.id)
    )


def own_helper(ki: Ki, profile: HelperProfile):
    """``profile``'s id, as long as she is a helper of the KI: what scopes a helper's own offers and
    assignments. Their requests may be another KI's (the shared pool)."""
    return select(HelperProfile.id).where(HelperProfile.id == profile.id, HelperProfile.ki_id == ki.id)


def helper_rows(model: type[Offer] | type[Assignment], ki: Ki, profile: HelperProfile, load):
    """A helper's offers (or assignments), whichever KI asked, each request with what a card shows
    (``load``: how the request comes along, ``contains_eager`` or ``selectinload``)."""
    return (
        select(model)
        .join(HelpRequest, HelpRequest.id == model.request_id)
        .where(model.helper_id.in_(own_helper(ki, profile)))
        .options(*request_details(load(model.request)))
    )


@cache
def _rows_of_statement(model: type[Offer] | type[Assignment]):
    # Built once per model; the helper and her account joined in (one row each).
    order = (Offer.created_at, Offer.id) if model is Offer else (Assignment.seat, Assignment.id)
    return (
        select(model)
        .where(model.request_id == bindparam("request_id"))
        .options(joinedload(model.helper).joinedload(HelperProfile.user))
        .order_by(*order)
    )


def rows_of(request: HelpRequest, model: type[Offer] | type[Assignment]) -> list:
    """The request's offers in the order they were sent (or its assignments by seat), each with
    its helper's name loaded."""
    return db.session.scalars(_rows_of_statement(model), {"request_id": request.id}).all()


# --- seats and offers of one request ---------------------------------------------------------


def holding_count(request_id: int) -> int:
    return len(holding_assignments(request_id))


def holding_assignments(request_id: int) -> list[Assignment]:
    return db.session.scalars(
        select(Assignment)
        .where(Assignment.request_id == request_id, Assignment.status.in_(HOLDING_STATES))
        .options(selectinload(Assignment.helper).selectinload(HelperProfile.user))
    ).all()


def open_offers(request: HelpRequest) -> list[Offer]:
    """Offers of the request still pending or accepted and not confirmed."""
    confirmed = select(Assignment.offer_id).where(
        Assignment.request_id == request.id, Assignment.offer_id.is_not(None)
    )
    return db.session.scalars(
        select(Offer)
        .where(
            Offer.request_id == request.id,
            Offer.status.in_((OfferStatus.PENDING, OfferStatus.ACCEPTED)),
            Offer.id.not_in(confirmed),
        )
        .options(selectinload(Offer.helper).selectinload(HelperProfile.user))
    ).all()


def any_offer_out(request: HelpRequest) -> bool:
    return (
        db.session.scalar(
            select(Offer.id)
            .where(
                Offer.request_id == request.id, Offer.status.in_((OfferStatus.PENDING, OfferStatus.ACCEPTED))
            )
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class HistoryEntry:
    change: Row  # the change's at, from_status, to_status, changes_status and note
    actor_name: str | None


@cache
def _status_history_statement(remarks: bool):
    # The columns shown, not the entities: nothing to track in the session.
    statement = (
        select(
            RequestStatusChange.at,
            RequestStatusChange.from_status,
            RequestStatusChange.to_status,
            RequestStatusChange.changes_status.label("changes_status"),
            RequestStatusChange.note,
            User.display_name,
        )
        .outerjoin(User, User.id == RequestStatusChange.actor_id)
        .where(RequestStatusChange.request_id == bindparam("request_id"))
        .order_by(RequestStatusChange.at, RequestStatusChange.id)
    )
    return statement if remarks else statement.where(RequestStatusChange.changes_status)


def status_history(request: HelpRequest, *, remarks: bool = True) -> list[HistoryEntry]:
    """Every line of the request's history with who wrote it, oldest first: its status changes
    and, unless ``remarks`` is false, the remarks that changed no status (a phone answer)."""
    rows = db.session.execute(_status_history_statement(remarks), {"request_id": request.id})
    return [HistoryEntry(row, row.display_name) for row in rows]


@cache
def _offer_states_statement():
    return select(Offer.helper_id, Offer.status).where(Offer.request_id == bindparam("request_id"))


def offer_states(request: HelpRequest) -> dict[int, OfferStatus]:
    """helper id → status of the offer this request already sent them."""
    return dict(db.session.execute(_offer_states_statement(), {"request_id": request.id}).all())


def helpers_named(ki: Ki, text: str, limit: int = 10) -> list[tuple[int, str]]:
    """(profile id, display name) of the KI's helpers whose name contains ``text``, for "why not?"."""
    return list(
        db.session.execute(
            select(HelperProfile.id, User.display_name)
            .join(User, User.id == HelperProfile.user_id)
            .where(
                HelperProfile.ki_id == ki.id,
                User.deleted_at.is_(None),
                folded(User.display_name).contains(text.lower(), autoescape=True),
            )
            .order_by(User.display_name, HelperProfile.id)
            .limit(limit)
        ).all()
    )


# --- series ---------------------------------------------------------------------------------------


def series_in_ki(ki: Ki, series_id: int) -> RequestSeries | None:
    return db.session.scalar(
        select(RequestSeries).where(RequestSeries.id == series_id, RequestSeries.ki_id == ki.id)
    )


def series_requests(series_id: int) -> list[HelpRequest]:
    """The appointments of a series in the order of the dates its rule made, each with its seats
    and their helpers (the series page shows who is confirmed), in a fixed number of queries."""
    return list(
        db.session.scalars(
            select(HelpRequest)
            .where(HelpRequest.series_id == series_id)
            .order_by(HelpRequest.series_day)
            .options(
                selectinload(HelpRequest.assignments)
                .joinedload(Assignment.helper)
                .joinedload(HelperProfile.user)
            )
            .execution_options(populate_existing=True)
        )
    )


def series_positions(requests: list[HelpRequest]) -> dict[int, tuple[int, int]]:
    """For the dates of a series among ``requests``: request id → (its place in the series by the
    date its rule made it for, the number of the series' dates): "Termin 3 von 8"."""
    series_ids = {request.series_id for request in requests if request.series_id is not None}
    if not series_ids:
        return {}
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.series_id)
        .where(HelpRequest.series_id.in_(series_ids))
        .order_by(HelpRequest.series_id, HelpRequest.series_day)
    ).all()
    dates: dict[int, list[int]] = {}
    for request_id, series_id in rows:
        dates.setdefault(series_id, []).append(request_id)
    return {
        request_id: (number, len(ids))
        for ids in dates.values()
        for number, request_id in enumerate(ids, start=1)
    }
