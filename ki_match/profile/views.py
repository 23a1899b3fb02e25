"""The helper's own profile. Every page doubles as a step of the guided set-up (``?setup=1``).

URL map (all for helpers only, all on the logged-in helper's own profile):

    GET  /profile                                 show             overview, what is missing
    GET  /profile/setup                           setup            → the next step with something missing
    GET  /profile/languages                       languages        languages (step 1)
    POST /profile/languages                       add_language     add a row; Weiter/Zurück/Fertig
    POST /profile/languages/<language_id>         change_language  change a row's level
    POST /profile/languages/<language_id>/delete  remove_language
    GET  /profile/where, POST                     where            home town, towns, distance (step 2)
    GET  /profile/when                            when             weekly slots, cap, absences (step 3)
    POST /profile/when                            save_when        add a slot and/or save the cap
    POST /profile/slots/<slot_id>/delete          remove_slot
    POST /profile/absences                        add_absence
    POST /profile/absences/<absence_id>/delete    remove_absence
    GET  /profile/more, POST                      more             topics, kind, gender, … (step 4)
    GET  /profile/consent                         consent          the consent text (step 5)
    POST /profile/consent                         give_consent
    POST /profile/consent/withdraw                withdraw_consent

Partials are blocks of the page templates, chosen by HX-Target (see ki_match.htmx).
Without JavaScript every form posts and is answered with 303 back to its page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.helpers import availability
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    Gender,
    HelperKind,
    HelperLanguage,
    HelperProfile,
)
from ki_match.helpers.services import is_matchable, missing_items
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.profile import queries, services
from ki_match.profile.forms import (
    GENDER_CHOICES,
    KIND_CHOICES,
    AbsenceForm,
    LanguageForm,
    LevelForm,
    MoreForm,
    WhenForm,
    WhereForm,
    level_choices,
)
from ki_match.reference.names import language_name, level_label

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.context_processor
def helpers_for_templates():
    return {
        "day_names": availability.weekday_names(str(get_locale() or "de")),
        "format_span": availability.format_span,
        "level_options": level_choices()[1:],
        "kind_labels": KIND_CHOICES,
        "gender_labels": GENDER_CHOICES,
    }


# --- loading, always within the helper's own profile ----------------------------------------


def get_own_profile() -> HelperProfile:
    profile = queries.own_profile(current_user, current_ki())
    if profile is None:
        abort(404)
    return profile


def get_own_language(profile: HelperProfile, language_id: int) -> HelperLanguage:
    entry = queries.own_language(profile, language_id)
    if entry is None:
        abort(404)
    return entry


def get_own_slot(profile: HelperProfile, slot_id: int) -> AvailabilitySlot:
    slot = queries.own_slot(profile, slot_id)
    if slot is None:
        abort(404)
    return slot


def get_own_absence(profile: HelperProfile, absence_id: int) -> Absence:
    absence = queries.own_absence(profile, absence_id)
    if absence is None:
        abort(404)
    return absence


# --- the set-up flag and where a form leads ------------------------------------------------


def in_setup() -> bool:
    return request.args.get("setup") == "1"


def setup_context(key: str) -> dict:
    number, current = services.step(key)
    return {
        "setup": in_setup(),
        "step_number": number,
        "step_count": len(services.SETUP_STEPS),
        "step": current,
        "setup_arg": 1 if in_setup() else None,
    }


def destination(key: str, then: str | None) -> str | None:
    """Where a submit button leads once its form is saved, or None to stay on the page.

    ``next``/``back`` walk the set-up, ``done`` returns to the overview,
    anything else (``add``, ``save``) stays.
    """
    if then == "done":
        return url_for("profile.show")
    if then in ("next", "back"):
        target = services.neighbour(key, 1 if then == "next" else -1)
        if target is None:
            return url_for("profile.show")
        return url_for(target.endpoint, setup=1)
    return None


def after_change(template: str, block: str, message: str, page_url: str, **context):
    """A saved change: the swapped block (with its status message) for htmx, else 303 back."""
    if wants_block(block):
        return render(template, block, status_message=message, **context)
    flash(message, "success")
    return redirect_to(page_url)


# --- overview and set-up -------------------------------------------------------------------


@bp.route("")
@roles(Role.HELPER)
def show():
    profile = get_own_profile()
    today = local_today()
    missing = missing_items(profile)
    return render(
        "profile/show.html",
        profile=profile,
        missing=missing,
        step_of_missing=services.STEP_OF_MISSING,
        steps={s.key: s for s in services.SETUP_STEPS},
        next_step=services.next_missing_step(profile),
        languages=services.sorted_languages(profile),
        week=availability.week_table(profile.slots),
        upcoming_absences=queries.upcoming_absences(profile, today),
        police=services.police_certificate_of(profile),
        matchable=is_matchable(profile),
        consent_current=services.consent_is_current(profile),
    )


@bp.route("/setup")
@roles(Role.HELPER)
def setup():
    profile = get_own_profile()
    target = services.next_missing_step(profile)
    if target is None:
        return redirect_to(url_for("profile.show"))
    return redirect_to(url_for(target.endpoint, setup=1))


# --- languages -----------------------------------------------------------------------------


def _language_form(profile: HelperProfile, **kwargs) -> LanguageForm:
    return LanguageForm(
        languages=queries.active_languages(),
        taken=[entry.language_id for entry in profile.languages],
        **kwargs,
    )


def _languages_page(profile, form, status=200, block=None, **extra):
    return render(
        "profile/languages.html",
        block,
        status=status,
        profile=profile,
        entries=services.sorted_languages(profile),
        form=form,
        **setup_context("languages"),
        **extra,
    )


@bp.route("/languages")
@roles(Role.HELPER)
def languages():
    profile = get_own_profile()
    return _languages_page(profile, _language_form(profile))


@bp.route("/languages", methods=["POST"])
@roles(Role.HELPER)
def add_language():
    profile = get_own_profile()
    form = _language_form(profile)
    then = request.form.get("then", "add")
    row_given = bool(request.form.get("language") or request.form.get("level"))
    if then != "add" and not row_given:
        # Weiter, Zurück or Fertig with nothing typed in the new row: nothing to save.
        return redirect_to(destination("languages", then) or url_for("profile.languages"))
    if form.validate_on_submit():
        language = queries.language(form.language.data)
        if language is None:
            abort(404)
        try:
            services.add_language(profile, language, form.level.data)
        except services.ProfileError as error:
            form.language.errors.append(str(error))
        else:
            message = _(
                "%(language)s (%(level)s) ist gespeichert.",
                language=language_name(language),
                level=level_label(form.level.data),
            )
            leave_to = destination("languages", then)
            if leave_to:
                flash(message, "success")
                return redirect_to(leave_to)
            fresh = _language_form(profile, formdata=None)
            return after_change(
                "profile/languages.html",
                "language_editor",
                message,
                url_for("profile.languages", setup=1 if in_setup() else None),
                profile=profile,
                entries=services.sorted_languages(profile),
                form=fresh,
                **setup_context("languages"),
            )
    return _languages_page(profile, form, status=422, block="language_editor")


@bp.route("/languages/<int:language_id>", methods=["POST"])
@roles(Role.HELPER)
def change_language(language_id: int):
    profile = get_own_profile()
    entry = get_own_language(profile, language_id)
    level_form = LevelForm()
    if level_form.validate_on_submit():
        services.change_level(entry, level_form.level.data)
        return after_change(
            "profile/languages.html",
            "language_list",
            _(
                "%(language)s: jetzt %(level)s.",
                language=language_name(entry.language),
                level=level_label(entry.level),
            ),
            url_for("profile.languages", setup=1 if in_setup() else None),
            profile=profile,
            entries=services.sorted_languages(profile),
            **setup_context("languages"),
        )
    return _languages_page(
        profile,
        _language_form(profile, formdata=None),
        status=422,
        block="language_list",
        row_errors={language_id: level_form.level.errors},
    )


@bp.route("/languages/<int:language_id>/delete", methods=["POST"])
@roles(Role.HELPER)
def remove_language(language_id: int):
    profile = get_own_profile()
    entry = get_own_language(profile, language_id)
    name = language_name(entry.language)
    services.remove_language(entry)
    return after_change(
        "profile/languages.html",
        "language_list",
        _("%(language)s ist entfernt.", language=name),
        url_for("profile.languages", setup=1 if in_setup() else None),
        profile=profile,
        entries=services.sorted_languages(profile),
        **setup_context("languages"),
    )


# --- where ---------------------------------------------------------------------------------


@bp.route("/where", methods=["GET", "POST"])
@roles(Role.HELPER)
def where():
    profile = get_own_profile()
    ki = current_ki()
    towns = queries.towns(ki)
    form = WhereForm(towns=towns)
    if request.method == "GET":
        form.home_town.data = profile.home_town_id
        form.towns.data = [town.id for town in profile.towns]
        form.max_travel_km.data = profile.max_travel_km
        form.remote_ok.data = profile.remote_ok
    elif form.validate_on_submit():
        by_id = {town.id: town for town in towns}
        services.update_where(
            profile,
            home_town=by_id[form.home_town.data],
            towns=[by_id[town_id] for town_id in form.towns.data],
            max_travel_km=form.max_travel_km.data,
            remote_ok=form.remote_ok.data,
        )
        flash(_("Gespeichert: wo Sie helfen."), "success")
        then = request.form.get("then", "done")
        return redirect_to(destination("where", then) or url_for("profile.where"))
    status = 422 if form.errors else 200
    return render(
        "profile/where.html",
        "where_form",
        status=status,
        profile=profile,
        form=form,
        **setup_context("where"),
    )


# --- when ----------------------------------------------------------------------------------


def _when_page(profile, form, absence_form, status=200, block=None, **extra):
    today = local_today()
    return render(
        "profile/when.html",
        block,
        status=status,
        profile=profile,
        form=form,
        absence_form=absence_form,
        week=availability.week_table(profile.slots),
        slots_by_day=_slots_by_day(profile),
        upcoming=[a for a in profile.absences if a.last_day >= today],
        past=[a for a in profile.absences if a.last_day < today],
        **setup_context("when"),
        **extra,
    )


def _slots_by_day(profile: HelperProfile) -> list[tuple[int, list[AvailabilitySlot]]]:
    return [
        (weekday, sorted((s for s in profile.slots if s.weekday == weekday), key=lambda s: s.starts))
        for weekday in availability.WEEKDAYS
    ]


def _when_form(profile, *, fresh: bool = False) -> WhenForm:
    """The request's typed values, or (on GET, or after a save) an empty row and the saved cap."""
    if fresh or request.method == "GET":
        form = WhenForm(formdata=None)
        form.monthly_cap.data = profile.monthly_cap
        return form
    return WhenForm()


@bp.route("/when")
@roles(Role.HELPER)
def when():
    profile = get_own_profile()
    return _when_page(profile, _when_form(profile), AbsenceForm(formdata=None))


@bp.route("/when", methods=["POST"])
@roles(Role.HELPER)
def save_when():
    profile = get_own_profile()
    form = _when_form(profile)
    then = request.form.get("then", "add")
    conflicts: list[AvailabilitySlot] = []
    if then == "add" and not form.slot_given() and form.validate_on_submit():
        form.weekday.errors.append(_("Bitte wählen Sie einen Tag und die Uhrzeiten der neuen Zeit."))
    elif form.validate_on_submit():
        slot = (form.weekday.data, form.starts.data, form.ends.data) if form.slot_given() else None
        try:
            added = services.save_when(profile, monthly_cap=form.monthly_cap.data, slot=slot)
        except services.SlotConflict as conflict:
            conflicts = conflict.others
            spans = ", ".join(_slot_words(other) for other in conflicts)
            form.ends.errors.append(_("Diese Zeit überschneidet sich mit %(spans)s.", spans=spans))
        except services.ProfileError as error:
            form.ends.errors.append(str(error))
        else:
            message = (
                _("Neue Zeit gespeichert: %(slot)s.", slot=_slot_words(added)) if added else _("Gespeichert.")
            )
            leave_to = destination("when", then)
            if leave_to:
                flash(message, "success")
                return redirect_to(leave_to)
            return after_change(
                "profile/when.html",
                "slot_editor",
                message,
                url_for("profile.when", setup=1 if in_setup() else None),
                profile=profile,
                form=_when_form(profile, fresh=True),
                slots_by_day=_slots_by_day(profile),
                **setup_context("when"),
            )
    return _when_page(
        profile,
        form,
        AbsenceForm(formdata=None),
        status=422,
        block="slot_editor",
        conflict_ids={slot.id for slot in conflicts},
    )


def _slot_words(slot) -> str:
    names = availability.weekday_names(str(get_locale() or "de"))
    return f"{names[slot.weekday]} {availability.format_span(slot.starts, slot.ends)}"


@bp.route("/slots/<int:slot_id>/delete", methods=["POST"])
@roles(Role.HELPER)
def remove_slot(slot_id: int):
    profile = get_own_profile()
    slot = get_own_slot(profile, slot_id)
    words = _slot_words(slot)
    services.remove_slot(slot)
    return after_change(
        "profile/when.html",
        "slot_list",
        _("Entfernt: %(slot)s.", slot=words),
        url_for("profile.when", setup=1 if in_setup() else None),
        profile=profile,
        slots_by_day=_slots_by_day(profile),
        **setup_context("when"),
    )


@bp.route("/absences", methods=["POST"])
@roles(Role.HELPER)
def add_absence():
    profile = get_own_profile()
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            services.add_absence(profile, form.first_day.data, form.last_day.data, form.note.data)
        except services.ProfileError as error:
            form.last_day.errors.append(str(error))
        else:
            today = local_today()
            return after_change(
                "profile/when.html",
                "absence_editor",
                _("Abwesenheit gespeichert."),
                url_for("profile.when"),
                profile=profile,
                absence_form=AbsenceForm(formdata=None),
                upcoming=[a for a in profile.absences if a.last_day >= today],
                past=[a for a in profile.absences if a.last_day < today],
                **setup_context("when"),
            )
    return _when_page(profile, _when_form(profile, fresh=True), form, status=422, block="absence_editor")


@bp.route("/absences/<int:absence_id>/delete", methods=["POST"])
@roles(Role.HELPER)
def remove_absence(absence_id: int):
    profile = get_own_profile()
    absence = get_own_absence(profile, absence_id)
    services.remove_absence(absence)
    today = local_today()
    return after_change(
        "profile/when.html",
        "absence_list",
        _("Abwesenheit entfernt."),
        url_for("profile.when"),
        profile=profile,
        upcoming=[a for a in profile.absences if a.last_day >= today],
        past=[a for a in profile.absences if a.last_day < today],
        **setup_context("when"),
    )


# --- topics and more -----------------------------------------------------------------------


@bp.route("/more", methods=["GET", "POST"])
@roles(Role.HELPER)
def more():
    profile = get_own_profile()
    topics = queries.active_topics()
    form = MoreForm(topics=topics)
    if request.method == "GET":
        form.topics.data = [topic.id for topic in profile.topics]
        form.kind.data = profile.kind.value
        form.gender.data = profile.gender.value if profile.gender else ""
        form.phone.data = profile.phone
        form.directory_opt_in.data = profile.directory_opt_in
        form.locale.data = current_user.locale or request.accept_languages.best_match(
            [choice.value for choice in form.locale.choices]
        )
    elif form.validate_on_submit():
        by_id = {topic.id: topic for topic in topics}
        services.update_more(
            profile,
            topics=[by_id[topic_id] for topic_id in form.topics.data],
            kind=HelperKind(form.kind.data),
            gender=Gender(form.gender.data) if form.gender.data else None,
            phone=form.phone.data,
            directory_opt_in=form.directory_opt_in.data,
            locale=form.locale.data,
        )
        flash(_("Gespeichert: Themen und weitere Angaben."), "success")
        then = request.form.get("then", "done")
        return redirect_to(destination("more", then) or url_for("profile.more"))
    status = 422 if form.errors else 200
    return render(
        "profile/more.html", "more_form", status=status, profile=profile, form=form, **setup_context("more")
    )


# --- consent -------------------------------------------------------------------------------


@bp.route("/consent")
@roles(Role.HELPER)
def consent():
    profile = get_own_profile()
    return render(
        "profile/consent.html",
        profile=profile,
        form=ConfirmForm(),
        version=services.CONSENT_VERSION,
        consent_current=services.consent_is_current(profile),
        **setup_context("consent"),
    )


@bp.route("/consent", methods=["POST"])
@roles(Role.HELPER)
def give_consent():
    profile = get_own_profile()
    if ConfirmForm().validate_on_submit():
        services.give_consent(profile, current_user._get_current_object())
        flash(_("Danke! Ihre Einwilligung ist gespeichert."), "success")
    if in_setup():
        return redirect_to(url_for("profile.show"))
    return redirect_to(url_for("profile.consent"))


@bp.route("/consent/withdraw", methods=["POST"])
@roles(Role.HELPER)
def withdraw_consent():
    profile = get_own_profile()
    if ConfirmForm().validate_on_submit() and profile.consent_given_at is not None:
        services.withdraw_consent(profile, current_user._get_current_object())
        flash(
            _(
                "Ihre Einwilligung ist widerrufen. Sie bekommen keine Anfragen mehr und stehen nicht im Verzeichnis."
            ),
            "success",
        )
    return redirect_to(url_for("profile.consent"))
