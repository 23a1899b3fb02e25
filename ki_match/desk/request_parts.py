"""What the request page's live parts show, built for its views: who was asked and where each stands
(``OfferBoard``), moving or ending the request (``Lifecycle``), and an organisation's request
(``SubmittedPanel``). Each is drawn by a block of ``templates/requests/show.html``; the page and
every action that answers with that block build it here, so the block says the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_wtf import FlaskForm

from ki_match.accounts.forms import ConfirmForm
from ki_match.assignments.feedback import open_for_feedback
from ki_match.assignments.forms import FeedbackForm, SignOffForm, feedback_form_for, signoff_form_for
from ki_match.assignments.models import Feedback, Side, SignOff
from ki_match.assignments.queries import feedback_on, signoffs_of
from ki_match.assignments.signoff import mismatch, signable
from ki_match.clock import utcnow
from ki_match.helpers.models import HelperProfile
from ki_match.initiatives import queries as initiative_queries
from ki_match.initiatives.forms import AskForm, DeclineForm, ShareContactForm
from ki_match.initiatives.services import HELPER_CONFIRMED, confirmed_helpers
from ki_match.matching.engine import Failure
from ki_match.matching.pool import Sight, shown_name, sight
from ki_match.matching.services import safeguarding_failures
from ki_match.offers.confirming import never_confirmed, withdrawn_by_confirming
from ki_match.offers.forms import ConfirmOfferForm
from ki_match.requests.forms import CancelForm, RescheduleForm
from ki_match.requests.labels import ASSIGNMENT_LABELS, OFFER_LABELS
from ki_match.requests.lifecycle import ACCEPTING, RESCHEDULABLE, can_transition
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)
from ki_match.requests.queries import rows_of
from ki_match.statements.limits import LimitUse
from ki_match.statements.queries import over_limit_warnings
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.queries import current_checks

HOLDING = frozenset({AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW})
# Offers still out: asked and not answered, or accepted and not confirmed (``requests.queries.open_offers``).
OUT = frozenset({OfferStatus.PENDING, OfferStatus.ACCEPTED})


# --- who was asked ------------------------------------------------------------------------------


@dataclass
class OfferRow:
    """One person asked (or confirmed) for the request, and what the coordinator can do next."""

    offer: Offer | None
    assignment: Assignment | None
    can_confirm: bool = False
    can_withdraw: bool = False
    can_mark_no_show: bool = False
    can_approve: bool = False
    # How many other people's offers confirming this one withdraws (it takes the last seat).
    withdraws_others: int = 0
    # The safeguarding rules a confirmable helper fails now, and the form for the exception's reason.
    gates: list[Failure] = field(default_factory=list)
    confirm_form: ConfirmOfferForm | None = None
    # Approving the reported hours takes the helper over her yearly limit (``statements``).
    limit_warning: LimitUse | None = None
    # "Kommen Sie morgen?" about the assignment's present start, once asked.
    day_before: DayBeforeCheck | None = None
    # The requester's sign-off beside the hours report (``assignments.signoff``), where the two
    # disagree, and for the KI's own request the form to give or change it.
    signoff: SignOff | None = None
    mismatch: str | None = None
    signoff_form: SignOffForm | None = None
    # Both sides' feedback (``assignments.feedback``): for the coordinators' eyes only; for the
    # KI's own request the form of the requester's side (the coordinators are the requester).
    feedback: list[Feedback] = field(default_factory=list)
    feedback_form: FeedbackForm | None = None

    @property
    def never_confirmed(self) -> Failure | None:
        """The failed rule no reason sets aside (the police certificate): no confirm button."""
        return never_confirmed(self.gates)

    @property
    def helper(self):
        return (self.assignment or self.offer).helper

    @property
    def sight(self) -> Sight:
        """How much of the helper the request's KI sees (another KI's helper: ``matching.pool``)."""
        viewer = (self.assignment or self.offer).request.ki_id
        return sight(viewer, self.helper, offer=self.offer, assignment=self.assignment)

    @property
    def name(self) -> str:
        return shown_name(self.sight, self.helper.user.display_name)

    @property
    def key(self) -> str:
        return f"a{self.assignment.id}" if self.assignment else f"o{self.offer.id}"

    @property
    def label(self) -> str:
        if self.assignment is not None:
            return str(ASSIGNMENT_LABELS[self.assignment.status])
        return str(OFFER_LABELS[self.offer.status])

    @property
    def state(self) -> str:
        """A CSS-friendly name of where this person stands."""
        if self.assignment is not None:
            return f"assignment-{self.assignment.status.value}"
        return f"offer-{self.offer.status.value}"


@dataclass
class OfferBoard:
    req: HelpRequest
    poll_seconds: int
    rows: list[OfferRow] = field(default_factory=list)
    seats_taken: int = 0

    @property
    def offer_states(self) -> dict[int, OfferStatus]:
        """helper id → status of the offer the request sent them (``requests.queries.offer_states``
        from the rows the board has already read)."""
        return {row.offer.helper_id: row.offer.status for row in self.rows if row.offer is not None}

    @property
    def polling(self) -> bool:
        """Refresh only while someone may still answer."""
        return self.req.status in ACCEPTING and any(
            row.assignment is None and row.offer.status == OfferStatus.PENDING for row in self.rows
        )


def _actions(row: OfferRow, seeking: bool, now) -> OfferRow:
    assignment, offer = row.assignment, row.offer
    if assignment is None:
        row.can_confirm = seeking and offer.status == OfferStatus.ACCEPTED
        row.can_withdraw = seeking and offer.status in (OfferStatus.PENDING, OfferStatus.ACCEPTED)
    else:
        started = assignment.starts_at is None or assignment.starts_at <= now
        row.can_mark_no_show = (
            started
            and assignment.status in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED)
            and assignment.reported_at is None
        )
        row.can_approve = assignment.reported_at is not None and assignment.approved_at is None
        if row.can_approve:
            row.limit_warning = over_limit_warnings([assignment]).get(assignment.id)
    return row


def _warn_before_confirming(req: HelpRequest, rows: list[OfferRow], seats_taken: int) -> None:
    """Each confirmable row learns how many other offers its confirmation would withdraw
    (``offers.confirming``: the request fills, and every offer still out is withdrawn), and which
    safeguarding rules its helper fails now (confirming them needs a reason, or is refused)."""
    still_out = [row for row in rows if row.assignment is None and row.offer.status in OUT]
    for row in rows:
        if row.can_confirm:
            row.withdraws_others = withdrawn_by_confirming(req, seats_taken, len(still_out) - 1)
            row.gates = safeguarding_failures(req, row.helper)
            if row.gates and not row.never_confirmed:
                row.confirm_form = confirm_form(row.offer)


def _beside_the_hours(req: HelpRequest, rows: list[OfferRow], now) -> None:
    """Each assignment's sign-off, and whether it and the hours report disagree; the KI's own
    request (its coordinators are the requester) gets the forms to give or change the sign-off
    and the requester's feedback; and both sides' feedback."""
    assignment_ids = [row.assignment.id for row in rows if row.assignment is not None]
    signoffs = signoffs_of(assignment_ids)
    feedback = feedback_on(assignment_ids)
    for row in rows:
        if row.assignment is None:
            continue
        row.feedback = [f for f in feedback if f.assignment_id == row.assignment.id]
        row.signoff = signoffs.get(row.assignment.id)
        row.mismatch = mismatch(row.assignment, row.signoff)
        if req.organisation_id is None and signable(row.assignment, now):
            row.signoff_form = signoff_form_for(row.assignment.id, row.signoff)
        if req.organisation_id is None and open_for_feedback(row.assignment):
            own = next((f for f in row.feedback if f.side == Side.REQUESTER), None)
            row.feedback_form = feedback_form_for(row.assignment.id, own, side=Side.REQUESTER)


def confirm_form(offer: Offer, formdata=None) -> ConfirmOfferForm:
    """The reason's form of one confirmable row (each row's fields have ids of their own)."""
    return ConfirmOfferForm(prefix=f"confirm-{offer.id}", formdata=formdata)


def _day_before_shown(check: DayBeforeCheck | None, now) -> DayBeforeCheck | None:
    """The answer "kommt" stays; a question still open only while the assignment lies ahead."""
    if check is None or check.confirmed_at is not None:
        return check
    assignment = check.assignment
    pending = check.declined_at is None and assignment.status == AssignmentStatus.CONFIRMED
    return check if pending and assignment.starts_at > now else None


def offer_board(req: HelpRequest) -> OfferBoard:
    """Everyone asked or confirmed for ``req``, in the order they were asked, with their actions."""
    offers = rows_of(req, Offer)
    assignments = rows_of(req, Assignment)
    by_offer = {a.offer_id: a for a in assignments if a.offer_id is not None}
    listed = {offer.id for offer in offers}
    rows = [OfferRow(offer, by_offer.get(offer.id)) for offer in offers]
    rows += [OfferRow(None, a) for a in assignments if a.offer_id is None or a.offer_id not in listed]
    seeking, now = req.status in ACCEPTING, utcnow()
    checks = current_checks(assignments)
    for row in rows:
        row.day_before = _day_before_shown(checks.get(row.assignment.id) if row.assignment else None, now)
    rows = [_actions(row, seeking, now) for row in rows]
    seats_taken = sum(1 for a in assignments if a.status in HOLDING)
    _warn_before_confirming(req, rows, seats_taken)
    _beside_the_hours(req, rows, now)
    return OfferBoard(
        req=req,
        rows=rows,
        seats_taken=seats_taken,
        poll_seconds=current_app.config["OFFERS_POLL_SECONDS"],
    )


# --- another time, or the end --------------------------------------------------------------------


@dataclass
class Lifecycle:
    req: HelpRequest
    reschedule_form: RescheduleForm
    cancel_form: CancelForm
    message: str | None = None
    open: str | None = None  # the part to show unfolded (the one whose form was just refused)
    done: bool = False  # ``message`` says what went through (else why it was refused)
    warnings: list[str] = field(default_factory=list)  # what to check after it went through

    @property
    def shown(self) -> bool:
        return self.anything or self.completes_later or bool(self.message)

    @property
    def key(self) -> str:
        """What the block shows, apart from what was typed: it is drawn again when this changes."""
        req = self.req
        parts = (
            req.status.value,
            self.can_reschedule,
            self.can_cancel,
            self.can_complete,
            self.completes_later,
        )
        return " ".join(str(part) for part in (*parts, req.starts_at, req.due_on, req.duration_minutes))

    @property
    def can_reschedule(self) -> bool:
        return self.req.status in RESCHEDULABLE

    @property
    def can_cancel(self) -> bool:
        return can_transition(self.req.status, RequestStatus.CANCELLED)

    @property
    def can_complete(self) -> bool:
        return self.req.status == RequestStatus.FILLED and (
            self.req.starts_at is None or self.req.starts_at <= utcnow()
        )

    @property
    def completes_later(self) -> bool:
        """Filled, but the appointment is still ahead: say when it can be closed."""
        return self.req.status == RequestStatus.FILLED and not self.can_complete

    @property
    def anything(self) -> bool:
        return self.can_reschedule or self.can_cancel or self.can_complete


def lifecycle(
    req: HelpRequest,
    *,
    reschedule: RescheduleForm | None = None,
    cancel: CancelForm | None = None,
    message: str | None = None,
    open: str | None = None,
    done: bool = False,
    warnings: list[str] | None = None,
) -> Lifecycle:
    return Lifecycle(
        req=req,
        reschedule_form=reschedule or RescheduleForm.for_request(req),
        cancel_form=cancel or CancelForm(formdata=None, prefix="cancel"),
        message=message,
        open=open,
        done=done,
        warnings=list(warnings or ()),
    )


# --- a request an organisation sent in ---------------------------------------------------------


@dataclass
class SubmittedPanel:
    submitted_comments: list = field(default_factory=list)
    # None for the KI's own request, whose block draws nothing.
    confirm_form: FlaskForm | None = None
    ask_form: FlaskForm | None = None
    decline_form: FlaskForm | None = None
    contact_form: FlaskForm | None = None
    can_share_contact: bool = False
    # The confirmed helpers, each with whether the organisation sees their contact.
    contacts: list[tuple[HelperProfile, bool]] = field(default_factory=list)
    submitted_message: str | None = None
    key: str = ""  # what the block shows, apart from what was typed: drawn again when it changes
    opened: bool = False  # just taken into matching: the focus goes on to the candidates


def _contacts(req: HelpRequest) -> list[tuple[HelperProfile, bool]]:
    shared = initiative_queries.shared_helper_ids(req)
    return [(helper, helper.id in shared) for helper in confirmed_helpers(req)]


def submitted_panel(
    req: HelpRequest, *, message: str | None = None, opened: bool = False, **forms: FlaskForm
) -> SubmittedPanel:
    """Take over, ask back or decline while it is submitted; the conversation; the helpers' contacts.
    Only a request an organisation sent in has them: for the KI's own, no forms are built."""
    if req.organisation_id is None:
        return SubmittedPanel(submitted_message=message, key="none")
    can_share = req.status in HELPER_CONFIRMED
    comments = initiative_queries.comments(req)
    contacts = _contacts(req) if can_share else []
    return SubmittedPanel(
        submitted_comments=comments,
        confirm_form=forms.get("confirm_form") or ConfirmForm(formdata=None),
        ask_form=forms.get("ask_form") or AskForm(formdata=None),
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None),
        contact_form=forms.get("contact_form") or ShareContactForm(formdata=None),
        can_share_contact=can_share,
        contacts=contacts,
        submitted_message=message,
        opened=opened,
        key=f"{req.status.value} {len(comments)} " + " ".join(f"{h.id}:{shared}" for h, shared in contacts),
    )
