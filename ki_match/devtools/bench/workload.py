"""The bench's year of requests: what each asks and when, whom it was offered to, how it ended.

About 13 requests per helper for a year, up to six weeks ahead: by the demand
for each language and kind (as in the demo), each to end the year in a status
(completed, unfilled or cancelled in the past; open, offered, filled, draft or
cancelled ahead). Who takes a request, and whom an offer still waits for, is
the matching engine's verdict (``bench.staffing``); when nobody tried fits,
the request stays offered or unfilled. Each request is written with its
offers, its assignment and its status changes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from ki_match.clock import BERLIN
from ki_match.devtools.bench.site import Kreis, Run
from ki_match.devtools.bench.staffing import Draft
from ki_match.devtools.demo import content
from ki_match.devtools.demo.demand import KIND_WEIGHTS, TOPICS_BY_KIND
from ki_match.matching.engine import Kind
from ki_match.reference.models import Level
from ki_match.requests.models import (
    Assignment,
    HelpRequest,
    Offer,
    RequestKind,
    RequestStatusChange,
    request_alt_language,
)

# A year of requests per helper: 200,000 requests for the state's 15,000 helpers.
REQUESTS_PER_HELPER = 200_000 / 15_000
# Requests fall within the last year and the coming six weeks.
PAST_DAYS = 365
AHEAD_DAYS = 42


class Workload:
    """Writes the requests of the KI being built."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.rng = run.rng
        self.writer = run.writer
        self.pending: dict[int, int] = defaultdict(int)  # helper → offers waiting for them
        self.open_request_ids: list[int] = []  # open or offered, in every KI

    @property
    def kreis(self) -> Kreis:
        return self.run.kreis

    def requests(self, helpers: int) -> None:
        total = round(helpers * REQUESTS_PER_HELPER)
        self.clients = [f"AZ-{self.kreis.ki.id}-{number:05d}" for number in range(max(10, total // 6))]
        self.demand = {self.run.languages[code]: weight for code, weight in content.LANGUAGE_DEMAND.items()}
        self.alternatives = {
            self.run.languages[code]: [self.run.languages[alt] for alt in alts]
            for code, alts in content.ALTERNATIVES.items()
        }
        self.town_weights = {
            self.kreis.towns[name].id: weight for name, weight in content.TOWN_WEIGHTS.items()
        }
        for _ in range(total):
            draft, status, future = self.draft()
            invited, chosen = [], None
            if status not in ("draft", "open") and not (future and status == "cancelled"):
                invited, chosen, status = self.plan_offers(draft, status)
            self.write_request(draft, status, invited, chosen)

    def draft(self) -> tuple[Draft, str, bool]:
        """What one request asks for and when, and the status it is to end the year in."""
        rng = self.rng
        day = (
            self.run.today - timedelta(days=PAST_DAYS) + timedelta(days=rng.randrange(PAST_DAYS + AHEAD_DAYS))
        )
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        future = day >= self.run.today
        kind = self.run.weighted(KIND_WEIGHTS)
        language_id = self.run.weighted(self.demand)
        starts = duration = None
        if kind.value != "written":
            minutes = rng.randrange(8 * 60, 17 * 60, 15)
            local = datetime.combine(day, time(minutes // 60, minutes % 60), BERLIN)
            starts = local.astimezone(self.run.now.tzinfo)
            duration = rng.choice((45, 60, 60, 90, 120))
        anchor = starts or datetime.combine(day, time(12), BERLIN)
        created = min(anchor.astimezone(self.run.now.tzinfo), self.run.now) - timedelta(
            days=rng.uniform(2, 20)
        )
        if future:
            status = rng.choices(
                ("open", "offered", "filled", "draft", "cancelled"), weights=(30, 35, 30, 3, 2)
            )[0]
        else:
            status = rng.choices(("completed", "unfilled", "cancelled"), weights=(84, 8, 8))[0]
        draft = Draft(
            day=day,
            future=future,
            kind=Kind(kind.value),
            language_ids=(language_id,),
            min_level=int(Level.B1),
            town_id=None,
            gender_pref=None,
            qualified=False,
            created=created,
            duration=duration,
            starts=starts,
        )
        self.needs(draft)
        return draft, status, future

    def needs(self, draft: Draft) -> None:
        """What the request asks of a helper besides the language: another language the client
        follows, the level, the town, a gender, a Sprachlotse's qualification."""
        rng = self.rng
        language_id = draft.language_ids[0]
        draft.language_ids = (language_id,)
        if rng.random() < 0.25 and language_id in self.alternatives:
            draft.language_ids = (language_id, rng.choice(self.alternatives[language_id]))
        draft.min_level = int(Level.B2) if rng.random() < 0.2 else int(Level.B1)
        draft.town_id = self.run.weighted(self.town_weights) if draft.kind != Kind.WRITTEN else None
        draft.gender_pref = rng.choice(("female", "male")) if rng.random() < 0.08 else None
        draft.qualified = rng.random() < 0.15

    def plan_offers(self, draft: Draft, status: str) -> tuple[list[int], int | None, str]:
        """Whom the request was offered to, who took it, and the status that leaves it in:
        the matching engine says who fits (``bench.staffing``)."""
        rng, staffing = self.rng, self.kreis.staffing
        considered = staffing.considered(draft)
        wanted = rng.randint(1, 3)
        chosen = None
        if status in ("filled", "completed"):
            chosen = staffing.take(draft, considered, rng)
            if chosen is None:
                # Nobody tried could take what was asked: the year had a different request then.
                self.needs(draft)
                considered = staffing.considered(draft)
                chosen = staffing.take(draft, considered, rng)
            if chosen is None:  # everyone tried fails a rule: still asking, or nobody came
                status = "offered" if status == "filled" else "unfilled"
        invited = [chosen] if chosen is not None else []
        waiting = status == "offered"
        invited += staffing.ask(draft, considered, wanted - len(invited), rng, chosen, waiting)
        if not invited and status == "offered":
            status = "open"  # nobody to ask yet
        return invited, chosen, status

    def write_request(self, draft: Draft, status: str, invited: list[int], chosen: int | None) -> None:
        rng, writer = self.rng, self.writer
        kind = draft.kind.value
        organisation = rng.choice(self.kreis.organisation_ids) if rng.random() < 0.3 else None
        coordinator = rng.choice(self.kreis.coordinator_ids)
        request_id = writer.add(
            HelpRequest.__table__,
            ki_id=self.kreis.ki.id,
            kind=kind,
            status=status,
            language_id=draft.language_ids[0],
            min_level=draft.min_level,
            topic_id=self.run.topics[self.run.weighted(TOPICS_BY_KIND[RequestKind(kind)])],
            starts_at=draft.starts,
            duration_minutes=draft.duration,
            due_on=draft.day if kind == "written" else None,
            town_id=draft.town_id,
            place="Bahnhofstraße 1" if kind in ("accompaniment", "onsite") else None,
            client_ref=rng.choice(self.clients),
            gender_pref=draft.gender_pref,
            qualified_required=draft.qualified,
            helpers_needed=1,
            fill_mode="confirm",
            notes=None,
            organisation_id=organisation,
            requested_by_id=None,
            urgent=False,
            urgent_reason=None,
            created_by_id=coordinator,
            created_at=draft.created,
            updated_at=draft.created,
        )
        if status in ("open", "offered"):
            self.open_request_ids.append(request_id)
        for language_id in draft.language_ids[1:]:
            writer.add(request_alt_language, request_id=request_id, language_id=language_id)
        created = draft.created
        self.history(request_id, None, "draft" if status == "draft" else "open", coordinator, created)
        if invited:
            answered = self.offers(
                request_id,
                status,
                invited,
                chosen,
                draft.starts,
                draft.ends,
                created,
                coordinator,
                draft.anchor,
            )
            self.history(request_id, "open", status, coordinator, answered)
        elif status == "cancelled":
            self.history(request_id, "open", status, coordinator, created + timedelta(days=1))
        elif status == "unfilled":  # nobody to ask: the date passed
            self.history(request_id, "open", status, None, draft.anchor + timedelta(hours=1))

    def history(self, request_id: int, before: str | None, after: str, actor: int, at: datetime) -> None:
        self.writer.add(
            RequestStatusChange.__table__,
            request_id=request_id,
            from_status=before,
            to_status=after,
            actor_id=actor,
            at=min(at, self.run.now),
            note=None,
        )

    def offers(
        self, request_id, status, invited, chosen, starts, ends, created, coordinator, anchor
    ) -> datetime:
        rng, writer = self.rng, self.writer
        sent = created + timedelta(hours=rng.uniform(1, 30))
        answered = sent + timedelta(hours=rng.uniform(1, 40))
        for helper_id in invited:
            if status == "offered":
                offer_status, answer = ("pending", None) if rng.random() < 0.7 else ("declined", answered)
                if offer_status == "pending":
                    self.pending[helper_id] += 1
            elif helper_id == chosen:
                offer_status, answer = "accepted", answered
            else:
                offer_status = rng.choice(("declined", "expired", "withdrawn"))
                answer = answered if offer_status == "declined" else None
            offer_id = writer.add(
                Offer.__table__,
                request_id=request_id,
                helper_id=helper_id,
                status=offer_status,
                decline_reason=None,
                sent_by_id=coordinator,
                created_at=sent,
                answered_at=answer,
                expires_at=sent + timedelta(days=3),
            )
            if helper_id != chosen:
                continue
            if status == "filled":
                assignment_status = "confirmed"
            else:
                assignment_status = "no_show" if rng.random() < 0.03 else "completed"
            done = assignment_status == "completed"
            reported = anchor.astimezone(self.run.now.tzinfo) + timedelta(days=1) if done else None
            settled = done and reported < self.run.now - timedelta(days=14)
            writer.add(
                Assignment.__table__,
                request_id=request_id,
                helper_id=helper_id,
                offer_id=offer_id,
                seat=1,
                status=assignment_status,
                starts_at=starts,
                ends_at=ends,
                confirmed_by_id=coordinator,
                confirmed_at=answered,
                withdraw_reason=None,
                actual_minutes=rng.choice((45, 60, 90, 120)) if done else None,
                travel_km=rng.randint(0, 40) if done else None,
                report_note=None,
                reported_at=reported,
                # Coordinators approve reported hours within days; the last fortnight's still wait.
                approved_at=reported + timedelta(days=3) if settled else None,
                approved_by_id=coordinator if settled else None,
            )
        return answered
