"""Coordinators' requests: the list, the request page with its candidates, creating and editing."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.audit.services import record
from ki_match.clock import local_parts
from ki_match.extensions import db
from ki_match.helpers.queries import profile_in_ki
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.matching.services import match, why_not
from ki_match.offers.escalation import steps_for
from ki_match.orgs.queries import current_ki, organisations
from ki_match.reference.models import Language, Town
from ki_match.reference.names import language_name
from ki_match.requests import queries, services
from ki_match.requests.forms import RequestForm
from ki_match.requests.labels import ATTENTION_LABELS, TAB_LABELS
from ki_match.requests.models import HelpRequest, RequestStatus
from ki_match.requests.queries import RequestFilters, Tab

bp = Blueprint("requests", __name__, url_prefix="/requests")
# The request page lists the steps of automatic follow-up (ki_match.offers.escalation).
bp.add_app_template_global(steps_for, name="escalation_steps")

STAFF = (Role.COORDINATOR, Role.ADMIN)
# The endpoint that sends offers to the ticked candidates (built with the offers flow).
SEND_OFFERS = "offers.send"


def get_request(request_id: int) -> HelpRequest:
    """A request of the current KI, or 404 (another KI's request does not exist for this user)."""
    found = queries.request_in_ki(current_ki(), request_id)
    if found is None:
        abort(404)
    return found


def _actor():
    return current_user._get_current_object()


# --- the list ------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> RequestFilters:
    try:
        tab = Tab(request.args.get("tab", Tab.OPEN))
    except ValueError:
        tab = Tab.OPEN
    return RequestFilters(
        tab=tab,
        language_id=_int_arg("language"),
        town_id=_int_arg("town"),
        organisation_id=_int_arg("requester"),
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        text=(request.args.get("q") or "").strip()[:100] or None,
        page=request.args.get("page", 1, type=int) or 1,
    )


def _filter_args(filters: RequestFilters) -> dict:
    """The query string of the current filters, for links to tabs and pages."""
    args = {
        "language": filters.language_id,
        "town": filters.town_id,
        "requester": filters.organisation_id,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "q": filters.text,
    }
    return {key: value for key, value in args.items() if value}


def _filter_choices(ki) -> dict:
    languages = sorted(
        (language for language in db.session.scalars(db.select(Language)) if language.code != "de"),
        key=lambda language: language_name(language).casefold(),
    )
    return {
        "languages": languages,
        "towns": list(db.session.scalars(db.select(Town).where(Town.ki_id == ki.id).order_by(Town.name))),
        "requesters": organisations(ki, active_only=False),
    }


@bp.route("")
@roles(*STAFF)
def index():
    ki = current_ki()
    filters = _filters()
    page = queries.request_page(ki, filters)
    counts = queries.tab_counts(ki, filters)
    record("request.list_viewed", ki_id=ki.id, tab=filters.tab.value, count=len(page.requests))
    # Focus moves to the results only when a tab or page link was followed; typing a search keeps it.
    trigger = request.headers.get("HX-Trigger") or ""
    response = render(
        "requests/index.html",
        "request_results",
        filters=filters,
        page=page,
        counts=counts,
        tabs=TAB_LABELS,
        args=_filter_args(filters),
        partial=wants_block("request_results"),
        focus_results=trigger.startswith(("tab-", "page-")),
        attention=ATTENTION_LABELS,
        attention_reasons=queries.attention_reasons,
        **_filter_choices(ki),
    )
    # Committed after rendering: a commit expires every loaded row, and reloading them one by
    # one while the template reads them would cost a query per row.
    db.session.commit()
    return response


# --- creating and editing -------------------------------------------------------------------


def _form(status: RequestStatus | None = None, *, inline: bool = False, **kwargs) -> RequestForm:
    return RequestForm(ki=current_ki(), status=status, inline=inline, **kwargs)


def _preview(form: RequestForm, based_on: HelpRequest | None = None):
    """Candidates for the request as the form has it now; nothing is written."""
    data = form.to_data()
    if data.language_id is None:
        return None, None
    unsaved = services.unsaved_request(current_ki(), data, based_on)
    return unsaved, match(unsaved)


def _render_form(form: RequestForm, *, editing: HelpRequest | None = None, status: int = 200, preview=True):
    unsaved, result = _preview(form, editing) if preview else (None, None)
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
    )


def _prefill_language(form: RequestForm, code: str | None) -> None:
    """``?language=<code>`` (from a directory card) chooses the language; an unknown code is ignored."""
    if not code:
        return
    language = db.session.scalar(db.select(Language).where(Language.code == code[:12]))
    if language is not None and str(language.id) in {choice.value for choice in form.language_id.choices}:
        form.language_id.data = language.id


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def new():
    form = _form()
    if request.method == "GET":
        _prefill_language(form, request.args.get("language"))
        return _render_form(form)
    if not form.validate():
        return _render_form(form, status=422)
    created = services.create_request(
        current_ki(), form.to_data(), _actor(), open_now=form.intent.data == "open"
    )
    db.session.commit()
    flash(
        _("Die Anfrage ist offen.")
        if created.status == RequestStatus.OPEN
        else _("Die Anfrage ist als Entwurf gespeichert."),
        "success",
    )
    return redirect_to(url_for("requests.show", request_id=created.id))


@bp.route("/<int:request_id>/duplicate")
@roles(*STAFF)
def duplicate(request_id: int):
    original = get_request(request_id)
    form = _form(formdata=None, data=services.duplicate_fields(original))
    return _render_form(form)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit(request_id: int):
    help_request = get_request(request_id)
    if not services.is_editable(help_request):
        flash(_("Diese Anfrage kann nicht mehr bearbeitet werden."), "error")
        return redirect_to(url_for("requests.show", request_id=help_request.id))
    if request.method == "GET":
        day, start = local_parts(help_request.starts_at)
        form = _form(help_request.status, formdata=None, obj=help_request, day=day, start=start)
        form.alt_language_ids.data = [language.id for language in help_request.alt_languages]
        form.gender_pref.data = help_request.gender_pref.value if help_request.gender_pref else ""
        form.kind.data = help_request.kind.value
        form.fill_mode.data = help_request.fill_mode.value
        for name in ("topic_id", "town_id", "organisation_id"):
            form[name].data = form[name].data or 0
        return _render_form(form, editing=help_request)
    form = _form(help_request.status)
    if not form.validate():
        return _render_form(form, editing=help_request, status=422)
    services.update_request(help_request, form.to_data(), _actor(), open_now=form.intent.data == "open")
    db.session.commit()
    flash(_("Die Änderungen sind gespeichert."), "success")
    return redirect_to(url_for("requests.show", request_id=help_request.id))


@bp.route("/validate", methods=["POST"])
@roles(*STAFF)
def validate():
    """Inline validation: wrong values next to their fields, and what is still missing to open."""
    form = _form(inline=True)
    form.validate()
    if not wants_block("form_feedback"):
        return _render_form(form)
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
    form = _form(editing.status if editing else None, inline=True)
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
    return _render_form(form, editing=editing)


# --- the request page ------------------------------------------------------------------------


def _page_context(help_request: HelpRequest, partial: bool = False) -> dict:
    result = match(help_request)
    return {
        "req": help_request,
        "result": result,
        # The candidates block alone does not show the history.
        "history": [] if partial else queries.status_history(help_request),
        "offer_states": queries.offer_states(help_request),
        "offers_enabled": SEND_OFFERS in current_app.view_functions,
        "can_offer": help_request.status in services.ACCEPTING,
        "editable": services.is_editable(help_request),
        "why_not_name": "",
        "why_not_matches": None,
        "why_not_helper": None,
        "why_not_failures": None,
    }


def _show(help_request: HelpRequest):
    record("request.viewed", subject=help_request)
    partial = wants_block("candidates")
    response = render(
        "requests/show.html", "candidates", partial=partial, **_page_context(help_request, partial)
    )
    db.session.commit()  # after rendering, so the request's rows are not expired and loaded again
    return response


@bp.route("/<int:request_id>")
@roles(*STAFF)
def show(request_id: int):
    return _show(get_request(request_id))


@bp.route("/<int:request_id>/candidates")
@roles(*STAFF)
def candidates(request_id: int):
    """The candidates block alone (the full page without htmx), e.g. after offers went out."""
    return _show(get_request(request_id))


@bp.route("/<int:request_id>/why-not", endpoint="why_not")
@roles(*STAFF)
def why_not_view(request_id: int):
    """Every rule one helper fails for this request; find the helper by name first."""
    help_request = get_request(request_id)
    ki = current_ki()
    name = (request.args.get("name") or "").strip()[:120]
    helper_id = request.args.get("helper_id", type=int)
    helper = failures = matches = None
    if helper_id:
        helper = profile_in_ki(ki, helper_id)
        if helper is None:
            abort(404)
    elif name:
        matches = queries.helpers_named(ki, name)
        if len(matches) == 1:
            helper = profile_in_ki(ki, matches[0][0])
    if helper is not None:
        failures = why_not(help_request, helper)
        record("request.why_not", subject=help_request, helper_id=helper.id)
    answer = {
        "why_not_name": name,
        "why_not_matches": matches,
        "why_not_helper": helper,
        "why_not_failures": failures,
    }
    if wants_block("why_not_result"):
        response = render("requests/show.html", "why_not_result", req=help_request, **answer)
    else:
        response = render("requests/show.html", partial=False, **{**_page_context(help_request), **answer})
    db.session.commit()
    return response
