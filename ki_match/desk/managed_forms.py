"""What coordinators type for a helper the KI manages (``helpers.managed``) and for the note on any
helper. Languages, towns, the week and the rest use the helper's own forms (``profile.forms``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from ki_match.accounts.forms import _strip
from ki_match.clock import local_today
from ki_match.core.forms import BaseForm, DayField, NameField
from ki_match.helpers.managed import NOTE_MAX
from ki_match.helpers.models import HelperKind
from ki_match.profile.forms import KIND_CHOICES, PHONE


def _phone_field():
    return StringField(
        _l("Telefon"),
        filters=[_strip],
        validators=[Optional(), Length(max=40, message=_l("Höchstens 40 Zeichen."))],
        description=_l("Nötig, wenn es keine E-Mail-Adresse gibt: Anfragen werden zu Anrufen."),
        render_kw={"autocomplete": "off", "inputmode": "tel", "type": "tel"},
    )


def _optional_email():
    return EmailField(
        _l("E-Mail-Adresse (freiwillig)"),
        filters=[_strip],
        validators=[
            Optional(),
            Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False),
            Length(max=254),
        ],
        description=_l("Es wird nichts an diese Adresse geschickt, solange das KI das Profil verwaltet."),
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )


def _not_in_future(field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("Das Datum liegt in der Zukunft. Bitte das Datum eintragen, an dem es war."))


class ContactForm(BaseForm):
    """Name, phone and e-mail of a managed helper: a phone number when there is no address."""

    display_name = NameField(
        _l("Name"), validators=[DataRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=120)]
    )
    phone = _phone_field()
    email = _optional_email()

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError(_l("Bitte nur Ziffern, Leerzeichen und + / - ( ) eingeben."))
        if not field.data and not self.email.data:
            raise ValidationError(_l("Ohne E-Mail-Adresse braucht es eine Telefonnummer."))


class ManagedHelperForm(ContactForm):
    """A new managed helper; languages, towns and times follow on her page."""

    kind = RadioField(
        _l("Die Person ist …"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_CHOICES.items()],
        default=HelperKind.VOLUNTEER.value,
        validators=[InputRequired(_l("Bitte wählen Sie eine Möglichkeit."))],
    )
    consent = BooleanField(
        _l("Einwilligung liegt schriftlich vor"),
        description=_l("Erst mit der Einwilligung bekommt die Person Anfragen."),
    )
    consent_on = DayField(_l("Einwilligung unterschrieben am"), validators=[Optional()])
    note = TextAreaField(
        _l("Interne Notiz (freiwillig)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Höchstens 1000 Zeichen."))],
        description=_l("Nur für die Koordination sichtbar, nie für die Person oder Initiativen."),
    )

    def validate_consent_on(self, field):
        _not_in_future(field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.consent.data and self.consent_on.data is None and not self.consent_on.errors:
            self.consent_on.errors.append(_l("Bitte das Datum der Unterschrift eintragen."))
            valid = False
        return valid


class PaperConsentForm(BaseForm):
    consent_on = DayField(
        _l("Einwilligung unterschrieben am"),
        validators=[InputRequired(_l("Bitte das Datum der Unterschrift eintragen."))],
        description=_l("Die Einwilligung liegt schriftlich vor. Damit ist die Person auch freigegeben."),
    )

    def validate_consent_on(self, field):
        _not_in_future(field)


class NoteForm(BaseForm):
    note = TextAreaField(
        _l("Interne Notiz"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Höchstens 1000 Zeichen."))],
        description=_l("Nur für die Koordination sichtbar, nie für die Person oder Initiativen."),
    )


class ManagedInviteForm(BaseForm):
    email = EmailField(
        _l("E-Mail-Adresse der Person"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Bitte geben Sie eine E-Mail-Adresse ein.")),
            Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False),
            Length(max=254),
        ],
        description=_l(
            "Die Person bekommt einen Link, wählt ein Passwort und pflegt ihr Profil danach selbst. "
            "Ihre Einsätze und ihr Verlauf bleiben."
        ),
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )


class ManagedEraseForm(BaseForm):
    """Erasing a managed helper's data: said on purpose, as she asked for it."""

    confirmed = BooleanField(
        _l("Die Person hat verlangt, dass ihre Daten gelöscht werden"),
        description=_l(
            "Name, Kontakt, Sprachen, Zeiten, Notiz und Aufgaben werden gelöscht; ihre Einsätze "
            "bleiben ohne Namen in der Statistik. Zusagen für kommende Termine werden zurückgezogen."
        ),
        validators=[DataRequired(_l("Bitte bestätigen Sie, dass die Person die Löschung verlangt hat."))],
    )
