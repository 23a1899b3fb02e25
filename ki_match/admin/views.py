"""User management for admins: list, invite, deactivate; whether the KI shares its pool."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ki_match.access import roles
from ki_match.accounts import services as account_services
from ki_match.accounts.forms import ConfirmForm, InviteForm
from ki_match.accounts.models import Role, User
from ki_match.admin.forms import PoolSharingForm
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.helpers.activation import set_account_active
from ki_match.htmx import redirect_to, render, render_form
from ki_match.offers.pool import set_pool_sharing
from ki_match.orgs.models import Organisation
from ki_match.orgs.queries import current_ki, organisations

bp = Blueprint("admin", __name__, url_prefix="/admin")


def get_user(user_id: int) -> User:
    user = db.session.scalar(select(User).where(User.id == user_id, User.ki_id == current_ki().id))
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@roles(Role.ADMIN)
def users():
    ki = current_ki()
    accounts = db.session.scalars(
        select(User)
        .where(User.ki_id == ki.id, User.role != Role.HELPER)
        .options(selectinload(User.organisation))
        .order_by(User.role, User.display_name)
    ).all()
    record("account.list_viewed", count=len(accounts))
    db.session.commit()
    return render("admin/users.html", accounts=accounts, form=ConfirmForm())


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.organisation_id.choices = [SelectChoice(0, _("– keine –"))] + [
        SelectChoice(org.id, org.name) for org in organisations(current_ki())
    ]
    return form


@bp.route("/users/invite", methods=["GET", "POST"])
@roles(Role.ADMIN)
def invite():
    form = _invite_form()
    if form.validate_on_submit():
        ki = current_ki()
        organisation = None
        if form.role.data == Role.INITIATIVE.value:
            organisation = db.session.get(Organisation, form.organisation_id.data)
        try:
            account_services.invite_user(
                ki,
                email=form.email.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                organisation=organisation,
                invited_by=current_user._get_current_object(),
            )
        except account_services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("Die Einladung an %(email)s ist unterwegs.", email=form.email.data), "success")
            return redirect_to(url_for("admin.users"))
    return render_form("admin/invite.html", "invite_form", form=form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def toggle_active(user_id: int):
    user = get_user(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            set_account_active(user, not user.active, current_user._get_current_object())
        except account_services.AccountError as error:
            flash(str(error), "error")
    return redirect_to(url_for("admin.users"))


@bp.route("/pool", methods=["GET", "POST"])
@roles(Role.ADMIN)
def pool():
    """The KI's consent to the shared pool (README "Shared pool")."""
    ki = current_ki()
    form = PoolSharingForm(obj=ki)
    if form.validate_on_submit():
        withdrawn = set_pool_sharing(ki, form.shares_pool.data, current_user._get_current_object())
        flash(_("Gespeichert: geteilter Pool."), "success")
        if withdrawn:
            flash(_("Offene Anfragen zwischen KIs zurückgezogen: %(num)d", num=withdrawn), "success")
        return redirect_to(url_for("admin.pool"))
    return render_form("admin/pool.html", "pool_form", form=form, ki=ki)
