"""A series of appointments (``RequestSeries``): made from one request form and a rule, then changed
one date at a time or "this and all following", like in a calendar.

Every appointment is an ordinary request, so each change goes through ``requests.lifecycle``
(cancel, reschedule), which tells the helpers asked or confirmed and writes the request's history
and audit trail; this module only picks the appointments and records what was done to the series.
Each appointment's change is its own transaction (the lifecycle takes the request's lock and
commits): when one date cannot be changed (a helper has another assignment at the new time), the
others still are, and the answer says which date failed and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from ki_match.accounts.models import User
from ki_match.audit.services import record
from ki_match.clock import NonexistentLocalTime, local_date, local_to_utc, utcnow
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.requests import holidays, lifecycle, queries
from ki_match.requests.data import SCALAR_FIELDS, RequestData
from ki_match.requests.labels import SKIP_LABELS
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.models import HelpRequest, RequestSeries, RequestStatus, SeriesSkip
from ki_match.requests.recurrence import BY_DAY_OFF, Expansion, Rule, on_weekday

S = RequestStatus


def create(ki: Ki, data: RequestData, rule: Rule, expansion: Expansion, actor: User, *, open_now: bool):
    """The series and one request per date of ``expansion`` (all alike but for the time), each made
    the way a single request is (``lifecycle.create``: draft or open). The caller commits."""
    series = new_series(ki, rule, expansion, actor)
    for occurrence in expansion.occurrences:
        request = lifecycle.create(
            ki, replace(data, starts_at=occurrence.starts_at), actor, open_now=open_now
        )
        request.series_id, request.series_day = series.id, occurrence.rule_day
    record(
        "series.created",
        actor=actor,
        subject=series,
        appointments=len(expansion.occurrences),
        skipped=len(expansion.skipped),
    )
    return series


def new_series(ki: Ki, rule: Rule, expansion: Expansion, actor: User) -> RequestSeries:
    """The series' row with the days its rule left out, before its dates are made (here, or sent in
    by an initiative: ``initiatives.series``)."""
    series = RequestSeries(
        ki_id=ki.id,
        frequency=rule.frequency,
        first_day=rule.first_day,
        start_time=rule.start,
        until=rule.until,
        repeat_count=rule.count,
        skip_holidays=rule.skip_holidays,
        created_by_id=actor.id,
        skips=[SeriesSkip(day=skip.day, reason=skip.reason, name=skip.name) for skip in expansion.skipped],
    )
    db.session.add(series)
    db.session.flush()
    return series


# --- changes --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a change of several dates did: how many changed, and the dates refused with why."""

    changed: int = 0
    refused: list[tuple[date, str]] = field(default_factory=list)


def is_changeable(request: HelpRequest, now: datetime | None = None) -> bool:
    """Still to come and neither done nor called off: its date can be cancelled or moved."""
    return lifecycle.can_transition(request.status, S.CANCELLED) and not request.is_over(now or utcnow())


def following(request: HelpRequest) -> list[HelpRequest]:
    """``request`` and the appointments of its series the rule made after it (a date moved before it
    still follows it, as in a calendar)."""
    return [
        other
        for other in queries.series_requests(request.series_id)
        if other.series_day >= request.series_day
    ]


def cancel_date(request: HelpRequest, actor: User, reason: str) -> HelpRequest:
    """Call one date of the series off (offers withdrawn, confirmed helpers told)."""
    series_id, day = request.series_id, request.series_day
    cancelled = lifecycle.cancel(request.id, actor, reason)
    _record("series.date_cancelled", series_id, actor, day=day.isoformat())
    return cancelled


def cancel_following(request: HelpRequest, actor: User, reason: str) -> Outcome:
    """Call off this date and every later one still to come; dates already past or done stay."""
    series_id, first = request.series_id, request.series_day
    outcome = _each_following(request, lambda other: lifecycle.cancel(other.id, actor, reason))
    _record(
        "series.following_cancelled", series_id, actor, from_day=first.isoformat(), cancelled=outcome.changed
    )
    return outcome


def move_date(request: HelpRequest, day: date, start: time, actor: User) -> None:
    """One date to another day and time; its rule date stays, so the series still knows it."""
    _retime(request, _instant(day, start), actor)
    _record(
        "series.date_moved",
        request.series_id,
        actor,
        day=request.series_day.isoformat(),
        to_day=day.isoformat(),
    )


def retime_following(
    request: HelpRequest,
    start: time,
    actor: User,
    weekday: int | None = None,
    closed: Callable[[date], holidays.Closed | None] = holidays.closed,
) -> Outcome:
    """This date and every later one still to come at another time of day; with ``weekday``
    (0 Monday … 6 Sunday) each also to that weekday of its own week (``recurrence.on_weekday``).
    A date that would land on a day the series leaves out (a holiday when it skips them, or a day
    skipped by hand) stays where it is and is named with why; so is one that would land in the
    past (``lifecycle.reschedule`` refuses it). The rule date stays, so the calendar file shows
    every moved date as an exception of the one recurring event."""
    found = db.session.get(RequestSeries, request.series_id)
    series_id, first = found.id, request.series_day
    left_out = {skip.day: skip for skip in found.skips}
    check_holidays = found.skip_holidays

    def move(other: HelpRequest) -> None:
        day = on_weekday(local_date(other.starts_at), weekday)
        _refuse_left_out(day, left_out, closed if check_holidays else None)
        _retime(other, _instant(day, start), actor)

    outcome = _each_following(request, move)
    detail = {"weekday": weekday} if weekday is not None else {}
    _record(
        "series.following_retimed",
        series_id,
        actor,
        from_day=first.isoformat(),
        moved=outcome.changed,
        **detail,
    )
    return outcome


def _refuse_left_out(day: date, left_out: dict[date, SeriesSkip], closed) -> None:
    """Refuse ``day`` when the series leaves it out: skipped when the series was made, or a
    holiday (``closed``, when the series skips holidays)."""
    skip = left_out.get(day)
    if skip is not None:
        reason, name = SKIP_LABELS[skip.reason], skip.name
    elif closed is not None and (off := closed(day)) is not None:
        reason, name = SKIP_LABELS[BY_DAY_OFF[off.kind]], off.name
    else:
        return
    why = f"{reason}: {name}" if name else str(reason)
    raise RequestError(
        _l(
            "Der %(day)s ist ein Tag, den die Serie auslässt (%(reason)s); der Termin bleibt, wo er ist.",
            day=dates.show(day, "day_medium"),
            reason=why,
        )
    )


def _each_following(request: HelpRequest, change: Callable[[HelpRequest], object]) -> Outcome:
    """``change`` each date from ``request`` on that is still to come, each in its own transaction."""
    outcome = Outcome()
    now = utcnow()
    for other in following(request):
        if not is_changeable(other, now):
            continue
        try:
            change(other)
        except RequestError as error:
            outcome.refused.append((other.series_day, str(error)))
        else:
            outcome.changed += 1
    return outcome


def _instant(day: date, start: time) -> datetime:
    try:
        return local_to_utc(day, start)
    except NonexistentLocalTime:
        raise RequestError(
            _l(
                "Diese Uhrzeit gibt es am %(day)s nicht (Umstellung auf Sommerzeit).",
                day=dates.show(day, "day_medium"),
            )
        ) from None


def _retime(request: HelpRequest, starts_at: datetime, actor: User) -> None:
    """A request searching or filled is rescheduled (helpers told); a draft is simply edited."""
    if request.status in lifecycle.RESCHEDULABLE:
        lifecycle.reschedule(request.id, starts_at, request.duration_minutes, actor)
        return
    if not lifecycle.is_editable(request):
        raise RequestError(_l("Dieser Termin kann nicht mehr verschoben werden."))
    if starts_at <= utcnow():
        raise RequestError(_l("Die neue Zeit liegt in der Vergangenheit."))
    lifecycle.edit(request, replace(data_of(request), starts_at=starts_at), actor, open_now=False)
    db.session.commit()


def data_of(request: HelpRequest) -> RequestData:
    """A stored request as the form's data, to edit one field of it."""
    return RequestData(
        **{name: getattr(request, name) for name in SCALAR_FIELDS},
        alt_language_ids=[language.id for language in request.alt_languages],
    )


def _record(action: str, series_id: int, actor: User, **detail) -> None:
    record(action, actor=actor, subject=db.session.get(RequestSeries, series_id), **detail)
    db.session.commit()
