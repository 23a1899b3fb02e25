"""Forms of initiatives (a request) and of coordinators and admins about them."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from ki_match.accounts.forms import email_field
from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.core.forms import BaseForm, NameField, WholeNumberField
from ki_match.extensions import db
from ki_match.initiatives.workdays import earliest_day
from ki_match.orgs.models import Ki, Organisation, OrganisationKind
from ki_match.orgs.settings import settings_for
from ki_match.reference.models import Town
from ki_match.requests.data import RequestData
from ki_match.requests.forms import RequestForm
from ki_match.requests.models import FillMode

# Decided by the coordinator who takes the request on, not by the initiative asking.
COORDINATOR_ONLY = ("fill_mode", "qualified_required", "organisation_id", "intent")


class InitiativeRequestForm(RequestForm):
    """The coordinator's request form without the coordinator's decisions, plus the lead time.

    A request must lie at least the KI's ``lead_time_days`` working days ahead
    unless it is marked urgent, and an urgent request needs its reason.
    """

    urgent = BooleanField(
        _l("Dringend: Der Termin liegt früher"),
        description=_l("Nur wenn es nicht anders geht. Bitte nennen Sie dann den Grund."),
    )
    urgent_reason = TextAreaField(
        _l("Warum ist es dringend?"),
        validators=[Optional(), Length(max=300)],
        description=_l("Zum Beispiel: Der Termin beim Amt wurde kurzfristig vergeben."),
        render_kw={"rows": 2},
    )

    def __init__(self, *args, ki: Ki, **kwargs):
        super().__init__(*args, ki=ki, **kwargs)
        # Not drawn, not read: a posted value for them is ignored.
        for name in COORDINATOR_ONLY:
            self._fields.pop(name, None)

    def must_be_complete(self) -> bool:
        return True

    def earliest(self):
        return earliest_day(local_today(), settings_for(self.ki).lead_time_days)

    def _requested_day(self):
        return self.day.data if self._scheduled() else self.due_on.data

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        reason = (self.urgent_reason.data or "").strip()
        if self.urgent.data and not reason:
            self.urgent_reason.errors = [
                *self.urgent_reason.errors,
                _l("Bitte nennen Sie den Grund, warum es dringend ist."),
            ]
            valid = False
        day = self._requested_day()
        if day is not None and not self.urgent.data and day < self.earliest():
            field = self.day if self._scheduled() else self.due_on
            if not field.errors:
                field.errors = [
                    *field.errors,
                    _l(
                        "Anfragen brauchen mindestens %(days)s Werktage Vorlauf, also frühestens "
                        "am %(date)s. Ist es dringender, kreuzen Sie „Dringend“ an und nennen den Grund.",
                        days=settings_for(self.ki).lead_time_days,
                        date=dates.show(self.earliest(), "day_medium"),
                    ),
                ]
                valid = False
        return valid

    def to_data(self) -> RequestData:
        return replace(
            super().to_data(),
            fill_mode=FillMode.COORDINATOR_CONFIRMS,
            qualified_required=False,
            organisation_id=None,
        )

    def urgency(self) -> tuple[bool, str | None]:
        reason = (self.urgent_reason.data or "").strip()
        return (True, reason) if self.urgent.data else (False, None)


def _text(label, message, *, max_length: int, rows: int = 3, description=None):
    return TextAreaField(
        label,
        validators=[
            InputRequired(message),
            Length(max=max_length, message=_l("Bitte höchstens %(max)d Zeichen.", max=max_length)),
        ],
        description=description,
        render_kw={"rows": rows},
    )


def _message(label, missing, description) -> TextAreaField:
    """A message of the conversation about a request."""
    return _text(label, missing, max_length=2000, description=description)


def _reason(label, missing) -> TextAreaField:
    """A short reason, read by the other side."""
    return _text(label, missing, max_length=300, rows=2)


class AnswerForm(BaseForm):
    body = _message(
        _l("Ihre Antwort an das Integrationszentrum"),
        _l("Bitte schreiben Sie eine Nachricht."),
        _l("Bitte keine vollständigen Namen von Klientinnen und Klienten."),
    )


class WithdrawForm(BaseForm):
    reason = _reason(_l("Warum ziehen Sie die Anfrage zurück?"), _l("Bitte nennen Sie kurz den Grund."))


class AskForm(BaseForm):
    question = _message(
        _l("Rückfrage an die Initiative"),
        _l("Bitte schreiben Sie Ihre Frage."),
        _l("Die Anfrage bleibt eingereicht, bis Sie sie übernehmen oder ablehnen."),
    )


class DeclineForm(BaseForm):
    reason = _reason(
        _l("Grund der Ablehnung"), _l("Bitte geben Sie einen Grund an – die Initiative erfährt ihn.")
    )


class SeriesApproveForm(BaseForm):
    """ "Alle Termine übernehmen"; ``request_id``: the date whose page it was sent from, if any.
    Prefixed: a date's page also has the date's own forms."""

    request_id = WholeNumberField(validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="series-approve", **kwargs)


class SeriesDeclineForm(DeclineForm):
    """The whole series declined, with the reason the organisation reads."""

    request_id = WholeNumberField(validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="series-decline", **kwargs)


class ShareContactForm(BaseForm):
    """One confirmed helper's contact shared ("1") or taken back ("0"): one button per helper and
    state, no checkbox to forget. The template writes the two values next to its button and renders
    only the token of this form, so no empty copy of them is sent before the button's own."""

    helper_id = WholeNumberField(validators=[InputRequired()])
    shared = StringField(validators=[AnyOf(["0", "1"])])

    def wants_shared(self) -> bool:
        return self.shared.data == "1"


# --- organisations (admins) ---------------------------------------------------------------

ORGANISATION_KIND_LABELS = {
    OrganisationKind.INITIATIVE: _l("Flüchtlingsinitiative"),
    OrganisationKind.MIGRANT_ORGANISATION: _l("Migrantenorganisation"),
    OrganisationKind.SCHOOL: _l("Schule"),
    OrganisationKind.PARTNER_SERVICE: _l("Beratungsstelle oder Partnerdienst"),
}


class OrganisationForm(BaseForm):
    name = NameField(
        _l("Name der Organisation"),
        validators=[InputRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=160)],
    )
    kind = SelectField(
        _l("Art"),
        choices=[SelectChoice(kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()],
        default=OrganisationKind.INITIATIVE.value,
    )
    town_id = SelectField(_l("Stadt"), coerce=int, default=0)

    def __init__(self, *args, ki: Ki, editing: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ki = ki
        self.editing = editing
        towns = db.session.scalars(select(Town).where(Town.ki_id == ki.id).order_by(Town.name))
        self.town_id.choices = [
            SelectChoice("0", _l("keine Angabe")),
            *(SelectChoice(str(town.id), town.name) for town in towns),
        ]

    def validate_name(self, field):
        name = (field.data or "").strip()
        taken = db.session.scalar(
            select(Organisation.id).where(Organisation.ki_id == self.ki.id, Organisation.name == name)
        )
        if taken is not None and (self.editing is None or taken != self.editing.id):
            raise ValidationError(_l("Eine Organisation mit diesem Namen gibt es schon."))


class MemberInviteForm(BaseForm):
    display_name = NameField(
        _l("Name"), validators=[InputRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=120)]
    )
    email = email_field()
