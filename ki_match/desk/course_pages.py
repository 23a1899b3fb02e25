"""The coordinators' training courses: the list, the course form, the course page with its
participants, waiting list and attendance.

    GET       /courses                                          index        upcoming first, then past
    GET, POST /courses/new                                      new          the course form
    GET       /courses/<course_id>                              show         dates, people, attendance
    GET, POST /courses/<course_id>/edit                         edit
    POST      /courses/<course_id>/signups                      sign_up      a helper of the KI, by phone
    POST      /courses/<course_id>/signups/<profile_id>/remove  remove       her seat or waiting place
    POST      /courses/<course_id>/dates/<date_id>/attendance   attendance   htmx swaps the date's block
    POST      /courses/<course_id>/cancel                       cancel       after a ticked confirmation

The rules are ``training.services`` (the course), ``training.signups`` (seats and the waiting
list) and ``training.attendance`` (who was there, the qualification it completes).
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.clock import local_today, utcnow
from ki_match.core.text import short_name
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import courses as bp
from ki_match.desk.course_forms import (
    EMPTY_ROWS,
    AttendanceForm,
    CancelForm,
    CourseForm,
    SignupForm,
    course_form_for,
)
from ki_match.extensions import db
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.training import queries
from ki_match.training.attendance import AttendanceError, record_attendance, recordable
from ki_match.training.loaders import get_course
from ki_match.training.models import Course, CourseDate, SignupStatus
from ki_match.training.services import CourseError, cancel_course, create_course, update_course
from ki_match.training.signups import SignupError, waiting_position, withdraw
from ki_match.training.signups import sign_up as sign_up_rule

SHOW = "training/show.html"
FORM = "training/form.html"


@bp.route("")
@roles(*STAFF)
def index():
    return render("training/index.html", courses=queries.course_list(current_ki().id, utcnow()))


def _render_form(form: CourseForm, course: Course | None = None, status: int = 200):
    action = url_for("courses.edit", course_id=course.id) if course else url_for("courses.new")
    return render(FORM, status=status, form=form, course=course, action=action)


def _sent_form() -> tuple[CourseForm, bool]:
    """The form as sent; True when the coordinator asked for more rows (and the modules as typed)
    rather than to save."""
    form = CourseForm()
    more = request.form.get("intent") == "more"
    form.offer_modules(EMPTY_ROWS if more else 0)
    return form, more


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def new():
    if request.method == "GET":
        form = CourseForm(formdata=None)
        form.offer_modules()
        return _render_form(form)
    form, more = _sent_form()
    if more:
        return _render_form(form)
    if not form.check():
        return _render_form(form, status=422)
    try:
        course = create_course(current_ki(), form.to_data(), actor())
    except CourseError as error:
        form.show_errors(error.errors)
        return _render_form(form, status=422)
    db.session.commit()
    flash(_("Der Kurs ist angelegt."), "success")
    return redirect_to(url_for("courses.show", course_id=course.id))


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit(course_id: int):
    course = get_course(course_id)
    if course.is_cancelled:
        flash(_("Dieser Kurs wurde abgesagt."), "error")
        return redirect_to(url_for("courses.show", course_id=course.id))
    if request.method == "GET":
        return _render_form(course_form_for(course), course)
    form, more = _sent_form()
    if more:
        return _render_form(form, course)
    if not form.check(course):
        return _render_form(form, course, status=422)
    try:
        moved = update_course(course.id, form.to_data(), actor())[1]
    except CourseError as error:
        form.show_errors(error.errors)
        return _render_form(form, get_course(course_id), status=422)
    except SignupError as error:
        flash(str(error), "error")
        return redirect_to(url_for("courses.show", course_id=course_id))
    flash(_("Die Änderungen sind gespeichert."), "success")
    if moved:
        flash(_("Von der Warteliste nachgerückt: %(names)s.", names=_names(moved)), "success")
    return redirect_to(url_for("courses.show", course_id=course_id))


def _names(signups) -> str:
    return ", ".join(signup.helper.user.display_name for signup in signups)


# --- the course page ---------------------------------------------------------------------------


def _attendance_form(course_date: CourseDate, *, sent: bool = False) -> AttendanceForm:
    if sent:
        return AttendanceForm(prefix=f"att-{course_date.id}")
    form = AttendanceForm(prefix=f"att-{course_date.id}", formdata=None)
    form.present.data = [row.helper_id for row in course_date.attendances]
    return form


def _page_context(course: Course, **extra) -> dict:
    """Everything the course page draws; ``extra`` replaces a form that came back with errors."""
    registered = queries.signups(course, SignupStatus.REGISTERED)
    signup_form = extra.pop("signup_form", None) or SignupForm(prefix="signup", formdata=None)
    signup_form.offer(queries.signable_helpers(course))
    sent = extra.pop("attendance", {})  # date id → the form that came back
    return {
        "course": course,
        "registered": registered,
        "waiting": queries.signups(course, SignupStatus.WAITING),
        "signup_form": signup_form,
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(prefix="cancel", formdata=None),
        "attendance_forms": {
            course_date.id: sent.get(course_date.id) or _attendance_form(course_date)
            for course_date in course.dates
        },
        "recordable": {
            course_date.id for course_date in course.dates if recordable(course, course_date, local_today())
        },
        "today": local_today(),
        **extra,
    }


@bp.route("/<int:course_id>")
@roles(*STAFF)
def show(course_id: int):
    course = get_course(course_id)
    return render(SHOW, **_page_context(course))


def _back(course: Course, anchor: str | None = None):
    return redirect_to(url_for("courses.show", course_id=course.id, _anchor=anchor))


@bp.route("/<int:course_id>/signups", methods=["POST"])
@roles(*STAFF)
def sign_up(course_id: int):
    course = get_course(course_id)
    form = SignupForm(prefix="signup")
    form.offer(queries.signable_helpers(course))
    offered = {int(choice.value) for choice in form.helper_id.choices if choice.value}
    if form.validate() and form.helper_id.data not in offered:
        form.helper_id.errors.append(_("Diese Person kann nicht angemeldet werden."))
    if form.errors:
        return render(SHOW, status=422, **_page_context(course, signup_form=form))
    try:
        signup = sign_up_rule(course.id, form.helper_id.data, actor())
    except SignupError as error:
        flash(str(error), "error")
        return _back(course, "participants-heading")
    name = signup.helper.user.display_name
    if signup.status == SignupStatus.REGISTERED:
        flash(_("%(name)s ist angemeldet.", name=name), "success")
    else:
        flash(
            _(
                "%(name)s steht auf der Warteliste (Platz %(place)d).",
                name=name,
                place=waiting_position(signup),
            ),
            "success",
        )
    return _back(course, "participants-heading")


@bp.route("/<int:course_id>/signups/<int:profile_id>/remove", methods=["POST"])
@roles(*STAFF)
def remove(course_id: int, profile_id: int):
    course = get_course(course_id)
    profile = get_profile(profile_id)
    name = profile.user.display_name
    try:
        moved = withdraw(course.id, profile.id, actor())
    except SignupError as error:
        flash(str(error), "error")
        return _back(course, "participants-heading")
    flash(_("%(name)s ist vom Kurs abgemeldet.", name=name), "success")
    if moved:
        flash(_("Von der Warteliste nachgerückt: %(names)s.", names=_names(moved)), "success")
    return _back(course, "participants-heading")


@bp.route("/<int:course_id>/dates/<int:date_id>/attendance", methods=["POST"])
@roles(*STAFF)
def attendance(course_id: int, date_id: int):
    course = get_course(course_id)
    course_date = next((found for found in course.dates if found.id == date_id), None)
    if course_date is None:
        abort(404)
    form = _attendance_form(course_date, sent=True)
    target = f"course-date-{course_date.id}"
    qualified = []
    if form.validate():
        try:
            qualified = record_attendance(course_date.id, form.present.data or [], actor())
        except AttendanceError as error:
            db.session.rollback()
            form.present.errors.append(str(error))
    if form.errors:
        return _date_answer(course, course_date, target, 422, attendance={course_date.id: form})
    db.session.commit()
    words = [_("Die Anwesenheit ist gespeichert.")]
    words += [
        _("%(name)s hat die Qualifizierung abgeschlossen.", name=short_name(profile.user.display_name))
        for profile in qualified
    ]
    message = " ".join(words)
    if not wants_block("course_date", target):
        flash(message, "success")
        return _back(course, target)
    return _date_answer(get_course(course_id), course_date, target, 200, message=message)


def _date_answer(course: Course, course_date: CourseDate, target: str, status: int, **extra):
    """The date's block for htmx, or the whole page (422 with the form's error) without it."""
    course_date = next(found for found in course.dates if found.id == course_date.id)
    context = _page_context(course, **extra)
    if wants_block("course_date", target):
        return render(SHOW, "course_date", status, target=target, course_date=course_date, **context)
    return render(SHOW, status=status, **context)


@bp.route("/<int:course_id>/cancel", methods=["POST"])
@roles(*STAFF)
def cancel(course_id: int):
    course = get_course(course_id)
    form = CancelForm(prefix="cancel")
    if course.is_cancelled:
        return _back(course)
    if not form.validate():
        return render(SHOW, status=422, **_page_context(course, cancel_form=form))
    cancel_course(course.id, actor())
    flash(_("Der Kurs ist abgesagt. Alle Angemeldeten und Wartenden werden benachrichtigt."), "success")
    return _back(course)
