"""Organisations for admins: list, create, edit, (de)activate, members and their invitations.
(The KI's lead time for requests from initiatives is set under /admin/settings.)

URL map:
  /admin/organisations                                   organisations.index
  /admin/organisations/new                               organisations.new
  /admin/organisations/<id>                              organisations.show      edit, members, invite
  /admin/organisations/<id>/active                POST   organisations.toggle_active
  /admin/organisations/<id>/invite                POST   organisations.invite
  /admin/organisations/<id>/members/<uid>/active  POST   organisations.member_active
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ki_match.access import roles
from ki_match.accounts import services as account_services
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role, User
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render
from ki_match.initiatives import queries, services
from ki_match.initiatives.forms import (
    ORGANISATION_KIND_LABELS,
    MemberInviteForm,
    OrganisationForm,
)
from ki_match.orgs.models import Organisation, OrganisationKind
from ki_match.orgs.queries import current_ki
from ki_match.orgs.settings import settings_for

bp = Blueprint("organisations", __name__, url_prefix="/admin/organisations")


def _actor():
    return current_user._get_current_object()


def get_organisation(organisation_id: int) -> Organisation:
    """An organisation of the admin's KI, or 404."""
    found = queries.organisation_in_ki(current_ki(), organisation_id)
    if found is None:
        abort(404)
    return found


def get_member(organisation: Organisation, user_id: int) -> User:
    member = db.session.scalar(
        select(User).where(
            User.id == user_id, User.organisation_id == organisation.id, User.ki_id == organisation.ki_id
        )
    )
    if member is None:
        abort(404)
    return member


@bp.route("")
@roles(Role.ADMIN)
def index():
    ki = current_ki()
    return render(
        "initiatives/organisations.html",
        rows=queries.organisations_with_counts(ki),
        kinds=ORGANISATION_KIND_LABELS,
        lead_time_days=settings_for(ki).lead_time_days,
        form=ConfirmForm(),
    )


def _save(form: OrganisationForm, organisation: Organisation | None) -> Organisation:
    return services.save_organisation(
        current_ki(),
        organisation,
        name=form.name.data,
        kind=OrganisationKind(form.kind.data),
        town_id=form.town_id.data,
        actor=_actor(),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new():
    form = OrganisationForm(ki=current_ki())
    if request.method == "POST":
        if form.validate():
            created = _save(form, None)
            db.session.commit()
            flash(_("Die Organisation ist angelegt. Laden Sie jetzt ihre Mitglieder ein."), "success")
            return redirect_to(url_for("organisations.show", organisation_id=created.id))
        return render("initiatives/organisation_form.html", status=422, form=form)
    return render("initiatives/organisation_form.html", form=form)


def _show(organisation: Organisation, *, form=None, invite_form=None, status: int = 200):
    members = queries.members(organisation)
    record("organisation.members_viewed", subject=organisation, count=len(members))
    response = render(
        "initiatives/organisation.html",
        "member_invite",
        status=status,
        organisation=organisation,
        members=members,
        form=form or OrganisationForm(formdata=None, obj=organisation, ki=current_ki(), editing=organisation),
        invite_form=invite_form or MemberInviteForm(formdata=None),
        confirm=ConfirmForm(),
        kinds=ORGANISATION_KIND_LABELS,
    )
    db.session.commit()
    return response


@bp.route("/<int:organisation_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def show(organisation_id: int):
    organisation = get_organisation(organisation_id)
    if request.method == "GET":
        form = OrganisationForm(formdata=None, obj=organisation, ki=current_ki(), editing=organisation)
        form.kind.data = organisation.kind.value
        form.town_id.data = organisation.town_id or 0
        return _show(organisation, form=form)
    form = OrganisationForm(ki=current_ki(), editing=organisation)
    if not form.validate():
        return _show(organisation, form=form, status=422)
    _save(form, organisation)
    db.session.commit()
    flash(_("Die Änderungen sind gespeichert."), "success")
    return redirect_to(url_for("organisations.show", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def toggle_active(organisation_id: int):
    organisation = get_organisation(organisation_id)
    if ConfirmForm().validate():
        services.set_organisation_active(organisation, not organisation.active, _actor())
        db.session.commit()
        flash(
            _("%(name)s ist wieder aktiv.", name=organisation.name)
            if organisation.active
            else _(
                "%(name)s ist deaktiviert: Ihre Mitglieder können keine neuen Anfragen stellen.",
                name=organisation.name,
            ),
            "success",
        )
    return redirect_to(url_for("organisations.show", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/invite", methods=["POST"])
@roles(Role.ADMIN)
def invite(organisation_id: int):
    """Invite a member through the admins' invitation rule, as an initiative member of this organisation."""
    organisation = get_organisation(organisation_id)
    form = MemberInviteForm()
    if form.validate():
        if not organisation.active:
            form.email.errors = [_("Die Organisation ist deaktiviert. Bitte aktivieren Sie sie zuerst.")]
        else:
            try:
                account_services.invite_user(
                    current_ki(),
                    email=form.email.data,
                    display_name=form.display_name.data,
                    role=Role.INITIATIVE,
                    organisation=organisation,
                    invited_by=_actor(),
                )
            except account_services.AccountError as error:
                db.session.rollback()
                form.email.errors = [str(error)]
            else:
                flash(_("Die Einladung an %(email)s ist unterwegs.", email=form.email.data), "success")
                return redirect_to(url_for("organisations.show", organisation_id=organisation.id))
    return _show(get_organisation(organisation_id), invite_form=form, status=422)


@bp.route("/<int:organisation_id>/members/<int:user_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def member_active(organisation_id: int, user_id: int):
    organisation = get_organisation(organisation_id)
    member = get_member(organisation, user_id)
    if ConfirmForm().validate():
        try:
            account_services.set_active(member, not member.active, _actor())
        except account_services.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect_to(url_for("organisations.show", organisation_id=organisation.id))
