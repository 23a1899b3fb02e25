"""What coordinators record about a helper: the checks kept by the integration centre."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired, Optional, ValidationError

from ki_match.clock import local_today
from ki_match.core.forms import BaseForm, DayField


def _not_in_future(field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("Das Datum liegt in der Zukunft. Bitte das Datum eintragen, an dem es war."))


class ChecksForm(BaseForm):
    """Dates only: the integration centre keeps no copies of certificates or declarations."""

    qualification_completed_on = DayField(
        _l("Sprachlotsen-Qualifizierung abgeschlossen am"),
        validators=[Optional()],
        description=_l("Leer lassen, wenn die Qualifizierung (noch) nicht abgeschlossen ist."),
    )
    confidentiality_signed_on = DayField(
        _l("Schweigepflichterklärung unterschrieben am"),
        validators=[Optional()],
    )
    police_certificate_seen_on = DayField(
        _l("Erweitertes Führungszeugnis vorgelegt am"),
        validators=[Optional()],
        description=_l("Nur das Datum, an dem Sie es gesehen haben. Bitte keine Kopie aufbewahren."),
    )

    def validate_qualification_completed_on(self, field):
        _not_in_future(field)

    def validate_confidentiality_signed_on(self, field):
        _not_in_future(field)

    def validate_police_certificate_seen_on(self, field):
        _not_in_future(field)


class SeenForm(BaseForm):
    """One check seen on one day, from the "Nachweise" list (prefixed per helper and check)."""

    seen_on = DayField(
        _l("Gesehen am"),
        validators=[InputRequired(_l("Bitte das Datum eintragen, an dem Sie es gesehen haben."))],
        default=local_today,
    )

    def validate_seen_on(self, field):
        _not_in_future(field)
