"""What every form shares: the base form that cleans text and stops checks on unreadable input,
and the field types for days, times of day and whole numbers that the database can hold.

Every form of the app derives from ``BaseForm`` (tests/core/test_architecture.py checks it), so
no form can hand a NUL byte, a bidi override or a date beyond the calendar to a rule or to the
database.
"""

from __future__ import annotations

import re
from datetime import date, time

from flask import current_app
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import DateInput, TextArea, TextInput, TimeInput

from ki_match.core import dates
from ki_match.core.locales import LOCALES, direction_of
from ki_match.core.money import cents_to_text, parse_cents
from ki_match.core.text import clean_text, normalise_name
from ki_match.db import INT_MAX

# The days the app can work with: every date is turned into instants, weeks and periods, and
# the calendar ends at 9999-12-31. Nobody plans help this far ahead or reports that far back.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def stop_on_unreadable_input(form, field):
    """Input the field could not read has its one message; no check runs on what is not there."""
    if field.process_errors and field.raw_data and str(field.raw_data[0]).strip():
        raise StopValidation()


class BaseForm(FlaskForm):
    """The form every form of the app derives from.

    Text fields lose NUL bytes and the invisible characters that turn text around (U+202A–U+202E,
    U+2066–U+2069) before anything reads them; a field whose input could not be read ("abc" in a
    number, "2027-02-30" in a day) keeps its own message and skips the checks that would read it.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **_with_text_filter(unbound_field, options))
            field.validators = [stop_on_unreadable_input, *field.validators]
            return field

        def render_field(self, field, render_kw):
            direction = field_direction(field, {**(field.render_kw or {}), **render_kw})
            if direction:
                render_kw = {"dir": direction, **render_kw}
            return super().render_field(field, render_kw)


# Addresses, numbers, days and times read left to right in every language; what people type in
# their own words runs the way its first strong letter says (``dir="auto"``).
LEFT_TO_RIGHT_INPUTS = {"email", "tel", "url", "number", "date", "time", "datetime-local", "month", "week"}
NUMERIC_MODES = {"numeric", "decimal"}
FREE_TEXT_INPUTS = {"text", "search"}


def field_direction(field: Field, attributes: dict) -> str | None:
    """The ``dir`` a field's input gets, unless the template or the field sets its own."""
    if "dir" in attributes:
        return None
    if isinstance(field.widget, TextArea):
        return "auto"
    input_type = attributes.get("type") or getattr(field.widget, "input_type", None)
    if (
        input_type in LEFT_TO_RIGHT_INPUTS
        or attributes.get("inputmode") in LEFT_TO_RIGHT_INPUTS | NUMERIC_MODES
    ):
        return "ltr"
    if input_type in FREE_TEXT_INPUTS:
        return "auto"
    return None


def _with_text_filter(unbound_field, options: dict) -> dict:
    field_class = unbound_field.field_class
    if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
        filters = (*unbound_field.kwargs.get("filters", ()), *options.get("filters", ()))
        return {**options, "filters": (clean_text, *filters)}
    return options


class LocaleForm(BaseForm):
    locale = SelectField(choices=[SelectChoice(code, label) for code, label in LOCALES.items()])


def locale_choices() -> list[SelectChoice]:
    """The languages of the app for a select, each in its own name, language and direction."""
    return [
        SelectChoice(code, LOCALES.get(code, code), render_kw={"lang": code, "dir": direction_of(code)})
        for code in current_app.config["LANGUAGES"]
    ]


class NameField(StringField):
    """A person's name: every kind of space (tab, no-break space …) becomes one plain space."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = normalise_name(self.data) if self.data is not None else None


def _blank(field: Field, valuelist: list) -> bool:
    """Nothing typed, or only spaces: no answer, so that ``InputRequired`` asks for one."""
    if valuelist and valuelist[0].strip():
        return False
    field.data = None
    field.raw_data = []
    return True


def day_in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


class DayField(Field):
    """A calendar day from 2000 to 2099. Phones show a date picker; typed "24.12.2026" works as well."""

    widget = DateInput()
    GERMAN = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        if _blank(self, valuelist):
            return
        raw = valuelist[0].strip()
        try:
            german = self.GERMAN.match(raw)
            if german:
                self.data = date(int(german.group(3)), int(german.group(2)), int(german.group(1)))
            else:
                self.data = date.fromisoformat(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(_("Bitte als Datum eingeben, zum Beispiel 24.12.2026.")) from exc
        if not day_in_range(self.data):
            self.data = None
            raise ValueError(
                _(
                    "Bitte ein Datum zwischen %(first)s und %(last)s eingeben.",
                    first=dates.show(EARLIEST_DAY, "day_medium"),
                    last=dates.show(LATEST_DAY, "day_medium"),
                )
            )


class WallClockField(Field):
    """A time of day, HH:MM. Phones show a time picker; typed "9:30" or "9.30" work as well."""

    widget = TimeInput()
    PATTERN = re.compile(r"^\s*(\d{1,2})\s*[:.]?\s*(\d{2})\s*$")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        if _blank(self, valuelist):
            return
        match = self.PATTERN.match(valuelist[0])
        hours, minutes = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
        if hours > 23 or minutes > 59:
            self.data = None
            raise ValueError(_("Bitte als Uhrzeit eingeben, zum Beispiel 09:30."))
        self.data = time(hours, minutes)


def whole_number(text: str) -> int:
    """A whole number the database can store; ``ValueError`` with a message for anything else."""
    try:
        value = int(text.strip())
    except ValueError as exc:
        raise ValueError(_("Bitte eine ganze Zahl eingeben, zum Beispiel 20.")) from exc
    if abs(value) > INT_MAX:
        raise ValueError(_("Diese Zahl ist zu groß."))
    return value


class WholeNumberField(IntegerField):
    """A whole number that fits the database's integers; empty is no answer."""

    def process_formdata(self, valuelist):
        if _blank(self, valuelist):
            return
        try:
            self.data = whole_number(valuelist[0])
        except ValueError:
            self.data = None
            raise


class EuroField(Field):
    """An amount in euros as people type it ("12,50", "12.50", "12 €"), kept as whole cents; empty
    is no answer. The form shows a stored amount back as "12,50"."""

    widget = TextInput()

    def __init__(self, *args, render_kw=None, **kwargs):
        # An amount reads left to right in every language ("12,50 €"), like the other numbers.
        super().__init__(*args, render_kw={"dir": "ltr", **(render_kw or {})}, **kwargs)

    def process_formdata(self, valuelist):
        if _blank(self, valuelist):
            return
        try:
            self.data = parse_cents(valuelist[0])
        except ValueError as exc:
            self.data = None
            raise ValueError(
                _(
                    "Bitte geben Sie einen Betrag in Euro mit höchstens zwei Nachkommastellen ein, z. B. 12,50."
                )
            ) from exc
        if self.data > INT_MAX:
            self.data = None
            raise ValueError(_("Der Betrag ist zu hoch."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return cents_to_text(self.data) if self.data is not None else ""


def id_number(value) -> int:
    """``coerce`` for a choice of rows by id: a number the database can hold, or ``ValueError``."""
    number = int(value)
    if not 0 <= number <= INT_MAX:
        raise ValueError(value)
    return number
