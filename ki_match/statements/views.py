"""The yearly statement of a helper's allowance: for the helper herself, and for coordinators from
her record, as a printable page and as an XLSX file; the coordinators choose her limit.

URL map
  GET   /statements                                            statements.mine         her statement, this year
  GET   /statements/<year>                                     statements.mine         … of another year
  GET   /statements/<year>.xlsx                                statements.mine_xlsx
  GET   /statements/helpers/<profile_id>                       statements.helper       a helper's (coordinators)
  GET   /statements/helpers/<profile_id>/<year>                statements.helper
  GET   /statements/helpers/<profile_id>/<year>.xlsx           statements.helper_xlsx
  POST  /statements/helpers/<profile_id>/<year>/limit          statements.set_limit    Ehrenamts- or Übungsleiterpauschale
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.audit.services import record
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import set_allowance_limit
from ki_match.htmx import redirect_to, render
from ki_match.reports.formatting import Figures
from ki_match.statements import exports
from ki_match.statements.building import statement
from ki_match.statements.forms import LimitForm
from ki_match.statements.limits import LIMIT_NAMES

bp = Blueprint("statements", __name__, url_prefix="/statements")

STAFF = (Role.COORDINATOR, Role.ADMIN)
FIRST_YEAR = 2000


@bp.app_template_global()
def allowance_limit_name(profile: HelperProfile) -> str:
    """The limit a helper's allowance is held against, by name (her record on the desk)."""
    return str(LIMIT_NAMES[profile.allowance_limit])


def _year(year: int | None) -> int:
    """The year asked for: this one by default; none before 2000 or after the next."""
    this_year = local_today().year
    if year is None:
        return this_year
    if not FIRST_YEAR <= year <= this_year + 1:
        abort(404)
    return year


def _page(helper: HelperProfile, year: int, *, staff: bool, form: LimitForm | None = None, status: int = 200):
    shown = statement(helper, year)
    record("statement.viewed", subject=helper, year=year)
    if staff and form is None:
        form = LimitForm(formdata=None, allowance_limit=helper.allowance_limit.value)
    response = render(
        "statements/statement.html",
        "limit_form",
        status=status,
        shown=shown,
        staff=staff,
        form=form,
        cell=Figures(),
        this_year=local_today().year,
    )
    db.session.commit()
    return response


def _xlsx(helper: HelperProfile, year: int, stem: str):
    shown = statement(helper, year)
    record("statement.exported", subject=helper, year=year)
    db.session.commit()
    return exports.download(shown, stem)


@bp.route("")
@bp.route("/<int:year>")
@roles(Role.HELPER)
def mine(year: int | None = None):
    return _page(get_profile(), _year(year), staff=False)


@bp.route("/<int:year>.xlsx")
@roles(Role.HELPER)
def mine_xlsx(year: int):
    return _xlsx(get_profile(), _year(year), "jahresuebersicht")


@bp.route("/helpers/<int:profile_id>")
@bp.route("/helpers/<int:profile_id>/<int:year>")
@roles(*STAFF)
def helper(profile_id: int, year: int | None = None):
    return _page(get_profile(profile_id, deleted=True), _year(year), staff=True)


@bp.route("/helpers/<int:profile_id>/<int:year>.xlsx")
@roles(*STAFF)
def helper_xlsx(profile_id: int, year: int):
    profile = get_profile(profile_id, deleted=True)
    return _xlsx(profile, _year(year), f"jahresuebersicht-{profile.id}")


@bp.route("/helpers/<int:profile_id>/<int:year>/limit", methods=["POST"])
@roles(*STAFF)
def set_limit(profile_id: int, year: int):
    profile = get_profile(profile_id)
    year = _year(year)
    form = LimitForm()
    if not form.validate_on_submit():
        return _page(profile, year, staff=True, form=form, status=422)
    if set_allowance_limit(profile, form.chosen, current_user._get_current_object()):
        db.session.commit()
    flash(
        _(
            "Gespeichert: Für %(person)s gilt die %(name)s.",
            person=profile.user.display_name,
            name=LIMIT_NAMES[form.chosen],
        ),
        "success",
    )
    return redirect_to(url_for("statements.helper", profile_id=profile.id, year=year))
