"""Who the directory shows, how a search text is read, and what to try when nothing is found."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ki_match.directory.queries import DirectoryFilters, TextToken, TownMap, count_directory
from ki_match.helpers.models import HelperProfile
from ki_match.helpers.services import is_matchable
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Topic

MAX_WORDS = 5


def is_listed(profile: HelperProfile, ki: Ki) -> bool:
    """May this helper appear in ``ki``'s directory? Kept equal to ``queries.visible_in_directory``:
    only with their own opt-in, and only while they could be offered requests at all."""
    return profile.ki_id == ki.id and profile.directory_opt_in and is_matchable(profile)


def text_tokens(
    text: str | None,
    *,
    languages: Iterable[Language],
    topics: Iterable[Topic],
    towns: TownMap,
    language_name: Callable[[Language], str],
    topic_name: Callable[[Topic], str],
) -> tuple[TextToken, ...]:
    """Each word of the search and what it may name; every word has to match something.

    Language and topic names are matched as the reader sees them ("Arabisch" in German,
    "Arabic" in English), so this happens here and not in SQL.
    """
    words = [word.casefold() for word in (text or "").split()][:MAX_WORDS]
    languages, topics = list(languages), list(topics)
    tokens = []
    for word in words:
        tokens.append(
            TextToken(
                word=word,
                language_ids=tuple(
                    language.id
                    for language in languages
                    if word in language_name(language).casefold() or word == language.code
                ),
                topic_ids=tuple(topic.id for topic in topics if word in topic_name(topic).casefold()),
                town_ids=tuple(town.id for town in towns.towns if word in town.name.casefold()),
            )
        )
    return tuple(tokens)


@dataclass(frozen=True)
class Suggestion:
    """Drop the filter ``drop`` (or, for ``"remote"``, ask for phone/video instead of the
    town) and ``count`` helpers would be found."""

    drop: str
    count: int
    filters: DirectoryFilters


def suggestions(ki: Ki, filters: DirectoryFilters, towns: TownMap) -> list[Suggestion]:
    """For an empty result: how many helpers each filter alone is hiding, most first.

    One COUNT per filter that is set (at most seven), run only when nothing was found.
    """
    found = []
    for name in filters.active():
        relaxed = filters.without(name)
        found.append(Suggestion(name, count_directory(ki, relaxed, towns), relaxed))
    if filters.town_id is not None and not filters.remote:
        remote = replace(filters.without("town"), remote=True)
        found.append(Suggestion("remote", count_directory(ki, remote, towns), remote))
    return sorted((item for item in found if item.count), key=lambda item: -item.count)
