from flask_wtf import FlaskForm
from wtforms import SelectField

LOCALE_CHOICES = [("de", "Deutsch"), ("en", "English")]


class LocaleForm(FlaskForm):
    locale = SelectField(choices=LOCALE_CHOICES)
