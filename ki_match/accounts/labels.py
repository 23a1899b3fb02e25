"""Plain words for the roles, as people read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ki_match.accounts.models import Role

ROLE_LABELS = {
    Role.HELPER: _l("Helfende"),
    Role.COORDINATOR: _l("Koordination"),
    Role.INITIATIVE: _l("Initiative"),
    Role.ADMIN: _l("Administration"),
    Role.OPERATOR: _l("Betrieb"),
}
