"""The demo's real week (issue 19): a school's weekly appointments over the term, the money, standby
and a late cancellation.

- The allowance rates (``allowance_rates``), so the demo Sprachlotsin's yearly statement adds up.
- One weekly series for a school (``RequestSeries``): Tuesday afternoons from about twelve weeks ago
  to five weeks ahead, school holidays skipped by the shipped NRW calendar, one date moved to the
  Thursday; every date staffed by the demo Sprachlotsin. The dates that are past are done, their
  hours approved and signed off by the school (one with a word on how it went); the coming ones
  are confirmed.
- A few standby days ("auf Abruf") ahead, and a late cancellation last month: the confirmed helper
  gave the seat back the evening before, and a helper on standby that day stepped in.

Told with a generator of its own: the series before the year's work (``demo.workload``), which
then finds her busy on those afternoons, the rest after it; whoever takes a date is someone the
matching engine lets through then (``demo.rules``). Sign-offs, feedback and standby days need the
assignments' and profiles' ids: ``after_flush``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ki_match.assignments.models import Feedback, Mood, Outcome, Side, SignOff
from ki_match.devtools.demo.clock import Timeline, is_office_day
from ki_match.devtools.demo.demand import Client, Shape
from ki_match.devtools.demo.history import History, Planned
from ki_match.devtools.demo.people import APPROVED, Cast, DemoHelper
from ki_match.devtools.demo.rows import new_request
from ki_match.devtools.demo.rules import Rules
from ki_match.devtools.demo.scheduling import Scheduler, Slot
from ki_match.reference.models import Level
from ki_match.reports.models import AllowanceRate
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    RequestKind,
    RequestSeries,
    RequestStatus,
    SeriesSkip,
)
from ki_match.requests.recurrence import Frequency, Rule, expand
from ki_match.standby.models import StandbyDay

S = RequestStatus

TUESDAY, THURSDAY = 1, 3
SERIES_START = time(15, 0)  # after lessons, inside the Sprachlotsin's Tuesday afternoon
MOVED_TO = time(10, 0)  # the moved date: Thursday morning
WEEKS_BACK, DAYS_AHEAD = 12, 35  # her holiday begins 38 days ahead (``people.sprachlotsin``)
SERIES_CLIENT = Client("Familie S-05", "ar", "Steinheim")
FEEDBACK_TEXT = "Die Mutter hat sich sehr bedankt; das Gespräch mit der Klassenlehrerin war gut vorbereitet."


@dataclass
class Term:
    """What this module adds: requests to write with the others, and what waits for their ids."""

    plans: list[Planned] = field(default_factory=list)
    series: RequestSeries | None = None
    dates: list[Planned] = field(default_factory=list)  # the series' requests
    signed_off: list[Planned] = field(default_factory=list)  # past dates the school signed off
    member_id: int | None = None
    standby: list[tuple[DemoHelper, date]] = field(default_factory=list)


# The KI's allowance per approved hour and per kilometre (cents), from 1 January two years back and
# from 1 July last year: the Sprachlotsin's year is paid at the rates of its days. (The rate in force,
# 10 € and 0,30 €, is the one tests/browser/test_yearly_statement_journey.py counts with.)
RATES = ((-2, 1, 800, 30), (-1, 7, 1000, 30))


def allowance_rates(ki, today: date, by) -> list[AllowanceRate]:
    return [
        AllowanceRate(
            ki_id=ki.id,
            valid_from=date(today.year + years, month, 1),
            per_hour_cents=per_hour,
            per_km_cents=per_km,
            created_by_id=by.id,
        )
        for years, month, per_hour, per_km in RATES
    ]


class TermStory:
    def __init__(self, rng: random.Random, now: datetime, today: date, cast: Cast):
        self.rng, self.now, self.today, self.cast = rng, now, today, cast
        self.rules = Rules(cast, now)
        pool = [h for h in cast.helpers if h.state == APPROVED]
        self.scheduler = Scheduler(rng, today, pool, self.rules)
        self.history = History(rng, now, cast, self.scheduler)
        self.term = Term()

    def before_the_year(self) -> None:
        """The school's dates go into her diary first: the year's other work finds her busy then."""
        self.school_series()

    def after_the_year(self) -> Term:
        self.late_cancellation()
        self.standby_days()
        return self.term

    # --- the school's weekly appointments -------------------------------------------------------

    def _school(self):
        school = next(o for o in self.cast.organisations if o.kind.value == "school")
        return school, self.cast.members[school.name][0]

    def school_series(self) -> None:
        her, coordinator = self.cast.sprachlotsin, self.cast.coordinators[0]
        school, member = self._school()
        shape = _shape(SERIES_CLIENT, RequestKind.ONSITE, "school", 60, school)
        first = self.today - timedelta(weeks=WEEKS_BACK)
        first += timedelta(days=(TUESDAY - first.weekday()) % 7)
        moved_day = first + timedelta(weeks=3)
        rule = Rule(
            Frequency.WEEKLY,
            first,
            SERIES_START,
            until=self.today + timedelta(days=DAYS_AHEAD),
            moved={moved_day: (moved_day + timedelta(days=THURSDAY - TUESDAY), MOVED_TO)},
        )
        expansion = expand(rule)
        series = RequestSeries(
            ki_id=self.cast.ki.id,
            frequency=rule.frequency,
            first_day=rule.first_day,
            start_time=rule.start,
            until=rule.until,
            skip_holidays=True,
            created_by_id=coordinator.id,
        )
        series.skips = [SeriesSkip(day=s.day, reason=s.reason, name=s.name) for s in expansion.skipped]
        self.term.series, self.term.member_id = series, member.id
        for occurrence in expansion.occurrences:
            starts = occurrence.starts_at
            slot = Slot(occurrence.day, starts, starts + timedelta(minutes=shape.duration))
            if not self.rules.fits(her, shape, slot):
                continue  # her diary or cap says no: the coordinators found someone else, elsewhere
            done = slot.ends < self.now - timedelta(hours=3)
            plan = Planned(
                new_request(self.rng, self.cast, shape, slot, S.COMPLETED if done else S.FILLED, member)
            )
            plan.request.series_day = occurrence.rule_day
            self.history.tell(
                plan, S.COMPLETED if done else S.FILLED, shape, slot, [her], coordinator, member, None, True
            )
            if done:
                self._approved_after_report(plan)
                self.term.signed_off.append(plan)
            self.term.plans.append(plan)
            self.term.dates.append(plan)
        if self.term.dates:
            series.created_at = min(plan.request.created_at for plan in self.term.dates)

    def _approved_after_report(self, plan: Planned) -> None:
        """Past dates are approved: never before their report, never after now."""
        for fields, _offer in plan.assignments:
            if fields.get("reported_at") is None:
                continue
            earliest = fields["reported_at"] + timedelta(minutes=10)
            fields["approved_at"] = max(fields.get("approved_at") or earliest, earliest)
            fields.setdefault("approved_by_id", self.cast.coordinators[0].id)

    # --- a late cancellation, refilled from standby --------------------------------------------

    def late_cancellation(self) -> None:
        """Last month: the confirmed helper cancels the evening before; a helper on standby that
        day takes the seat, goes, and reports."""
        coordinator, year = self.cast.coordinators[1], self.today.year - 1
        clients = [Client(f"AZ {year}-0417", "ar", "Höxter"), Client("Familie K-33", "ru", "Brakel")]
        for _ in range(40):
            shape = _shape(self.rng.choice(clients), RequestKind.ACCOMPANIMENT, "authorities", 90)
            found = self.scheduler.staffed_slot((-30, -8), shape, 2, avoid=(self.cast.sprachlotsin,))
            if found is not None:
                break
        else:
            return
        slot, (first, standby) = found
        plan = Planned(new_request(self.rng, self.cast, shape, slot, S.COMPLETED, None))
        tl = self.history.timeline(slot)
        self.history.open_history(plan, tl, coordinator, None)
        self.history.fill(plan, shape, slot, [first], tl, coordinator, keep_free=[standby])
        self._late_withdrawal(plan, shape, slot, tl, coordinator, standby)
        fields, _offer = plan.assignments[-1]
        reported = self.history.report(plan, shape, slot, fields, True)
        plan.events.append((S.FILLED, S.COMPLETED, standby.user, reported, None))
        plan.request.updated_at = reported
        self.term.standby.append((standby, slot.day))
        self.term.plans.append(plan)

    def _late_withdrawal(self, plan, shape, slot, tl: Timeline, coordinator, standby) -> None:
        """``History.replace_after_withdrawal``, the evening before: a "kurzfristige Absage"."""
        tl.jump_to((slot.anchor - timedelta(hours=self.rng.uniform(14, 20))).replace(microsecond=0))
        self.history.replace_after_withdrawal(plan, shape, slot, tl, coordinator, standby)
        fields, _offer = plan.assignments[0]
        fields["withdrawn_late"] = True

    # --- standby days ahead -------------------------------------------------------------------

    def standby_days(self) -> None:
        """A few helpers offered to be asked at short notice on some office days of the next weeks."""
        willing = [h for h in self.cast.helpers if h.state == APPROVED and h is not self.cast.sprachlotsin]
        for helper in self.rng.sample(willing, min(4, len(willing))):
            days = {self.today + timedelta(days=self.rng.randint(1, 21)) for _ in range(3)}
            self.term.standby += [(helper, day) for day in sorted(days) if is_office_day(day)]


def _shape(client: Client, kind: RequestKind, topic: str, minutes: int, organisation=None) -> Shape:
    """One helper at B2, confirmed by the coordinators: what the story's requests ask for."""
    return Shape(
        client=client,
        kind=kind,
        topic=topic,
        duration=minutes,
        min_level=int(Level.B2),
        alternatives=(),
        gender=None,
        qualified=False,
        helpers_needed=1,
        fill_mode=FillMode.COORDINATOR_CONFIRMS,
        organisation=organisation,
    )


def after_flush(term: Term, assignments: list[Assignment]) -> list:
    """The rows that need ids: the school's sign-offs (one with feedback), the standby days."""
    rows: list = []
    by_request: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_request.setdefault(assignment.request_id, []).append(assignment)
    for index, plan in enumerate(term.signed_off):
        for assignment in by_request.get(plan.request.id, []):
            if assignment.status != AssignmentStatus.COMPLETED:
                continue
            signed = min(
                assignment.ends_at + timedelta(hours=20), assignment.approved_at or assignment.ends_at
            )
            signed = max(signed, assignment.ends_at)
            rows.append(
                SignOff(
                    assignment_id=assignment.id,
                    outcome=Outcome.TOOK_PLACE,
                    signed_by_id=term.member_id,
                    signed_at=signed,
                )
            )
            if index == 1:
                rows.append(
                    Feedback(
                        assignment_id=assignment.id,
                        side=Side.REQUESTER,
                        author_id=term.member_id,
                        mood=Mood.GOOD,
                        body=FEEDBACK_TEXT,
                        written_at=signed,
                    )
                )
    standby = {(helper.profile.id, day) for helper, day in term.standby}
    rows += [StandbyDay(helper_id=helper_id, day=day) for helper_id, day in sorted(standby)]
    return rows
