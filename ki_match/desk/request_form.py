"""The request form: a new request, a copy, an edit; with validation and candidates while typing.

The form posts to ``requests.new``/``requests.edit``; while the coordinator types,
htmx asks ``requests.validate`` for what is wrong or missing (``form_feedback``)
and ``requests.preview`` for the candidates of the request as it stands
(``candidates_preview``). Nothing is written until the form is sent.

A new request can repeat ("Wiederholung", ``RepeatForm``): ``series.preview`` lists its dates
while the coordinator types (``series_preview``), and saving makes the series with one request
per date (``requests.series.create``).
"""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ki_match.access import roles
from ki_match.audit.services import record
from ki_match.clock import local_parts
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import requests as bp
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.matching.services import match
from ki_match.orgs.queries import current_ki
from ki_match.reference import queries as reference
from ki_match.requests import lifecycle, series
from ki_match.requests.data import duplicate_fields, unsaved_request
from ki_match.requests.forms import RequestForm
from ki_match.requests.labels import SKIP_LABELS
from ki_match.requests.loaders import get_request
from ki_match.requests.models import HelpRequest, RequestStatus
from ki_match.requests.series_forms import RepeatForm


def _form(status: RequestStatus | None = None, *, inline: bool = False, **kwargs) -> RequestForm:
    return RequestForm(ki=current_ki(), status=status, inline=inline, **kwargs)


def _preview(form: RequestForm, based_on: HelpRequest | None = None):
    """Candidates for the request as the form has it now; nothing is written."""
    data = form.to_data()
    if data.language_id is None:
        return None, None
    unsaved = unsaved_request(current_ki(), data, based_on)
    return unsaved, match(unsaved)


def series_dates(form: RequestForm, repeat: RepeatForm):
    """The rule and dates of a repeating request as the two forms have them, or (None, None)
    (no repetition, or a reason at its field)."""
    repeat.validate()
    return repeat.unfold(first_day=form.day.data, start=form.start.data, scheduled=form.is_scheduled())


def render_request_form(
    form: RequestForm,
    *,
    editing: HelpRequest | None = None,
    repeat: RepeatForm | None = None,
    status: int = 200,
    preview=True,
):
    """The request form page; a new request's with its "Wiederholung" part and the dates it makes."""
    unsaved, result = _preview(form, editing) if preview else (None, None)
    if editing is None and repeat is None:
        repeat = RepeatForm()
    expansion = series_dates(form, repeat)[1] if repeat is not None and repeat.repeats else None
    if editing is not None:
        action = url_for("requests.edit", request_id=editing.id)
        preview_url = url_for("requests.preview", request_id=editing.id)
    else:
        action = url_for("requests.new")
        preview_url = url_for("requests.preview")
    return render(
        "requests/form.html",
        status=status,
        form=form,
        editing=editing,
        action=action,
        preview_url=preview_url,
        unsaved=unsaved,
        result=result,
        missing=form.missing_to_open(),
        repeat=repeat if editing is None else None,
        expansion=expansion,
        SKIP_LABELS=SKIP_LABELS,
    )


def _prefill_language(form: RequestForm, code: str | None) -> None:
    """``?language=<code>`` (from a directory card) chooses the language; an unknown code is ignored."""
    if not code:
        return
    language = reference.language_by_code(current_ki(), code[:12])
    if language is not None and str(language.id) in {choice.value for choice in form.language_id.choices}:
        form.language_id.data = language.id


def _shown(help_request: HelpRequest, *, opened: bool) -> str:
    """The request page; once the request was opened for matching, at its candidates (the page
    puts the focus on their heading)."""
    return url_for(
        "requests.show", request_id=help_request.id, _anchor="candidates-heading" if opened else None
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def new():
    form = _form()
    repeat = RepeatForm()
    if request.method == "GET":
        _prefill_language(form, request.args.get("language"))
        return render_request_form(form, repeat=repeat)
    valid = form.validate()
    rule, expansion = series_dates(form, repeat)
    if not valid or repeat.errors:
        return render_request_form(form, repeat=repeat, status=422)
    if expansion is not None:
        return _save_series(form, rule, expansion)
    created = lifecycle.create(current_ki(), form.to_data(), actor(), open_now=form.intent.data == "open")
    db.session.commit()
    flash(
        _("Die Anfrage ist offen.")
        if created.status == RequestStatus.OPEN
        else _("Die Anfrage ist als Entwurf gespeichert."),
        "success",
    )
    return redirect_to(_shown(created, opened=created.status == RequestStatus.OPEN))


def _save_series(form: RequestForm, rule, expansion):
    made = series.create(
        current_ki(), form.to_data(), rule, expansion, actor(), open_now=form.intent.data == "open"
    )
    db.session.commit()
    count = len(expansion.occurrences)
    flash(
        ngettext(
            "Die Serie mit %(num)d Termin ist angelegt.",
            "Die Serie mit %(num)d Terminen ist angelegt.",
            count,
        ),
        "success",
    )
    return redirect_to(url_for("series.show", series_id=made.id))


@bp.route("/<int:request_id>/duplicate")
@roles(*STAFF)
def duplicate(request_id: int):
    original = get_request(request_id)
    form = _form(formdata=None, data=duplicate_fields(original))
    return render_request_form(form)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit(request_id: int):
    help_request = get_request(request_id)
    if not lifecycle.is_editable(help_request):
        flash(_("Diese Anfrage kann nicht mehr bearbeitet werden."), "error")
        return redirect_to(url_for("requests.show", request_id=help_request.id))
    if request.method == "GET":
        day, start = local_parts(help_request.starts_at)
        form = _form(
            help_request.status, formdata=None, obj=help_request, day=day, start=start, keeping=help_request
        )
        form.alt_language_ids.data = [language.id for language in help_request.alt_languages]
        form.gender_pref.data = help_request.gender_pref.value if help_request.gender_pref else ""
        form.kind.data = help_request.kind.value
        form.fill_mode.data = help_request.fill_mode.value
        for name in ("topic_id", "town_id", "organisation_id"):
            form[name].data = form[name].data or 0
        # The form shows the client reference and the exact place: a view of them.
        record("request.edit_viewed", subject=help_request)
        response = render_request_form(form, editing=help_request)
        db.session.commit()
        return response
    form = _form(help_request.status, keeping=help_request)
    if not form.validate():
        return render_request_form(form, editing=help_request, status=422)
    was = help_request.status
    lifecycle.edit(help_request, form.to_data(), actor(), open_now=form.intent.data == "open")
    db.session.commit()
    flash(_("Die Änderungen sind gespeichert."), "success")
    return redirect_to(_shown(help_request, opened=help_request.status != was))


@bp.route("/validate", methods=["POST"])
@roles(*STAFF)
def validate():
    """Inline validation: wrong values next to their fields, and what is still missing to open."""
    form = _form(inline=True)
    form.validate()
    if not wants_block("form_feedback"):
        return render_request_form(form)
    return render(
        "requests/form.html", "form_feedback", form=form, missing=form.missing_to_open(), partial=True
    )


@bp.route("/preview", methods=["POST"])
@bp.route("/<int:request_id>/preview", methods=["POST"])
@roles(*STAFF)
def preview(request_id: int | None = None):
    """Candidates for the request as it is being typed; writes nothing.

    htmx asks for the ``candidates_preview`` block; without JavaScript the
    "Vorschau aktualisieren" button posts here and gets the whole form back.
    """
    editing = get_request(request_id) if request_id is not None else None
    form = _form(editing.status if editing else None, inline=True, keeping=editing)
    form.validate()
    if wants_block("candidates_preview"):
        unsaved, result = _preview(form, editing)
        return render(
            "requests/form.html",
            "candidates_preview",
            form=form,
            unsaved=unsaved,
            result=result,
            partial=True,
        )
    return render_request_form(form, editing=editing)
