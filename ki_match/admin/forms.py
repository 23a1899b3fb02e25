"""Forms of the admin pages: the KI's settings (/admin/settings) and its share in the pool (/admin/pool)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ki_match.core.forms import BaseForm, EuroField, WholeNumberField
from ki_match.orgs.models import MAX_LIMIT_CENTS
from ki_match.orgs.settings import RANGES, default

# A German number as people write it: 0 or +49 / 0049, then the area code (never starting with 0)
# and the line; spaces, slashes, hyphens and brackets between the digits.
GERMAN_PHONE = re.compile(r"(?:\+49|0049|0)[1-9][0-9]{4,13}")
PHONE_SEPARATORS = re.compile(r"[\s/()\-]")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _number(label, setting: str, *, required: bool = False, description=None):
    low, high = RANGES[setting]
    first = InputRequired(_l("Bitte geben Sie eine Zahl an.")) if required else Optional()
    return WholeNumberField(
        label,
        validators=[
            first,
            NumberRange(
                low, high, _l("Bitte eine Zahl von %(low)d bis %(high)d angeben.", low=low, high=high)
            ),
        ],
        description=description,
        render_kw={"min": low, "max": high, "inputmode": "numeric"},
    )


class SettingsForm(BaseForm):
    contact_phone = StringField(
        _l("Telefon"),
        filters=[_strip],
        validators=[Optional(), Length(max=40, message=_l("Höchstens 40 Zeichen."))],
        description=_l("Eine deutsche Nummer, z. B. 05271 965-0 oder +49 5271 9650."),
        render_kw={"autocomplete": "tel", "inputmode": "tel", "type": "tel"},
    )
    contact_email = EmailField(
        _l("E-Mail-Adresse"),
        filters=[_strip],
        validators=[
            Optional(),
            Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"inputmode": "email"},
    )
    postal_address = TextAreaField(
        _l("Postanschrift"), validators=[Length(max=300, message=_l("Höchstens 300 Zeichen."))]
    )
    office_hours = TextAreaField(
        _l("Sprechzeiten"),
        validators=[Length(max=300, message=_l("Höchstens 300 Zeichen."))],
        description=_l("z. B. „Mo–Do 9–15 Uhr, Fr 9–12 Uhr“"),
    )
    privacy_notice = TextAreaField(
        _l("Datenschutzhinweis des KI"),
        validators=[Length(max=5000, message=_l("Höchstens 5000 Zeichen."))],
        description=_l(
            "Steht auf Ihrer Startseite und unter den Datenschutzhinweisen: wer verantwortlich ist "
            "und wie man die oder den Datenschutzbeauftragten erreicht."
        ),
    )
    lead_time_days = _number(
        _l("Mindestvorlauf für Anfragen von Initiativen (Werktage)"),
        "lead_time_days",
        required=True,
        description=_l(
            "Montag bis Freitag ohne Feiertage in NRW. Dringende Anfragen mit Begründung gehen immer."
        ),
    )
    retention_days = _number(_l("Aufbewahrung nach Abschluss einer Anfrage (Tage)"), "retention_days")
    reminder_hours_before = _number(
        _l("Erinnerung an Helfende vor einem Einsatz (Stunden)"), "reminder_hours_before"
    )
    police_certificate_valid_years = _number(
        _l("Führungszeugnis gilt (Jahre)"), "police_certificate_valid_years"
    )
    late_cancel_hours = _number(
        _l("Kurzfristige Absage: weniger als so viele Stunden vor dem Einsatz"), "late_cancel_hours"
    )
    day_before_hour = _number(_l("„Kommen Sie morgen?“ am Vortag ab (Uhr)"), "day_before_hour")
    day_before_deadline_hour = _number(
        _l("Ohne Antwort bis (Uhr am Vortag) an Koordinierende melden"), "day_before_deadline_hour"
    )
    coordinators_invite_helpers = BooleanField(
        _l("Koordinierende dürfen Helfende einladen"),
        description=_l("Sonst laden nur Administratorinnen und Administratoren Helfende ein."),
    )
    gate_confidentiality = BooleanField(
        _l("Schweigepflichterklärung unterschrieben"),
        description=_l("Ohne eingetragenes Datum steht die Person nur unter „Fast passend“."),
    )
    gate_qualification = BooleanField(
        _l("Basisqualifizierung abgeschlossen"),
        description=_l("Ohne eingetragenes Datum steht die Person nur unter „Fast passend“."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "retention_days",
            "reminder_hours_before",
            "police_certificate_valid_years",
            "late_cancel_hours",
            "day_before_hour",
            "day_before_deadline_hour",
        ):
            getattr(self, name).description = _l(
                "Leer lassen für den Standard der Installation: %(n)d.", n=default(name)
            )

    def validate_contact_phone(self, field):
        if field.data and not GERMAN_PHONE.fullmatch(PHONE_SEPARATORS.sub("", field.data)):
            raise ValidationError(_l("Bitte eine deutsche Telefonnummer angeben, z. B. 05271 965-0."))

    def validate(self, extra_validators=None) -> bool:
        """The deadline comes after the question, with the defaults for whatever is left empty
        (an empty field skips its own checks, so this is the form's)."""
        if not super().validate(extra_validators):
            return False
        asked = self.day_before_hour.data
        asked = default("day_before_hour") if asked is None else asked
        deadline = self.day_before_deadline_hour.data
        if (default("day_before_deadline_hour") if deadline is None else deadline) <= asked:
            self.day_before_deadline_hour.errors = [
                _l("Die Frist muss nach der Uhrzeit der Frage liegen (%(hour)d Uhr).", hour=asked)
            ]
            return False
        return True

    def values(self) -> dict:
        """The settings as ``change_settings`` takes them; an empty number means the default."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class LimitsForm(BaseForm):
    """A year's tax-free limits of the KI; an empty amount is the installation's for that year."""

    year = WholeNumberField(
        _l("ab Jahr"),
        validators=[
            InputRequired(_l("Bitte geben Sie das Jahr an.")),
            NumberRange(min=2000, max=2100, message=_l("Bitte ein Jahr von 2000 bis 2100.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    ehrenamt = EuroField(
        _l("Ehrenamtspauschale im Jahr (Euro)"),
        description=_l("Leer lassen für den Betrag der Installation."),
    )
    uebungsleiter = EuroField(
        _l("Übungsleiterpauschale im Jahr (Euro)"),
        description=_l("Leer lassen für den Betrag der Installation."),
    )

    def validate_ehrenamt(self, field):
        _within_limit(field)

    def validate_uebungsleiter(self, field):
        _within_limit(field)


def _within_limit(field) -> None:
    if field.data is not None and field.data > MAX_LIMIT_CENTS:
        raise ValidationError(_l("Höchstens 100.000 Euro."))


class PoolSharingForm(BaseForm):
    shares_pool = BooleanField(
        _l("Unser KI teilt Helfende mit anderen KIs und fragt deren Helfende an."),
        description=_l(
            "Nur Helfende, die selbst zugestimmt haben, und nur für KIs, die ebenfalls mitmachen. "
            "Schalten Sie es aus, werden offene Anfragen zwischen KIs zurückgezogen."
        ),
    )
