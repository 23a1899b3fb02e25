"""The admins' forms for towns, languages and topics."""

from __future__ import annotations

import math

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from ki_match.core.forms import BaseForm, _blank, id_number
from ki_match.orgs.models import Ki
from ki_match.reference import queries
from ki_match.reference.models import Topic, Town
from ki_match.reference.municipalities import by_key
from ki_match.reference.names import topic_name


class CoordinateField(StringField):
    """A latitude or longitude in degrees; a German decimal comma ("51,7739") is read too."""

    def __init__(self, label=None, *, limit: float, **kwargs):
        super().__init__(label, **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        if _blank(self, valuelist):
            return
        text = valuelist[0].strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            self.data = None
            raise ValueError(_("Bitte als Zahl in Grad eingeben, zum Beispiel 51,7739.")) from None
        if not math.isfinite(value) or abs(value) > self.limit:
            self.data = None
            raise ValueError(
                _("Bitte eine Zahl zwischen -%(limit)s und %(limit)s eingeben.", limit=int(self.limit))
            )
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_decimal(self.data, format="0.######")


class TownForm(BaseForm):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=80)]
    )
    lat = CoordinateField(
        _l("Breitengrad"),
        limit=90,
        validators=[InputRequired(_l("Bitte geben Sie den Breitengrad an."))],
        description=_l("In Grad, z. B. 51,7739."),
        render_kw={"inputmode": "decimal"},
    )
    lon = CoordinateField(
        _l("Längengrad"),
        limit=180,
        validators=[InputRequired(_l("Bitte geben Sie den Längengrad an."))],
        description=_l("In Grad, z. B. 9,3818."),
        render_kw={"inputmode": "decimal"},
    )
    served = BooleanField(
        _l("Wir nehmen Anfragen für diesen Ort an"),
        default=True,
        description=_l("Ohne Haken ist es ein Nachbarort, in dem Helfende wohnen."),
    )
    municipality_key = HiddenField()

    def __init__(self, *args, ki: Ki, editing: Town | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ki = ki
        self.editing = editing

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        found = queries.town_named(self.ki, field.data)
        if found is not None and found is not self.editing:
            raise ValidationError(_("Diesen Ort gibt es schon."))

    def validate_municipality_key(self, field):
        if field.data and by_key(field.data) is None:
            field.data = None
            raise ValidationError(_("Diese Gemeinde kennen wir nicht."))


class TopicForm(BaseForm):
    name = StringField(
        _l("Bezeichnung"), validators=[InputRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=80)]
    )

    def __init__(self, *args, ki: Ki, editing: Topic | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ki = ki
        self.editing = editing

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        wanted = field.data.casefold()
        for topic in queries.topics(self.ki):
            if topic is not self.editing and wanted in (topic.name.casefold(), topic_name(topic).casefold()):
                raise ValidationError(_("Dieses Thema gibt es schon."))


class CldrLanguageForm(BaseForm):
    key = HiddenField(validators=[InputRequired()])


class VarietyForm(BaseForm):
    name = StringField(
        _l("Name der Varietät"),
        validators=[InputRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=80)],
        description=_l("Zum Beispiel „Syrisches Arabisch“."),
    )
    parent_id = SelectField(_l("Gehört zur Sprache"), coerce=id_number)

    def __init__(self, *args, ki: Ki, parents: list[SelectChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.ki = ki
        self.parent_id.choices = parents

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        if queries.variety_named(self.ki, field.data) is not None:
            raise ValidationError(_("Diese Varietät gibt es schon."))
