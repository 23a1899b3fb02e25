"""The coordinators' pages for helpers the KI manages (``helpers.managed``), and the internal note.

URL map (coordinators and admins; every profile through ``helpers.loaders.get_profile``):

    GET  /helpers/managed/new, POST                        new_managed       create one
    GET  /helpers/<id>/manage                              manage            her profile, every part
    POST /helpers/<id>/manage/contact                      manage_contact    name, phone, e-mail
    POST /helpers/<id>/manage/consent                      manage_consent    the consent on paper
    POST /helpers/<id>/manage/languages                    manage_language   add a language
    POST /helpers/<id>/manage/languages/<lid>/delete       manage_language_remove
    POST /helpers/<id>/manage/where                        manage_where      home town, towns, distance
    POST /helpers/<id>/manage/when                         manage_when       a weekly slot, the cap
    POST /helpers/<id>/manage/slots/<sid>/delete           manage_slot_remove
    POST /helpers/<id>/manage/absences                     manage_absence
    POST /helpers/<id>/manage/absences/<aid>/delete        manage_absence_remove
    POST /helpers/<id>/manage/more                         manage_more       kind, topics, gender …
    POST /helpers/<id>/manage/invite                       manage_invite     turn into her own account

(Her data as a file, and its erasure: ``managed_privacy``. The internal note, on any helper's
page, is ``helper_pages.note``.)

Her parts are changed with the services a helper uses on her own profile (``profile.services``);
a helper who keeps her own profile is 404 here (only the note and the checks are the KI's). Each
form posts and answers 303 back to the page's section, or 422 with the page and its errors.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.core import dates
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import helpers as bp
from ki_match.desk.managed_forms import (
    ContactForm,
    ManagedEraseForm,
    ManagedHelperForm,
    ManagedInviteForm,
    PaperConsentForm,
)
from ki_match.extensions import db
from ki_match.helpers import managed
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import HelperKind, HelperProfile
from ki_match.htmx import redirect_to, render
from ki_match.orgs.queries import current_ki
from ki_match.profile import queries as profile_queries
from ki_match.profile import services as profile_services
from ki_match.profile.forms import AbsenceForm, LanguageForm, MoreForm, WhenForm, WhereForm

TEMPLATE = "helpers/manage.html"


def managed_profile(profile_id: int) -> HelperProfile:
    """The profile, if the KI manages it; a helper's own profile is not the coordinators' to edit."""
    profile = get_profile(profile_id, details=True)
    if not profile.user.is_managed:
        abort(404)
    return profile


def _forms(profile: HelperProfile) -> dict:
    """Every form of the page, filled with what is stored (nothing typed yet)."""
    ki = current_ki()
    contact = ContactForm(formdata=None, obj=profile.user, prefix="contact")
    contact.phone.data = profile.phone
    where = WhereForm(formdata=None, towns=profile_queries.towns(ki), prefix="where")
    where.home_town.data = profile.home_town_id
    where.towns.data = [town.id for town in profile.towns]
    where.max_travel_km.data, where.remote_ok.data = profile.max_travel_km, profile.remote_ok
    where.has_no_car.data = profile.has_no_car
    when = WhenForm(formdata=None, prefix="when")
    when.monthly_cap.data = profile.monthly_cap
    more = MoreForm(formdata=None, topics=profile_queries.topics_to_pick(ki, profile), prefix="more")
    more.topics.data = [topic.id for topic in profile.topics]
    more.kind.data = profile.kind.value
    more.gender.data = profile.gender.value if profile.gender else ""
    more.phone.data = profile.phone
    more.directory_opt_in.data = profile.directory_opt_in
    more.locale.data = profile.user.locale or "de"
    return {
        "contact_form": contact,
        "consent_form": PaperConsentForm(formdata=None, prefix="consent"),
        "language_form": _language_form(profile, formdata=None),
        "where_form": where,
        "when_form": when,
        "absence_form": AbsenceForm(formdata=None, prefix="absence"),
        "more_form": more,
        "invite_form": ManagedInviteForm(formdata=None, prefix="invite"),
        "erase_form": ManagedEraseForm(formdata=None, prefix="erase"),
    }


def _language_form(profile: HelperProfile, **kwargs) -> LanguageForm:
    return LanguageForm(
        languages=profile_queries.active_languages(current_ki()),
        taken=[entry.language_id for entry in profile.languages],
        prefix="language",
        **kwargs,
    )


def manage_page(profile: HelperProfile, status: int = 200, **typed):
    """The page; ``typed`` holds the form sent back with its errors (the others as stored)."""
    forms = _forms(profile) | typed
    return render(
        TEMPLATE,
        status=status,
        profile=profile,
        languages=profile_services.sorted_languages(profile),
        day_names=dates.weekday_names(),
        format_span=dates.time_range,
        **forms,
    )


def _back(profile: HelperProfile, message: str, section: str):
    flash(message, "success")
    return redirect_to(url_for("helpers.manage", profile_id=profile.id, _anchor=section))


def _field_error(form, error: managed.ManagedError, default: str) -> None:
    field = form[error.field] if error.field and error.field in form else form[default]
    field.errors = [*field.errors, str(error)]


# --- a new one --------------------------------------------------------------------------------


@bp.route("/managed/new", methods=["GET", "POST"])
@roles(*STAFF)
def new_managed():
    form = ManagedHelperForm()
    if form.validate_on_submit():
        try:
            profile = managed.create_managed_helper(
                current_ki(),
                display_name=form.display_name.data,
                phone=form.phone.data,
                email=form.email.data,
                kind=HelperKind(form.kind.data),
                consent_on=form.consent_on.data if form.consent.data else None,
                note=form.note.data,
                actor=actor(),
            )
        except managed.ManagedError as error:
            db.session.rollback()
            _field_error(form, error, "display_name")
        else:
            flash(
                _(
                    "%(name)s ist angelegt. Tragen Sie jetzt Sprachen, Orte und Zeiten ein.",
                    name=profile.user.display_name,
                ),
                "success",
            )
            return redirect_to(url_for("helpers.manage", profile_id=profile.id))
    return render("helpers/new_managed.html", status=422 if form.errors else 200, form=form)


# --- her page ----------------------------------------------------------------------------------


@bp.route("/<int:profile_id>/manage")
@roles(*STAFF)
def manage(profile_id: int):
    return manage_page(managed_profile(profile_id))


@bp.route("/<int:profile_id>/manage/contact", methods=["POST"])
@roles(*STAFF)
def manage_contact(profile_id: int):
    profile = managed_profile(profile_id)
    form = ContactForm(prefix="contact")
    if form.validate_on_submit():
        try:
            managed.update_contact(
                profile,
                display_name=form.display_name.data,
                phone=form.phone.data,
                email=form.email.data,
                actor=actor(),
            )
        except managed.ManagedError as error:
            db.session.rollback()
            _field_error(form, error, "display_name")
        else:
            return _back(profile, _("Kontakt gespeichert."), "contact")
    return manage_page(profile, 422, contact_form=form)


@bp.route("/<int:profile_id>/manage/consent", methods=["POST"])
@roles(*STAFF)
def manage_consent(profile_id: int):
    profile = managed_profile(profile_id)
    form = PaperConsentForm(prefix="consent")
    if form.validate_on_submit():
        try:
            managed.record_paper_consent(profile, form.consent_on.data, actor())
        except managed.ManagedError as error:
            db.session.rollback()
            _field_error(form, error, "consent_on")
        else:
            return _back(profile, _("Einwilligung eingetragen: die Person ist freigegeben."), "consent")
    return manage_page(profile, 422, consent_form=form)


@bp.route("/<int:profile_id>/manage/languages", methods=["POST"])
@roles(*STAFF)
def manage_language(profile_id: int):
    profile = managed_profile(profile_id)
    form = _language_form(profile)
    if form.validate_on_submit():
        language = profile_queries.language(current_ki(), form.language.data)
        if language is None:
            abort(404)
        try:
            profile_services.add_language(profile, language, form.level.data)
        except profile_services.ProfileError as error:
            form.language.errors = [str(error)]
        else:
            return _back(profile, _("Sprache gespeichert."), "languages")
    return manage_page(profile, 422, language_form=form)


@bp.route("/<int:profile_id>/manage/languages/<int:language_id>/delete", methods=["POST"])
@roles(*STAFF)
def manage_language_remove(profile_id: int, language_id: int):
    profile = managed_profile(profile_id)
    entry = profile_queries.own_language(profile, language_id)
    if entry is None:
        abort(404)
    profile_services.remove_language(entry)
    return _back(profile, _("Sprache entfernt."), "languages")


@bp.route("/<int:profile_id>/manage/where", methods=["POST"])
@roles(*STAFF)
def manage_where(profile_id: int):
    profile = managed_profile(profile_id)
    towns = profile_queries.towns(current_ki())
    form = WhereForm(towns=towns, prefix="where")
    if form.validate_on_submit():
        by_id = {town.id: town for town in towns}
        profile_services.update_where(
            profile,
            home_town=by_id[form.home_town.data],
            towns=[by_id[town_id] for town_id in form.towns.data],
            max_travel_km=form.max_travel_km.data,
            remote_ok=form.remote_ok.data,
            has_no_car=form.has_no_car.data,
        )
        return _back(profile, _("Gespeichert: wo die Person hilft."), "where")
    return manage_page(profile, 422, where_form=form)


@bp.route("/<int:profile_id>/manage/when", methods=["POST"])
@roles(*STAFF)
def manage_when(profile_id: int):
    profile = managed_profile(profile_id)
    form = WhenForm(prefix="when")
    if form.validate_on_submit():
        slot = (form.weekday.data, form.starts.data, form.ends.data) if form.slot_given() else None
        try:
            profile_services.save_when(profile, monthly_cap=form.monthly_cap.data, slot=slot)
        except profile_services.ProfileError as error:
            form.ends.errors = [str(error)]
        else:
            return _back(profile, _("Gespeichert."), "when")
    return manage_page(profile, 422, when_form=form)


@bp.route("/<int:profile_id>/manage/slots/<int:slot_id>/delete", methods=["POST"])
@roles(*STAFF)
def manage_slot_remove(profile_id: int, slot_id: int):
    profile = managed_profile(profile_id)
    slot = next((slot for slot in profile.slots if slot.id == slot_id), None)
    if slot is None:
        abort(404)
    profile_services.remove_slot(slot)
    return _back(profile, _("Zeit entfernt."), "when")


@bp.route("/<int:profile_id>/manage/absences", methods=["POST"])
@roles(*STAFF)
def manage_absence(profile_id: int):
    profile = managed_profile(profile_id)
    form = AbsenceForm(prefix="absence")
    if form.validate_on_submit():
        try:
            profile_services.add_absence(profile, form.first_day.data, form.last_day.data, form.note.data)
        except profile_services.ProfileError as error:
            form.last_day.errors = [str(error)]
        else:
            return _back(profile, _("Abwesenheit gespeichert."), "when")
    return manage_page(profile, 422, absence_form=form)


@bp.route("/<int:profile_id>/manage/absences/<int:absence_id>/delete", methods=["POST"])
@roles(*STAFF)
def manage_absence_remove(profile_id: int, absence_id: int):
    profile = managed_profile(profile_id)
    absence = next((absence for absence in profile.absences if absence.id == absence_id), None)
    if absence is None:
        abort(404)
    profile_services.remove_absence(absence)
    return _back(profile, _("Abwesenheit entfernt."), "when")


@bp.route("/<int:profile_id>/manage/more", methods=["POST"])
@roles(*STAFF)
def manage_more(profile_id: int):
    profile = managed_profile(profile_id)
    topics = profile_queries.topics_to_pick(current_ki(), profile)
    form = MoreForm(topics=topics, prefix="more")
    if not form.validate_on_submit():
        return manage_page(profile, 422, more_form=form)
    if not (form.phone.data or "").strip() and not profile.user.email:
        form.phone.errors = [_("Ohne E-Mail-Adresse braucht es eine Telefonnummer.")]
    else:
        profile_services.update_more(profile, **form.chosen(topics))
        return _back(profile, _("Gespeichert: Themen und weitere Angaben."), "more")
    return manage_page(profile, 422, more_form=form)


@bp.route("/<int:profile_id>/manage/invite", methods=["POST"])
@roles(*STAFF)
def manage_invite(profile_id: int):
    profile = managed_profile(profile_id)
    form = ManagedInviteForm(prefix="invite")
    if form.validate_on_submit():
        try:
            managed.invite_managed(profile, form.email.data, actor())
        except managed.ManagedError as error:
            db.session.rollback()
            _field_error(form, error, "email")
        else:
            return _back(
                profile, _("Die Einladung an %(email)s ist unterwegs.", email=profile.user.email), "invite"
            )
    return manage_page(profile, 422, invite_form=form)
