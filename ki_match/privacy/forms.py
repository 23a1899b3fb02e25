from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length, ValidationError

from ki_match.accounts.services import check_password
from ki_match.core.forms import BaseForm


class DeleteAccountForm(BaseForm):
    """Deleting needs the password again: a phone left unlocked must not be enough."""

    password = PasswordField(
        _l("Ihr Passwort"),
        description=_l("Zur Sicherheit: Bitte geben Sie Ihr Passwort ein."),
        validators=[InputRequired(_l("Bitte geben Sie Ihr Passwort ein.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field):
        if not check_password(self.user, field.data or ""):
            raise ValidationError(_l("Das Passwort stimmt nicht."))
