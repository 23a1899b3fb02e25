"""The coordinators' choice of the tax-free limit a helper's allowance is held against."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ki_match.core.forms import BaseForm
from ki_match.helpers.models import AllowanceLimit
from ki_match.statements.limits import LIMIT_LAWS, LIMIT_NAMES


class LimitForm(BaseForm):
    allowance_limit = RadioField(
        _l("Steuerfreie Pauschale"),
        choices=[
            SelectChoice(kind.value, f"{LIMIT_NAMES[kind]} ({LIMIT_LAWS[kind]})") for kind in AllowanceLimit
        ],
        validators=[InputRequired(_l("Bitte wählen Sie eine Pauschale."))],
        invalid_choice_message=_l("Bitte wählen Sie eine Pauschale aus der Liste."),
        description=_l(
            "Die Übungsleiterpauschale gilt für ausbildende, betreuende oder pflegende Tätigkeiten; "
            "für alle anderen die Ehrenamtspauschale."
        ),
    )

    @property
    def chosen(self) -> AllowanceLimit:
        return AllowanceLimit(self.allowance_limit.data)
