"""A series an organisation sends in, subject to the coordinators' approval.

The member fills the request form with a rule ("Wiederholung", ``requests.series_forms.RepeatForm``);
every date must respect the KI's lead time like a single request. Submitting makes the
``RequestSeries`` and one ``submitted`` request per date (``lifecycle.submit``). A coordinator then
takes over every date still submitted at once, or declines them all with a reason; the organisation
can take back every date still open to it. Single dates can still be handled one by one.

Each date goes through ``requests.lifecycle`` as a single request would (its lock, the table, its
history and audit) and is its own transaction, so a date someone decided meanwhile is left alone.
The dates' own events are marked ``whole_series``; the series' event (``initiatives.events``)
makes one mail for the series instead of one per date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.core import dates
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.initiatives.events import SeriesDeclined, SeriesSubmitted, SeriesTakenOver, SeriesWithdrawn
from ki_match.initiatives.services import InitiativeError, can_submit, can_withdraw
from ki_match.orgs.models import Ki, Organisation
from ki_match.requests import lifecycle, queries
from ki_match.requests.data import RequestData
from ki_match.requests.models import HelpRequest, RequestSeries, RequestStatus
from ki_match.requests.recurrence import Expansion, Frequency, Rule
from ki_match.requests.series import new_series
from ki_match.requests.series_forms import RepeatForm

S = RequestStatus


# --- the form's dates ------------------------------------------------------------------------------


def too_early(expansion: Expansion, earliest: date) -> list[date]:
    """The dates of ``expansion`` before the earliest day the lead time allows."""
    return [occurrence.day for occurrence in expansion.occurrences if occurrence.day < earliest]


def unfold(form, repeat: RepeatForm) -> tuple[Rule, Expansion] | tuple[None, None]:
    """The rule and dates of an initiative's request form (``InitiativeRequestForm``) and its
    ``RepeatForm``, or (None, None): no repetition, or the reason at its field. Every date must
    respect the lead time unless the request is marked urgent (the first date is the form's own
    check, on its date field)."""
    repeat.validate()
    rule, expansion = repeat.unfold(
        first_day=form.day.data, start=form.start.data, scheduled=form.is_scheduled()
    )
    if expansion is None or form.urgent.data:
        return rule, expansion
    earliest = form.earliest()
    late_enough = form.day.data is not None and form.day.data >= earliest
    early = [day for day in too_early(expansion, earliest) if day != form.day.data]
    if early and late_enough:
        field_name = "dates" if rule.frequency == Frequency.DATES else "frequency"
        repeat[field_name].errors = [
            *repeat[field_name].errors,
            _l(
                "Jeder Termin braucht den Vorlauf: %(days)s liegt vor dem %(date)s.",
                days=", ".join(dates.show(day, "day_medium") for day in early),
                date=dates.show(earliest, "day_medium"),
            ),
        ]
        return None, None
    return rule, expansion


# --- sending a series in -----------------------------------------------------------------------------


def submit_series(
    ki: Ki,
    data: RequestData,
    rule: Rule,
    expansion: Expansion,
    member: User,
    *,
    urgent: bool,
    urgent_reason: str | None,
) -> RequestSeries:
    """The series and one ``submitted`` request per date; the coordinators get one mail for it.
    The caller commits. The organisation is checked here: it can be deactivated while the form is open."""
    if not can_submit(member):
        raise InitiativeError(
            _l("Ihre Organisation ist deaktiviert. Bitte wenden Sie sich an das Integrationszentrum.")
        )
    series = new_series(ki, rule, expansion, member)
    dates = []
    for occurrence in expansion.occurrences:
        request = lifecycle.submit(
            ki,
            replace(data, starts_at=occurrence.starts_at),
            member,
            urgent=urgent,
            urgent_reason=urgent_reason,
            whole_series=True,
        )
        request.series_id, request.series_day = series.id, occurrence.rule_day
        dates.append(request)
    record(
        "series.submitted",
        actor=member,
        subject=series,
        appointments=len(dates),
        skipped=len(expansion.skipped),
    )
    publish(SeriesSubmitted(request=dates[0], actor=member, series=series, dates=dates))
    return series


# --- who sent it, and what is still to decide -------------------------------------------------------


def organisation_of(series: RequestSeries) -> Organisation | None:
    """The organisation that sent the series in, or None for a coordinator's own series."""
    return db.session.scalar(
        select(Organisation)
        .join(HelpRequest, HelpRequest.organisation_id == Organisation.id)
        .where(HelpRequest.series_id == series.id, HelpRequest.requested_by_id.is_not(None))
        .limit(1)
    )


def series_of_organisation(ki: Ki, organisation_id: int, series_id: int) -> RequestSeries | None:
    """A series of the KI with dates the organisation sent in (None: not theirs)."""
    theirs = exists().where(
        HelpRequest.series_id == RequestSeries.id, HelpRequest.organisation_id == organisation_id
    )
    return db.session.scalar(
        select(RequestSeries).where(RequestSeries.id == series_id, RequestSeries.ki_id == ki.id, theirs)
    )


def waiting(dates: list[HelpRequest]) -> list[HelpRequest]:
    """The dates still submitted: those "Alle übernehmen" and "Alle ablehnen" decide."""
    return [request for request in dates if request.status == S.SUBMITTED]


def withdrawable(dates: list[HelpRequest]) -> list[HelpRequest]:
    """The dates the organisation may still take back itself (nobody confirmed yet)."""
    return [request for request in dates if can_withdraw(request)]


# --- deciding every date at once ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What a step on the whole series did: the dates it changed, and those refused with why."""

    changed: list[HelpRequest] = field(default_factory=list)
    refused: list[tuple[date, str]] = field(default_factory=list)


def _each(dates: list[HelpRequest], change: Callable[[int], HelpRequest]) -> Outcome:
    """``change`` each date, each in its own transaction; one decided meanwhile is refused (and
    left as it is) by the lifecycle's own check under the date's lock."""
    outcome = Outcome()
    for request in dates:
        day = request.series_day
        try:
            outcome.changed.append(change(request.id))
        except lifecycle.RequestError as error:
            outcome.refused.append((day, str(error)))
    return outcome


def _announce(series_id: int, outcome: Outcome, action: str, event, actor: User, **detail) -> None:
    """The series' one audit record and event (its one mail), once some date changed."""
    if not outcome.changed:
        return
    series = db.session.get(RequestSeries, series_id)
    dates = sorted(outcome.changed, key=lambda request: request.series_day)
    record(action, actor=actor, subject=series, dates=len(dates), refused=len(outcome.refused))
    publish(event(request=dates[0], actor=actor, series=series, dates=dates, **detail))
    db.session.commit()


def take_over_series(series: RequestSeries, coordinator: User) -> Outcome:
    """Every date still submitted into matching; a date already taken over or declined on its own
    is left alone. The organisation gets one mail."""
    series_id = series.id
    outcome = _each(
        waiting(queries.series_requests(series_id)),
        lambda request_id: lifecycle.take_over(request_id, coordinator, whole_series=True),
    )
    _announce(series_id, outcome, "series.taken_over", SeriesTakenOver, coordinator)
    return outcome


def decline_series(series: RequestSeries, coordinator: User, reason: str) -> Outcome:
    """Every date still submitted declined with ``reason``; the organisation gets one mail."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise lifecycle.RequestError(_l("Bitte geben Sie einen Grund an."))
    series_id = series.id
    outcome = _each(
        waiting(queries.series_requests(series_id)),
        lambda request_id: lifecycle.decline_submitted(request_id, coordinator, reason, whole_series=True),
    )
    _announce(series_id, outcome, "series.declined", SeriesDeclined, coordinator, reason=reason)
    return outcome


def withdraw_series(series: RequestSeries, member: User, reason: str) -> Outcome:
    """The organisation takes back every date still open to it (helpers asked are told, as for a
    single request); the coordinators get one mail."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise InitiativeError(_l("Bitte nennen Sie kurz den Grund."))
    series_id = series.id
    outcome = _each(
        withdrawable(queries.series_requests(series_id)),
        lambda request_id: lifecycle.cancel(request_id, member, reason, whole_series=True),
    )
    _announce(series_id, outcome, "series.withdrawn", SeriesWithdrawn, member, reason=reason)
    return outcome
