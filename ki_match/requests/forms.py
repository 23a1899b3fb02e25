"""The request form: what a coordinator fills in to post (or change) a request for help.

Why so long: one form holds every field of a request with the checks between them (kind and
schedule, town and place, the client's reference); split, a field would leave its checks behind.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from ki_match.clock import NonexistentLocalTime, local_parts, local_to_utc, local_today, utcnow
from ki_match.core import dates
from ki_match.core.forms import BaseForm, DayField, WallClockField, WholeNumberField
from ki_match.helpers.models import Gender
from ki_match.orgs.models import Ki
from ki_match.orgs.queries import organisations
from ki_match.reference import queries as reference
from ki_match.reference.data import GERMAN
from ki_match.reference.models import Level
from ki_match.reference.names import language_name, level_label, topic_name
from ki_match.requests.data import RequestData, missing_to_open
from ki_match.requests.labels import KIND_LABELS
from ki_match.requests.models import FillMode, HelpRequest, RequestKind, RequestStatus

GENDER_LABELS = {
    Gender.FEMALE: _l("eine Frau"),
    Gender.MALE: _l("ein Mann"),
    Gender.DIVERSE: _l("eine Person, die sich als divers versteht"),
}

FILL_MODE_LABELS = {
    FillMode.COORDINATOR_CONFIRMS: _l("Ich bestätige selbst, wer den Einsatz übernimmt"),
    FillMode.FIRST_TO_ACCEPT: _l("Wer zuerst zusagt, übernimmt den Einsatz"),
}

MISSING_MESSAGES = {
    "language_id": _l("Bitte wählen Sie die Sprache."),
    "day": _l("Bitte geben Sie das Datum an."),
    "start": _l("Bitte geben Sie die Uhrzeit an."),
    "duration_minutes": _l("Bitte geben Sie an, wie lange der Termin ungefähr dauert."),
    "due_on": _l("Bitte geben Sie an, bis wann die Übersetzung fertig sein soll."),
    "town_id": _l("Bitte wählen Sie die Stadt – bei Terminen vor Ort wird sie gebraucht."),
}

# A word starting with a capital letter and going on in small letters: "Amina", "Özdemir", "Anna-Lena".
_CAPITALISED = re.compile(r"^[^\W\d_][\w'’-]*$")


def looks_like_full_name(value: str) -> bool:
    """Two or more capitalised words and no digit: probably "Firstname Lastname".

    Pseudonyms and case numbers have a digit ("Familie A-17", "2024-113") or
    abbreviate ("Familie A."); a real name rarely does.
    """
    if any(character.isdigit() for character in value):
        return False
    words = [
        word
        for word in value.split()
        if _CAPITALISED.match(word) and word[0].isupper() and any(c.islower() for c in word)
    ]
    return len(words) >= 2


def needed_when_escalating(message):
    """Checks the field only while automatic follow-up is ticked; then it must be filled in."""

    def check(form, field):
        if not form.escalates.data:
            field.errors[:] = []
            raise StopValidation()
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(message)

    return check


def _one_of(field_class, label, labels: dict, default):
    """A choice of one member of an enum, in the order of ``labels``, each with its words."""
    return field_class(
        label,
        choices=[SelectChoice(member.value, words) for member, words in labels.items()],
        default=default.value,
    )


def _follow_up_number(label, default: int, top: int, missing, out_of_range) -> WholeNumberField:
    """A number from 1 to ``top`` that automatic follow-up needs once it is switched on."""
    return WholeNumberField(
        label,
        default=default,
        validators=[needed_when_escalating(missing), NumberRange(1, top, out_of_range)],
        render_kw={"min": 1, "max": top, "inputmode": "numeric"},
    )


def not_in_the_past(day: date | None) -> None:
    if day is not None and day < local_today():
        raise ValidationError(_l("Das Datum liegt in der Vergangenheit. Bitte ein künftiges Datum wählen."))


def instant_of(day: date, clock: time) -> datetime:
    """The UTC instant of a day and time typed into a form; the hour the clocks skip is refused in words."""
    try:
        return local_to_utc(day, clock)
    except NonexistentLocalTime:
        raise ValidationError(
            _l(
                "Diese Uhrzeit gibt es am %(day)s nicht: In dieser Nacht werden die Uhren "
                "von 2 auf 3 Uhr vorgestellt. Bitte eine Zeit ab 3:00 Uhr wählen.",
                day=dates.show(day, "day_medium"),
            )
        ) from None


class RequestForm(BaseForm):
    """Create, edit and duplicate a request. Choices come from the KI's reference data.

    Field checks look at values only; whether everything the kind needs is
    there is checked in ``validate`` unless ``inline`` (live validation while
    typing reports wrong values, and lists what is missing without calling it
    an error).
    """

    kind = _one_of(SelectField, _l("Art des Einsatzes"), KIND_LABELS, RequestKind.ACCOMPANIMENT)
    language_id = SelectField(
        _l("Sprache"),
        coerce=int,
        default=0,
        invalid_choice_message=_l("Bitte wählen Sie eine Sprache aus der Liste."),
    )
    alt_language_ids = SelectMultipleField(
        _l("Diese Sprachen gehen auch"),
        coerce=int,
        description=_l(
            "Zum Beispiel Farsi, wenn Dari gefragt ist. Helfende mit diesen Sprachen kommen mit in die Liste."
        ),
        invalid_choice_message=_l("Bitte wählen Sie Sprachen aus der Liste."),
    )
    min_level = SelectField(
        _l("Mindestens auf Niveau"),
        coerce=int,
        default=int(Level.B1),
        description=_l(
            "B1 reicht für einfache Gespräche, für Arzt- und Behördentermine eher B2 oder besser."
        ),
    )
    topic_id = SelectField(_l("Thema"), coerce=int, default=0)
    day = DayField(_l("Datum"), validators=[Optional()])
    start = WallClockField(_l("Beginn (Uhrzeit)"), validators=[Optional()])
    duration_minutes = WholeNumberField(
        _l("Dauer in Minuten"),
        default=60,
        validators=[
            Optional(),
            NumberRange(15, 720, _l("Bitte zwischen 15 Minuten und 12 Stunden (720 Minuten) angeben.")),
        ],
        description=_l("Wie lange der Termin ungefähr dauert, mit Wartezeit: zwischen 15 und 720 Minuten."),
        render_kw={"min": 15, "max": 720, "step": 5, "inputmode": "numeric"},
    )
    due_on = DayField(_l("Fertig bis"), validators=[Optional()])
    town_id = SelectField(
        _l("Stadt"),
        coerce=int,
        default=0,
        description=_l("Nötig bei Begleitung und Dolmetschen vor Ort."),
        invalid_choice_message=_l("Bitte wählen Sie eine Stadt aus der Liste."),
    )
    place = StringField(
        _l("Genauer Ort"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "Adresse und Raum, z. B. „Jobcenter, Am Markt 3, Zimmer 12“. "
            "Helfende sehen die genaue Adresse erst, wenn sie bestätigt sind."
        ),
    )
    client_ref = StringField(
        _l("Kennung der Klientin oder des Klienten"),
        validators=[Optional(), Length(max=60)],
        description=_l(
            "Nur ein Pseudonym oder Aktenzeichen, z. B. „Familie A-17“ oder „2024-113“. "
            "Bitte keinen vollständigen Namen eintragen."
        ),
        render_kw={"autocomplete": "off"},
    )
    gender_pref = SelectField(_l("Gewünscht ist"), default="")
    qualified_required = BooleanField(_l("Qualifizierte Sprachlotsin oder qualifizierter Sprachlotse nötig"))
    protects_vulnerable = BooleanField(
        _l("Kinder / besonders schutzbedürftige Personen"),
        description=_l("Dann werden nur Helfende mit gültigem Führungszeugnis angefragt."),
    )
    helpers_needed = WholeNumberField(
        _l("Wie viele Helfende?"),
        default=1,
        validators=[Optional(), NumberRange(1, 20, _l("Bitte eine Zahl von 1 bis 20 angeben."))],
        description=_l("Meistens 1."),
        render_kw={"min": 1, "max": 20, "inputmode": "numeric"},
    )
    fill_mode = _one_of(
        RadioField, _l("Wer übernimmt den Einsatz?"), FILL_MODE_LABELS, FillMode.COORDINATOR_CONFIRMS
    )
    notes = TextAreaField(
        _l("Hinweise"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Was Helfende vorher wissen sollten. Keine Namen oder Gesundheitsdaten."),
        render_kw={"rows": 4},
    )
    organisation_id = SelectField(_l("Anfragende Stelle"), coerce=int, default=0)
    # Automatic follow-up (ki_match.offers.escalation); off unless ticked.
    escalates = BooleanField(
        _l("Automatisch weitere Helfende anfragen, wenn niemand zusagt"),
        description=_l(
            "Gilt ab den ersten Anfragen, die Sie selbst verschicken. Angefragt werden die nächsten "
            "in der Liste „Wer passt?“, die noch nicht gefragt wurden."
        ),
    )
    escalate_after_hours = _follow_up_number(
        _l("Nach wie vielen Stunden ohne Zusage?"),
        24,
        720,
        _l("Bitte angeben, nach wie vielen Stunden nachgefasst wird."),
        _l("Bitte eine Zahl von 1 bis 720 Stunden angeben."),
    )
    escalate_limit = _follow_up_number(
        _l("Höchstens so viele weitere Personen anfragen"),
        3,
        20,
        _l("Bitte angeben, wie viele Personen höchstens angefragt werden."),
        _l("Bitte eine Zahl von 1 bis 20 angeben."),
    )
    # ki_match.offers.late_refill; off unless ticked.
    standby_auto = BooleanField(
        _l("Bei kurzfristiger Absage automatisch nachfragen"),
        description=_l(
            "Sagt eine bestätigte Person kurzfristig ab, werden sofort die Nächsten angefragt: zuerst "
            "passende Helfende, die an diesem Tag auf Abruf sind, dann die Liste „Wer passt?“."
        ),
    )
    # Set by the submit button pressed ("draft" or "open"); never drawn as an input.
    intent = StringField()

    def __init__(
        self,
        *args,
        ki: Ki,
        status: RequestStatus | None = None,
        inline: bool = False,
        keeping: HelpRequest | None = None,
        **kwargs,
    ):
        # keeping: the request being edited; its language, topic and town stay selectable.
        super().__init__(*args, **kwargs)
        self.ki = ki
        self.status = status
        self.inline = inline
        kept = [keeping.language, *keeping.alt_languages] if keeping is not None else []
        languages = sorted(
            (language for language in reference.languages(ki, keep=kept) if language.code != GERMAN),
            key=lambda language: language_name(language).casefold(),
        )
        options = [SelectChoice(str(language.id), language_name(language)) for language in languages]
        self.language_id.choices = [SelectChoice("0", _l("Bitte wählen")), *options]
        self.alt_language_ids.choices = options
        self.min_level.choices = [SelectChoice(str(int(level)), level_label(level)) for level in Level]
        topics = reference.active_topics(ki, keep=keeping.topic if keeping is not None else None)
        self.topic_id.choices = [
            SelectChoice("0", _l("ohne Thema")),
            *(SelectChoice(str(topic.id), topic_name(topic)) for topic in topics),
        ]
        towns = reference.served_towns(ki, keep=keeping.town_id if keeping is not None else None)
        self.town_id.choices = [
            SelectChoice("0", _l("keine Angabe")),
            *(SelectChoice(str(town.id), town.name) for town in towns),
        ]
        self.gender_pref.choices = [
            SelectChoice("", _l("egal")),
            *(SelectChoice(gender.value, label) for gender, label in GENDER_LABELS.items()),
        ]
        self.organisation_id.choices = [
            SelectChoice("0", _l("das KI selbst")),
            *(SelectChoice(str(org.id), org.name) for org in organisations(ki)),
        ]

    # --- value checks ----------------------------------------------------------------------

    def validate_day(self, field):
        if self._scheduled():
            not_in_the_past(field.data)

    def validate_start(self, field):
        if field.data is None or self.day.data is None or not self._scheduled():
            return
        starts_at = instant_of(self.day.data, field.data)
        if self.day.data == local_today() and starts_at <= utcnow():
            raise ValidationError(_l("Diese Uhrzeit ist heute schon vorbei."))

    def validate_due_on(self, field):
        if not self._scheduled():
            not_in_the_past(field.data)

    def validate_client_ref(self, field):
        if field.data and looks_like_full_name(field.data):
            raise ValidationError(
                _l(
                    "Das sieht nach einem Namen aus: zwei oder mehr großgeschriebene Wörter ohne Ziffer. "
                    "Bitte nur ein Pseudonym oder Aktenzeichen eintragen, z. B. „Familie A-17“ oder „2024-113“."
                )
            )

    # --- completeness by kind ---------------------------------------------------------------

    def must_be_complete(self) -> bool:
        """Opening needs everything the kind requires; so does saving a request that is open already."""
        if self.intent.data == "open":
            return True
        return self.status is not None and self.status not in (RequestStatus.DRAFT, RequestStatus.SUBMITTED)

    def missing(self) -> list[str]:
        """Fields the kind needs that are still empty (only the language, for a draft)."""
        missing = self.missing_to_open()
        return missing if self.must_be_complete() else [name for name in missing if name == "language_id"]

    def missing_to_open(self) -> list[str]:
        """Everything the kind needs that is still empty, whatever the intent (for the live hint)."""
        return missing_to_open(self.to_data(), local_date=self.day.data, local_time=self.start.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.inline:
            return valid
        for name in self.missing():
            field = self[name]
            if not field.errors:
                field.errors = [*field.errors, MISSING_MESSAGES[name]]
                valid = False
        return valid

    # --- what the form says, in stored form --------------------------------------------------

    def _kind(self) -> RequestKind:
        try:
            return RequestKind(self.kind.data)
        except ValueError:
            return RequestKind.ACCOMPANIMENT

    def _scheduled(self) -> bool:
        return self._kind() != RequestKind.WRITTEN

    def is_scheduled(self) -> bool:
        """A kind with a date and time (not a written translation): the only kind that can repeat."""
        return self._scheduled()

    def _choice(self, field) -> int | None:
        """The chosen id if it is one of the offered choices (never another KI's town), else None."""
        allowed = {int(choice.value) for choice in field.choices}
        return field.data if field.data in allowed and field.data != 0 else None

    def _in_range(self, field, low: int, high: int) -> int | None:
        return field.data if isinstance(field.data, int) and low <= field.data <= high else None

    def starts_at(self) -> datetime | None:
        if self.day.data is None or self.start.data is None:
            return None
        try:
            return local_to_utc(self.day.data, self.start.data)
        except NonexistentLocalTime:
            return None

    def to_data(self) -> RequestData:
        """The form as ``RequestData``; unusable values (unknown ids, out of range) become empty.

        After a successful ``validate`` nothing is dropped; the live preview uses
        it on a half-filled form too.
        """
        languages = {int(choice.value) for choice in self.alt_language_ids.choices}
        try:
            gender = Gender(self.gender_pref.data) if self.gender_pref.data else None
        except ValueError:
            gender = None
        try:
            fill_mode = FillMode(self.fill_mode.data)
        except ValueError:
            fill_mode = FillMode.COORDINATOR_CONFIRMS
        kind = self._kind()
        return RequestData(
            kind=kind,
            language_id=self._choice(self.language_id),
            alt_language_ids=[i for i in (self.alt_language_ids.data or []) if i in languages],
            min_level=self._in_range(self.min_level, Level.A2, Level.NATIVE) or int(Level.B1),
            topic_id=self._choice(self.topic_id),
            starts_at=self.starts_at(),
            duration_minutes=self._in_range(self.duration_minutes, 15, 720),
            due_on=self.due_on.data,
            town_id=self._choice(self.town_id),
            place=(self.place.data or "").strip() or None,
            client_ref=(self.client_ref.data or "").strip() or None,
            gender_pref=gender,
            qualified_required=bool(self.qualified_required.data),
            protects_vulnerable=bool(self.protects_vulnerable.data),
            helpers_needed=self._in_range(self.helpers_needed, 1, 20) or 1,
            fill_mode=fill_mode,
            notes=(self.notes.data or "").strip() or None,
            organisation_id=self._choice(self.organisation_id),
            standby_auto=bool(self.standby_auto.data),
            **self._escalation(),
        )

    def _escalation(self) -> dict:
        """Both follow-up settings, or neither (off)."""
        after = self._in_range(self.escalate_after_hours, 1, 720)
        limit = self._in_range(self.escalate_limit, 1, 20)
        if not self.escalates.data or after is None or limit is None:
            return {"escalate_after_hours": None, "escalate_limit": None}
        return {"escalate_after_hours": after, "escalate_limit": limit}


# --- another time, or calling it off --------------------------------------------------------


class RescheduleForm(BaseForm):
    """A new time in Europe/Berlin wall-clock time, or a new due date for a written translation."""

    day = DayField(_l("Neues Datum"), validators=[Optional()])
    start = WallClockField(_l("Neue Uhrzeit"), validators=[Optional()])
    duration_minutes = WholeNumberField(
        _l("Dauer in Minuten"),
        validators=[
            Optional(),
            NumberRange(15, 720, _l("Bitte zwischen 15 Minuten und 12 Stunden (720 Minuten) angeben.")),
        ],
        render_kw={"min": 15, "max": 720, "step": 5, "inputmode": "numeric"},
    )
    due_on = DayField(_l("Neu fertig bis"), validators=[Optional()])

    def __init__(self, *args, written: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.written = written

    @classmethod
    def for_request(cls, req: HelpRequest, *, submitted: bool = False) -> RescheduleForm:
        """The form as sent (``submitted``), or filled with the request's current time."""
        written = req.kind == RequestKind.WRITTEN
        if submitted:
            return cls(written=written, prefix="reschedule")
        day, start = local_parts(req.starts_at)
        return cls(
            formdata=None,
            written=written,
            prefix="reschedule",
            day=day,
            start=start,
            duration_minutes=req.duration_minutes,
            due_on=req.due_on,
        )

    def validate_day(self, field):
        if not self.written:
            not_in_the_past(field.data)

    def validate_start(self, field):
        if self.written or self.day.data is None:
            return
        if instant_of(self.day.data, field.data) <= utcnow():
            raise ValidationError(_l("Diese Uhrzeit ist schon vorbei."))

    def validate_due_on(self, field):
        if self.written:
            not_in_the_past(field.data)

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


class CancelForm(BaseForm):
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
