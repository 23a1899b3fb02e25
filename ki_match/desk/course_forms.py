"""The forms of the coordinators' course pages: the course with its modules and date rows,
signing a helper up by phone, the attendance of a date, calling a course off.

The course form reads values (days, times, numbers); whether they make a course is
``training.services``' to say: its ``CourseError`` names fields by their names here
(``"dates-0-end"``), and ``CourseForm.show_errors`` puts each message next to its field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from ki_match.clock import local_parts
from ki_match.core.forms import BaseForm, DayField, WallClockField, WholeNumberField, id_number
from ki_match.training.models import Course
from ki_match.training.services import CourseData, DateData, course_errors

# Empty date rows under the filled ones: enough for a course's usual dates, more on request.
EMPTY_ROWS = 3
MAX_ROWS = 60


class DateRowForm(BaseForm):
    """One date: the day, from, to (Berlin time), the module taught, a place of its own."""

    class Meta:
        csrf = False  # a part of CourseForm, which carries the token

    date_id = HiddenField()
    day = DayField(_l("Datum"))
    start = WallClockField(_l("von"))
    end = WallClockField(_l("bis"))
    module = SelectField(_l("Modul"), choices=[], validate_choice=False)
    place = StringField(_l("Anderer Ort"), description=_l("Nur wenn nicht am Ort des Kurses."))
    remove = BooleanField(_l("Termin löschen"))

    def stored_id(self) -> int | None:
        try:
            return id_number(self.date_id.data) if self.date_id.data else None
        except ValueError:
            return None


class CourseForm(BaseForm):
    title = StringField(
        _l("Titel"), description=_l("Zum Beispiel „Sprachlotsen-Qualifizierung Frühjahr 2027“.")
    )
    description = TextAreaField(_l("Beschreibung"), description=_l("Was die Teilnehmenden wissen sollten."))
    place = StringField(
        _l("Ort"), description=_l("Adresse und Raum; leer lassen, wenn der Kurs nur online ist.")
    )
    online = BooleanField(_l("online"))
    capacity = WholeNumberField(_l("Plätze"), render_kw={"min": 1, "max": 500, "inputmode": "numeric"})
    qualifies = BooleanField(
        _l("zählt als Sprachlotsen-Qualifizierung"),
        default=True,
        description=_l(
            "Wer an einem Termin jedes Moduls teilgenommen hat, bekommt das Datum der Qualifizierung eingetragen."
        ),
    )
    modules = TextAreaField(
        _l("Module"),
        description=_l(
            "Ein Modul pro Zeile, in der Reihenfolge des Kurses. Leer lassen für einen Kurs ohne Module."
        ),
    )
    dates = FieldList(FormField(DateRowForm), min_entries=EMPTY_ROWS, max_entries=MAX_ROWS)

    def module_names(self) -> list[str]:
        return [line.strip() for line in (self.modules.data or "").splitlines() if line.strip()]

    def offer_modules(self, extra_rows: int = 0) -> None:
        """Each row's module choice lists the modules as the form has them (``extra_rows`` more
        empty rows for "Weitere Termine")."""
        for _ in range(min(extra_rows, MAX_ROWS - len(self.dates.entries))):
            self.dates.append_entry()
        choices = [
            SelectChoice("", _l("– kein Modul –")),
            *(SelectChoice(name, name) for name in self.module_names()),
        ]
        for entry in self.dates.entries:
            entry.form.module.choices = choices

    def to_data(self) -> CourseData:
        return CourseData(
            title=self.title.data or "",
            description=self.description.data,
            place=self.place.data,
            online=bool(self.online.data),
            capacity=self.capacity.data,
            qualifies=bool(self.qualifies.data),
            modules=self.module_names(),
            dates=[
                DateData(
                    day=row.day.data,
                    start=row.start.data,
                    end=row.end.data,
                    module=row.module.data or None,
                    place=row.place.data,
                    date_id=row.stored_id(),
                    remove=bool(row.remove.data),
                )
                for row in (entry.form for entry in self.dates.entries)
            ],
        )

    def check(self, course: Course | None = None) -> bool:
        """The fields' own checks and the course's rules, all messages at once; True when it fits."""
        valid = self.validate()
        errors = course_errors(self.to_data(), course)
        self.show_errors(errors)
        return valid and not errors

    def show_errors(self, errors: dict[str, list]) -> None:
        """Put the rules' messages next to the fields they name; those about the dates as a whole
        ("mindestens ein Termin") are the form's own (``form_errors``), shown above the rows."""
        fields = {}
        for field in self:
            fields[field.name] = field
        for entry in self.dates.entries:
            for field in entry.form:
                fields[field.name] = field
        for name, messages in errors.items():
            field = fields.get(name)
            if field is None or field is self.dates:
                self.form_errors.extend(message for message in messages if message not in self.form_errors)
                continue
            if field.errors:  # the field's own message ("Bitte als Datum eingeben") says enough
                continue
            if not isinstance(field.errors, list):
                field.errors = list(field.errors or ())
            field.errors.extend(messages)


def course_form_for(course: Course) -> CourseForm:
    """The form filled with the stored course, its dates first, then empty rows."""
    rows = []
    for course_date in course.dates:
        day, start = local_parts(course_date.starts_at)
        rows.append(
            {
                "date_id": str(course_date.id),
                "day": day,
                "start": start,
                "end": local_parts(course_date.ends_at)[1],
                "module": course_date.module.name if course_date.module else "",
                "place": course_date.place or "",
            }
        )
    form = CourseForm(
        formdata=None,
        data={
            "title": course.title,
            "description": course.description,
            "place": course.place,
            "online": course.online,
            "capacity": course.capacity,
            "qualifies": course.qualifies,
            "modules": "\n".join(module.name for module in course.modules),
            "dates": rows + [{}] * EMPTY_ROWS,
        },
    )
    form.offer_modules()
    return form


class SignupForm(BaseForm):
    """A coordinator signs a helper of the KI up (on the phone with her)."""

    helper_id = SelectField(
        _l("Person"),
        coerce=id_number,
        validators=[InputRequired(_l("Bitte wählen Sie eine Person."))],
        choices=[],
    )

    def offer(self, helpers) -> None:
        self.helper_id.choices = [SelectChoice(0, _l("– bitte wählen –"))] + [
            SelectChoice(helper.id, helper.user.display_name) for helper in helpers
        ]

    def validate_helper_id(self, field):
        if not field.data:
            raise ValidationError(_l("Bitte wählen Sie eine Person."))


class AttendanceForm(BaseForm):
    """Who was there on one date: a checkbox per registered participant."""

    present = SelectMultipleField(_l("Anwesend"), coerce=id_number, choices=[], validate_choice=False)


class CancelForm(BaseForm):
    confirmed = BooleanField(
        _l("Ja, den Kurs absagen: Alle Angemeldeten und Wartenden werden benachrichtigt."),
        validators=[InputRequired(_l("Bitte bestätigen Sie die Absage mit dem Häkchen."))],
    )
