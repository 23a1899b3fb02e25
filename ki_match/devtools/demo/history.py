"""How a demo request got to its status: its status changes, offers and assignments.

Each request's history is a chain of explicit transitions in time order, as
the real flow would have produced it: created or taken on from an initiative,
published, offered (some offers declined, left to expire or withdrawn),
filled and confirmed, reported and approved, or cancelled, declined or left
unfilled; a confirmed helper may withdraw and another step in. Nothing here is
written yet: the events and assignments are kept on the ``Planned`` request
until its id exists (``demo.rows``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from ki_match.accounts.models import User
from ki_match.clock import local_to_utc, round_up_to_quarter_hour
from ki_match.devtools.demo import content
from ki_match.devtools.demo.clock import Timeline, road_km
from ki_match.devtools.demo.demand import IN_PERSON, Shape
from ki_match.devtools.demo.people import Cast, DemoHelper
from ki_match.devtools.demo.scheduling import Scheduler, Slot
from ki_match.requests.models import (
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)

S = RequestStatus
K = RequestKind


@dataclass
class Planned:
    request: HelpRequest
    events: list[tuple[RequestStatus | None, RequestStatus, User | None, datetime, str | None]] = field(
        default_factory=list
    )
    # (assignment fields, the accepted offer it came from)
    assignments: list[tuple[dict, Offer]] = field(default_factory=list)
    offered: list[DemoHelper] = field(default_factory=list)  # one offer per helper and request


@dataclass
class History:
    """Tells each planned request's history, booking its helpers' time as it goes."""

    rng: random.Random
    now: datetime
    cast: Cast
    scheduler: Scheduler

    def tell(
        self,
        plan: Planned,
        status: RequestStatus,
        shape: Shape,
        slot: Slot,
        helpers: list[DemoHelper],
        coordinator: User,
        member: User | None,
        variant: str | None,
        approve: bool | None,
    ) -> None:
        """How the request got to ``status``: its status changes, offers and assignments."""
        rng, request = self.rng, plan.request
        if status == S.DRAFT and rng.random() < 0.4:
            # A draft may still lack its date: the coordinator is waiting for it.
            request.starts_at = request.duration_minutes = request.due_on = None
        if status == S.SUBMITTED and rng.random() < 0.3:
            request.starts_at = request.duration_minutes = request.due_on = None
        tl = self.timeline(slot)
        if status == S.DRAFT:
            request.created_at = tl.current
            request.created_by_id = coordinator.id
            plan.events.append((None, S.DRAFT, coordinator, tl.current, None))
        elif status == S.SUBMITTED:
            request.created_at = tl.jump_to(self.now - timedelta(days=rng.uniform(0.1, 4)))
            plan.events.append((None, S.SUBMITTED, member, tl.current, None))
        elif status == S.DECLINED:
            request.created_at = tl.current
            plan.events.append((None, S.SUBMITTED, member, tl.current, None))
            declined = tl.after(60, 36 * 60)
            note = rng.choice(content.DECLINE_NOTES)
            plan.events.append((S.SUBMITTED, S.DECLINED, coordinator, declined, note))
        else:
            self.open_history(plan, tl, coordinator, member)
            getattr(self, f"_{status.value}")(plan, shape, slot, helpers, tl, coordinator, variant, approve)
        request.updated_at = max(at for *_, at, _note in plan.events)

    def _open(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        pass  # published, nobody asked yet

    def _offered(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        self.side_offers(plan, shape, slot, tl, coordinator, exclude=helpers)
        # Pending offers went out recently; they are still valid.
        sent = tl.jump_to(self.now - timedelta(hours=self.rng.uniform(2, 40)))
        plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
        others = (*helpers, *plan.offered, self.cast.sprachlotsin)
        extra = self.scheduler.candidates(shape, slot, exclude=others)[: self.rng.randint(0, 2)]
        for helper in [*helpers, *extra]:
            expires = min(
                max(sent + timedelta(hours=72), self.now + timedelta(hours=24)),
                slot.anchor - timedelta(hours=6),
            )
            self.offer(
                plan, helper, sent, OfferStatus.PENDING, coordinator, expires=expires.replace(microsecond=0)
            )
            self.scheduler.reserve(helper, shape, slot, holding=False)

    def _filled(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        if variant == "withdrawn":
            self.fill(plan, shape, slot, helpers[:1], tl, coordinator, keep_free=helpers[1:])
            self.replace_after_withdrawal(plan, shape, slot, tl, coordinator, helpers[1])
        else:
            self.fill(plan, shape, slot, helpers, tl, coordinator)

    def _completed(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        self.fill(plan, shape, slot, helpers, tl, coordinator)
        last_report, last_reporter = None, None
        for index, (fields, _offer) in enumerate(plan.assignments):
            if variant == "no_show" and index == len(plan.assignments) - 1:
                fields["status"] = AssignmentStatus.NO_SHOW
                continue
            reported = self.report(plan, shape, slot, fields, approve)
            if last_report is None or reported > last_report:
                last_report, last_reporter = reported, fields["helper"]
        if variant == "no_show":
            closed = (slot.ends + timedelta(hours=self.rng.uniform(2, 30))).replace(microsecond=0)
            closed = max(closed, last_report + timedelta(minutes=5))
            note = "Eine der beiden Helfenden ist nicht erschienen."
            plan.events.append((S.FILLED, S.COMPLETED, coordinator, closed, note))
        else:
            # The last report closes the request.
            plan.events.append((S.FILLED, S.COMPLETED, last_reporter.user, last_report, None))

    def _cancelled(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        note = self.rng.choice(content.CANCEL_NOTES)
        if variant == "after_fill":
            self.fill(plan, shape, slot, helpers, tl, coordinator)
            cancelled = tl.after(60, 5 * 24 * 60)
            for fields, _offer in plan.assignments:
                fields["status"] = AssignmentStatus.CANCELLED
                self.scheduler.release(fields["helper"], slot)
            plan.events.append((S.FILLED, S.CANCELLED, coordinator, cancelled, note))
        elif variant == "after_offer":
            sent = tl.after(10, 180)
            plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
            cancelled = tl.after(60, 30 * 60)
            for helper in helpers[:1]:
                offer = self.offer(plan, helper, sent, OfferStatus.WITHDRAWN, coordinator)
                offer.answered_at = cancelled
            plan.events.append((S.OFFERED, S.CANCELLED, coordinator, cancelled, note))
        else:
            plan.events.append((S.OPEN, S.CANCELLED, coordinator, tl.after(60, 3 * 24 * 60), note))

    def _unfilled(self, plan, shape, slot, helpers, tl, coordinator, variant, approve) -> None:
        others = self.scheduler.eligible(shape, slot)
        if others and self.rng.random() < 0.7:
            sent = tl.after(10, 24 * 60)
            plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
            for helper in self.rng.sample(others, min(len(others), self.rng.randint(1, 3))):
                if self.rng.random() < 0.5:
                    self.offer(
                        plan, helper, sent, OfferStatus.DECLINED, coordinator, answered=tl.after(20, 12 * 60)
                    )
                else:
                    self.offer(plan, helper, sent, OfferStatus.EXPIRED, coordinator)
            before = S.OFFERED
        else:
            before = S.OPEN
        # Nobody was found in time; the system closes the request once the date has passed.
        passed = (slot.anchor + timedelta(hours=self.rng.uniform(0.5, 12))).replace(microsecond=0)
        plan.events.append((before, S.UNFILLED, None, passed, "Termin verstrichen, niemand gefunden."))

    def replace_after_withdrawal(
        self, plan: Planned, shape: Shape, slot: Slot, tl: Timeline, coordinator: User, new: DemoHelper
    ) -> None:
        """The confirmed helper fell ill; a second helper takes the same seat."""
        fields, _offer = plan.assignments[0]
        helper = fields["helper"]
        fields["status"] = AssignmentStatus.WITHDRAWN
        fields["withdraw_reason"] = self.rng.choice(content.WITHDRAW_REASONS)
        self.scheduler.release(helper, slot)
        withdrawn_at = tl.after(60, 24 * 60)
        plan.events.append((S.FILLED, S.OPEN, helper.user, withdrawn_at, "Helfer*in hat abgesagt"))
        sent = tl.after(5, 60)
        plan.events.append((S.OPEN, S.OFFERED, coordinator, sent, None))
        offer = self.offer(plan, new, sent, OfferStatus.ACCEPTED, coordinator, answered=tl.after(15, 6 * 60))
        first_accept = shape.fill_mode == FillMode.FIRST_TO_ACCEPT
        confirmer = new.user if first_accept else coordinator
        confirmed = offer.answered_at if first_accept else tl.after(5, 120)
        plan.events.append((S.OFFERED, S.FILLED, confirmer, confirmed, None))
        self.scheduler.reserve(new, shape, slot)
        plan.assignments.append(
            (
                {
                    "helper": new,
                    "seat": fields["seat"],
                    "status": AssignmentStatus.CONFIRMED,
                    "starts_at": slot.starts,
                    "ends_at": slot.ends,
                    "confirmed_by_id": confirmer.id,
                    "confirmed_at": confirmed,
                },
                offer,
            )
        )

    def timeline(self, slot: Slot | None) -> Timeline:
        """From the request's creation to whichever comes first: the appointment or now."""
        limit = self.now - timedelta(minutes=10)
        if slot is not None:
            limit = min(limit, slot.anchor - timedelta(hours=2))
        lead = timedelta(days=self.rng.uniform(1.5, 21))
        return Timeline((limit - lead).replace(microsecond=0), limit, self.rng)

    def open_history(self, plan: Planned, tl: Timeline, coordinator: User, member: User | None) -> None:
        """Creation and publication: by a coordinator directly, or taken on from an initiative."""
        created = tl.current
        plan.request.created_at = created
        if member is not None:
            plan.events.append((None, S.SUBMITTED, member, created, None))
            plan.events.append((S.SUBMITTED, S.OPEN, coordinator, tl.after(30, 2 * 24 * 60), None))
        elif self.rng.random() < 0.4:
            plan.events.append((None, S.DRAFT, coordinator, created, None))
            plan.events.append((S.DRAFT, S.OPEN, coordinator, tl.after(10, 24 * 60), None))
        else:
            plan.events.append((None, S.OPEN, coordinator, created, None))
        if plan.request.created_by_id is None:
            plan.request.created_by_id = coordinator.id

    def offer(
        self,
        plan: Planned,
        helper: DemoHelper,
        sent: datetime,
        status: OfferStatus,
        coordinator: User,
        answered: datetime | None = None,
        expires: datetime | None = None,
    ) -> Offer:
        anchor = plan.request.starts_at or local_to_utc(plan.request.due_on, time(12, 0))
        offer = Offer(
            helper=helper.profile,
            status=status,
            sent_by_id=coordinator.id,
            created_at=sent,
            answered_at=answered,
            # Answer-by times are quarter hours, as offers.sending sets them.
            expires_at=round_up_to_quarter_hour(
                expires or min(sent + timedelta(hours=48), anchor - timedelta(hours=1))
            ),
            decline_reason=self.rng.choice(content.DECLINE_REASONS)
            if status == OfferStatus.DECLINED
            else None,
        )
        plan.request.offers.append(offer)
        plan.offered.append(helper)
        return offer

    def side_offers(
        self, plan: Planned, shape: Shape, slot: Slot, tl: Timeline, coordinator, exclude
    ) -> None:
        """Earlier offers that came to nothing: declined or left to expire."""
        if self.rng.random() >= 0.45:
            return
        others = self.scheduler.eligible(shape, slot, exclude=(*exclude, *plan.offered))
        for helper in self.rng.sample(others, min(len(others), self.rng.randint(1, 2))):
            sent = tl.after(10, 180)
            if self.rng.random() < 0.65:
                self.offer(
                    plan, helper, sent, OfferStatus.DECLINED, coordinator, answered=tl.after(20, 20 * 60)
                )
            else:
                expires = tl.after(24 * 60, 48 * 60)
                self.offer(plan, helper, sent, OfferStatus.EXPIRED, coordinator, expires=expires)

    def fill(
        self,
        plan: Planned,
        shape: Shape,
        slot: Slot,
        helpers: list[DemoHelper],
        tl: Timeline,
        coordinator: User,
        keep_free: list[DemoHelper] = (),
    ) -> list[Offer]:
        """Offers out, acceptances in, confirmation: the request becomes filled.

        ``keep_free`` are helpers the story needs later for this request; they get no offer now.
        """
        rng = self.rng
        self.side_offers(plan, shape, slot, tl, coordinator, exclude=(*helpers, *keep_free))
        first_sent = tl.after(5, 120)
        plan.events.append((S.OPEN, S.OFFERED, coordinator, first_sent, None))
        accepted = []
        for helper in helpers:
            sent = first_sent if not accepted else tl.after(0, 30)
            offer = self.offer(plan, helper, sent, OfferStatus.ACCEPTED, coordinator)
            offer.answered_at = tl.after(15, 18 * 60)
            accepted.append(offer)
        spares = []
        if rng.random() < 0.3:
            # A parallel offer still unanswered when the seats were taken is withdrawn.
            for spare in self.scheduler.candidates(
                shape, slot, exclude=(*helpers, *keep_free, *plan.offered)
            )[:1]:
                spares.append(self.offer(plan, spare, first_sent, OfferStatus.WITHDRAWN, coordinator))
        first_accept = shape.fill_mode == FillMode.FIRST_TO_ACCEPT
        confirmed = accepted[-1].answered_at if first_accept else tl.after(10, 6 * 60)
        plan.events.append(
            (S.OFFERED, S.FILLED, helpers[-1].user if first_accept else coordinator, confirmed, None)
        )
        for offer in spares:
            offer.answered_at = confirmed  # withdrawn the moment the request filled
        for seat, (helper, offer) in enumerate(zip(helpers, accepted, strict=True), start=1):
            self.scheduler.reserve(helper, shape, slot)
            plan.assignments.append(
                (
                    {
                        "helper": helper,
                        "seat": seat,
                        "status": AssignmentStatus.CONFIRMED,
                        "starts_at": slot.starts,
                        "ends_at": slot.ends,
                        # With "first to accept", the helper's own yes confirms the assignment.
                        "confirmed_by_id": helper.user.id if first_accept else coordinator.id,
                        "confirmed_at": offer.answered_at if first_accept else confirmed,
                    },
                    offer,
                )
            )
        return accepted

    def report(self, plan: Planned, shape: Shape, slot: Slot, fields: dict, approve: bool | None) -> datetime:
        """What the helper reports afterwards, and the coordinator's approval."""
        rng, helper = self.rng, fields["helper"]
        if shape.kind == K.WRITTEN:
            reported = slot.anchor - timedelta(hours=rng.uniform(2, 60))
            reported = max(reported, fields["confirmed_at"] + timedelta(hours=3))
            fields["actual_minutes"] = rng.randint(6, 24) * 10
            fields["report_note"] = rng.choice(content.WRITTEN_REPORT_NOTES)
        else:
            reported = slot.ends + timedelta(hours=rng.uniform(1, 72))
            fields["actual_minutes"] = max(15, shape.duration + rng.choice((-15, 0, 0, 0, 15, 30)))
            fields["report_note"] = rng.choice(content.REPORT_NOTES)
        reported = min(reported, self.now - timedelta(minutes=30)).replace(microsecond=0)
        if shape.kind in IN_PERSON:
            km = road_km(helper.home, shape.client.town)
            fields["travel_km"] = 2 * km if km else rng.randint(2, 8)
        else:
            fields["travel_km"] = 0
        fields["status"] = AssignmentStatus.COMPLETED
        fields["reported_at"] = reported
        approved = reported + timedelta(days=rng.uniform(1, 9))
        # Drawn either way, so that the random sequence never depends on the clock.
        approver = rng.choice(self.cast.coordinators)
        if approve is None:
            approve = approved < self.now - timedelta(hours=1)
        if approve:
            fields["approved_at"] = min(approved, self.now - timedelta(hours=1)).replace(microsecond=0)
            fields["approved_by_id"] = approver.id
        return reported
