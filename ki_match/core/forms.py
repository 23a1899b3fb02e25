from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

# Each language names itself, so nobody has to read a language they do not know to find theirs.
LOCALES = {"de": "Deutsch", "en": "English"}


class LocaleForm(FlaskForm):
    locale = SelectField(choices=[SelectChoice(code, label) for code, label in LOCALES.items()])
