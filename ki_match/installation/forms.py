"""The operator's form for a new KI."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ki_match.accounts.forms import email_field
from ki_match.accounts.services import user_by_email
from ki_match.core.forms import BaseForm, NameField
from ki_match.extensions import db
from ki_match.installation.setup import valid_slug
from ki_match.orgs.models import Ki


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class NewKiForm(BaseForm):
    name = NameField(
        _l("Name"),
        description=_l("z. B. Kreis Heinsberg"),
        validators=[DataRequired(_l("Bitte geben Sie den Namen des KI ein.")), Length(max=120)],
    )
    slug = StringField(
        _l("Kürzel"),
        description=_l(
            "Kleinbuchstaben, Ziffern und Bindestriche, z. B. heinsberg. Es steht in der Adresse des KI: /k/heinsberg/"
        ),
        filters=[_lower],
        validators=[DataRequired(_l("Bitte geben Sie ein Kürzel ein.")), Length(max=40)],
    )
    admin_email = email_field(_l("E-Mail-Adresse der ersten Administration"))

    def validate_slug(self, field):
        if not valid_slug(field.data):
            raise ValidationError(
                _l("Nur Kleinbuchstaben, Ziffern und Bindestriche, am Anfang und Ende kein Bindestrich.")
            )
        existing = db.session.scalar(select(Ki).where(Ki.slug == field.data))
        if existing is not None:
            raise ValidationError(_l("Dieses Kürzel hat schon ein KI: %(name)s.", name=existing.name))

    def validate_admin_email(self, field):
        if user_by_email(field.data) is not None:
            raise ValidationError(_l("Diese E-Mail-Adresse gehört schon zu einem Konto."))
