"""Giving an assignment back, reporting hours and kilometres, and the requester's sign-off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ki_match.assignments.labels import MOOD_LABELS, OUTCOME_LABELS
from ki_match.assignments.models import Mood, Outcome
from ki_match.assignments.signoff import MAX_LATE_MINUTES
from ki_match.core.forms import BaseForm, WholeNumberField

MAX_MINUTES = 24 * 60  # the database allows one day at most


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        _l("Warum können Sie nicht kommen?"),
        description=_l("Das Integrationszentrum erfährt es sofort und sucht Ersatz."),
        validators=[
            InputRequired(_l("Bitte schreiben Sie kurz, warum Sie absagen.")),
            Length(max=300, message=_l("Bitte höchstens 300 Zeichen.")),
        ],
        render_kw={"maxlength": 300, "rows": 3},
    )

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Bitte schreiben Sie kurz, warum Sie absagen."))


class ReportForm(BaseForm):
    """Actual duration as hours plus minutes (either may be left empty: 90 minutes or 1 h 30 both work)."""

    hours = WholeNumberField(
        _l("Stunden"),
        validators=[Optional(), NumberRange(min=0, max=24, message=_l("Bitte eine Zahl von 0 bis 24."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 24},
    )
    minutes = WholeNumberField(
        _l("Minuten"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_MINUTES, message=_l("Bitte eine Zahl von 0 bis 1440.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_MINUTES},
    )
    travel_km = WholeNumberField(
        _l("Gefahrene Kilometer (hin und zurück)"),
        description=_l("0, wenn Sie nicht gefahren sind."),
        validators=[
            InputRequired(_l("Bitte geben Sie die Kilometer an – 0, wenn Sie nicht gefahren sind.")),
            NumberRange(min=0, max=1000, message=_l("Bitte eine Zahl von 0 bis 1000.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": 1000},
    )
    note = TextAreaField(
        _l("Kurze Notiz (freiwillig)"),
        description=_l(
            "Bitte keine persönlichen oder vertraulichen Angaben – nur, was für die Abrechnung wichtig ist."
        ),
        validators=[Optional(), Length(max=500, message=_l("Bitte höchstens 500 Zeichen."))],
        render_kw={"maxlength": 500, "rows": 3},
    )

    @property
    def total_minutes(self) -> int:
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)

    def validate(self, extra_validators=None) -> bool:
        # A cross-field check: an empty minutes field skips its own validators (Optional).
        valid = super().validate(extra_validators)
        if self.hours.errors or self.minutes.errors:
            return valid
        if self.total_minutes == 0:
            self.minutes.errors.append(_l("Bitte geben Sie an, wie lange der Einsatz gedauert hat."))
            return False
        if self.total_minutes > MAX_MINUTES:
            self.minutes.errors.append(_l("Zusammen höchstens 24 Stunden."))
            return False
        return valid


def report_form_for(assignment, **kwargs) -> ReportForm:
    """The report form showing what is reported so far (the helper's page, the coordinator's)."""
    if assignment.actual_minutes is None:
        return ReportForm(formdata=None, travel_km=assignment.travel_km, **kwargs)
    hours, minutes = divmod(assignment.actual_minutes, 60)
    return ReportForm(
        formdata=None,
        hours=hours,
        minutes=minutes,
        travel_km=assignment.travel_km,
        note=assignment.report_note,
        **kwargs,
    )


class SignOffForm(BaseForm):
    """The requester's word on an assignment. "Hat stattgefunden" is one tap (a button sending that
    outcome); a problem is chosen from the list, "kam zu spät" with the minutes if known."""

    outcome = RadioField(
        _l("Was ist passiert?"),
        choices=[SelectChoice(outcome.value, label) for outcome, label in OUTCOME_LABELS.items()],
        validators=[InputRequired(_l("Bitte wählen Sie, was passiert ist."))],
        invalid_choice_message=_l("Bitte wählen Sie, was passiert ist."),
    )
    late_minutes = WholeNumberField(
        _l("Wie viele Minuten zu spät? (freiwillig)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_LATE_MINUTES, message=_l("Bitte eine Zahl von 1 bis 600.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_LATE_MINUTES},
    )

    def validate_late_minutes(self, field):
        if field.data is not None and self.outcome.data != Outcome.HELPER_LATE.value:
            raise ValidationError(_l("Minuten nur angeben, wenn die Person zu spät kam."))

    @property
    def chosen(self) -> Outcome:
        return Outcome(self.outcome.data)


def signoff_form_for(assignment_id: int, signoff=None, formdata=None) -> SignOffForm:
    """The sign-off form of one assignment (its fields have ids of their own), showing the
    sign-off given so far."""
    data = {}
    if signoff is not None:
        data = {"outcome": signoff.outcome.value, "late_minutes": signoff.late_minutes}
    return SignOffForm(prefix=f"signoff-{assignment_id}", formdata=formdata, data=data)


class FeedbackForm(BaseForm):
    """How it went: everything optional; the call back only on the helper's side (``with_callback``)."""

    mood = RadioField(
        _l("Wie ist es gelaufen?"),
        choices=[SelectChoice(mood.value, label) for mood, label in MOOD_LABELS.items()],
        validators=[Optional()],
        validate_choice=True,
        invalid_choice_message=_l("Bitte wählen Sie eine der Möglichkeiten."),
    )
    body = TextAreaField(
        _l("Kurz in Worten (freiwillig)"),
        description=_l("Nur das Integrationszentrum liest das. Bitte keine Namen von Klient*innen."),
        validators=[Optional(), Length(max=500, message=_l("Bitte höchstens 500 Zeichen."))],
        render_kw={"maxlength": 500, "rows": 3},
    )
    callback = BooleanField(
        _l("Belastender Einsatz – bitte Rückruf"),
        description=_l("Das Integrationszentrum ruft Sie an."),
    )

    def __init__(self, *args, with_callback: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_callback:
            del self.callback

    @property
    def chosen_mood(self) -> Mood | None:
        # Blank input passes ``Optional`` as "not given" (its choice is then never checked).
        value = (self.mood.data or "").strip()
        return Mood(value) if value else None

    @property
    def asks_callback(self) -> bool:
        return "callback" in self._fields and bool(self.callback.data)


def feedback_form_for(
    assignment_id: int, feedback=None, *, with_callback: bool, formdata=None
) -> FeedbackForm:
    """The feedback form of one assignment, showing what the author sent so far."""
    data = {}
    if feedback is not None:
        data = {
            "mood": feedback.mood.value if feedback.mood else None,
            "body": feedback.body,
            "callback": feedback.callback,
        }
    return FeedbackForm(
        prefix=f"feedback-{assignment_id}", formdata=formdata, data=data, with_callback=with_callback
    )
