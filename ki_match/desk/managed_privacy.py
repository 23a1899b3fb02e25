"""A managed helper's rights over her data, exercised through her KI: she has no login, so what a
helper does on "Meine Daten" (``privacy.views``) the coordinators do for her when she asks.

    GET  /helpers/<id>/manage/export.json     managed_export    everything stored about her
    POST /helpers/<id>/manage/erase           managed_erase     erase it (she asked for it)

Only for a profile the KI manages (``managed_pages.managed_profile``: 404 otherwise).
"""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import helpers as bp
from ki_match.desk.managed_forms import ManagedEraseForm
from ki_match.desk.managed_pages import manage_page, managed_profile
from ki_match.htmx import redirect_to
from ki_match.privacy import services as privacy
from ki_match.privacy.views import data_download


@bp.route("/<int:profile_id>/manage/export.json")
@roles(*STAFF)
def managed_export(profile_id: int):
    profile = managed_profile(profile_id)
    return data_download(profile.user, actor=actor(), name=f"ki-match-daten-{profile.id}")


@bp.route("/<int:profile_id>/manage/erase", methods=["POST"])
@roles(*STAFF)
def managed_erase(profile_id: int):
    profile = managed_profile(profile_id)
    form = ManagedEraseForm(prefix="erase")
    if not form.validate_on_submit():
        return manage_page(profile, 422, erase_form=form)
    name = profile.user.display_name
    privacy.delete_managed_helper(profile, actor())
    flash(_("Die Daten von %(name)s sind gelöscht.", name=name), "success")
    return redirect_to(url_for("helpers.index"))
