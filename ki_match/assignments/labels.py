"""Plain words for a sign-off's outcome and a feedback's mood, and the thanks for a feedback."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ki_match.assignments.models import Mood, Outcome

OUTCOME_LABELS = {
    Outcome.TOOK_PLACE: _l("Hat stattgefunden"),
    Outcome.HELPER_ABSENT: _l("Helfer*in ist nicht gekommen"),
    Outcome.HELPER_LATE: _l("kam zu spät"),
    Outcome.CLIENT_ABSENT: _l("Klient*in ist nicht gekommen"),
}

MOOD_LABELS = {
    Mood.GOOD: _l("Gut"),
    Mood.MIXED: _l("Es ging"),
    Mood.HARD: _l("Schwierig"),
}


def feedback_thanks(callback: bool) -> str:
    """What the author of a feedback reads once it is sent."""
    if callback:
        return _("Danke für Ihre Rückmeldung. Das Integrationszentrum ruft Sie zurück.")
    return _("Danke für Ihre Rückmeldung.")
