"""Step 3 of the helper's profile: when they can help — weekly slots, a monthly cap, absences."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.helpers import availability
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import Absence, AvailabilitySlot, HelperProfile
from ki_match.htmx import redirect_to, render
from ki_match.profile import queries, services
from ki_match.profile.forms import AbsenceForm, WhenForm
from ki_match.profile.views import after_change, bp, destination, setup_context


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


def _when_page(profile, form, absence_form, status=200, block=None, **extra):
    today = local_today()
    return render(
        "profile/when.html",
        block,
        status=status,
        profile=profile,
        form=form,
        absence_form=absence_form,
        week=availability.week_table(profile.slots, dates.week_order()),
        slots_by_day=_slots_by_day(profile),
        upcoming=[a for a in profile.absences if a.last_day >= today],
        past=[a for a in profile.absences if a.last_day < today],
        **setup_context("when"),
        **extra,
    )


def _slots_by_day(profile: HelperProfile) -> list[tuple[int, list[AvailabilitySlot]]]:
    return [
        (weekday, sorted((s for s in profile.slots if s.weekday == weekday), key=lambda s: s.starts))
        for weekday in dates.week_order()
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
    profile = get_profile(details=True)
    return _when_page(profile, _when_form(profile), AbsenceForm(formdata=None))


@bp.route("/when", methods=["POST"])
@roles(Role.HELPER)
def save_when():
    profile = get_profile(details=True)
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
                "when",
                "slot_editor",
                message,
                profile=profile,
                form=_when_form(profile, fresh=True),
                slots_by_day=_slots_by_day(profile),
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
    names = dates.weekday_names()
    return f"{names[slot.weekday]} {dates.time_range(slot.starts, slot.ends)}"


@bp.route("/slots/<int:slot_id>/delete", methods=["POST"])
@roles(Role.HELPER)
def remove_slot(slot_id: int):
    profile = get_profile(details=True)
    slot = get_own_slot(profile, slot_id)
    words = _slot_words(slot)
    services.remove_slot(slot)
    return after_change(
        "when",
        "slot_list",
        _("Entfernt: %(slot)s.", slot=words),
        profile=profile,
        slots_by_day=_slots_by_day(profile),
    )


@bp.route("/absences", methods=["POST"])
@roles(Role.HELPER)
def add_absence():
    profile = get_profile(details=True)
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            services.add_absence(profile, form.first_day.data, form.last_day.data, form.note.data)
        except services.ProfileError as error:
            form.last_day.errors.append(str(error))
        else:
            today = local_today()
            return after_change(
                "when",
                "absence_editor",
                _("Abwesenheit gespeichert."),
                profile=profile,
                absence_form=AbsenceForm(formdata=None),
                upcoming=[a for a in profile.absences if a.last_day >= today],
                past=[a for a in profile.absences if a.last_day < today],
            )
    return _when_page(profile, _when_form(profile, fresh=True), form, status=422, block="absence_editor")


@bp.route("/absences/<int:absence_id>/delete", methods=["POST"])
@roles(Role.HELPER)
def remove_absence(absence_id: int):
    profile = get_profile(details=True)
    absence = get_own_absence(profile, absence_id)
    services.remove_absence(absence)
    today = local_today()
    return after_change(
        "when",
        "absence_list",
        _("Abwesenheit entfernt."),
        profile=profile,
        upcoming=[a for a in profile.absences if a.last_day >= today],
        past=[a for a in profile.absences if a.last_day < today],
    )
