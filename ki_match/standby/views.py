"""The helper's standby days ("auf Abruf"): which days she can step in at short notice.

URL map:
  GET   /standby                  standby.index    her days from today on, and a form to add one
  POST  /standby                  standby.add      one more day (the panel swaps; 422 with the message)
  POST  /standby/<id>/remove      standby.remove   that day no more (the panel swaps)
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.standby import queries, services
from ki_match.standby.forms import StandbyDayForm

bp = Blueprint("standby", __name__, url_prefix="/standby")

TEMPLATE = "standby/index.html"


def _page(profile, form=None, message: str | None = None, status: int = 200):
    form = form or StandbyDayForm(formdata=None, profile=profile)
    days = queries.days_of(profile.id, local_today())
    return render(
        TEMPLATE, "standby_panel", status=status, profile=profile, form=form, days=days, message=message
    )


@bp.route("")
@roles(Role.HELPER)
def index():
    return _page(get_profile())


def _changed(profile, message: str):
    """After a change: the panel for htmx, else back to the page (303) with the message."""
    if wants_block("standby_panel"):
        return _page(profile, message=message)
    flash(message, "success")
    return redirect_to(url_for("standby.index"))


@bp.route("", methods=["POST"])
@roles(Role.HELPER)
def add():
    profile = get_profile()
    form = StandbyDayForm(profile=profile)
    if not form.validate_on_submit():
        return _page(profile, form, status=422)
    services.add_day(profile, form.day.data, current_user._get_current_object())
    db.session.commit()
    return _changed(profile, _("Sie sind am %(day)s auf Abruf.", day=dates.show(form.day.data, "day_medium")))


@bp.route("/<int:standby_id>/remove", methods=["POST"])
@roles(Role.HELPER)
def remove(standby_id: int):
    profile = get_profile()
    standby = queries.own_day(profile.id, standby_id)
    if standby is None:
        abort(404)
    day = standby.day
    services.remove_day(profile, standby, current_user._get_current_object())
    db.session.commit()
    return _changed(
        profile, _("Am %(day)s sind Sie nicht mehr auf Abruf.", day=dates.show(day, "day_medium"))
    )
