"""What coordinators do with the people asked for a request: send offers, confirm, withdraw, record a
no-show, approve reported hours (also from the list of hours waiting for approval).

Each answers htmx with the request page's ``offers`` block (the outcome announced in it) and the
page's other state regions (``request_page.state_answer``), and everything else with a 303 back to
the request page.
"""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ki_match.access import roles
from ki_match.assignments import queries as assignment_queries
from ki_match.assignments.loaders import get_assignment
from ki_match.assignments.services import approve_report
from ki_match.assignments.signoff import mismatch
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.request_page import request_page, state_answer
from ki_match.desk.request_parts import confirm_form, offer_board
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.matching.pool import name_for
from ki_match.offers.confirming import confirm_offer as confirm_rule
from ki_match.offers.forms import ActionForm, SendOffersForm
from ki_match.offers.loaders import get_offer
from ki_match.offers.rules import ReasonNeeded
from ki_match.offers.sending import SendResult
from ki_match.offers.sending import send_offers as send_rule
from ki_match.offers.sending import withdraw_offer as withdraw_rule
from ki_match.orgs.queries import current_ki
from ki_match.requests import lifecycle
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.loaders import get_request
from ki_match.requests.models import HelpRequest
from ki_match.statements.queries import over_limit_warnings

PAGE = "requests/show.html"


def _back(help_request: HelpRequest, anchor: str = "offers") -> str:
    return url_for("requests.show", request_id=help_request.id, _anchor=anchor)


def offers_answer(
    help_request: HelpRequest, message: str, *, failed: bool = False, status: int | None = None
):
    """The offers block with the outcome announced in it, and the page's other state regions with
    it; without htmx, back to the request page."""
    if not wants_block("offers"):
        flash(message, "error" if failed else "success")
        return redirect_to(_back(help_request))
    db.session.expire_all()  # a failed rule rolled back; read what is true now
    help_request = get_request(help_request.id)
    return state_answer(
        help_request,
        "offers",
        status=status or (409 if failed else 200),
        changed=not failed,
        offers_message=message,
        offers_failed=failed,
    )


def _names(ki_id: int, profiles) -> str:
    return ", ".join(name_for(ki_id, profile) for profile in profiles)


def _sent_message(ki_id: int, result: SendResult) -> str:
    parts = []
    if result.sent:
        names = _names(ki_id, (offer.helper for offer in result.sent))
        parts.append(
            ngettext(
                "Anfrage an %(names)s verschickt.",
                "Anfragen verschickt an %(names)s.",
                len(result.sent),
                names=names,
            )
        )
    if result.already_offered:
        parts.append(
            _("Schon angefragt, nicht noch einmal: %(names)s.", names=_names(ki_id, result.already_offered))
        )
    if result.not_allowed:
        parts.append(
            _(
                "Nicht angefragt, weil sie zurzeit keine Anfragen bekommen dürfen: %(names)s.",
                names=_names(ki_id, result.not_allowed),
            )
        )
    return " ".join(parts) or _("Niemand angefragt.")


@bp.route("/<int:request_id>/offers", methods=["POST"])
@roles(*STAFF)
def send_offers(request_id: int):
    """Offers to the ticked candidates (the request page's candidate form)."""
    help_request = get_request(request_id)
    form = SendOffersForm()
    if not form.validate_on_submit():
        message = " ".join(str(error) for error in form.helper_ids.errors) or _(
            "Bitte noch einmal versuchen."
        )
        if wants_block("offers"):
            return offers_answer(help_request, message, failed=True, status=422)
        flash(message, "error")
        return request_page(help_request, status=422)
    try:
        result = send_rule(help_request.id, form.helper_ids.data, actor())
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(
        help_request, _sent_message(help_request.ki_id, result), failed=not result.sent, status=200
    )


@bp.route("/<int:request_id>/offers")
@roles(*STAFF)
def offers(request_id: int):
    """The offers block for its own refresh (with the other state regions: an answer can fill the
    request); the whole request page otherwise."""
    help_request = get_request(request_id)
    if wants_block("offers"):
        return state_answer(help_request, "offers", changed=False)
    return redirect_to(_back(help_request))


def _act(help_request: HelpRequest, rule, done: str):
    """Run one rule on a row of the offers block and answer with the block."""
    ActionForm().validate_on_submit()  # the token only; CSRFProtect has already checked it
    try:
        rule()
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(help_request, done)


@bp.route("/offers/<int:offer_id>/confirm", methods=["POST"])
@roles(*STAFF)
def confirm_offer(offer_id: int):
    """Confirm an accepted offer; a helper who fails a safeguarding gate with the reason for the
    exception (``offers.confirming.confirm_offer``). Losing a race to another coordinator is a 409
    with the reason; a missing reason a 422 with the offers block, the message next to the field."""
    offer = get_offer(offer_id)
    help_request, name = offer.request, offer.helper.user.display_name
    form = confirm_form(offer, formdata=request.form)
    form.validate_on_submit()  # the reason's length; CSRFProtect has already checked the token
    if form.reason.errors:
        return _reason_again(help_request, offer.id, form)
    try:
        confirm_rule(offer.id, actor(), form.reason.data)
    except ReasonNeeded as error:
        form.reason.errors = [str(error)]
        return _reason_again(help_request, offer.id, form)
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(help_request, _("%(name)s ist bestätigt.", name=name))


def _reason_again(help_request: HelpRequest, offer_id: int, form):
    """The offers block with the reason's form as typed (``offers_again``)."""

    def typed(row) -> None:
        if row.offer is not None and row.offer.id == offer_id and row.confirm_form is not None:
            row.confirm_form = form

    return offers_again(help_request.id, typed)


def offers_again(request_id: int, typed):
    """The offers block (the whole page without htmx) with one row's form as sent (``typed(row)``
    puts it back in its row), its messages next to the fields and the form's summary announcing
    them: 422, nothing else changed."""
    db.session.expire_all()
    help_request = get_request(request_id)
    board = offer_board(help_request)
    for row in board.rows:
        typed(row)
    if not wants_block("offers"):
        return request_page(help_request, status=422, board=board)
    return state_answer(help_request, "offers", status=422, changed=False, board=board)


@bp.route("/offers/<int:offer_id>/withdraw", methods=["POST"])
@roles(*STAFF)
def withdraw_offer(offer_id: int):
    offer = get_offer(offer_id)
    name = name_for(offer.request.ki_id, offer.helper, offer=offer)
    done = _("Die Anfrage an %(name)s ist zurückgezogen.", name=name)
    return _act(offer.request, lambda: withdraw_rule(offer.id, actor()), done)


@bp.route("/assignments/<int:assignment_id>/no-show", methods=["POST"])
@roles(*STAFF)
def no_show(assignment_id: int):
    assignment = get_assignment(assignment_id)
    done = _("Vermerkt: %(name)s ist nicht erschienen.", name=assignment.helper.user.display_name)
    return _act(assignment.request, lambda: lifecycle.no_show(assignment.id, actor()), done)


# --- reported hours -----------------------------------------------------------------------------


def _approvals(*, status: int = 200, message: str | None = None, failed: bool = False):
    reports = assignment_queries.reports_awaiting_approval(current_ki())
    return render(
        "requests/approvals.html",
        "approval_list",
        status=status,
        reports=reports,
        limit_warnings=over_limit_warnings(reports),
        signoffs=assignment_queries.signoffs_of(assignment.id for assignment in reports),
        mismatch=mismatch,
        message=message,
        failed=failed,
    )


@bp.route("/approvals")
@roles(*STAFF)
def approvals():
    """Reported hours and kilometres waiting for a coordinator's approval."""
    response = _approvals()
    db.session.commit()
    return response


@bp.route("/assignments/<int:assignment_id>/approve", methods=["POST"])
@roles(*STAFF)
def approve_hours(assignment_id: int):
    """Approve from the approvals list (its list block swaps) or from the request page (its offers block)."""
    assignment = get_assignment(assignment_id)
    help_request, name = assignment.request, assignment.helper.user.display_name
    if request.form.get("back") != "approvals":
        return _act(help_request, lambda: approve_report(assignment.id, actor()), _approved(name))
    ActionForm().validate_on_submit()
    try:
        approve_report(assignment.id, actor())
    except RequestError as error:
        message, failed = str(error), True
    else:
        message, failed = _approved(name), False
    if not wants_block("approval_list"):
        flash(message, "error" if failed else "success")
        return redirect_to(url_for("requests.approvals"))
    return _approvals(status=409 if failed else 200, message=message, failed=failed)


def _approved(name: str) -> str:
    return _("Die Angaben von %(name)s sind bestätigt.", name=name)
