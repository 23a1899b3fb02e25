"""Coordinator views on helpers. (The helper's own pages come with the helper issue.)"""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts import services as account_services
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.helpers import queries
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import missing_for_approval
from ki_match.htmx import redirect_to, render
from ki_match.orgs.queries import current_ki

bp = Blueprint("helpers", __name__, url_prefix="/helpers")

STAFF = (Role.COORDINATOR, Role.ADMIN)


def get_profile(profile_id: int) -> HelperProfile:
    """Load a helper of the current KI for staff, or 404."""
    profile = queries.profile_in_ki(current_ki(), profile_id)
    if profile is None:
        abort(404)
    return profile


@bp.route("/approvals")
@roles(*STAFF)
def pending():
    profiles = queries.awaiting_approval(current_ki())
    record("helper.list_viewed", list="awaiting_approval", count=len(profiles))
    db.session.commit()
    return render(
        "helpers/pending.html",
        profiles=[(p, missing_for_approval(p)) for p in profiles],
        form=ConfirmForm(),
    )


@bp.route("/<int:profile_id>/approve", methods=["POST"])
@roles(*STAFF)
def approve(profile_id: int):
    profile = get_profile(profile_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            account_services.approve_helper(profile, current_user._get_current_object())
        except account_services.AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("%(name)s ist freigegeben.", name=profile.user.display_name), "success")
    return redirect_to(url_for("helpers.pending"))
