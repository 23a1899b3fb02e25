"""Matching a request: the ranked list the request page shows, and "why not this helper?"."""

from __future__ import annotations

from sqlalchemy import select

from ki_match.helpers.models import HelperProfile
from ki_match.matching import queries
from ki_match.matching.engine import (
    Failure,
    HelperFacts,
    LanguageNamer,
    MatchResult,
    RequestFacts,
    hard_rule_failures,
    rank,
)
from ki_match.reference.names import language_name
from ki_match.requests.models import HelpRequest


def _facts(request: HelpRequest, ids=None) -> tuple[RequestFacts, list[HelperFacts], LanguageNamer]:
    facts = queries.request_facts(request)
    languages = queries.languages()
    helpers = queries.helper_facts(request.ki_id, facts, queries.german_id(languages), ids=ids)
    names: dict[int, str] = {}

    def name(language_id: int) -> str:
        if language_id not in names:
            names[language_id] = language_name(languages[language_id])
        return names[language_id]

    return facts, helpers, name


def match(request: HelpRequest) -> MatchResult:
    """Every candidate for ``request``, best first, with reasons; near misses apart."""
    facts, helpers, name = _facts(request)
    return rank(facts, helpers, name)


def why_not(request: HelpRequest, profile: HelperProfile) -> list[Failure]:
    """Every hard rule this helper fails for this request (empty: they are a candidate)."""
    ids = select(HelperProfile.id).where(HelperProfile.id == profile.id, HelperProfile.ki_id == request.ki_id)
    facts, helpers, name = _facts(request, ids)
    if not helpers:
        return []
    # The engine checks the pre-filter's rules (active, approved, consent) too, so this is complete.
    return hard_rule_failures(facts, helpers[0], name)


# Rules a new time can break for someone already asked or confirmed.
TIME_RULES = frozenset({"absent", "slot", "busy"})


def time_warnings(request: HelpRequest, helpers: list[HelperProfile]) -> list[tuple[str, str]]:
    """(name, reason) for each of ``helpers`` who no longer fits the request's time by their own
    week plan, absences or other assignments — after a reschedule, for the coordinator to check."""
    warnings = []
    for helper in helpers:
        for failure in why_not(request, helper):
            if failure.rule in TIME_RULES:
                warnings.append((helper.user.display_name, failure.reason))
    return warnings
