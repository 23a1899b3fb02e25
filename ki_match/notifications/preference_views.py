"""The page where every user chooses which notifications come by e-mail."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ki_match.access import logged_in
from ki_match.audit.services import record
from ki_match.core.forms import BaseForm
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.outbox.preferences import MANDATORY_REASON, categories_for, save_preferences, switched_off

bp = Blueprint("preferences", __name__, url_prefix="/account/notifications")


class PreferencesForm(BaseForm):
    """The optional categories ticked are the ones wanted by e-mail; mandatory ones are not inputs."""

    email = SelectMultipleField(
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.email.choices = [
            SelectChoice(category.key, category.label) for category in categories if not category.mandatory
        ]


def _page(form: PreferencesForm, categories, *, saved: bool = False, status: int = 200):
    return render(
        "notifications/preferences.html",
        "preferences_form",
        status=status,
        form=form,
        categories=categories,
        mandatory_reason=MANDATORY_REASON,
        saved=saved,
    )


@bp.route("", methods=["GET", "POST"])
@logged_in
def edit():
    user = current_user._get_current_object()
    categories = categories_for(user)
    if request.method == "GET":
        off = switched_off(user)
        form = PreferencesForm(
            categories=categories,
            data={"email": [c.key for c in categories if not c.mandatory and c.key not in off]},
        )
        return _page(form, categories)
    form = PreferencesForm(categories=categories)
    if not form.validate():
        return _page(form, categories, status=422)
    changed = save_preferences(user, set(form.email.data or []))
    if changed:
        record("notifications.preferences_changed", actor=user, subject=user, categories=changed)
    db.session.commit()
    if wants_block("preferences_form"):
        return _page(form, categories, saved=True)
    flash(_("Ihre Einstellungen sind gespeichert."), "success")
    return redirect_to(url_for("preferences.edit"))
