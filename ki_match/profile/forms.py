"""The helper's own profile forms. One form per section; the guided set-up uses the same ones."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ki_match.core import dates
from ki_match.core.forms import (
    BaseForm,
    DayField,
    WallClockField,
    WholeNumberField,
    locale_choices,
)
from ki_match.helpers.models import Gender, HelperKind
from ki_match.reference.models import Level
from ki_match.reference.names import language_name, level_label, topic_name

LEVELS_BEST_FIRST = sorted(Level, reverse=True)


def optional_int(value) -> int | None:
    """``""`` (the "please choose" option) is no answer, not an error."""
    if value in (None, ""):
        return None
    return int(value)


def placeholder() -> SelectChoice:
    return SelectChoice("", _("– bitte wählen –"))


def level_choices() -> list[SelectChoice]:
    return [placeholder()] + [
        SelectChoice(str(level.value), level_label(level)) for level in LEVELS_BEST_FIRST
    ]


def weekday_choices() -> list[SelectChoice]:
    names = dates.weekday_names()
    return [placeholder()] + [SelectChoice(str(day), names[day]) for day in dates.week_order()]


def choose_one(label, missing, not_listed) -> SelectField:
    """A required choice from a list: ``missing`` when nothing is chosen, ``not_listed`` for a
    value the list does not hold (a stale page, a crafted post)."""
    return SelectField(
        label,
        coerce=optional_int,
        validators=[InputRequired(missing)],
        invalid_choice_message=not_listed,
        invalid_value_message=not_listed,
    )


# --- languages ------------------------------------------------------------------------------


class LanguageForm(BaseForm):
    """Add one language with its level."""

    language = choose_one(
        _l("Sprache"),
        _l("Bitte wählen Sie eine Sprache."),
        _l("Bitte wählen Sie eine Sprache aus der Liste."),
    )
    level = choose_one(
        _l("Wie gut?"),
        _l("Bitte wählen Sie, wie gut Sie die Sprache sprechen."),
        _l("Bitte wählen Sie eine Stufe aus der Liste."),
    )

    def __init__(self, *args, languages=(), taken=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken = set(taken)
        self.offered = {lang.id for lang in languages}
        # Only languages not in the list yet; German first (everyone needs it), the rest
        # alphabetically in the reader's language.
        ordered = sorted(
            (lang for lang in languages if lang.id not in self.taken),
            key=lambda lang: (lang.code != "de", language_name(lang).casefold()),
        )
        self.language.choices = [placeholder()] + [
            SelectChoice(str(lang.id), language_name(lang)) for lang in ordered
        ]
        # A language already in the list (a second tab, a stale page) is not among the choices;
        # validate_language tells it apart from one not offered at all.
        self.language.validate_choice = False
        self.level.choices = level_choices()

    def validate_language(self, field):
        if field.data in self.taken:
            raise ValidationError(_("Diese Sprache steht schon in Ihrer Liste. Ändern Sie dort die Stufe."))
        if field.data not in self.offered:
            raise ValidationError(field.invalid_choice_message)


class LevelForm(BaseForm):
    """Change the level of a language already in the list."""

    level = choose_one(
        _l("Wie gut?"), _l("Bitte wählen Sie eine Stufe."), _l("Bitte wählen Sie eine Stufe aus der Liste.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = level_choices()


# --- where ----------------------------------------------------------------------------------


class WhereForm(BaseForm):
    home_town = choose_one(
        _l("Wo wohnen Sie?"),
        _l("Bitte wählen Sie Ihren Wohnort."),
        _l("Bitte wählen Sie einen Ort aus der Liste."),
    )
    towns = SelectMultipleField(
        _l("In welchen Orten helfen Sie?"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("Kreuzen Sie alle Orte an, in die Sie fahren können."),
        invalid_choice_message=_l("Bitte wählen Sie nur Orte aus der Liste."),
        invalid_value_message=_l("Bitte wählen Sie nur Orte aus der Liste."),
    )
    max_travel_km = WholeNumberField(
        _l("Wie weit fahren Sie höchstens? (km)"),
        validators=[
            Optional(),
            NumberRange(0, 300, _l("Bitte eine Zahl von 0 bis 300.")),
        ],
        description=_l("Leer lassen, wenn nur die angekreuzten Orte gelten."),
        render_kw={"inputmode": "numeric", "min": 0, "max": 300},
    )
    remote_ok = BooleanField(_l("Ich kann auch am Telefon oder per Video dolmetschen."))
    has_no_car = BooleanField(
        _l("Ich habe kein Auto."),
        description=_l("Dann planen wir mehr Zeit für Bus und Bahn zwischen zwei Orten ein."),
    )

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.home_town.choices = [placeholder()] + [SelectChoice(str(t.id), t.name) for t in towns]
        self.towns.choices = [SelectChoice(str(t.id), t.name) for t in towns]


# --- when -----------------------------------------------------------------------------------


class WhenForm(BaseForm):
    """A new weekly slot (all three fields or none) and the monthly cap."""

    weekday = SelectField(
        _l("Tag"),
        coerce=optional_int,
        invalid_choice_message=_l("Bitte wählen Sie einen Wochentag aus der Liste."),
        invalid_value_message=_l("Bitte wählen Sie einen Wochentag aus der Liste."),
    )
    starts = WallClockField(_l("von"))
    ends = WallClockField(_l("bis"))
    monthly_cap = WholeNumberField(
        _l("Höchstens so viele Einsätze im Monat"),
        validators=[
            InputRequired(_l("Bitte geben Sie eine Zahl ein (0 bedeutet: zurzeit keine Einsätze).")),
            NumberRange(0, 100, _l("Bitte eine Zahl von 0 bis 100.")),
        ],
        description=_l("0 bedeutet: Sie möchten zurzeit keine Einsätze."),
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = weekday_choices()

    def slot_given(self) -> bool:
        return any(field.raw_data and field.raw_data[0].strip() for field in self.slot_fields())

    def slot_fields(self):
        return (self.weekday, self.starts, self.ends)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.slot_given():
            messages = {
                "weekday": _("Bitte wählen Sie einen Tag."),
                "starts": _("Ab wann? Zum Beispiel 09:00."),
                "ends": _("Bis wann? Zum Beispiel 12:00."),
            }
            for field in self.slot_fields():
                if field.data is None and not field.errors:
                    field.errors.append(messages[field.name])
                    valid = False
            if self.starts.data and self.ends.data and self.ends.data <= self.starts.data:
                self.ends.errors.append(_("Das Ende muss nach dem Anfang liegen."))
                valid = False
        return valid


class AbsenceForm(BaseForm):
    first_day = DayField(_l("Erster Tag"), validators=[InputRequired(_l("Ab wann sind Sie nicht da?"))])
    last_day = DayField(_l("Letzter Tag"), description=_l("Leer lassen, wenn es nur ein Tag ist."))
    note = StringField(
        _l("Notiz (freiwillig)"),
        validators=[Optional(), Length(max=200, message=_l("Höchstens 200 Zeichen."))],
        description=_l("Zum Beispiel „Urlaub“. Bitte keine Gründe zur Gesundheit."),
    )

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_("Der letzte Tag darf nicht vor dem ersten liegen."))


# --- topics and more ------------------------------------------------------------------------

KIND_CHOICES = {
    HelperKind.SPRACHLOTSE: _l("Sprachlotsin oder Sprachlotse"),
    HelperKind.VOLUNTEER: _l("Ehrenamtliche Helferin oder ehrenamtlicher Helfer"),
}
GENDER_CHOICES = {
    "": _l("Keine Angabe"),
    Gender.FEMALE.value: _l("Frau"),
    Gender.MALE.value: _l("Mann"),
    Gender.DIVERSE.value: _l("Divers"),
}
PHONE = re.compile(r"^\+?[0-9 ()/\-]{5,39}$")


class MoreForm(BaseForm):
    topics = SelectMultipleField(
        _l("Bei welchen Themen helfen Sie gern?"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        invalid_choice_message=_l("Bitte wählen Sie nur Themen aus der Liste."),
        invalid_value_message=_l("Bitte wählen Sie nur Themen aus der Liste."),
    )
    kind = RadioField(
        _l("Sie sind …"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_CHOICES.items()],
        validators=[InputRequired(_l("Bitte wählen Sie eine Möglichkeit."))],
        description=_l("Ob Sie die Qualifizierung abgeschlossen haben, trägt das Integrationszentrum ein."),
    )
    gender = RadioField(
        _l("Geschlecht (freiwillig)"),
        choices=[SelectChoice(value, label) for value, label in GENDER_CHOICES.items()],
        default="",
        validate_choice=True,
        description=_l(
            "Wir nutzen das nur bei Anfragen, für die sich jemand ausdrücklich eine Frau oder einen Mann wünscht."
        ),
    )
    phone = StringField(
        _l("Telefon (freiwillig)"),
        validators=[Optional(), Length(max=40, message=_l("Höchstens 40 Zeichen."))],
        description=_l("Nur das Integrationszentrum sieht Ihre Nummer, um Sie bei Eile anzurufen."),
        render_kw={"autocomplete": "tel", "inputmode": "tel", "type": "tel"},
    )
    directory_opt_in = BooleanField(
        _l("Im Verzeichnis für Initiativen zeigen"),
        description=_l(
            "Initiativen sehen dann Ihren Vornamen mit dem ersten Buchstaben des Nachnamens, Ihre Sprachen, "
            "Orte, Wochentage und Themen. Ihre E-Mail-Adresse und Telefonnummer sehen sie nie."
        ),
    )
    locale = SelectField(_l("Sprache der Seiten und E-Mails"))

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.topics.choices = [
            SelectChoice(str(topic.id), topic_name(topic))
            for topic in sorted(topics, key=lambda t: topic_name(t).casefold())
        ]
        self.locale.choices = locale_choices()

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data.strip()):
            raise ValidationError(_("Bitte nur Ziffern, Leerzeichen und + / - ( ) eingeben."))

    def chosen(self, topics) -> dict:
        """What was sent, as ``profile.services.update_more`` takes it (``topics``: those offered)."""
        by_id = {topic.id: topic for topic in topics}
        return {
            "topics": [by_id[topic_id] for topic_id in self.topics.data],
            "kind": HelperKind(self.kind.data),
            "gender": Gender(self.gender.data) if self.gender.data else None,
            "phone": self.phone.data,
            "directory_opt_in": self.directory_opt_in.data,
            "locale": self.locale.data,
        }


class PoolForm(BaseForm):
    """The helper's consent to be asked by other KIs of the shared pool (README "Shared pool")."""

    pool_remote_ok = BooleanField(
        _l("Andere KIs dürfen mich für Telefon, Video und schriftliche Übersetzungen anfragen."),
    )
    pool_in_person_ok = BooleanField(
        _l("Andere KIs in der Nähe dürfen mich für Einsätze vor Ort anfragen."),
        description=_l("Nur so weit, wie Sie unter „Wo Sie helfen“ fahren möchten."),
    )
