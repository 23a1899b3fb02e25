"""Initiatives: sending requests in and following them.

URL map:
  /initiative/requests                        initiatives.requests        own organisation's requests
  /initiative/requests/new                    initiatives.new_request     send a request in (?language=<code>),
                                                                          or a series (``initiatives.series``)
  /initiative/requests/<id>                   initiatives.request         status, history, conversation
  /initiative/requests/<id>/answer     POST   initiatives.answer          answer the coordinators
  /initiative/requests/<id>/withdraw   POST   initiatives.withdraw        take the request back
  /initiative/requests/<id>/assignments/<aid>/sign-off  POST  initiatives.sign_off  it took place, or a problem
  /initiative/requests/<id>/assignments/<aid>/feedback  POST  initiatives.feedback  how it went (optional)

The coordinators' side of these requests (take over, ask back, decline, share the helper's
contact) is on the request page, in ``ki_match.desk``.
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.assignments.feedback import give_feedback
from ki_match.assignments.forms import feedback_form_for, signoff_form_for
from ki_match.assignments.labels import OUTCOME_LABELS, feedback_thanks
from ki_match.assignments.models import Side
from ki_match.assignments.services import AssignmentError
from ki_match.assignments.signoff import sign_off as sign_off_rule
from ki_match.core.args import page_arg, text_arg
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.initiatives import contacts, queries, series, services
from ki_match.initiatives.forms import AnswerForm, InitiativeRequestForm, WithdrawForm
from ki_match.initiatives.labels import INITIATIVE_STATUS, STATUS_GROUPS, initiative_status
from ki_match.initiatives.signoffs import assignment_of, signoff_rows
from ki_match.orgs.queries import current_ki
from ki_match.orgs.settings import settings_for
from ki_match.reference import queries as reference
from ki_match.requests.labels import SKIP_LABELS
from ki_match.requests.loaders import get_request
from ki_match.requests.models import HelpRequest
from ki_match.requests.queries import series_positions, status_history
from ki_match.requests.series_forms import RepeatForm

bp = Blueprint("initiatives", __name__)

STAFF = (Role.COORDINATOR, Role.ADMIN)


def _actor():
    return current_user._get_current_object()


# --- sending a request in -----------------------------------------------------------------


def _prefilled_language() -> int:
    code = text_arg("language", 12)
    if not code:
        return 0
    language = reference.language_by_code(current_ki(), code)
    return language.id if language is not None and language.active else 0


def render_new(form: InitiativeRequestForm, repeat: RepeatForm | None = None, status: int = 200):
    """The form page, with its "Wiederholung" part and the dates it makes."""
    repeat = repeat or RepeatForm()
    return render(
        "initiatives/new_request.html",
        status=status,
        form=form,
        repeat=repeat,
        expansion=series.unfold(form, repeat)[1] if repeat.repeats else None,
        SKIP_LABELS=SKIP_LABELS,
        can_submit=services.can_submit(current_user),
        earliest=form.earliest(),
        lead_days=settings_for(current_ki()).lead_time_days,
    )


@bp.route("/initiative/requests/new", methods=["GET", "POST"])
@roles(Role.INITIATIVE)
def new_request():
    ki = current_ki()
    if request.method == "GET":
        form = InitiativeRequestForm(ki=ki, formdata=None, data={"language_id": _prefilled_language()})
        return render_new(form)
    form = InitiativeRequestForm(ki=ki)
    repeat = RepeatForm()
    if not services.can_submit(current_user):
        return render_new(form, repeat, status=403)
    valid = form.validate()
    rule, expansion = series.unfold(form, repeat)
    if not valid or repeat.errors:
        return render_new(form, repeat, status=422)
    urgent, reason = form.urgency()
    try:
        if expansion is not None:
            made = series.submit_series(
                ki, form.to_data(), rule, expansion, _actor(), urgent=urgent, urgent_reason=reason
            )
        else:
            created = services.submit_request(
                ki, form.to_data(), _actor(), urgent=urgent, urgent_reason=reason
            )
    except services.InitiativeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_new(form, repeat, status=403)
    db.session.commit()
    if expansion is not None:
        count = len(expansion.occurrences)
        flash(
            ngettext(
                "Ihre Serie mit %(num)d Termin ist eingereicht. Das Integrationszentrum meldet sich.",
                "Ihre Serie mit %(num)d Terminen ist eingereicht. Das Integrationszentrum meldet sich.",
                count,
            ),
            "success",
        )
        return redirect_to(url_for("initiatives.series", series_id=made.id))
    flash(_("Ihre Anfrage ist eingereicht. Das Integrationszentrum meldet sich."), "success")
    return redirect_to(url_for("initiatives.request", request_id=created.id))


# --- following the organisation's requests -----------------------------------------------------


@bp.route("/initiative/requests")
@roles(Role.INITIATIVE)
def requests():
    ki = current_ki()
    group = request.args.get("status", "")
    statuses = STATUS_GROUPS.get(group)
    if statuses is None:
        group = ""
    found = queries.organisation_requests(ki, current_user.organisation_id, statuses, page=page_arg())
    return render(
        "initiatives/requests.html",
        "initiative_requests",
        page=found,
        requests=found.items,
        positions=series_positions(found.items),
        group=group,
        groups=STATUS_GROUPS,
        step_counts=queries.step_counts(ki, current_user.organisation_id),
        partial=wants_block("initiative_requests"),
        labels=INITIATIVE_STATUS,
        initiative_status=initiative_status,
    )


def _request_context(help_request: HelpRequest, **extra) -> dict:
    return {
        "req": help_request,
        # What the KI noted without changing the status (a helper's phone answer) is its own.
        "history": status_history(help_request, remarks=False),
        "comments": queries.comments(help_request),
        "helpers": services.confirmed_helpers(help_request),
        "shared_ids": extra.pop("shared_ids", None) or set(),
        "status_label": INITIATIVE_STATUS[initiative_status(help_request.status)],
        "can_withdraw": services.can_withdraw(help_request),
        "can_answer": services.can_answer(help_request),
        "answer_form": extra.pop("answer_form", None) or AnswerForm(formdata=None),
        "withdraw_form": extra.pop("withdraw_form", None) or WithdrawForm(formdata=None),
        "labels": INITIATIVE_STATUS,
        "initiative_status": initiative_status,
        "signoffs": signoff_rows(
            help_request, _actor(), extra.pop("signoff_forms", None), extra.pop("feedback_forms", None)
        ),
        **extra,
    }


@bp.route("/initiative/requests/<int:request_id>", endpoint="request")
@roles(Role.INITIATIVE)
def show(request_id: int):
    help_request = get_request(request_id)
    helpers = services.confirmed_helpers(help_request)
    shared_ids = contacts.contacts_shown(help_request, helpers, _actor())
    response = render(
        "initiatives/request.html", "conversation", **_request_context(help_request, shared_ids=shared_ids)
    )
    db.session.commit()  # after rendering, so the loaded rows are not expired and read again
    return response


@bp.route("/initiative/requests/<int:request_id>/answer", methods=["POST"])
@roles(Role.INITIATIVE)
def answer(request_id: int):
    """The organisation writes to the coordinators; htmx swaps the conversation in place."""
    help_request = get_request(request_id)
    form = AnswerForm()
    error = None
    if form.validate():
        try:
            services.answer_question(help_request, _actor(), form.body.data)
        except services.InitiativeError as failure:
            db.session.rollback()
            error = str(failure)
        else:
            if not wants_block("conversation"):
                flash(_("Ihre Nachricht ist beim Integrationszentrum."), "success")
                return redirect_to(url_for("initiatives.request", request_id=help_request.id))
            help_request = get_request(request_id)
            return render(
                "initiatives/request.html",
                "conversation",
                **_request_context(help_request, message=_("Ihre Nachricht ist beim Integrationszentrum.")),
            )
    if error:
        form.body.errors = [*form.body.errors, error]
    return render(
        "initiatives/request.html",
        "conversation",
        status=422,
        **_request_context(help_request, answer_form=form),
    )


@bp.route("/initiative/requests/<int:request_id>/withdraw", methods=["POST"])
@roles(Role.INITIATIVE)
def withdraw(request_id: int):
    help_request = get_request(request_id)
    form = WithdrawForm()
    if form.validate():
        try:
            services.withdraw_request(help_request, _actor(), form.reason.data)
        except services.InitiativeError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            flash(_("Die Anfrage ist zurückgezogen."), "success")
            return redirect_to(url_for("initiatives.request", request_id=request_id))
    help_request = get_request(request_id)
    return render(
        "initiatives/request.html",
        "withdraw_panel",
        status=422,
        **_request_context(help_request, withdraw_form=form),
    )


@bp.route("/initiative/requests/<int:request_id>/assignments/<int:assignment_id>/sign-off", methods=["POST"])
@roles(Role.INITIATIVE)
def sign_off(request_id: int, assignment_id: int):
    """The member who asked says the assignment took place, or what went wrong; htmx swaps the
    sign-off panel in place."""
    help_request = get_request(request_id)
    assignment = assignment_of(help_request, assignment_id)
    form = signoff_form_for(assignment.id, formdata=request.form)
    if not form.validate():
        context = _request_context(help_request, signoff_forms={assignment.id: form})
        return render("initiatives/request.html", "signoff_panel", status=422, **context)
    try:
        signoff = sign_off_rule(assignment.id, _actor(), form.chosen, form.late_minutes.data)
    except AssignmentError as error:
        return _signoff_answer(request_id, str(error), 409)
    outcome = OUTCOME_LABELS[signoff.outcome]
    return _signoff_answer(
        request_id, _("Danke! Ihre Rückmeldung ist gespeichert: %(outcome)s.", outcome=outcome), 200
    )


@bp.route("/initiative/requests/<int:request_id>/assignments/<int:assignment_id>/feedback", methods=["POST"])
@roles(Role.INITIATIVE)
def feedback(request_id: int, assignment_id: int):
    """The member who asked says how it went, beside her sign-off (the sign-off panel swaps)."""
    help_request = get_request(request_id)
    assignment = assignment_of(help_request, assignment_id)
    form = feedback_form_for(assignment.id, side=Side.REQUESTER, formdata=request.form)
    if not form.validate():
        context = _request_context(help_request, feedback_forms={assignment.id: form})
        return render("initiatives/request.html", "signoff_panel", status=422, **context)
    try:
        given = give_feedback(
            assignment.id, _actor(), mood=form.chosen_mood, body=form.body.data, callback=form.asks_callback
        )
    except AssignmentError as error:
        return _signoff_answer(request_id, str(error), 409)
    return _signoff_answer(request_id, feedback_thanks(given.callback), 200)


def _signoff_answer(request_id: int, message: str, status: int):
    """The sign-off panel with what happened (the whole page with a flash without htmx)."""
    if not wants_block("signoff_panel"):
        flash(message, "success" if status == 200 else "error")
        return redirect_to(url_for("initiatives.request", request_id=request_id, _anchor="signoff-heading"))
    context = _request_context(get_request(request_id), signoff_message=message, signoff_failed=status != 200)
    return render("initiatives/request.html", "signoff_panel", status=status, **context)
