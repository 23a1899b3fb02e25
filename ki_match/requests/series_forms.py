"""The "Wiederholung" part of the request form, and the forms of the series page.

``RepeatForm`` rides along with the ``RequestForm`` of the same POST (prefix ``repeat-``; that
form carries the CSRF token): the request form gives the first date and the time, this one the
rule. ``rule_for`` unfolds it once (``requests.recurrence``), so a rule that makes no date, too
many, or one at a time the clocks skip is refused at its field before anything is saved.
"""

from __future__ import annotations

import re
from datetime import date, time

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.core.forms import BaseForm, DayField, WallClockField, WholeNumberField, day_in_range, id_number
from ki_match.requests.labels import RULE_LABELS
from ki_match.requests.recurrence import MAX_OCCURRENCES, Expansion, Frequency, RecurrenceError, Rule, expand

NO_REPEAT = ""
FREQUENCY_LABELS = {NO_REPEAT: _l("keine"), **RULE_LABELS}
RECURRENCE_MESSAGES = {
    "until_or_count": _l("Bitte angeben, bis wann oder wie oft der Termin stattfindet."),
    "before_first": _l("Das Enddatum liegt vor dem ersten Termin."),
    "range": _l("Bitte eine Zahl von 1 bis %(most)s angeben.", most=MAX_OCCURRENCES),
    "too_many": _l("Eine Serie hat höchstens %(most)s Termine.", most=MAX_OCCURRENCES),
    "none": _l(
        "So findet kein einziger Termin statt (alle fallen in Ferien, auf Feiertage oder sind ausgelassen)."
    ),
    "nonexistent": _l("Diese Uhrzeit gibt es an einem der Tage nicht (Umstellung auf Sommerzeit)."),
}
# Where a RecurrenceError's field is shown on the form.
FIELD_OF = {"until": "until", "count": "count", "dates": "dates"}
DATE_SEPARATORS = re.compile(r"[\s,;]+")


def parse_days(text: str | None) -> list[date]:
    """Dates typed one per line (or separated by commas): 24.12.2026 or 2026-12-24."""
    return [_one_day(word) for word in DATE_SEPARATORS.split(text or "") if word]


def _one_day(word: str) -> date:
    german = DayField.GERMAN.match(word)
    try:
        day = (
            date(int(german.group(3)), int(german.group(2)), int(german.group(1)))
            if german
            else date.fromisoformat(word)
        )
    except ValueError:
        raise ValidationError(
            _l("„%(word)s“ ist kein Datum. Bitte jedes Datum wie 24.12.2026 schreiben.", word=word[:20])
        ) from None
    if not day_in_range(day):
        raise ValidationError(_l("„%(word)s“ liegt außerhalb des Kalenders der App.", word=word[:20]))
    return day


def _future_days(text: str | None) -> list[date]:
    days = parse_days(text)
    if len(days) > MAX_OCCURRENCES:
        raise ValidationError(RECURRENCE_MESSAGES["too_many"])
    if any(day < local_today() for day in days):
        raise ValidationError(_l("Das Datum liegt in der Vergangenheit. Bitte ein künftiges Datum wählen."))
    return days


class RepeatForm(BaseForm):
    class Meta:
        csrf = False  # sent with the request form, whose token covers the POST

    frequency = RadioField(
        _l("Wiederholung"),
        choices=[SelectChoice(value, label) for value, label in FREQUENCY_LABELS.items()],
        default=NO_REPEAT,
    )
    dates = TextAreaField(
        _l("Weitere Termine"),
        description=_l("Ein Datum pro Zeile, z. B. 24.03.2027. Der erste Termin ist das Datum oben."),
    )
    ends = RadioField(
        _l("Endet"),
        choices=[
            SelectChoice("until", _l("an einem bestimmten Tag")),
            SelectChoice("count", _l("nach einer Anzahl Termine")),
        ],
        default="until",
    )
    until = DayField(_l("Letzter möglicher Tag"), validators=[Optional()])
    count = WholeNumberField(
        _l("Anzahl Termine"),
        validators=[Optional(), NumberRange(1, MAX_OCCURRENCES, RECURRENCE_MESSAGES["range"])],
        render_kw={"min": 1, "max": MAX_OCCURRENCES, "inputmode": "numeric"},
    )
    skip_holidays = BooleanField(_l("Schulferien und Feiertage in NRW auslassen"), default=True)
    skipped = TextAreaField(
        _l("Einzelne Tage auslassen"), description=_l("Ein Datum pro Zeile, z. B. 24.03.2027.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="repeat", **kwargs)

    @property
    def repeats(self) -> bool:
        return self.frequency.data in (Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.DATES)

    def validate_dates(self, field):
        if self.frequency.data == Frequency.DATES:
            _future_days(field.data)

    def validate_skipped(self, field):
        if self.repeats:
            parse_days(field.data)

    def rule_for(self, first_day: date | None, start: time | None) -> Rule | None:
        """The rule for a first appointment at ``first_day``/``start``, or None when there is none
        (no repetition, or the form's values do not make one: see the field errors)."""
        if not self.repeats or first_day is None or start is None or self.errors:
            return None
        frequency = Frequency(self.frequency.data)
        by_count = frequency != Frequency.DATES and self.ends.data == "count"
        by_date = frequency != Frequency.DATES and not by_count
        return Rule(
            frequency=frequency,
            first_day=first_day,
            start=start,
            until=self.until.data if by_date else None,
            count=self.count.data if by_count else None,
            dates=tuple(parse_days(self.dates.data)) if frequency == Frequency.DATES else (),
            skip_holidays=bool(self.skip_holidays.data),
            skipped=frozenset(parse_days(self.skipped.data)),
        )

    def unfold(
        self, *, first_day: date | None, start: time | None, scheduled: bool
    ) -> tuple[Rule, Expansion] | tuple[None, None]:
        """The rule and its dates, for a first appointment at ``first_day``/``start`` (after
        ``validate``); (None, None) without repetition, or with the reason at its field."""
        if not self.repeats:
            return None, None
        if not scheduled:
            return self._refuse(
                "frequency", _l("Nur ein Termin mit Datum und Uhrzeit kann sich wiederholen.")
            )
        if first_day is None or start is None:
            return self._refuse("frequency", _l("Bitte Datum und Uhrzeit des ersten Termins angeben."))
        rule = self.rule_for(first_day, start)
        if rule is None:
            return None, None
        try:
            return rule, expand(rule)
        except RecurrenceError as error:
            return self._refuse(self._field_of(error), RECURRENCE_MESSAGES[error.code])

    def _field_of(self, error: RecurrenceError) -> str:
        if error.code == "until_or_count":
            return "count" if self.ends.data == "count" else "until"
        return FIELD_OF.get(error.field, "frequency")

    def _refuse(self, name: str, message) -> tuple[None, None]:
        field = self[name]
        field.errors = [*field.errors, message]
        return None, None


class MoveDateForm(BaseForm):
    """One appointment of a series to another day and time."""

    day = DayField(_l("Neues Datum"), validators=[InputRequired(_l("Bitte ein Datum angeben."))])
    start = WallClockField(_l("Neue Uhrzeit"), validators=[InputRequired(_l("Bitte eine Uhrzeit angeben."))])


UNCHANGED = ""


class NewTimeForm(BaseForm):
    """A new time of day for this and all following appointments, and perhaps another weekday."""

    start = WallClockField(_l("Neue Uhrzeit"), validators=[InputRequired(_l("Bitte eine Uhrzeit angeben."))])
    weekday = SelectField(
        _l("Wochentag"),
        default=UNCHANGED,
        invalid_choice_message=_l("Bitte einen Wochentag aus der Liste wählen."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The reader's weekday names, in the order their week runs (stored: 0 = Monday).
        names = dates.weekday_names()
        self.weekday.choices = [
            SelectChoice(UNCHANGED, _l("unverändert")),
            *(SelectChoice(str(number), names[number]) for number in dates.week_order()),
        ]

    @property
    def new_weekday(self) -> int | None:
        """0 Monday … 6 Sunday, or None: each date keeps its day."""
        return None if self.weekday.data in (None, UNCHANGED) else int(self.weekday.data)


NOBODY = ""


class RestaffForm(BaseForm):
    """Another person for one date, or this and all following: who leaves (one of the date's
    confirmed helpers) and who is asked instead (a candidate, or nobody: the dates open again).
    The view sets both lists of choices for its row; the new person is checked again for each date
    when the change is made, since who fits may change after the page was drawn."""

    leaving_id = SelectField(
        _l("Wer wird ersetzt?"), invalid_choice_message=_l("Bitte eine Person aus der Liste wählen.")
    )
    helper_id = SelectField(_l("Neue Person"), validate_choice=False, default=NOBODY)

    def validate_helper_id(self, field):
        if field.data in (None, NOBODY):
            return
        try:
            id_number(field.data)
        except ValueError:
            raise ValidationError(_l("Bitte eine Person aus der Liste wählen.")) from None

    @property
    def leaving(self) -> int:
        return int(self.leaving_id.data)

    @property
    def newcomer(self) -> int | None:
        return None if self.helper_id.data in (None, NOBODY) else int(self.helper_id.data)
