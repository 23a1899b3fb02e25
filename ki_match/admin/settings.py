"""The KI's own settings for its admins: contact, privacy notice, notice for initiatives,
retention, reminders, certificate validity, when a cancellation is late, who may invite helpers, the safeguarding gates
(which checks matching asks of a helper before any offer).

URL map:
  /admin/settings   GET, POST   settings.edit
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.admin.forms import SettingsForm
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render_form
from ki_match.orgs.queries import current_ki
from ki_match.orgs.settings import change_settings

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
    return render_form("admin/settings.html", "settings_form", form=form, ki=ki)
