"""Another person for one date of a series, or for this and all following ("Andere Person für …").

The helper confirmed so far is released from those dates the way any confirmed helper leaves a
seat (``assignments.services.withdraw``, marked ``released``: no alert, no automatic follow-up, as
the helper did not cancel), and hears of it once, one mail listing the dates (``HelperReleased``).
The new person is asked for the same dates as "Für alle passenden Termine anfragen" asks
(``series_offers.ask_locked``, one mail). Without a new person the dates simply open again and
matching goes on.

A date where the new person is not a candidate (away, busy, the wrong language …) keeps the helper
it has and is named with why: nobody is taken off a date without someone asked instead, unless
the coordinator chose nobody. All the dates change in one transaction, their requests locked in
id order, so two coordinators at once are served one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import User
from ki_match.assignments.services import withdraw, withdrawable
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.matching.services import why_not
from ki_match.offers.series_offers import SeriesOfferResult, announce, ask_locked, rank_series
from ki_match.requests import lifecycle, queries, series
from ki_match.requests.events import HelperReleased
from ki_match.requests.locks import lock_requests_in_transaction
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, Offer, RequestSeries
from ki_match.requests.models import RequestStatus as S

NOTE = _l("Koordination hat den Termin einer anderen Person gegeben")


@dataclass
class Restaffed:
    """What a re-staffing did: the dates the helper was released from, how many the new person
    was asked for, and the dates left as they were, with why."""

    released: list[date] = field(default_factory=list)
    asked: int = 0
    refused: list[tuple[date, str]] = field(default_factory=list)


def confirmed_assignment(request: HelpRequest, helper_id: int) -> Assignment | None:
    """The helper's confirmed assignment of this date that has not begun, or None."""
    for assignment in request.assignments:
        if assignment.helper_id == helper_id and withdrawable(assignment):
            return assignment
    return None


def leaving_choices(request: HelpRequest) -> list[HelperProfile]:
    """Whom "Andere Person" can replace on this date: its confirmed helpers, by name."""
    helpers = [
        assignment.helper
        for assignment in request.assignments
        if assignment.status == AssignmentStatus.CONFIRMED and withdrawable(assignment)
    ]
    return sorted(helpers, key=lambda helper: (helper.user.display_name.casefold(), helper.id))


def restaffable(dates: list[HelpRequest]) -> list[HelpRequest]:
    """Those of ``dates`` still to come with someone confirmed: another person can take them."""
    now = utcnow()
    return [other for other in dates if series.is_changeable(other, now) and leaving_choices(other)]


def chosen_dates(
    request: HelpRequest, *, following: bool, among: list[HelpRequest] | None = None
) -> list[HelpRequest]:
    """The dates a re-staffing from ``request`` may change: it alone, or it and every later one
    (``series.following``), as far as they are ``restaffable``. ``among``: the series' restaffable
    dates, already read (the page asks this for every row)."""
    if among is not None:
        return (
            [other for other in among if other.series_day >= request.series_day] if following else [request]
        )
    return restaffable(series.following(request) if following else [request])


def candidates_for(per_date: dict[int, list[tuple[int, str, float]]], dates: list[HelpRequest]):
    """ "kann 4 von 5": who fits how many of ``dates``, from each date's candidates
    (``series_offers.candidates_by_date``, computed once for the page), leaving out on each date
    whoever is confirmed for it already."""
    others = {}
    for request in dates:
        there = {helper.id for helper in leaving_choices(request)}
        others[request.id] = [entry for entry in per_date.get(request.id, []) if entry[0] not in there]
    return rank_series(others, len(dates))


def restaff(
    request: HelpRequest,
    leaving: HelperProfile,
    newcomer: HelperProfile | None,
    actor: User,
    *,
    following: bool,
) -> Restaffed:
    """Release ``leaving`` from ``request`` (with ``following``: and every later date she holds)
    and ask ``newcomer`` instead (None: the dates open again). See the module's docstring."""
    series_id, first_day = request.series_id, request.series_day
    ids = sorted(other.id for other in (series.following(request) if following else [request]))
    db.session.commit()
    lock_requests_in_transaction(ids)
    db.session.expire_all()  # read again under the locks
    locked = db.session.scalars(
        select(HelpRequest).where(HelpRequest.id.in_(ids)).order_by(HelpRequest.series_day)
    ).all()
    done, asked, released = Restaffed(), SeriesOfferResult(), []
    for date_request in locked:
        reason = _why_left(date_request, leaving, newcomer, named=not following)
        if reason is None:
            released.append(_release(date_request, leaving, newcomer, actor, asked))
            done.released.append(date_request.series_day)
        elif reason:
            done.refused.append((date_request.series_day, reason))
    if released:
        publish(HelperReleased(request=released[0].request, actor=actor, assignments=released))
    if asked.sent:
        # Her mail says "3 von 4 Terminen": of the dates of the series still to come.
        done.asked = len(asked.sent)
        asked.open_dates = len(
            [other for other in queries.series_requests(series_id) if series.is_changeable(other)]
        )
        announce(asked, actor)
    record(
        "series.restaffed",
        actor=actor,
        subject=db.session.get(RequestSeries, series_id),
        from_day=first_day.isoformat(),
        following=following,
        released=len(released),
        asked=done.asked,
    )
    db.session.commit()
    return done


def _why_left(request: HelpRequest, leaving: HelperProfile, newcomer, *, named: bool) -> str | None:
    """Why this date stays as it is: a message, "" to leave it out unnamed (a later date that is
    over or not hers, when "this and all following" is changed), or None: it changes."""
    if not series.is_changeable(request) or confirmed_assignment(request, leaving.id) is None:
        name = leaving.user.display_name
        return str(_l("%(name)s ist für diesen Termin nicht (mehr) bestätigt.", name=name)) if named else ""
    if newcomer is None:
        return None
    name = newcomer.user.display_name
    if db.session.scalar(
        select(Offer.id).where(Offer.request_id == request.id, Offer.helper_id == newcomer.id)
    ):
        return str(_l("%(name)s wurde für diesen Termin schon angefragt.", name=name))
    failures = why_not(request, newcomer)
    if failures:
        reasons = ", ".join(failure.reason for failure in failures)
        return str(_l("%(name)s passt an diesem Termin nicht (%(reasons)s).", name=name, reasons=reasons))
    return None


def _release(
    request: HelpRequest, leaving: HelperProfile, newcomer, actor: User, asked: SeriesOfferResult
) -> Assignment:
    """Take ``leaving`` off one locked date (its history says so) and ask ``newcomer`` for it."""
    assignment = confirmed_assignment(request, leaving.id)
    was_filled = request.status == S.FILLED
    withdraw(assignment, request, actor, str(NOTE), note=NOTE, released=True, reason="restaffed")
    if not was_filled:
        lifecycle.remark(request, actor, NOTE)
    if newcomer is not None:
        ask_locked(request, newcomer, actor, asked)
    return assignment
