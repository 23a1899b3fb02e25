from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from ki_match.accounts.models import Role
from ki_match.core.forms import BaseForm, NameField

COMMON_PASSWORDS = {
    "passwort1234",
    "password1234",
    "123456789012",
    "qwertzuiopü",
    "hallohallo12",
    "sommer2026!!",
}


class NewPassword:
    """Length rules of ASVS: at least the configured minimum, at most 128, nothing common."""

    def __call__(self, form, field):
        value = field.data or ""
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(value) < minimum:
            raise ValidationError(
                _l("Mindestens %(n)d Zeichen. Ein Satz aus mehreren Wörtern ist gut zu merken.", n=minimum)
            )
        if len(value) > 128:
            raise ValidationError(_l("Höchstens 128 Zeichen."))
        if value.lower() in COMMON_PASSWORDS:
            raise ValidationError(_l("Dieses Passwort ist zu leicht zu erraten."))
        email = getattr(getattr(form, "email", None), "data", None)
        if email and value.lower() == email.strip().lower():
            raise ValidationError(_l("Das Passwort darf nicht die E-Mail-Adresse sein."))


def _strip(value):
    # Phone keyboards and autofill add spaces that make a correct address look invalid.
    return value.strip() if isinstance(value, str) else value


def email_field(label=None):
    return EmailField(
        label or _l("E-Mail-Adresse"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
            Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def new_password_fields():
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[InputRequired(_l("Bitte wählen Sie ein Passwort.")), NewPassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            InputRequired(_l("Bitte wiederholen Sie das Passwort.")),
            EqualTo("password", _l("Die beiden Passwörter stimmen nicht überein.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class LoginForm(BaseForm):
    email = email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[InputRequired(_l("Bitte geben Sie Ihr Passwort ein.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class RegisterForm(BaseForm):
    display_name = NameField(
        _l("Ihr Name"),
        description=_l("So sehen Sie die Koordinierenden, zum Beispiel „Amina K.“."),
        validators=[DataRequired(_l("Bitte geben Sie Ihren Namen ein.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()
    password, password_confirm = new_password_fields()
    privacy = BooleanField(
        _l("Ich habe die Datenschutzhinweise gelesen."),
        validators=[DataRequired(_l("Bitte bestätigen Sie die Datenschutzhinweise."))],
    )


class ForgotPasswordForm(BaseForm):
    email = email_field()


class ResetPasswordForm(BaseForm):
    password, password_confirm = new_password_fields()


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[InputRequired(_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = new_password_fields()


class ConfirmForm(BaseForm):
    """A button only: actions from e-mail links happen on POST, never on GET."""


ROLE_CHOICES = [
    SelectChoice(Role.HELPER.value, _l("Helfer*in")),
    SelectChoice(Role.COORDINATOR.value, _l("Koordination")),
    SelectChoice(Role.INITIATIVE.value, _l("Initiative")),
    SelectChoice(Role.ADMIN.value, _l("Administration")),
]


class PersonInviteForm(BaseForm):
    """Whom to invite: a name and an address (a helper, an organisation's member)."""

    display_name = NameField(
        _l("Name"), validators=[DataRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=120)]
    )
    email = email_field()


class InviteForm(PersonInviteForm):
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES, validators=[InputRequired()])
    organisation_id = SelectField(
        _l("Organisation"),
        description=_l("Nur für Mitglieder einer Initiative."),
        coerce=int,
        choices=[],
    )

    def validate_organisation_id(self, field):
        if self.role.data == Role.INITIATIVE.value and not field.data:
            raise ValidationError(_l("Bitte wählen Sie die Organisation."))
