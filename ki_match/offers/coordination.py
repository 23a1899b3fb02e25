"""The coordinator's side of offers, on the request page: send, confirm, withdraw; move,
call off or close a request; no-shows and approving reported hours.

The request page (``templates/requests/show.html``) draws two blocks of ours:
``offers`` (the people asked and where each stands; it refreshes itself while
answers are outstanding) and ``request_lifecycle`` (reschedule, cancel, mark
completed). Both get their data from the template globals below, so the
request page's own view needs to know nothing about them, and every view here
answers htmx with the block it targets and everything else with a full page or
a 303 back to the request page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.clock import local_parts, utcnow
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.offers import queries, services
from ki_match.offers.forms import ActionForm, CancelForm, RescheduleForm, SendOffersForm
from ki_match.offers.labels import ASSIGNMENT_LABELS, OFFER_LABELS
from ki_match.offers.services import OfferError
from ki_match.orgs.queries import current_ki
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from ki_match.requests.services import ACCEPTING, can_transition

bp = Blueprint("coordination", __name__)

STAFF = (Role.COORDINATOR, Role.ADMIN)
REQUEST_PAGE = "requests/show.html"
# How often the offers block asks for news while answers are outstanding.
POLL_SECONDS = 20


# --- loading and authorising ----------------------------------------------------------------


def get_request(request_id: int) -> HelpRequest:
    """The request page's own load-or-404: a request of the current KI."""
    from ki_match.requests.views import get_request as load

    return load(request_id)


def get_offer(offer_id: int) -> Offer:
    offer = queries.offer_in_ki(current_ki(), offer_id)
    if offer is None:
        abort(404)
    return offer


def get_assignment(assignment_id: int) -> Assignment:
    assignment = queries.assignment_in_ki(current_ki(), assignment_id)
    if assignment is None:
        abort(404)
    return assignment


def _actor():
    return current_user._get_current_object()


# --- what the offers block shows -------------------------------------------------------------


@dataclass
class OfferRow:
    """One person asked (or confirmed) for the request, and what the coordinator can do next."""

    offer: Offer | None
    assignment: Assignment | None
    can_confirm: bool = False
    can_withdraw: bool = False
    can_mark_no_show: bool = False
    can_approve: bool = False

    @property
    def helper(self):
        return (self.assignment or self.offer).helper

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
    rows: list[OfferRow] = field(default_factory=list)
    seats_taken: int = 0

    @property
    def polling(self) -> bool:
        """Refresh only while someone may still answer."""
        return self.req.status in ACCEPTING and any(
            row.assignment is None and row.offer.status == OfferStatus.PENDING for row in self.rows
        )

    @property
    def accepted_waiting(self) -> int:
        return sum(1 for row in self.rows if row.can_confirm)


def offer_board(req: HelpRequest) -> OfferBoard:
    """Everyone asked or confirmed for ``req``, in the order they were asked, with their actions."""
    now = utcnow()
    offers = queries.offers_for_request(req)
    assignments = queries.assignments_for_request(req)
    by_offer = {a.offer_id: a for a in assignments if a.offer_id is not None}
    rows = [OfferRow(offer, by_offer.get(offer.id)) for offer in offers]
    listed = {offer.id for offer in offers}
    rows += [OfferRow(None, a) for a in assignments if a.offer_id is None or a.offer_id not in listed]
    seeking = req.status in ACCEPTING
    for row in rows:
        assignment, offer = row.assignment, row.offer
        if assignment is None:
            row.can_confirm = seeking and offer.status == OfferStatus.ACCEPTED
            row.can_withdraw = offer.status in (OfferStatus.PENDING, OfferStatus.ACCEPTED) and seeking
        else:
            started = assignment.starts_at is None or assignment.starts_at <= now
            row.can_mark_no_show = (
                started
                and assignment.status in (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED)
                and assignment.reported_at is None
            )
            row.can_approve = assignment.reported_at is not None and assignment.approved_at is None
    holding = {AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW}
    return OfferBoard(req=req, rows=rows, seats_taken=sum(1 for a in assignments if a.status in holding))


# --- what the lifecycle block shows ----------------------------------------------------------


def reschedule_form(req: HelpRequest, *, submitted: bool = False) -> RescheduleForm:
    written = req.kind == RequestKind.WRITTEN
    if submitted:
        return RescheduleForm(written=written, prefix="reschedule")
    day, start = local_parts(req.starts_at)
    return RescheduleForm(
        formdata=None,
        written=written,
        prefix="reschedule",
        day=day,
        start=start,
        duration_minutes=req.duration_minutes,
        due_on=req.due_on,
    )


@dataclass
class Lifecycle:
    req: HelpRequest
    reschedule_form: RescheduleForm
    cancel_form: CancelForm
    message: str | None = None
    open: str | None = None  # the part to show unfolded (the one whose form was just refused)

    @property
    def can_reschedule(self) -> bool:
        return self.req.status in services.RESCHEDULABLE

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


def lifecycle(req: HelpRequest, **forms) -> Lifecycle:
    return Lifecycle(
        req=req,
        reschedule_form=forms.get("reschedule_form") or reschedule_form(req),
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None, prefix="cancel"),
        message=forms.get("message"),
        open=forms.get("open"),
    )


bp.add_app_template_global(offer_board, name="offer_board")
bp.add_app_template_global(lifecycle, name="lifecycle_of")
bp.add_app_template_global(POLL_SECONDS, name="offers_poll_seconds")


# --- answering ----------------------------------------------------------------------------


def _request_page(help_request: HelpRequest, *, status: int = 200, **extra):
    """The whole request page, for answers without htmx that must show something in place."""
    from ki_match.requests.views import _page_context

    return render(REQUEST_PAGE, status=status, **{**_page_context(help_request), **extra})


def _back(help_request: HelpRequest, anchor: str = "offers") -> str:
    return url_for("requests.show", request_id=help_request.id, _anchor=anchor)


def _offers_answer(
    help_request: HelpRequest, message: str, *, failed: bool = False, status: int | None = None
):
    """The offers block with the outcome announced in it; without htmx, back to the request page."""
    if not wants_block("offers"):
        flash(message, "error" if failed else "success")
        return redirect_to(_back(help_request))
    db.session.expire_all()  # a failed rule rolled back; read what is true now
    help_request = get_request(help_request.id)
    response = render(
        REQUEST_PAGE,
        "offers",
        status=status or (409 if failed else 200),
        req=help_request,
        offers_message=message,
        offers_failed=failed,
    )
    if not failed:
        # The candidate list marks who was asked; it reloads itself on this event.
        response.headers["HX-Trigger"] = "offers-changed"
    return response


# --- sending ----------------------------------------------------------------------------------


def _sent_message(result: services.SendResult) -> str:
    parts = []
    if result.sent:
        names = ", ".join(offer.helper.user.display_name for offer in result.sent)
        parts.append(
            ngettext(
                "Anfrage an %(names)s verschickt.",
                "Anfragen verschickt an %(names)s.",
                len(result.sent),
                names=names,
            )
        )
    if result.already_offered:
        names = ", ".join(profile.user.display_name for profile in result.already_offered)
        parts.append(_("Schon angefragt, nicht noch einmal: %(names)s.", names=names))
    if result.not_allowed:
        names = ", ".join(profile.user.display_name for profile in result.not_allowed)
        parts.append(
            _("Nicht angefragt, weil sie zurzeit keine Anfragen bekommen dürfen: %(names)s.", names=names)
        )
    return " ".join(parts) or _("Niemand angefragt.")


@roles(*STAFF)
def send(request_id: int):
    """Offers to the ticked candidates (registered as ``offers.send``, the request page's form action)."""
    help_request = get_request(request_id)
    form = SendOffersForm()
    if not form.validate_on_submit():
        message = " ".join(str(error) for error in form.helper_ids.errors) or _(
            "Bitte noch einmal versuchen."
        )
        if wants_block("offers"):
            return _offers_answer(help_request, message, failed=True, status=422)
        flash(message, "error")
        return _request_page(help_request, status=422)
    try:
        result = services.send_offers(help_request.id, form.helper_ids.data, _actor())
    except OfferError as error:
        return _offers_answer(help_request, str(error), failed=True)
    return _offers_answer(help_request, _sent_message(result), failed=not result.sent, status=200)


@bp.route("/requests/<int:request_id>/offers")
@roles(*STAFF)
def offers(request_id: int):
    """The offers block alone, for its own refresh; the whole request page otherwise."""
    help_request = get_request(request_id)
    if wants_block("offers"):
        return render(REQUEST_PAGE, "offers", req=help_request)
    return redirect_to(_back(help_request))


@bp.route("/requests/offers/<int:offer_id>/confirm", methods=["POST"])
@roles(*STAFF)
def confirm(offer_id: int):
    """Confirm an accepted offer. Losing a race to another coordinator is a 409 with the reason."""
    offer = get_offer(offer_id)
    help_request, name = offer.request, offer.helper.user.display_name
    ActionForm().validate_on_submit()  # the token only; CSRFProtect has already checked it
    try:
        services.confirm_offer(offer.id, _actor())
    except OfferError as error:
        return _offers_answer(help_request, str(error), failed=True)
    return _offers_answer(help_request, _("%(name)s ist bestätigt.", name=name))


@bp.route("/requests/offers/<int:offer_id>/withdraw", methods=["POST"])
@roles(*STAFF)
def withdraw(offer_id: int):
    offer = get_offer(offer_id)
    help_request, name = offer.request, offer.helper.user.display_name
    ActionForm().validate_on_submit()
    try:
        services.withdraw_offer(offer.id, _actor())
    except OfferError as error:
        return _offers_answer(help_request, str(error), failed=True)
    return _offers_answer(help_request, _("Die Anfrage an %(name)s ist zurückgezogen.", name=name))


@bp.route("/requests/assignments/<int:assignment_id>/no-show", methods=["POST"])
@roles(*STAFF)
def no_show(assignment_id: int):
    assignment = get_assignment(assignment_id)
    help_request, name = assignment.request, assignment.helper.user.display_name
    ActionForm().validate_on_submit()
    try:
        services.mark_no_show(assignment.id, _actor())
    except OfferError as error:
        return _offers_answer(help_request, str(error), failed=True)
    return _offers_answer(help_request, _("Vermerkt: %(name)s ist nicht erschienen.", name=name))


# --- reported hours ---------------------------------------------------------------------------


@bp.route("/requests/approvals")
@roles(*STAFF)
def approvals():
    """Reported hours and kilometres waiting for a coordinator's approval."""
    reports = queries.reports_awaiting_approval(current_ki())
    response = render(
        "offers/approvals.html",
        "approval_list",
        reports=reports,
        message=None,
        failed=False,
    )
    db.session.commit()
    return response


@bp.route("/requests/assignments/<int:assignment_id>/approve", methods=["POST"])
@roles(*STAFF)
def approve(assignment_id: int):
    """Approve from the approvals list (its list block swaps) or from the request page (its offers block)."""
    assignment = get_assignment(assignment_id)
    help_request, name = assignment.request, assignment.helper.user.display_name
    ActionForm().validate_on_submit()
    try:
        services.approve_report(assignment.id, _actor())
    except OfferError as error:
        message, failed = str(error), True
    else:
        message, failed = _("Die Angaben von %(name)s sind bestätigt.", name=name), False
    if request.form.get("back") != "approvals":
        return _offers_answer(help_request, message, failed=failed)
    if not wants_block("approval_list"):
        flash(message, "error" if failed else "success")
        return redirect_to(url_for("coordination.approvals"))
    return render(
        "offers/approvals.html",
        "approval_list",
        status=409 if failed else 200,
        reports=queries.reports_awaiting_approval(current_ki()),
        message=message,
        failed=failed,
    )


# --- the request's lifecycle ------------------------------------------------------------------


def _lifecycle_answer(help_request: HelpRequest, status: int, **forms):
    """The lifecycle block again (errors, or why the rule refused), or the whole page without htmx."""
    if wants_block("request_lifecycle"):
        return render(
            REQUEST_PAGE,
            "request_lifecycle",
            status=status,
            req=help_request,
            lifecycle=lifecycle(help_request, **forms),
        )
    return _request_page(help_request, status=status, lifecycle=lifecycle(help_request, **forms))


def _done(help_request: HelpRequest, message: str, warnings=()):
    flash(message, "success")
    for name, reason in warnings:
        flash(_("Bitte prüfen: %(name)s – %(reason)s.", name=name, reason=reason), "error")
    return redirect_to(url_for("requests.show", request_id=help_request.id))


@bp.route("/requests/<int:request_id>/reschedule", methods=["POST"])
@roles(*STAFF)
def reschedule(request_id: int):
    help_request = get_request(request_id)
    form = reschedule_form(help_request, submitted=True)
    if not form.validate_on_submit():
        return _lifecycle_answer(help_request, 422, reschedule_form=form)
    try:
        result = services.reschedule(
            help_request.id,
            form.starts_at,
            form.duration_minutes.data,
            _actor(),
            new_due_on=form.due_on.data,
        )
    except OfferError as error:
        db.session.expire_all()
        return _lifecycle_answer(
            get_request(request_id), 409, reschedule_form=form, message=str(error), open="reschedule"
        )
    if not result.changed:
        return _done(help_request, _("Der Termin ist unverändert."))
    return _done(
        help_request,
        _("Der neue Termin ist gespeichert. Alle Beteiligten werden benachrichtigt."),
        result.warnings,
    )


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@roles(*STAFF)
def cancel(request_id: int):
    help_request = get_request(request_id)
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _lifecycle_answer(help_request, 422, cancel_form=form)
    try:
        services.cancel_request(help_request.id, _actor(), form.reason.data)
    except OfferError as error:
        db.session.expire_all()
        return _lifecycle_answer(
            get_request(request_id), 409, cancel_form=form, message=str(error), open="cancel"
        )
    return _done(help_request, _("Die Anfrage ist abgesagt. Alle Beteiligten werden benachrichtigt."))


@bp.route("/requests/<int:request_id>/complete", methods=["POST"])
@roles(*STAFF)
def complete(request_id: int):
    help_request = get_request(request_id)
    ActionForm().validate_on_submit()
    try:
        services.mark_completed(help_request.id, _actor())
    except OfferError as error:
        db.session.expire_all()
        return _lifecycle_answer(get_request(request_id), 409, message=str(error))
    return _done(help_request, _("Die Anfrage ist erledigt. Die Helfenden werden um ihre Stunden gebeten."))
