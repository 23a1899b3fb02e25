"""Step 1 of the helper's profile: the languages they speak, and how well (German too)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.htmx import redirect_to, render
from ki_match.orgs.queries import current_ki
from ki_match.profile import queries, services
from ki_match.profile.forms import LanguageForm, LevelForm
from ki_match.profile.views import after_change, bp, destination, setup_context
from ki_match.reference.names import language_name, level_label


def get_own_language(profile: HelperProfile, language_id: int) -> HelperLanguage:
    entry = queries.own_language(profile, language_id)
    if entry is None:
        abort(404)
    return entry


def _language_form(profile: HelperProfile, **kwargs) -> LanguageForm:
    return LanguageForm(
        languages=queries.active_languages(current_ki()),
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
    profile = get_profile(details=True)
    return _languages_page(profile, _language_form(profile))


@bp.route("/languages", methods=["POST"])
@roles(Role.HELPER)
def add_language():
    profile = get_profile(details=True)
    form = _language_form(profile)
    then = request.form.get("then", "add")
    row_given = bool(request.form.get("language") or request.form.get("level"))
    if then != "add" and not row_given:
        # Weiter, Zurück or Fertig with nothing typed in the new row: nothing to save.
        return redirect_to(destination("languages", then) or url_for("profile.languages"))
    if form.validate_on_submit():
        language = queries.language(current_ki(), form.language.data)
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
                "languages",
                "language_editor",
                message,
                profile=profile,
                entries=services.sorted_languages(profile),
                form=fresh,
            )
    return _languages_page(profile, form, status=422, block="language_editor")


@bp.route("/languages/<int:language_id>", methods=["POST"])
@roles(Role.HELPER)
def change_language(language_id: int):
    profile = get_profile(details=True)
    entry = get_own_language(profile, language_id)
    level_form = LevelForm()
    if level_form.validate_on_submit():
        services.change_level(entry, level_form.level.data)
        return after_change(
            "languages",
            "language_list",
            _(
                "%(language)s: jetzt %(level)s.",
                language=language_name(entry.language),
                level=level_label(entry.level),
            ),
            profile=profile,
            entries=services.sorted_languages(profile),
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
    profile = get_profile(details=True)
    entry = get_own_language(profile, language_id)
    name = language_name(entry.language)
    services.remove_language(entry)
    return after_change(
        "languages",
        "language_list",
        _("%(language)s ist entfernt.", language=name),
        profile=profile,
        entries=services.sorted_languages(profile),
    )
