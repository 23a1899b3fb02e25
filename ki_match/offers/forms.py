"""Answering an offer (the helper) and sending offers (the coordinator)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ki_match.core.forms import BaseForm, id_number


class AcceptForm(BaseForm):
    """A button only; the CSRF token is its one field."""


class DeclineForm(BaseForm):
    reason = TextAreaField(
        _l("Grund (freiwillig)"),
        description=_l("Zum Beispiel: „Ich bin an dem Tag nicht da.“ Das hilft bei der nächsten Anfrage."),
        validators=[Optional(), Length(max=300, message=_l("Bitte höchstens 300 Zeichen."))],
        render_kw={"maxlength": 300, "rows": 3},
    )


# --- the coordinator's side ----------------------------------------------------------------


class ActionForm(BaseForm):
    """A button only (confirm, withdraw, complete, no-show, approve); the CSRF token is its one field."""


class SendOffersForm(BaseForm):
    """The ticked candidates and near misses of the request page."""

    helper_ids = SelectMultipleField(coerce=id_number, validate_choice=False)

    def validate_helper_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Bitte wählen Sie mindestens eine Person aus."))
