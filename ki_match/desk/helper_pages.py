"""The coordinators' helper pages: the list, one helper's record with history and checks, approval,
deactivation, inviting a helper. (The helper's own pages are in ``ki_match.profile``.)"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm, PersonInviteForm
from ki_match.accounts.models import Role
from ki_match.accounts.services import AccountError, invite_user, may_invite
from ki_match.assignments import queries as assignment_queries
from ki_match.audit.services import record
from ki_match.clock import local_today, utcnow
from ki_match.core import dates
from ki_match.core.args import choice_arg, int_arg, page_arg, text_arg
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import helpers as bp
from ki_match.desk.managed_forms import NoteForm
from ki_match.extensions import db
from ki_match.helpers import availability, queries
from ki_match.helpers.activation import approve_helper, set_account_active
from ki_match.helpers.events import FreedCommitments
from ki_match.helpers.forms import ChecksForm
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.managed import ManagedError, set_note
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.queries import HelperFilters, HelperState
from ki_match.helpers.services import CHECK_FIELDS, is_matchable, missing_for_approval, record_checks
from ki_match.htmx import redirect_to, render, render_form, triggered_by, wants_block
from ki_match.offers import queries as offer_queries
from ki_match.orgs.queries import current_ki
from ki_match.profile import queries as profile_queries
from ki_match.profile import services as profile_services
from ki_match.profile.forms import GENDER_CHOICES, KIND_CHOICES
from ki_match.reference import queries as reference
from ki_match.reference.data import GERMAN
from ki_match.reference.models import Town
from ki_match.reference.names import language_name
from ki_match.requests.labels import ASSIGNMENT_LABELS
from ki_match.training import queries as training_queries
from ki_match.training.labels import SIGNUP_LABELS

# --- the list -------------------------------------------------------------------------------


def _state_labels() -> dict[HelperState, str]:
    # Built per request: labels follow the reader's language.
    return {
        HelperState.ALL: _("alle"),
        HelperState.APPROVED: _("freigegeben"),
        HelperState.PENDING: _("warten auf Freigabe"),
        HelperState.INACTIVE: _("deaktiviert"),
    }


def _filters() -> HelperFilters:
    return HelperFilters(
        state=choice_arg("state", HelperState, HelperState.ALL),
        language_id=int_arg("language"),
        town_id=int_arg("town"),
        text=text_arg(),
        page=page_arg(),
    )


def _filter_args(filters: HelperFilters) -> dict:
    args = {
        "state": filters.state.value if filters.state != HelperState.ALL else None,
        "language": filters.language_id,
        "town": filters.town_id,
        "q": filters.text,
    }
    return {key: value for key, value in args.items() if value}


@bp.route("")
@roles(*STAFF)
def index():
    ki = current_ki()
    filters = _filters()
    page = queries.helper_page(ki, filters)
    record("helper.list_viewed", ki_id=ki.id, list="all", count=len(page.items))
    languages = sorted(
        (language for language in reference.languages(ki) if language.code != GERMAN),
        key=lambda language: language_name(language).casefold(),
    )
    response = render(
        "helpers/index.html",
        "helper_results",
        filters=filters,
        page=page,
        args=_filter_args(filters),
        states=_state_labels(),
        languages=languages,
        towns=list(db.session.scalars(db.select(Town).where(Town.ki_id == ki.id).order_by(Town.name))),
        partial=wants_block("helper_results"),
        focus_results=triggered_by("page-"),
        may_invite=may_invite(actor(), Role.HELPER),
    )
    db.session.commit()  # after rendering: a commit would expire every row the template reads
    return response


# --- one helper -----------------------------------------------------------------------------


def _profile_context(profile: HelperProfile, **extra) -> dict:
    today = local_today()
    context = {
        "profile": profile,
        "languages": profile_services.sorted_languages(profile),
        "week": availability.week_table(profile.slots, dates.week_order()),
        "day_names": dates.weekday_names(),
        "format_span": dates.time_range,
        "upcoming_absences": profile_queries.upcoming_absences(profile, today),
        "police": profile_services.police_certificate_of(profile),
        "matchable": is_matchable(profile),
        "missing": missing_for_approval(profile),
        "history": assignment_queries.assignment_history(profile),
        "load": assignment_queries.monthly_load(profile, utcnow()),
        "answers": offer_queries.offer_counts(profile),
        "assignment_labels": ASSIGNMENT_LABELS,
        "kind_labels": KIND_CHOICES,
        "gender_labels": GENDER_CHOICES,
        "checks_form": ChecksForm(formdata=None, obj=profile),
        "checks_message": None,
        "note_form": NoteForm(formdata=None, obj=profile),
        "courses": training_queries.helper_courses(profile.id),
        "signup_labels": SIGNUP_LABELS,
        # The audit log is the admins' (admin.audit); coordinators see no link to it.
        "may_read_audit": actor().role == Role.ADMIN,
    }
    context.update(extra)
    return context


@bp.route("/<int:profile_id>")
@roles(*STAFF)
def show(profile_id: int):
    profile = get_profile(profile_id)
    record("helper.viewed", subject=profile)
    response = render("helpers/show.html", **_profile_context(profile))
    db.session.commit()
    return response


@bp.route("/<int:profile_id>/checks", methods=["POST"])
@roles(*STAFF)
def checks(profile_id: int):
    """The coordinator-kept checks; htmx swaps the checks block, without JS back to the page."""
    profile = get_profile(profile_id)
    form = ChecksForm()
    if not form.validate_on_submit():
        return render(
            "helpers/show.html", "checks", status=422, **_profile_context(profile, checks_form=form)
        )
    changed = record_checks(profile, actor(), **{name: form[name].data for name in CHECK_FIELDS})
    db.session.commit()
    message = _("Die Prüfungen sind gespeichert.") if changed else _("Nichts geändert.")
    if not wants_block("checks"):
        flash(message, "success")
        return redirect_to(url_for("helpers.show", profile_id=profile.id))
    return render("helpers/show.html", "checks", **_profile_context(profile, checks_message=message))


def _flash_freed(freed: FreedCommitments) -> None:
    if freed.offers_withdrawn:
        flash(
            ngettext(
                "Eine offene Anfrage an die Person wurde zurückgezogen.",
                "%(num)d offene Anfragen an die Person wurden zurückgezogen.",
                freed.offers_withdrawn,
            ),
            "success",
        )
    if freed.reopened:
        numbers = ", ".join(f"#{request.id}" for request in freed.reopened)
        flash(
            _(
                "Ihre bestätigten Einsätze sind wieder offen und müssen neu besetzt werden: %(numbers)s",
                numbers=numbers,
            ),
            "error",
        )


def _set_active(profile_id: int, active: bool):
    profile = get_profile(profile_id)
    if ConfirmForm().validate_on_submit():
        try:
            freed = set_account_active(profile.user, active, actor())
        except AccountError as error:
            flash(str(error), "error")
        else:
            name = profile.user.display_name
            if active:
                flash(_("%(name)s ist wieder aktiv.", name=name), "success")
            else:
                flash(
                    _("%(name)s ist deaktiviert: keine Anmeldung, keine neuen Anfragen.", name=name),
                    "success",
                )
                _flash_freed(freed)
    return redirect_to(url_for("helpers.show", profile_id=profile_id))


@bp.route("/<int:profile_id>/deactivate", methods=["POST"])
@roles(*STAFF)
def deactivate(profile_id: int):
    return _set_active(profile_id, False)


@bp.route("/<int:profile_id>/reactivate", methods=["POST"])
@roles(*STAFF)
def reactivate(profile_id: int):
    return _set_active(profile_id, True)


@bp.route("/<int:profile_id>/note", methods=["POST"])
@roles(*STAFF)
def note(profile_id: int):
    """The coordinators' internal note on any helper of the KI (never shown to her or others)."""
    profile = get_profile(profile_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render("helpers/show.html", status=422, **_profile_context(profile, note_form=form))
    try:
        changed = set_note(profile, form.note.data, actor())
    except ManagedError as error:
        db.session.rollback()
        form.note.errors = [str(error)]
        return render("helpers/show.html", status=422, **_profile_context(profile, note_form=form))
    flash(_("Notiz gespeichert.") if changed else _("Nichts geändert."), "success")
    return redirect_to(url_for("helpers.show", profile_id=profile.id, _anchor="note"))


# --- approval -------------------------------------------------------------------------------


@bp.route("/approvals")
@roles(*STAFF)
def pending():
    profiles = queries.awaiting_approval(current_ki())
    record("helper.list_viewed", list="awaiting_approval", count=len(profiles))
    db.session.commit()
    return render(
        "helpers/pending.html",
        profiles=[(p, missing_for_approval(p)) for p in profiles],
        form=ConfirmForm(),
    )


@bp.route("/<int:profile_id>/approve", methods=["POST"])
@roles(*STAFF)
def approve(profile_id: int):
    profile = get_profile(profile_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            approve_helper(profile, actor())
        except AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("%(name)s ist freigegeben.", name=profile.user.display_name), "success")
    # Approving from the helper's own page returns there; from the queue, to the queue.
    if request.form.get("back") == "profile":
        return redirect_to(url_for("helpers.show", profile_id=profile_id))
    return redirect_to(url_for("helpers.pending"))


# --- inviting a helper ------------------------------------------------------------------------


@bp.route("/invite", methods=["GET", "POST"])
@roles(*STAFF)
def invite():
    """Only where the KI lets coordinators invite helpers (admins always may): 404 otherwise."""
    if not may_invite(actor(), Role.HELPER):
        abort(404)
    form = PersonInviteForm()
    if form.validate_on_submit():
        try:
            invite_user(
                current_ki(),
                email=form.email.data,
                display_name=form.display_name.data,
                role=Role.HELPER,
                organisation=None,
                invited_by=actor(),
            )
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("Die Einladung an %(email)s ist unterwegs.", email=form.email.data), "success")
            return redirect_to(url_for("helpers.index"))
    return render_form("helpers/invite.html", "invite_form", form=form)
