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

The languages step is in ``language_views.py``, the week (slots, cap, absences) in
``week_views.py``; both add their routes to this module's blueprint and share its set-up
helpers. Partials are blocks of the page templates, chosen by the htmx target (see
ki_match.htmx). Without JavaScript every form posts and is answered with 303 back to its page.
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.core.locales import browser_language
from ki_match.helpers import availability
from ki_match.helpers.events import FreedCommitments
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.services import is_matchable, missing_items
from ki_match.htmx import redirect_to, render, render_form, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.profile import queries, services
from ki_match.profile.forms import GENDER_CHOICES, KIND_CHOICES, MoreForm, PoolForm, WhereForm, level_choices

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.context_processor
def helpers_for_templates():
    return {
        "day_names": dates.weekday_names(),
        "format_span": dates.time_range,
        "level_options": level_choices()[1:],
        "kind_labels": KIND_CHOICES,
        "gender_labels": GENDER_CHOICES,
    }


# --- loading, always within the helper's own profile ----------------------------------------


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


def after_change(step: str, block: str, message: str, **context):
    """A saved change on the page of set-up ``step``: the swapped block (with its status message)
    for htmx, else 303 back to the page."""
    if wants_block(block):
        return render(f"profile/{step}.html", block, status_message=message, **setup_context(step), **context)
    flash(message, "success")
    return redirect_to(url_for(f"profile.{step}", setup=1 if in_setup() else None))


def _saved(step: str, message: str):
    """A set-up step's form was saved: on to where its button leads (the overview by default)."""
    flash(message, "success")
    then = request.form.get("then", "done")
    return redirect_to(destination(step, then) or url_for(f"profile.{step}"))


# --- overview and set-up -------------------------------------------------------------------


@bp.route("")
@roles(Role.HELPER)
def show():
    profile = get_profile(details=True)
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
        week=availability.week_table(profile.slots, dates.week_order()),
        upcoming_absences=queries.upcoming_absences(profile, today),
        police=services.police_certificate_of(profile),
        matchable=is_matchable(profile),
        consent_current=services.consent_is_current(profile),
    )


@bp.route("/setup")
@roles(Role.HELPER)
def setup():
    profile = get_profile(details=True)
    target = services.next_missing_step(profile)
    if target is None:
        return redirect_to(url_for("profile.show"))
    return redirect_to(url_for(target.endpoint, setup=1))


# --- where ---------------------------------------------------------------------------------


@bp.route("/where", methods=["GET", "POST"])
@roles(Role.HELPER)
def where():
    profile = get_profile(details=True)
    ki = current_ki()
    towns = queries.towns(ki)
    form = WhereForm(towns=towns)
    if request.method == "GET":
        form.home_town.data = profile.home_town_id
        form.towns.data = [town.id for town in profile.towns]
        form.max_travel_km.data = profile.max_travel_km
        form.remote_ok.data = profile.remote_ok
        form.has_no_car.data = profile.has_no_car
    elif form.validate_on_submit():
        by_id = {town.id: town for town in towns}
        services.update_where(
            profile,
            home_town=by_id[form.home_town.data],
            towns=[by_id[town_id] for town_id in form.towns.data],
            max_travel_km=form.max_travel_km.data,
            remote_ok=form.remote_ok.data,
            has_no_car=form.has_no_car.data,
        )
        return _saved("where", _("Gespeichert: wo Sie helfen."))
    return render_form(
        "profile/where.html", "where_form", profile=profile, **setup_context("where"), form=form
    )


# --- topics and more -----------------------------------------------------------------------


@bp.route("/more", methods=["GET", "POST"])
@roles(Role.HELPER)
def more():
    profile = get_profile(details=True)
    topics = queries.topics_to_pick(current_ki(), profile)
    form = MoreForm(topics=topics)
    if request.method == "GET":
        form.topics.data = [topic.id for topic in profile.topics]
        form.kind.data = profile.kind.value
        form.gender.data = profile.gender.value if profile.gender else ""
        form.phone.data = profile.phone
        form.directory_opt_in.data = profile.directory_opt_in
        form.locale.data = current_user.locale or browser_language(
            request.accept_languages, [choice.value for choice in form.locale.choices]
        )
    elif form.validate_on_submit():
        services.update_more(profile, **form.chosen(topics))
        return _saved("more", _("Gespeichert: Themen und weitere Angaben."))
    return render_form("profile/more.html", "more_form", profile=profile, form=form, **setup_context("more"))


# --- consent -------------------------------------------------------------------------------


@bp.route("/consent")
@roles(Role.HELPER)
def consent():
    profile = get_profile(details=True)
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
    profile = get_profile(details=True)
    if ConfirmForm().validate_on_submit():
        services.give_consent(profile, current_user._get_current_object())
        flash(_("Danke! Ihre Einwilligung ist gespeichert."), "success")
    if in_setup():
        return redirect_to(url_for("profile.show"))
    return redirect_to(url_for("profile.consent"))


@bp.route("/consent/withdraw", methods=["POST"])
@roles(Role.HELPER)
def withdraw_consent():
    profile = get_profile(details=True)
    if ConfirmForm().validate_on_submit() and profile.consent_given_at is not None:
        freed = services.withdraw_consent(profile, current_user._get_current_object())
        flash(
            _(
                "Ihre Einwilligung ist widerrufen. Sie bekommen keine Anfragen mehr und stehen nicht im Verzeichnis."
            ),
            "success",
        )
        _flash_what_ended(freed)
    return redirect_to(url_for("profile.consent"))


# --- the shared pool -----------------------------------------------------------------------


@bp.route("/pool", methods=["GET", "POST"])
@roles(Role.HELPER)
def pool():
    """Whether other KIs may ask her, with what they see before she accepts."""
    profile = get_profile()
    form = PoolForm(obj=profile)
    if form.validate_on_submit():
        withdrawn = services.set_pool_consent(
            profile,
            remote=form.pool_remote_ok.data,
            in_person=form.pool_in_person_ok.data,
            actor=current_user._get_current_object(),
        )
        flash(_("Gespeichert: Anfragen anderer KIs."), "success")
        if withdrawn:
            flash(
                ngettext(
                    "Eine offene Anfrage eines anderen KI wurde zurückgezogen.",
                    "%(num)d offene Anfragen anderer KIs wurden zurückgezogen.",
                    withdrawn,
                ),
                "success",
            )
        return redirect_to(url_for("profile.pool"))
    return render_form("profile/pool.html", "pool_form", profile=profile, form=form, ki=current_ki())


def _flash_what_ended(freed: FreedCommitments) -> None:
    if freed.offers_withdrawn:
        flash(
            ngettext(
                "Eine offene Anfrage an Sie wurde zurückgezogen.",
                "%(num)d offene Anfragen an Sie wurden zurückgezogen.",
                freed.offers_withdrawn,
            ),
            "success",
        )
    if freed.reopened:
        flash(
            ngettext(
                "Ein bestätigter Einsatz ist abgesagt; das Integrationszentrum ist informiert.",
                "%(num)d bestätigte Einsätze sind abgesagt; das Integrationszentrum ist informiert.",
                len(freed.reopened),
            ),
            "success",
        )
