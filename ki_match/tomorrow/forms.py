"""The answer pages' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ki_match.core.forms import BaseForm


class ComingForm(BaseForm):
    """A button only; the CSRF token is its one field."""


class CannotComeForm(BaseForm):
    reason = TextAreaField(
        _l("Warum können Sie nicht kommen? (kurz)"),
        description=_l(
            "Zum Beispiel: „Mein Kind ist krank.“ Das Integrationszentrum sucht dann schnell Ersatz."
        ),
        validators=[
            DataRequired(_l("Bitte schreiben Sie kurz, warum Sie nicht kommen können.")),
            Length(max=300, message=_l("Bitte höchstens 300 Zeichen.")),
        ],
        render_kw={"maxlength": 300, "rows": 3},
    )


class PhoneCannotForm(BaseForm):
    """A coordinator records that the helper said on the phone she cannot come."""

    reason = TextAreaField(
        _l("Grund (wie sie oder er ihn genannt hat)"),
        description=_l("Die Anfrage wird wieder offen; kurz vorher erfahren es alle Koordinierenden."),
        validators=[
            DataRequired(_l("Bitte tragen Sie den Grund ein, den die Person genannt hat.")),
            Length(max=300, message=_l("Bitte höchstens 300 Zeichen.")),
        ],
        render_kw={"maxlength": 300, "rows": 3},
    )
