"""The KI's own settings for its admins: contact, privacy notice, notice for initiatives,
retention, reminders, certificate validity, when a cancellation is late, who may invite helpers, the safeguarding gates
(which checks matching asks of a helper before any offer).

URL map:
  /admin/settings          GET, POST   settings.edit
  /admin/settings/limits   POST        settings.limits   a year's tax-free limits (empty: the installation's)
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.admin.forms import LimitsForm, SettingsForm
from ki_match.clock import local_today
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, render_form
from ki_match.orgs.queries import current_ki
from ki_match.orgs.settings import allowance_limits, change_settings, own_limits, set_allowance_limits

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


@bp.route("", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit():
    ki = current_ki()
    form = SettingsForm(obj=ki) if request.method == "GET" else SettingsForm()
    if form.validate_on_submit():
        change_settings(ki, current_user._get_current_object(), **form.values())
        db.session.commit()
        flash(_("Die Einstellungen sind gespeichert."), "success")
        return redirect_to(url_for("settings.edit"))
    return render_form("admin/settings.html", "settings_form", form=form, ki=ki, **_limits_context(ki))


def _limits_context(ki, form: LimitsForm | None = None) -> dict:
    """The limits in force year by year (which of them the KI set) and the form for one year."""
    own = {row.year: row for row in own_limits(ki)}
    return {
        "limits": sorted(allowance_limits(ki).items()),
        "own_limits": own,
        "limits_form": form or LimitsForm(formdata=None, year=local_today().year),
    }


@bp.route("/limits", methods=["POST"])
@roles(Role.ADMIN)
def limits():
    ki = current_ki()
    form = LimitsForm()
    if not form.validate_on_submit():
        context = _limits_context(ki, form)
        return render(
            "admin/settings.html", "limits_form", status=422, form=SettingsForm(obj=ki), ki=ki, **context
        )
    year = form.year.data
    set_allowance_limits(
        ki, current_user._get_current_object(), year, form.ehrenamt.data, form.uebungsleiter.data
    )
    db.session.commit()
    flash(_("Die Pauschalen ab %(year)d sind gespeichert.", year=year), "success")
    return redirect_to(url_for("settings.edit", _anchor="limits-heading"))
