"""The filter forms of the directory and the coverage table (GET forms: nothing to protect
with a CSRF token, and every filtered page has its own URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SearchField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice

from ki_match.core import dates
from ki_match.core.forms import BaseForm
from ki_match.helpers.models import HelperKind
from ki_match.reference.models import Level

KIND_LABELS = {
    HelperKind.SPRACHLOTSE: _l("Sprachlotsin/Sprachlotse"),
    HelperKind.VOLUNTEER: _l("Ehrenamtliche"),
}


class FilterForm(BaseForm):
    class Meta:
        csrf = False

    def choice(self, field) -> str | None:
        """The chosen value if it is one of the choices (a hand-edited URL is simply ignored)."""
        allowed = {str(option.value) for option in field.choices}
        return field.data if field.data and str(field.data) in allowed else None

    def choices_of(self, field) -> list[str]:
        allowed = {str(option.value) for option in field.choices}
        return [value for value in (field.data or []) if value in allowed]


class DirectoryFilterForm(FilterForm):
    q = SearchField(_l("Suche"))
    language = SelectMultipleField(_l("Sprachen"))
    town = SelectField(_l("Ort"))
    day = SelectMultipleField(_l("Wochentage"))
    topic = SelectField(_l("Thema"))
    kind = SelectField(_l("Art"))
    remote = BooleanField(_l("nur mit Telefon/Video"))

    def __init__(self, *args, languages, towns, topics, day_names, language_name, topic_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [
            SelectChoice(language.code, language_name(language)) for language in languages
        ]
        self.town.choices = [
            SelectChoice("", _l("alle Orte")),
            *(SelectChoice(str(town.id), town.name) for town in towns),
        ]
        self.day.choices = [SelectChoice(str(number), day_names[number]) for number in dates.week_order()]
        self.topic.choices = [
            SelectChoice("", _l("alle Themen")),
            *(SelectChoice(topic.code, topic_name(topic)) for topic in topics),
        ]
        self.kind.choices = [
            SelectChoice("", _l("alle")),
            *(SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()),
        ]


class CoverageFilterForm(FilterForm):
    language = SelectMultipleField(_l("Sprachen"))
    kind = SelectField(_l("Art"))
    level = SelectField(_l("Sprachniveau mindestens"))

    def __init__(self, *args, languages, language_name, level_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [
            SelectChoice(language.code, language_name(language)) for language in languages
        ]
        self.kind.choices = [
            SelectChoice("", _l("alle")),
            *(SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()),
        ]
        self.level.choices = [SelectChoice(str(int(level)), level_label(level)) for level in Level]
