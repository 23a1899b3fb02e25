"""The helper's side of training courses: the upcoming courses of her KI, signing up and withdrawing.

URL map:
  GET   /training                   training.index      upcoming courses as cards, then her past ones
  POST  /training/<id>/sign-up      training.sign_up    a seat, or the waiting list (the card swaps)
  POST  /training/<id>/withdraw     training.withdraw   off the course or its waiting list (the card swaps)

A helper not approved yet may sign up too: training often comes before approval.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import HelperProfile
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.training import helper_queries as queries
from ki_match.training import signups
from ki_match.training.helper_queries import CourseCard
from ki_match.training.models import SignupStatus

bp = Blueprint("training", __name__)

TEMPLATE = "training/helper_courses.html"


def get_card(course_id: int, profile: HelperProfile | None = None) -> CourseCard:
    """The course of the helper's own KI as her card, or 404 (another KI's course is as good as none)."""
    card = queries.course_card(course_id, profile or get_profile())
    if card is None:
        abort(404)
    return card


def _page(notices: dict | None = None, status: int = 200):
    profile = get_profile()
    return render(
        TEMPLATE,
        status=status,
        profile=profile,
        cards=queries.upcoming_cards(profile),
        past=queries.past_courses(profile),
        notices=notices or {},
    )


@bp.route("/training")
@roles(Role.HELPER)
def index():
    return _page()


def _answered(course_id: int, message: str, *, failed: bool = False):
    """The card as it is now with the result in it; without htmx the page: after a change back to it
    (303), after a refusal at once, the reason next to the card."""
    card = get_card(course_id)
    if wants_block("course_card", card.dom_id):
        return render(
            TEMPLATE,
            "course_card",
            status=409 if failed else 200,
            target=card.dom_id,
            card=card,
            notices={course_id: (message, failed)},
        )
    if failed:
        return _page({course_id: (message, True)}, status=409)
    flash(message, "success")
    return redirect_to(url_for("training.index", _anchor=card.dom_id))


@bp.route("/training/<int:course_id>/sign-up", methods=["POST"])
@roles(Role.HELPER)
def sign_up(course_id: int):
    profile = get_profile()
    get_card(course_id, profile)
    try:
        signup = signups.sign_up(course_id, profile.id, current_user._get_current_object())
    except signups.SignupError as error:
        return _answered(course_id, str(error), failed=True)
    if signup.status == SignupStatus.REGISTERED:
        return _answered(course_id, _("Sie sind angemeldet. Wir freuen uns auf Sie!"))
    return _answered(
        course_id,
        _(
            "Sie stehen auf der Warteliste (Platz %(position)d). Wird ein Platz frei, bekommen Sie eine E-Mail.",
            position=signups.waiting_position(signup),
        ),
    )


@bp.route("/training/<int:course_id>/withdraw", methods=["POST"])
@roles(Role.HELPER)
def withdraw(course_id: int):
    profile = get_profile()
    get_card(course_id, profile)
    try:
        signups.withdraw(course_id, profile.id, current_user._get_current_object())
    except signups.SignupError as error:
        return _answered(course_id, str(error), failed=True)
    return _answered(course_id, _("Sie sind vom Kurs abgemeldet."))
