"""What coordinators do to a request as a whole: move it, call it off, close it; and, for one an
organisation sent in, take it over, ask back, decline it, share the helper's contact.

Each answers htmx with its block of the request page (``request_lifecycle`` or
``submitted_actions``) saying what happened or why it was refused, and the page's other state
regions with it (``request_page.state_answer``); without JavaScript, a change that went through goes
back to the request page.
"""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.request_page import request_page, state_answer
from ki_match.desk.request_parts import lifecycle as lifecycle_part
from ki_match.desk.request_parts import submitted_panel
from ki_match.extensions import db
from ki_match.htmx import redirect_to, wants_block
from ki_match.initiatives import contacts
from ki_match.initiatives import services as initiatives
from ki_match.initiatives.forms import AskForm, DeclineForm, ShareContactForm
from ki_match.matching.services import time_warnings
from ki_match.offers.forms import ActionForm
from ki_match.requests import lifecycle
from ki_match.requests.forms import CancelForm, RescheduleForm
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.loaders import get_request
from ki_match.requests.models import HelpRequest

# --- another time, or the end ------------------------------------------------------------------


def _lifecycle_answer(request_id: int, status: int, **forms):
    """The lifecycle block again (errors, or why the rule refused), or the whole page without htmx."""
    db.session.expire_all()  # a refused rule rolled back; show what is true now
    help_request = get_request(request_id)
    life = lifecycle_part(help_request, **forms)
    if wants_block("request_lifecycle"):
        return state_answer(help_request, "request_lifecycle", status=status, changed=False, life=life)
    return request_page(help_request, status=status, life=life)


def _done(help_request: HelpRequest, message: str, warnings=()):
    """What went through: said in the lifecycle block, the page's state with it; without htmx, back to
    the page with the message."""
    checks = [
        _("Bitte prüfen: %(name)s – %(reason)s.", name=name, reason=reason) for name, reason in warnings
    ]
    if wants_block("request_lifecycle"):
        db.session.expire_all()
        help_request = get_request(help_request.id)
        life = lifecycle_part(help_request, message=message, done=True, warnings=checks)
        return state_answer(help_request, "request_lifecycle", life=life)
    flash(message, "success")
    for check in checks:
        flash(check, "error")
    return redirect_to(url_for("requests.show", request_id=help_request.id))


@bp.route("/<int:request_id>/reschedule", methods=["POST"])
@roles(*STAFF)
def reschedule(request_id: int):
    help_request = get_request(request_id)
    form = RescheduleForm.for_request(help_request, submitted=True)
    if not form.validate_on_submit():
        return _lifecycle_answer(request_id, 422, reschedule=form)
    try:
        moved = lifecycle.reschedule(
            help_request.id, form.starts_at, form.duration_minutes.data, actor(), new_due_on=form.due_on.data
        )
    except RequestError as error:
        return _lifecycle_answer(request_id, 409, reschedule=form, message=str(error), open="reschedule")
    if not moved.changed:
        return _done(help_request, _("Der Termin ist unverändert."))
    # Who may no longer fit the new time by their own plan: told, and named here to check.
    warnings = time_warnings(get_request(request_id), moved.helpers)
    return _done(
        help_request, _("Der neue Termin ist gespeichert. Alle Beteiligten werden benachrichtigt."), warnings
    )


@bp.route("/<int:request_id>/cancel", methods=["POST"])
@roles(*STAFF)
def cancel(request_id: int):
    help_request = get_request(request_id)
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _lifecycle_answer(request_id, 422, cancel=form)
    try:
        lifecycle.cancel(help_request.id, actor(), form.reason.data)
    except RequestError as error:
        return _lifecycle_answer(request_id, 409, cancel=form, message=str(error), open="cancel")
    return _done(help_request, _("Die Anfrage ist abgesagt. Alle Beteiligten werden benachrichtigt."))


@bp.route("/<int:request_id>/complete", methods=["POST"])
@roles(*STAFF)
def complete(request_id: int):
    help_request = get_request(request_id)
    ActionForm().validate_on_submit()
    try:
        lifecycle.complete(help_request.id, actor())
    except RequestError as error:
        return _lifecycle_answer(request_id, 409, message=str(error))
    return _done(help_request, _("Die Anfrage ist erledigt. Die Helfenden werden um ihre Stunden gebeten."))


# --- a request an organisation sent in ----------------------------------------------------------


def _submitted_answer(
    request_id: int, *, status: int = 200, message: str | None = None, opened: bool = False, **forms
):
    """The block swapped in place for htmx, the page's state with it (``opened``: the request is open
    for matching now, and the focus goes to its candidates); without JavaScript, back to the page."""
    help_request = get_request(request_id)
    if wants_block("submitted_actions"):
        panel = submitted_panel(help_request, message=message, opened=opened, **forms)
        return state_answer(
            help_request, "submitted_actions", status=status, changed=message is not None, panel=panel
        )
    if message:
        flash(message, "success")
    for form in forms.values():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect_to(
        url_for("requests.show", request_id=help_request.id, _anchor="candidates-heading" if opened else None)
    )


def _step(request_id: int, form, step, message: str, form_name: str, *, opens: bool = False):
    help_request = get_request(request_id)
    if not form.validate():
        return _submitted_answer(request_id, status=422, **{form_name: form})
    try:
        step(help_request)
    except RequestError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _submitted_answer(request_id, status=409, **{form_name: form})
    return _submitted_answer(request_id, message=message, opened=opens)


@bp.route("/<int:request_id>/submitted/accept", methods=["POST"])
@roles(*STAFF)
def take_over(request_id: int):
    return _step(
        request_id,
        ConfirmForm(),
        lambda req: lifecycle.take_over(req.id, actor()),
        _("Die Anfrage ist übernommen und offen für die Vermittlung. Die Initiative ist informiert."),
        "confirm_form",
        opens=True,
    )


@bp.route("/<int:request_id>/submitted/ask", methods=["POST"])
@roles(*STAFF)
def ask_back(request_id: int):
    form = AskForm()
    return _step(
        request_id,
        form,
        lambda req: initiatives.ask_back(req.id, actor(), form.question.data),
        _("Die Rückfrage ist verschickt. Die Anfrage bleibt eingereicht."),
        "ask_form",
    )


@bp.route("/<int:request_id>/submitted/decline", methods=["POST"])
@roles(*STAFF)
def decline_submitted(request_id: int):
    form = DeclineForm()
    return _step(
        request_id,
        form,
        lambda req: lifecycle.decline_submitted(req.id, actor(), form.reason.data),
        _("Die Anfrage ist abgelehnt. Die Initiative erfährt den Grund."),
        "decline_form",
    )


@bp.route("/<int:request_id>/contact", methods=["POST"])
@roles(*STAFF)
def share_contact(request_id: int):
    """One confirmed helper's contact for the requesting organisation, or no longer."""
    form = ShareContactForm()
    shared = form.wants_shared()
    return _step(
        request_id,
        form,
        lambda req: contacts.share_contact(req.id, form.helper_id.data, actor(), shared),
        _("Die anfragende Stelle sieht jetzt Name und Kontakt der Helfer*in.")
        if shared
        else _("Die anfragende Stelle sieht den Kontakt nicht mehr."),
        "contact_form",
    )
