""" "Warum nicht diese Person?": every rule a helper fails for a request, and where the request page
actually shows them — worded here, from the same ranking the lists are drawn from, so the answer
never contradicts the lists.

A helper who fails one rule is a near miss ("Fast passend") only if the ranking looked at them at
all: it looks at the KI's helpers who may be matched and speak one of the request's languages
(``matching.queries.helper_facts``). Anyone else is in no list, and the answer says so.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import Unmatchable, unmatchable
from ki_match.matching.engine import Failure, MatchResult
from ki_match.matching.services import match, why_not
from ki_match.requests import queries
from ki_match.requests.labels import OFFER_LABELS
from ki_match.requests.models import HelpRequest, OfferStatus


class Place(enum.StrEnum):
    CANDIDATES = "candidates"
    NEAR_MISSES = "near_misses"
    NOWHERE = "nowhere"


# Account states the ranking's rules do not name (it never sees such a helper): said in their words.
ACCOUNT_FAILURES = {
    Unmatchable.DELETED: _l("Konto ist gelöscht"),
    Unmatchable.UNVERIFIED: _l("E-Mail-Adresse ist noch nicht bestätigt"),
}


@dataclass
class WhyNot:
    failures: list[Failure]
    place: Place
    position: int | None = None  # 1 for the first of its list
    hidden: bool = False  # further down than the list shows until "Alle … zeigen"
    offer_status: OfferStatus | None = None

    @property
    def place_text(self) -> str:
        if self.place == Place.CANDIDATES:
            text = _("passt – steht in der Liste der Passenden auf Platz %(num)d.", num=self.position)
        elif self.place == Place.NEAR_MISSES:
            text = _(
                "scheitert an einer Bedingung – steht unter „Fast passend“ auf Platz %(num)d:",
                num=self.position,
            )
        elif len(self.failures) > 1:
            return ngettext(
                "scheitert an %(num)d Bedingung – steht in keiner Liste:",
                "scheitert an %(num)d Bedingungen – steht deshalb in keiner Liste:",
                len(self.failures),
            )
        elif self.failures:
            return _(
                "scheitert an einer Bedingung, steht aber in keiner Liste: „Fast passend“ zeigt nur, "
                "wer Anfragen bekommen darf und eine der gefragten Sprachen spricht."
            )
        else:
            return _("steht zurzeit in keiner Liste. Bitte laden Sie die Seite neu.")
        if self.hidden:
            text += " " + _("(Zu sehen, wenn Sie alle anzeigen lassen.)")
        return text

    @property
    def offer_text(self) -> str | None:
        """Asked already: the list marks it, and "Angefragte Helfende" shows the answer."""
        if self.offer_status is None:
            return None
        return _(
            "Wurde schon angefragt (%(state)s) – steht auch unter „Angefragte Helfende“.",
            state=OFFER_LABELS[self.offer_status],
        )


def _position(result: MatchResult, helper_id: int) -> tuple[Place, int | None]:
    for place, entries in ((Place.CANDIDATES, result.candidates), (Place.NEAR_MISSES, result.near_misses)):
        for number, entry in enumerate(entries, start=1):
            if entry.helper.id == helper_id:
                return place, number
    return Place.NOWHERE, None


def explain(request: HelpRequest, profile: HelperProfile, *, shown: dict[str, int]) -> WhyNot:
    """Why ``profile`` is (not) a candidate for ``request``, and where the page lists them; ``shown``
    says how many of each list the page draws before "Alle … zeigen" (none given: all). The caller
    authorised ``profile``."""
    failures = why_not(request, profile)
    account = ACCOUNT_FAILURES.get(unmatchable(profile))
    if account is not None:
        failures = [Failure("account", str(account)), *failures]
    place, position = _position(match(request), profile.id)
    limit = shown.get(place.value)
    return WhyNot(
        failures=failures,
        place=place,
        position=position,
        hidden=limit is not None and position is not None and position > limit,
        offer_status=queries.offer_states(request).get(profile.id),
    )
