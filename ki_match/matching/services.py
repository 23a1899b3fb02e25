"""Matching a request: the ranked list the request page shows, and "why not this helper?"."""

from __future__ import annotations

from sqlalchemy import select

from ki_match.clock import local_today
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import police_certificate_valid_until
from ki_match.matching import queries
from ki_match.matching.engine import (
    SAFEGUARDING,
    Failure,
    MatchResult,
    hard_rule_failures,
    rank,
)
from ki_match.matching.pool import Sight, name_for, shown_name
from ki_match.orgs.settings import settings_for
from ki_match.reference.names import language_name
from ki_match.requests.models import HelpRequest


def _facts(request: HelpRequest, ids=None):
    """(request facts, the helpers' facts, a language namer, German's id)."""
    facts = queries.request_facts(request)
    languages = queries.languages(request.ki_id)
    german = queries.german_id(languages)
    helpers = queries.helper_facts(request.ki_id, facts, german, ids=ids)
    names: dict[int, str] = {}

    def name(language_id: int) -> str:
        if language_id not in names:
            names[language_id] = language_name(languages[language_id])
        return names[language_id]

    return facts, helpers, name, german


def match(request: HelpRequest, *, pool: bool = False) -> MatchResult:
    """Every candidate for ``request``, best first, with reasons; near misses apart. With ``pool``,
    when the KI's own helpers hold no candidate and it shares its pool, the candidates among other
    sharing KIs' helpers too (``MatchResult.pool``), each shown by first name only."""
    facts, helpers, name, german = _facts(request)
    result = rank(facts, helpers, name)
    if pool and facts.shares_pool and not result.candidates:
        result.pool = _pool_candidates(request, facts, german, name)
    return result


def _pool_candidates(request: HelpRequest, facts, german, name) -> list:
    others = queries.helper_facts(request.ki_id, facts, german, ids=queries.pool_helpers(facts))
    for helper in others:
        helper.name = shown_name(Sight.FIRST_NAME, helper.name)
    return rank(facts, others, name).candidates


def why_not(request: HelpRequest, profile: HelperProfile) -> list[Failure]:
    """Every hard rule this helper fails for this request (empty: they are a candidate); the
    caller authorised ``profile`` (a helper of the KI, or one asked for this request)."""
    ids = select(HelperProfile.id).where(HelperProfile.id == profile.id)
    facts, helpers, name, _german = _facts(request, ids)
    if not helpers:
        return []
    # The engine checks the pre-filter's rules (active, approved, consent) too, so this is complete.
    return hard_rule_failures(facts, helpers[0], name)


def safeguarding_failures(request: HelpRequest, profile: HelperProfile) -> list[Failure]:
    """The safeguarding rules (``engine.SAFEGUARDING``) this helper fails for this request now."""
    return [failure for failure in why_not(request, profile) if failure.rule in SAFEGUARDING]


def lacks_police_certificate(request: HelpRequest, profile: HelperProfile) -> bool:
    """The engine's "police_certificate" rule for one loaded profile, without a query: a request
    for children or vulnerable people, and no certificate of hers valid on its day by the asking
    KI's years. For sending and booking, which may never set it aside."""
    needed_on = queries.certificate_needed_on(request, local_today())
    if needed_on is None:
        return False
    years = settings_for(request.ki).police_certificate_valid_years
    valid_until = police_certificate_valid_until(profile.police_certificate_seen_on, years)
    return valid_until is None or valid_until < needed_on


# Rules a new time can break for someone already asked or confirmed.
TIME_RULES = frozenset({"absent", "slot", "busy"})


def time_warnings(request: HelpRequest, helpers: list[HelperProfile]) -> list[tuple[str, str]]:
    """(name, reason) for each of ``helpers`` who no longer fits the request's time by their own
    week plan, absences or other assignments — after a reschedule, for the coordinator to check."""
    warnings = []
    for helper in helpers:
        for failure in why_not(request, helper):
            if failure.rule in TIME_RULES:
                # Another KI's helper by first name (the offer's state is not known here).
                warnings.append((name_for(request.ki_id, helper), failure.reason))
    return warnings
