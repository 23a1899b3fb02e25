"""How a sign-up's state is called on the pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.training.models import SignupStatus

SIGNUP_LABELS = {
    SignupStatus.REGISTERED: _l("angemeldet"),
    SignupStatus.WAITING: _l("auf der Warteliste"),
    SignupStatus.CANCELLED: _l("abgemeldet"),
}
