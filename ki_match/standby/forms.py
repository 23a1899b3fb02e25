"""The helper's form for adding a standby day."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired, ValidationError

from ki_match.core.forms import BaseForm, DayField
from ki_match.standby.services import day_range, refusal


class StandbyDayForm(BaseForm):
    day = DayField(
        _l("Tag"),
        validators=[InputRequired(_l("Bitte wählen Sie einen Tag."))],
        description=_l("Von heute bis 8 Wochen im Voraus."),
    )

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        first, last = day_range()
        self.day.render_kw = {"min": first.isoformat(), "max": last.isoformat()}

    def validate_day(self, field):
        reason = refusal(self.profile, field.data)
        if reason is not None:
            raise ValidationError(reason)
