"""Acting for a helper on the request page: recording the answer a helper gave by phone or in
person, booking a helper directly without an offer round, and entering the hours of a helper the
KI manages (also from the coordinators' task asking for them: ``?back=tasks`` goes back there).

Each is a small form: its own page without JavaScript, loaded into the offers row or shown from the
candidate list with htmx. A form with errors answers 422 with the form and the typed values (htmx:
only the form, in its place); the rule's outcome answers like every action on the offers block
(``offer_actions.offers_answer``): the block with the outcome announced, or 303 back with a flash.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.assignments.forms import ReportForm, report_form_for
from ki_match.assignments.loaders import get_assignment
from ki_match.assignments.services import AssignmentError, hours_enterable, report_hours
from ki_match.core.args import text_arg
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.offer_actions import offers_answer
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import redirect_to, render, render_in_place, wants_block
from ki_match.offers.answers import AcceptOutcome, Answer, answer_recordable, record_answer
from ki_match.offers.booking import ReasonNeeded, book_directly, can_book, override_for
from ki_match.offers.forms import BookForm, PhoneAnswerForm
from ki_match.offers.loaders import get_offer
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.loaders import get_request

ANSWER_PAGE = "requests/on_behalf.html"
BOOK_PAGE = "requests/book.html"
HOURS_PAGE = "requests/hours.html"

bp.add_app_template_global(answer_recordable)
bp.add_app_template_global(can_book)
bp.add_app_template_global(hours_enterable)


def _form_answer(page: str, block: str, target: str, form, **context):
    """The form again: its block in its place for htmx, the page otherwise; 422 once it has errors."""
    status = 422 if form.errors else 200
    if wants_block(block, target) or wants_block("offers"):
        # Sent from inside the offers block, whose answer would replace it: the form stays.
        return render_in_place(page, block, target, status, form=form, inline=True, **context)
    return render(page, status=status, form=form, inline=False, **context)


def _answered(name: str, answer: Answer, outcome: AcceptOutcome | None) -> str:
    if outcome == AcceptOutcome.CONFIRMED:
        return _("Eingetragen: %(name)s hat telefonisch zugesagt und ist bestätigt.", name=name)
    if outcome == AcceptOutcome.HELD:
        return _(
            "Eingetragen: %(name)s hat telefonisch zugesagt. Nicht automatisch bestätigt, weil eine "
            "Voraussetzung fehlt: bestätigen Sie mit einem Grund für die Ausnahme oder ziehen Sie die "
            "Anfrage zurück.",
            name=name,
        )
    if answer == Answer.ACCEPT:
        return _("Eingetragen: %(name)s hat telefonisch zugesagt.", name=name)
    return _("Eingetragen: %(name)s hat telefonisch abgesagt.", name=name)


@bp.route("/offers/<int:offer_id>/phone-answer", methods=["GET", "POST"])
@roles(*STAFF)
def phone_answer(offer_id: int):
    """Record the yes or no a helper of the KI gave by phone (``offers.answers.record_answer``).
    Another KI's helper answers to their own KI: 404 here, as for an offer not found."""
    offer = get_offer(offer_id)
    help_request = offer.request
    if offer.helper.ki_id != help_request.ki_id:
        abort(404)
    form = PhoneAnswerForm(prefix=f"phone-{offer.id}")
    context = {"offer": offer, "req": help_request, "name": offer.helper.user.display_name}
    target = f"phone-answer-{offer.id}"
    if not form.is_submitted():
        if not answer_recordable(offer):
            return offers_answer(
                help_request, _("Für diese Anfrage lässt sich keine Antwort mehr eintragen."), failed=True
            )
        return _form_answer(ANSWER_PAGE, "phone_answer", target, form, **context)
    if not form.validate():
        return _form_answer(ANSWER_PAGE, "phone_answer", target, form, **context)
    answer = Answer(form.answer.data)
    try:
        outcome = record_answer(offer.id, actor(), answer, form.note.data)
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(help_request, _answered(context["name"], answer, outcome))


@bp.route("/<int:request_id>/book/<int:helper_id>", methods=["GET", "POST"])
@roles(*STAFF)
def book(request_id: int, helper_id: int):
    """Book a helper of the KI onto the request without an offer round
    (``offers.booking.book_directly``); a near miss only with the reason for the exception."""
    help_request = get_request(request_id)
    profile = get_profile(helper_id)
    try:
        override = override_for(help_request, profile)
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    form = BookForm(reason_needed=override is not None)
    context = {"req": help_request, "profile": profile, "override": override}
    target = f"book-{profile.id}"
    if not form.is_submitted() or not form.validate():
        return _form_answer(BOOK_PAGE, "book_form", target, form, **context)
    name = profile.user.display_name
    try:
        book_directly(help_request.id, profile.id, actor(), form.reason.data)
    except ReasonNeeded as error:
        form.reason.errors = [str(error)]
        return _form_answer(BOOK_PAGE, "book_form", target, form, **context)
    except RequestError as error:
        return offers_answer(help_request, str(error), failed=True)
    return offers_answer(help_request, _("%(name)s ist direkt eingeplant.", name=name))


@bp.route("/assignments/<int:assignment_id>/hours", methods=["GET", "POST"])
@roles(*STAFF)
def enter_hours(assignment_id: int):
    """Enter the hours a helper the KI manages gave by phone (``assignments.services.report_hours``,
    the coordinator as actor). A helper with an account of her own reports them herself: 404 here,
    as for another KI's assignment."""
    assignment = get_assignment(assignment_id)
    help_request, helper = assignment.request, assignment.helper
    if not helper.user.is_managed or helper.ki_id != help_request.ki_id:
        abort(404)
    to_tasks = text_arg("back", 10) == "tasks"
    name = helper.user.display_name
    context = {"assignment": assignment, "req": help_request, "name": name, "to_tasks": to_tasks}
    target, prefix = f"enter-hours-{assignment.id}", f"hours-{assignment.id}"
    form = ReportForm(prefix=prefix)
    if not form.is_submitted():
        if not hours_enterable(assignment):
            message = _("Für diesen Einsatz lassen sich keine Stunden eintragen.")
            return _hours_answer(help_request, message, to_tasks, failed=True)
        return _form_answer(
            HOURS_PAGE, "hours_form", target, report_form_for(assignment, prefix=prefix), **context
        )
    if not form.validate():
        return _form_answer(HOURS_PAGE, "hours_form", target, form, **context)
    try:
        report_hours(
            assignment,
            actor(),
            minutes=form.total_minutes,
            note=form.note.data,
            **form.travel(),
        )
    except AssignmentError as error:
        return _hours_answer(help_request, str(error), to_tasks, failed=True)
    return _hours_answer(help_request, _("Die Stunden von %(name)s sind eingetragen.", name=name), to_tasks)


def _hours_answer(help_request, message: str, to_tasks: bool, *, failed: bool = False):
    """Back to the task list when the form was opened from a task, else as every offers action."""
    if not to_tasks:
        return offers_answer(help_request, message, failed=failed)
    flash(message, "error" if failed else "success")
    return redirect_to(url_for("helpers.tasks"))
