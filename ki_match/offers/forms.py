"""Answering an offer (the helper) and sending offers (the coordinator)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ki_match.core.forms import BaseForm, id_number, whole_number


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


class SeriesOfferForm(BaseForm):
    """ "Für alle passenden Termine anfragen": the helper of one row of the series page."""

    helper_id = HiddenField(validators=[InputRequired(_l("Bitte wählen Sie eine Person aus."))])

    def validate_helper_id(self, field):
        try:
            field.data = whole_number(field.data)
        except ValueError as exc:
            raise ValidationError(_l("Diese Person gibt es nicht (mehr).")) from exc


# --- acting for a helper (ki_match.desk.on_behalf) ------------------------------------------


def _note(label, description):
    """A free text of at most 300 characters; empty is checked by the form where it is needed."""
    return TextAreaField(
        label,
        description=description,
        validators=[Length(max=300, message=_l("Bitte höchstens 300 Zeichen."))],
        render_kw={"maxlength": 300, "rows": 2},
    )


class PhoneAnswerForm(BaseForm):
    """The helper's yes or no, given by phone or in person, as a coordinator records it."""

    answer = RadioField(
        _l("Antwort der helfenden Person"),
        choices=[
            SelectChoice("accept", _l("hat telefonisch zugesagt")),
            SelectChoice("decline", _l("hat telefonisch abgesagt")),
        ],
        validators=[InputRequired(_l("Bitte wählen Sie: zugesagt oder abgesagt."))],
    )
    note = _note(_l("Notiz (freiwillig)"), _l("Zum Beispiel: „Am Telefon, kommt mit dem Bus.“"))


class BookForm(BaseForm):
    """Booking a helper without an offer round; a near miss needs the reason for the exception."""

    reason = _note(_l("Notiz (freiwillig)"), _l("Höchstens 300 Zeichen. Steht im Verlauf der Anfrage."))

    def __init__(self, *args, reason_needed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_needed = reason_needed
        if reason_needed:
            self.reason.label.text = str(_l("Grund für die Ausnahme"))
            self.reason.flags.required = True

    def validate_reason(self, field):
        if self.reason_needed and not (field.data or "").strip():
            raise ValidationError(_l("Bitte geben Sie einen Grund für die Ausnahme an."))


class ConfirmOfferForm(BaseForm):
    """Confirming a yes whose helper fails a safeguarding gate: the reason for the exception
    (``offers.confirming.confirm_offer`` says when it is needed). Prefixed per offer."""

    reason = _note(
        _l("Grund für die Ausnahme"), _l("Warum passt die Person trotzdem? Steht im Verlauf der Anfrage.")
    )
