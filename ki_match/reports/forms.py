"""The period picker with its filters (a GET form), and the allowance rate form of the admins."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import get_month_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import Select, html_params

from ki_match.clock import local_today
from ki_match.core.forms import BaseForm, DayField
from ki_match.extensions import db
from ki_match.reference.names import language_name, topic_name
from ki_match.reports.models import AllowanceRate
from ki_match.reports.services import Period, PeriodKind, ReportFilters, parse_cents
from ki_match.reports.tables import Reference
from ki_match.requests.labels import KIND_LABELS

PERIOD_LABELS = {
    PeriodKind.MONTH: _l("Monat"),
    PeriodKind.QUARTER: _l("Quartal"),
    PeriodKind.YEAR: _l("Jahr"),
    PeriodKind.CUSTOM: _l("eigener Zeitraum (von – bis)"),
}
# The query-string arguments the form reads; anything else in the URL is ignored.
QUERY_ARGS = frozenset(
    ("period", "year", "month", "quarter", "start", "end", "language", "town", "topic", "kind", "requester")
)
# A custom period longer than this would be a report of reports; a year view serves better.
LONGEST_CUSTOM_DAYS = 3 * 366


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def _optional_text(value):
    return value or None


class OptionsSelect(Select):
    """wtforms' select, written the same way, with each option put together directly.

    The report's filter form has some eighty options, and wtforms runs each through
    html_params (sorting, escaping, formatting Markup) and inspects ``render_option`` anew for
    every select.
    """

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for name in self.validation_attrs:
            if name not in kwargs and getattr(field.flags, name, None) is not None:
                kwargs[name] = getattr(field.flags, name)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in field.iter_choices():
            if choice.render_kw:
                html.append(self.render_option(choice))
                continue
            selected = "selected " if choice.selected else ""
            label = escape(choice.label or choice.value)
            html.append(f'<option {selected}value="{escape(choice.value)}">{label}</option>')
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704  (every value and label above went through escape())


class ReportForm(BaseForm):
    """Which period and which requests the report covers; read from the query string."""

    class Meta:
        csrf = False

    period = SelectField(_l("Art des Zeitraums"), coerce=str, widget=OptionsSelect())
    year = SelectField(_l("Jahr"), coerce=int, widget=OptionsSelect())
    month = SelectField(_l("Monat"), coerce=int, widget=OptionsSelect())
    quarter = SelectField(_l("Quartal"), coerce=int, widget=OptionsSelect())
    start = DayField(_l("von"))
    end = DayField(_l("bis"))
    language = SelectField(_l("Sprache"), coerce=_optional_int, widget=OptionsSelect())
    town = SelectField(_l("Stadt"), coerce=_optional_int, widget=OptionsSelect())
    topic = SelectField(_l("Thema"), coerce=_optional_int, widget=OptionsSelect())
    kind = SelectField(_l("Art"), coerce=_optional_text, widget=OptionsSelect())
    requester = SelectField(_l("Anfragende Stelle"), coerce=_optional_int, widget=OptionsSelect())

    @classmethod
    def from_args(cls, args: MultiDict, reference: Reference, today: date | None = None) -> ReportForm:
        """The form filled from the query string, with this month where the string says nothing."""
        today = today or local_today()
        data = MultiDict(
            {
                "period": PeriodKind.MONTH.value,
                "year": str(today.year),
                "month": str(today.month),
                "quarter": str((today.month + 2) // 3),
            }
        )
        for key in args:
            if key in QUERY_ARGS:
                data.setlist(key, args.getlist(key))
        return cls(formdata=data, reference=reference, today=today)

    def __init__(self, *args, reference: Reference, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [SelectChoice(kind.value, str(label)) for kind, label in PERIOD_LABELS.items()]
        self.year.choices = [SelectChoice(year, str(year)) for year in range(today.year - 9, today.year + 2)]
        names = get_month_names("wide", locale=str(get_locale() or "de"))
        self.month.choices = [SelectChoice(number, names[number]) for number in range(1, 13)]
        self.quarter.choices = [SelectChoice(number, f"Q{number}") for number in range(1, 5)]
        everything = SelectChoice("", str(_l("alle")))
        self.language.choices = [everything] + [
            SelectChoice(item.id, language_name(item))
            for item in reference.languages
            if item.code != "de" and item.id in reference.offered_language_ids
        ]
        self.town.choices = [everything] + [SelectChoice(item.id, item.name) for item in reference.towns]
        self.topic.choices = [everything] + [
            SelectChoice(item.id, topic_name(item)) for item in reference.topics
        ]
        self.kind.choices = [everything] + [
            SelectChoice(kind.value, str(label)) for kind, label in KIND_LABELS.items()
        ]
        self.requester.choices = [everything] + [
            SelectChoice(item.id, item.name) for item in reference.organisations
        ]

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        if self.period.data != PeriodKind.CUSTOM:
            # The day fields only matter for a custom period; a stale value there is no error.
            self.start.errors, self.end.errors = [], []
        else:
            self._check_custom_days()
        return not any(field.errors for field in self)

    def _check_custom_days(self) -> None:
        for field in (self.start, self.end):
            if field.data is None and not field.errors:
                field.errors.append(str(_l("Bitte geben Sie den Tag an.")))
        start, end = self.start.data, self.end.data
        if start and end and not self.start.errors and not self.end.errors:
            if end < start:
                self.end.errors.append(
                    str(_l("Der letzte Tag liegt vor dem ersten. Bitte prüfen Sie die Angaben."))
                )
            elif (end - start).days > LONGEST_CUSTOM_DAYS:
                self.end.errors.append(
                    str(
                        _l(
                            "Bitte wählen Sie höchstens drei Jahre; für längere Zeiträume gibt es die Jahresberichte."
                        )
                    )
                )

    def to_period(self) -> Period:
        kind = PeriodKind(self.period.data)
        if kind == PeriodKind.MONTH:
            return Period.month(self.year.data, self.month.data)
        if kind == PeriodKind.QUARTER:
            return Period.quarter(self.year.data, self.quarter.data)
        if kind == PeriodKind.YEAR:
            return Period.year(self.year.data)
        return Period(PeriodKind.CUSTOM, self.start.data, self.end.data)

    def to_filters(self) -> ReportFilters:
        return ReportFilters(
            language_id=self.language.data,
            town_id=self.town.data,
            topic_id=self.topic.data,
            kind=self.kind.data,
            organisation_id=self.requester.data,
        )

    def period_args(self) -> dict:
        """The query string of the period alone (for links to the allowance pages and exports)."""
        args = {"period": self.period.data, "year": self.year.data}
        if self.period.data == PeriodKind.MONTH:
            args["month"] = self.month.data
        elif self.period.data == PeriodKind.QUARTER:
            args["quarter"] = self.quarter.data
        elif self.period.data == PeriodKind.CUSTOM:
            args = {"period": self.period.data, "start": self.start.data, "end": self.end.data}
        return args

    def args(self) -> dict:
        return self.period_args() | self.to_filters().args()


class RateForm(BaseForm):
    """A new allowance rate: euros per hour and per kilometre, valid from a day on."""

    valid_from = DayField(
        _l("gültig ab"), validators=[InputRequired(_l("Bitte geben Sie den ersten gültigen Tag an."))]
    )
    per_hour = StringField(
        _l("Euro je Stunde"),
        description=_l("z. B. 12,50"),
        validators=[InputRequired(_l("Bitte geben Sie den Betrag je Stunde an."))],
    )
    per_km = StringField(
        _l("Euro je Kilometer"),
        description=_l("z. B. 0,30"),
        validators=[InputRequired(_l("Bitte geben Sie den Betrag je Kilometer an."))],
    )

    def __init__(self, *args, ki_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.ki_id = ki_id

    def validate_valid_from(self, field):
        if field.data is None:  # not a date: the field's own message says so
            return
        taken = db.session.scalar(
            select(AllowanceRate.id).where(
                AllowanceRate.ki_id == self.ki_id, AllowanceRate.valid_from == field.data
            )
        )
        if taken:
            raise ValidationError(
                _l("Ab diesem Tag gilt schon ein Satz. Löschen Sie ihn zuerst, um ihn zu ändern.")
            )
        if field.data > local_today() + timedelta(days=3 * 366):
            raise ValidationError(_l("Bitte wählen Sie einen Tag in den nächsten drei Jahren."))

    def validate_per_hour(self, field):
        self.per_hour_cents = _cents(field.data, 100000)

    def validate_per_km(self, field):
        self.per_km_cents = _cents(field.data, 10000)


def _cents(text: str, most: int) -> int:
    try:
        cents = parse_cents(text)
    except ValueError as error:
        raise ValidationError(
            _l("Bitte geben Sie einen Betrag in Euro mit höchstens zwei Nachkommastellen ein, z. B. 12,50.")
        ) from error
    if cents > most:
        raise ValidationError(_l("Der Betrag ist zu hoch (höchstens %(most)s €).", most=most // 100))
    return cents
