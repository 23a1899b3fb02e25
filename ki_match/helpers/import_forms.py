"""The forms of the pool import: the upload, and the button that imports what the preview showed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ki_match.core.forms import BaseForm
from ki_match.helpers.imports import Mode

MODE_LABELS = {
    Mode.INVITE: _l("Einladung per E-Mail"),
    Mode.MANAGED: _l("vom KI verwaltet"),
}
MODE_HINTS = {
    Mode.INVITE: _l(
        "Jede neue Person bekommt eine Einladung und legt ihr Passwort selbst fest. Zeilen ohne "
        "E-Mail-Adresse werden nicht importiert."
    ),
    Mode.MANAGED: _l(
        "Das KI führt die Profile für Menschen ohne E-Mail oder ohne Wunsch, die App zu nutzen. "
        "Niemand bekommt eine E-Mail; ohne E-Mail-Adresse ist eine Telefonnummer nötig."
    ),
}


class ImportUploadForm(BaseForm):
    table = FileField(
        _l("Tabelle (CSV oder XLSX)"),
        validators=[FileRequired(_l("Bitte wählen Sie eine Datei aus."))],
        description=_l("Höchstens 2 MB und 2000 Zeilen; die erste Zeile nennt die Spalten."),
    )
    mode = RadioField(
        _l("Neue Helfende anlegen als"),
        validators=[InputRequired(_l("Bitte wählen Sie, wie neue Helfende angelegt werden."))],
        invalid_choice_message=_l("Bitte wählen Sie, wie neue Helfende angelegt werden."),
    )

    def __init__(self, *args, modes: list[Mode], **kwargs):
        """``modes``: the ways of making new helpers this user has here (``pool_import.modes``)."""
        super().__init__(*args, **kwargs)
        self.mode.choices = [SelectChoice(mode.value, MODE_LABELS[mode]) for mode in modes]
        if not self.mode.raw_data and modes:
            self.mode.data = modes[0].value


class ImportRunForm(BaseForm):
    """ "Importieren": the mode and the digest of the plan the preview showed (``Plan.fingerprint``);
    the import runs only if the plan made again now has the same digest."""

    mode = HiddenField()
    plan = HiddenField()
