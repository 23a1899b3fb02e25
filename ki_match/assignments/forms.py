"""Giving an assignment back, reporting hours and kilometres, and the requester's sign-off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ki_match.assignments.labels import MOOD_LABELS, OUTCOME_LABELS
from ki_match.assignments.models import Mood, Outcome, Side
from ki_match.assignments.signoff import MAX_LATE_MINUTES
from ki_match.core.forms import BaseForm, EuroField, WholeNumberField
from ki_match.matching.distances import round_trip_km

MAX_MINUTES = 24 * 60  # the database allows one day at most
MAX_TICKET_CENTS = 50000  # travel_ticket's CHECK

BY_CAR, BY_TICKET = "km", "ticket"


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
    travel_by = RadioField(
        _l("Wie sind Sie hingekommen?"),
        choices=[
            SelectChoice(BY_CAR, _l("Mit dem Auto: Kilometer")),
            SelectChoice(BY_TICKET, _l("Ticket statt Kilometer (Bus, Bahn)")),
        ],
        default=BY_CAR,  # also when the form does not ask (a report sent without the choice)
        invalid_choice_message=_l("Bitte wählen Sie eine Möglichkeit."),
    )
    travel_km = WholeNumberField(
        _l("Gefahrene Kilometer (hin und zurück)"),
        description=_l(
            "Vorgeschlagen aus der Entfernung Ihres Wohnorts; bitte ändern, wenn es anders war. 0, wenn Sie nicht gefahren sind."
        ),
        validators=[Optional(), NumberRange(min=0, max=1000, message=_l("Bitte eine Zahl von 0 bis 1000."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 1000},
    )
    ticket = EuroField(
        _l("Preis des Tickets in Euro (hin und zurück)"),
        description=_l("z. B. 7,40 – das Integrationszentrum erstattet den Preis."),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_TICKET_CENTS, message=_l("Bitte einen Betrag von 0,01 bis 500,00 Euro.")
            ),
        ],
        render_kw={"inputmode": "decimal"},
    )
    ticket_note = StringField(
        _l("Beleg (freiwillig)"),
        description=_l("z. B. „Bus Brakel–Höxter, Quittung liegt vor“."),
        validators=[Optional(), Length(max=200, message=_l("Bitte höchstens 200 Zeichen."))],
        render_kw={"maxlength": 200},
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

    @property
    def by_ticket(self) -> bool:
        return self.travel_by.data == BY_TICKET

    def travel(self) -> dict:
        """What the report stores: kilometres, or a ticket instead (then 0 km)."""
        if self.by_ticket:
            return {"travel_km": 0, "ticket_cents": self.ticket.data, "ticket_note": self.ticket_note.data}
        return {"travel_km": self.travel_km.data, "ticket_cents": None, "ticket_note": None}

    def _travel_valid(self) -> bool:
        """Kilometres by car, or the ticket's price; the other one's field is not asked for."""
        if self.travel_by.errors:
            return False
        if self.by_ticket:
            if not self.ticket.errors and self.ticket.data is None:
                self.ticket.errors.append(_l("Bitte geben Sie den Preis des Tickets an."))
            return not self.ticket.errors and not self.ticket_note.errors
        if not self.travel_km.errors and self.travel_km.data is None:
            self.travel_km.errors.append(
                _l("Bitte geben Sie die Kilometer an – 0, wenn Sie nicht gefahren sind.")
            )
        return not self.travel_km.errors

    def validate(self, extra_validators=None) -> bool:
        # Cross-field checks: an empty field skips its own validators (Optional).
        valid = super().validate(extra_validators)
        # The field of the way not taken does not count against the report.
        ignored = (self.travel_km,) if self.by_ticket else (self.ticket, self.ticket_note)
        for field in ignored:
            field.errors = []
        valid = not any(field.errors for field in self._fields.values())
        valid = self._travel_valid() and valid
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
    """The report form showing what is reported so far (the helper's page, the coordinator's);
    before the first report, the kilometres there and back that matching knows, editable, or a
    ticket for a helper without a car."""
    ticket = assignment.ticket
    if assignment.actual_minutes is None:
        travel_by = BY_TICKET if assignment.helper.has_no_car else BY_CAR
        suggested = round_trip_km(assignment.helper, assignment.request)
        return ReportForm(formdata=None, travel_by=travel_by, travel_km=suggested, **kwargs)
    hours, minutes = divmod(assignment.actual_minutes, 60)
    return ReportForm(
        formdata=None,
        hours=hours,
        minutes=minutes,
        travel_by=BY_TICKET if ticket else BY_CAR,
        travel_km=assignment.travel_km,
        ticket=ticket.cents if ticket else None,
        ticket_note=ticket.note if ticket else None,
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
    """How it went: everything optional. Either side may ask for a call back, each in her own
    words (``side``): the helper after a hard assignment, the requester who wants to talk."""

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

    def __init__(self, *args, side: Side = Side.HELPER, **kwargs):
        super().__init__(*args, **kwargs)
        if side == Side.REQUESTER:
            self.callback.label.text = _l("Bitte rufen Sie uns an")
            self.callback.description = _l("Das Integrationszentrum ruft zurück.")

    @property
    def chosen_mood(self) -> Mood | None:
        # Blank input passes ``Optional`` as "not given" (its choice is then never checked).
        value = (self.mood.data or "").strip()
        return Mood(value) if value else None

    @property
    def asks_callback(self) -> bool:
        return bool(self.callback.data)


def feedback_form_for(assignment_id: int, feedback=None, *, side: Side, formdata=None) -> FeedbackForm:
    """The feedback form of one assignment, showing what the author sent so far."""
    data = {}
    if feedback is not None:
        data = {
            "mood": feedback.mood.value if feedback.mood else None,
            "body": feedback.body,
            "callback": feedback.callback,
        }
    return FeedbackForm(prefix=f"feedback-{assignment_id}", formdata=formdata, data=data, side=side)
