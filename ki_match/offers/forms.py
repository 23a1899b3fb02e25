"""Answering offers, withdrawing from an assignment and reporting hours."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ki_match.clock import NonexistentLocalTime, local_to_utc, local_today, utcnow

MAX_MINUTES = 24 * 60  # the database allows one day at most


class AcceptForm(FlaskForm):
    """A button only; the CSRF token is its one field."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Grund (freiwillig)"),
        description=_l("Zum Beispiel: „Ich bin an dem Tag nicht da.“ Das hilft bei der nächsten Anfrage."),
        validators=[Optional(), Length(max=300, message=_l("Bitte höchstens 300 Zeichen."))],
        render_kw={"maxlength": 300, "rows": 3},
    )


class WithdrawForm(FlaskForm):
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


class ReportForm(FlaskForm):
    """Actual duration as hours plus minutes (either may be left empty: 90 minutes or 1 h 30 both work)."""

    hours = IntegerField(
        _l("Stunden"),
        validators=[Optional(), NumberRange(min=0, max=24, message=_l("Bitte eine Zahl von 0 bis 24."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 24},
    )
    minutes = IntegerField(
        _l("Minuten"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_MINUTES, message=_l("Bitte eine Zahl von 0 bis 1440.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_MINUTES},
    )
    travel_km = IntegerField(
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


# --- the coordinator's side ----------------------------------------------------------------


class ActionForm(FlaskForm):
    """A button only (confirm, withdraw, complete, no-show, approve); the CSRF token is its one field."""


class SendOffersForm(FlaskForm):
    """The ticked candidates and near misses of the request page."""

    helper_ids = SelectMultipleField(coerce=int, validate_choice=False)

    def validate_helper_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Bitte wählen Sie mindestens eine Person aus."))


class RescheduleForm(FlaskForm):
    """A new time in Europe/Berlin wall-clock time, or a new due date for a written translation."""

    day = DateField(_l("Neues Datum"), validators=[Optional()])
    start = TimeField(_l("Neue Uhrzeit"), validators=[Optional()])
    duration_minutes = IntegerField(
        _l("Dauer in Minuten"),
        validators=[
            Optional(),
            NumberRange(15, 720, _l("Bitte zwischen 15 Minuten und 12 Stunden (720 Minuten) angeben.")),
        ],
        render_kw={"min": 15, "max": 720, "step": 5, "inputmode": "numeric"},
    )
    due_on = DateField(_l("Neu fertig bis"), validators=[Optional()])

    def __init__(self, *args, written: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.written = written

    def validate_day(self, field):
        if not self.written and field.data < local_today():
            raise ValidationError(
                _l("Das Datum liegt in der Vergangenheit. Bitte ein künftiges Datum wählen.")
            )

    def validate_start(self, field):
        if self.written or self.day.data is None:
            return
        try:
            starts_at = local_to_utc(self.day.data, field.data)
        except NonexistentLocalTime:
            raise ValidationError(
                _l(
                    "Diese Uhrzeit gibt es am %(day)s nicht: In dieser Nacht werden die Uhren "
                    "von 2 auf 3 Uhr vorgestellt. Bitte eine Zeit ab 3:00 Uhr wählen.",
                    day=self.day.data.strftime("%d.%m.%Y"),
                )
            ) from None
        if starts_at <= utcnow():
            raise ValidationError(_l("Diese Uhrzeit ist schon vorbei."))

    def validate_due_on(self, field):
        if self.written and field.data < local_today():
            raise ValidationError(
                _l("Das Datum liegt in der Vergangenheit. Bitte ein künftiges Datum wählen.")
            )

    def validate(self, extra_validators=None) -> bool:
        # What the kind needs is checked here: an empty field skips its own validators (Optional).
        valid = super().validate(extra_validators)
        required = (
            [(self.due_on, _l("Bitte geben Sie an, bis wann die Übersetzung fertig sein soll."))]
            if self.written
            else [
                (self.day, _l("Bitte geben Sie das Datum an.")),
                (self.start, _l("Bitte geben Sie die Uhrzeit an.")),
                (self.duration_minutes, _l("Bitte geben Sie an, wie lange der Termin ungefähr dauert.")),
            ]
        )
        for field, message in required:
            if field.data is None and not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    @property
    def starts_at(self):
        if self.written or self.day.data is None or self.start.data is None:
            return None
        return local_to_utc(self.day.data, self.start.data)


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Grund"),
        description=_l("Die Helfenden lesen ihn in der Absage. Bitte keine Namen oder Gesundheitsdaten."),
        validators=[
            InputRequired(_l("Bitte geben Sie einen Grund an.")),
            Length(max=300, message=_l("Bitte höchstens 300 Zeichen.")),
        ],
        render_kw={"maxlength": 300, "rows": 3},
    )

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Bitte geben Sie einen Grund an."))
