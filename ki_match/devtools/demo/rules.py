"""The demo's helpers and requests as the matching engine's facts, and the engine's verdict on them.

Who may be offered a demo request, and who may take it, is decided by the
engine's hard rules (``ki_match.devtools.matching``), with each helper's facts
as they stood at the time: approved a while before the first contact, not yet
deactivated, their appointments and assignments in the month so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ki_match.devtools.demo.clock import clock_at
from ki_match.devtools.demo.people import Cast, DemoHelper
from ki_match.devtools.matching import Judge, place
from ki_match.helpers.availability import Absence, Slot
from ki_match.matching.engine import HelperFacts, Kind, Place, RequestFacts
from ki_match.reference.models import Level

# A helper was approved at least this long before anyone asked them.
APPROVED_BEFORE_CONTACT = timedelta(days=30)


@dataclass(frozen=True)
class Known:
    """What the engine needs about a helper that does not change while the demo plans."""

    id: int
    name: str
    consent: bool
    languages: dict[int, int]
    german_level: int | None
    home: Place | None
    served_town_ids: frozenset[int]
    slots: tuple[Slot, ...]
    absences: tuple[Absence, ...]


class Rules:
    def __init__(self, cast: Cast, now: datetime):
        self.now = now
        self.judge = Judge()
        self.places = {name: place(town) for name, town in cast.towns.items()}
        self.language_ids = {code: language.id for code, language in cast.languages.items()}
        self.known: dict[DemoHelper, Known] = {}

    # --- facts -------------------------------------------------------------------------------

    def request(self, shape, slot) -> RequestFacts:
        """A planned request (a ``demand.Shape`` at a ``scheduling.Slot``) as the engine sees it;
        a slot without a time stands for "some time that day"."""
        kind = Kind(shape.kind.value)
        return RequestFacts(
            id=None,
            kind=kind,
            language_ids=tuple(self.language_ids[code] for code in shape.codes),
            min_level=shape.min_level,
            starts_at=slot.starts,
            ends_at=slot.ends,
            due_on=slot.day if kind == Kind.WRITTEN else None,
            place=self.places[shape.client.town],
            gender_pref=shape.gender.value if shape.gender else None,
            qualified_required=shape.qualified,
            topic_id=None,
            client_ref=shape.client.ref,
        )

    def client_request(self, language: str, town: str) -> RequestFacts:
        """Some appointment with a client in person, in their language at mother-tongue-like level."""
        return RequestFacts(
            id=None,
            kind=Kind.ONSITE,
            language_ids=(self.language_ids[language],),
            min_level=int(Level.C1),
            starts_at=None,
            ends_at=None,
            due_on=None,
            place=self.places[town],
            gender_pref=None,
            qualified_required=False,
            topic_id=None,
            client_ref=None,
        )

    def helper(self, helper: DemoHelper, slot=None) -> HelperFacts:
        """The helper as the engine would have seen them at ``slot`` (a ``scheduling.Slot``; now without one)."""
        known = self.known.get(helper) or self._know(helper)
        anchor = slot.anchor if slot is not None else self.now
        first_contact = min(anchor, self.now) - APPROVED_BEFORE_CONTACT
        return HelperFacts(
            id=known.id,
            name=known.name,
            active=helper.active_until is None or anchor < helper.active_until,
            approved=helper.approved_at is not None and helper.approved_at <= first_contact,
            consent=known.consent,
            languages=known.languages,
            german_level=known.german_level,
            gender=helper.gender.value if helper.gender else None,
            qualified=helper.qualified,
            home=known.home,
            served_town_ids=known.served_town_ids,
            max_travel_km=helper.max_km,
            remote_ok=helper.remote_ok,
            slots=known.slots,
            absences=known.absences,
            busy=helper.diary.busy_around(slot.day) if slot is not None and slot.starts else (),
            assignments_in_month=helper.diary.in_month(slot.day) if slot is not None else 0,
            monthly_cap=helper.cap,
        )

    def _know(self, helper: DemoHelper) -> Known:
        known = Known(
            id=helper.profile.id,
            name=helper.user.display_name,
            consent=helper.profile.consent_given_at is not None,
            languages={self.language_ids[code]: int(level) for code, level in helper.levels.items()},
            german_level=int(helper.levels["de"]) if "de" in helper.levels else None,
            home=self.places[helper.home] if helper.home else None,
            served_town_ids=frozenset(self.places[name].town_id for name in helper.towns),
            slots=tuple(
                Slot(weekday, clock_at(start), clock_at(end)) for weekday, start, end in helper.slots
            ),
            absences=tuple(Absence(first, last) for first, last in helper.absences),
        )
        self.known[helper] = known
        return known

    # --- the engine's verdict ------------------------------------------------------------------

    def fits(self, helper: DemoHelper, shape, slot) -> bool:
        """The request page would list this helper as a candidate."""
        return self.judge.fits(self.request(shape, slot), self.helper(helper, slot))

    def who_fits(self, helpers, shape, slot, another_time: bool = False) -> list[DemoHelper]:
        """Those of ``helpers`` the request page would list as candidates; with ``another_time``,
        those only the diary (weekly plan, absence, other assignments, cap) keeps out, if anything."""
        request = self.request(shape, slot)
        verdict = self.judge.fits_another_time if another_time else self.judge.fits
        return [helper for helper in helpers if verdict(request, self.helper(helper, slot))]

    def could_serve(self, helper: DemoHelper, language: str, town: str) -> bool:
        """The helper could meet this client in person, in the client's language."""
        return self.judge.fits_another_time(self.client_request(language, town), self.helper(helper))
