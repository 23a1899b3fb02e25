"""The helper directory and the language coverage table: filter forms over GET, each
filtered page its own URL, the results swapped in place by htmx."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.audit.services import record_at_once
from ki_match.core import dates
from ki_match.core.args import page_arg
from ki_match.directory import queries, services
from ki_match.directory.forms import KIND_LABELS, CoverageFilterForm, DirectoryFilterForm
from ki_match.directory.queries import CoverageFilters, DirectoryFilters
from ki_match.extensions import db
from ki_match.helpers.models import HelperKind
from ki_match.htmx import render, triggered_by, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.reference.models import Level
from ki_match.reference.names import language_name, level_label, topic_name
from ki_match.requests.models import RequestStatus

bp = Blueprint("directory", __name__, url_prefix="/verzeichnis")

READERS = (Role.INITIATIVE, Role.COORDINATOR, Role.ADMIN)
STAFF = (Role.COORDINATOR, Role.ADMIN)
# Where "Anfrage stellen" leads: initiatives submit a request, staff write one directly.
NEW_REQUEST = {Role.INITIATIVE: "initiatives.new_request"}
MAX_TEXT = 100


@dataclass(frozen=True)
class Names:
    """What the directory's cards call things, in the reader's language."""

    languages: dict[int, str]
    topics: dict[int, str]
    levels: dict[int, str]
    kinds: dict[HelperKind, str]
    days: list[str]

    def language(self, language) -> str:
        return self.languages[language.id]

    def topic(self, topic) -> str:
        return self.topics[topic.id]

    # A card's lists, each joined here rather than in a loop of the template (twenty cards a page);
    # plain text, which the template escapes; a name missing from the lookups shows as nothing.
    def languages_of(self, card) -> str:
        return _listed(
            f"{self.languages.get(language.id, '')} ({self.levels[level]})"
            for language, level in card.languages
        )

    def days_of(self, card) -> str:
        return _listed(self.days[day] for day in card.weekdays)

    def topics_of(self, card) -> str:
        return _listed(self.topics.get(topic.id, "") for topic in card.topics)


def _listed(names) -> str:
    return ", ".join(names) or "–"


def _by_name(languages, name=language_name):
    return sorted(languages, key=lambda language: name(language).casefold())


def _new_request_url():
    """Where a card's "Anfrage stellen" leads, by language code: built once per language and page
    (the cards of a search mostly share one)."""
    endpoint = NEW_REQUEST.get(current_user.role, "requests.new")
    return functools.cache(lambda language_code: url_for(endpoint, language=language_code))


# --- the directory ---------------------------------------------------------------------------


def _directory_args(filters: DirectoryFilters, codes: dict[int, str], topics: dict[int, str], text) -> dict:
    """The query string of ``filters``, for page links and suggestions."""
    args = {
        "q": text if filters.tokens else None,
        "language": [codes[language_id] for language_id in filters.language_ids],
        "town": filters.town_id,
        "day": [str(day) for day in filters.weekdays],
        "topic": topics.get(filters.topic_id) if filters.topic_id else None,
        "kind": filters.kind.value if filters.kind else None,
        "remote": "1" if filters.remote else None,
    }
    return {key: value for key, value in args.items() if value}


@bp.route("")
@roles(*READERS)
def index():
    ki = current_ki()
    towns = queries.town_map(ki)
    locale = str(get_locale() or "de")
    languages = queries.directory_languages(ki)
    topics = queries.directory_topics(ki)
    # Names looked up once per request: the cards and the text search use each many times.
    names = Names(
        languages={language.id: language_name(language, locale) for language in languages},
        topics={topic.id: topic_name(topic) for topic in topics},
        levels={int(level): level_label(level) for level in Level},
        kinds={kind: str(label) for kind, label in KIND_LABELS.items()},
        days=dates.weekday_names(locale),
    )
    languages = _by_name(languages, names.language)
    form = DirectoryFilterForm(
        formdata=request.args,
        languages=languages,
        towns=towns.towns,
        topics=topics,
        day_names=names.days,
        language_name=names.language,
        topic_name=names.topic,
    )
    text = (form.q.data or "").strip()[:MAX_TEXT]
    language_ids = {language.code: language.id for language in languages}
    topic_ids = {topic.code: topic.id for topic in topics}
    town = form.choice(form.town)
    kind = form.choice(form.kind)
    topic = form.choice(form.topic)
    filters = DirectoryFilters(
        language_ids=tuple(language_ids[code] for code in form.choices_of(form.language)),
        town_id=int(town) if town else None,
        weekdays=tuple(int(day) for day in form.choices_of(form.day)),
        topic_id=topic_ids[topic] if topic else None,
        kind=HelperKind(kind) if kind else None,
        remote=bool(form.remote.data),
        tokens=services.text_tokens(
            text,
            languages=languages,
            topics=topics,
            towns=towns,
            language_name=names.language,
            topic_name=names.topic,
        ),
        page=page_arg(),
    )
    page = queries.directory_page(ki, filters, towns)
    codes = {language.id: language.code for language in languages}
    topic_codes = {topic.id: topic.code for topic in topics}

    def args_of(chosen: DirectoryFilters) -> dict:
        return _directory_args(chosen, codes, topic_codes, text)

    def request_language(card):
        """The language a request from this card is for: one searched for, else the best one."""
        spoken = [language for language, _level in card.languages]
        wanted = [language for language in spoken if language.id in filters.language_ids]
        return (wanted or spoken or [None])[0]

    record_at_once("directory.searched", ki_id=ki.id, count=len(page.items), total=page.total)
    response = render(
        "directory/index.html",
        "directory_results",
        form=form,
        filters=filters,
        page=page,
        args=args_of(filters),
        args_of=args_of,
        suggestions=services.suggestions(ki, filters, towns) if not page.total else [],
        names=names,
        request_language=request_language,
        new_request_url=_new_request_url(),
        partial=wants_block("directory_results"),
        focus_results=triggered_by("page-"),
        example_town=towns.towns[0].name if towns.towns else None,
    )
    db.session.commit()  # the audit record; after rendering, which reads the loaded rows
    return response


# --- coverage --------------------------------------------------------------------------------


@bp.route("/abdeckung")
@roles(*READERS)
def coverage():
    ki = current_ki()
    towns = queries.town_map(ki)
    languages = _by_name(queries.directory_languages(ki))
    form = CoverageFilterForm(
        formdata=request.args, languages=languages, language_name=language_name, level_label=level_label
    )
    if not request.args.get("level"):
        form.level.data = str(int(Level.B1))
    chosen = set(form.choices_of(form.language))
    kind = form.choice(form.kind)
    level = form.choice(form.level)
    filters = CoverageFilters(
        language_ids=tuple(language.id for language in languages if language.code in chosen),
        kind=HelperKind(kind) if kind else None,
        min_level=int(level) if level else int(Level.B1),
    )
    rows = [language for language in languages if not chosen or language.code in chosen]
    figures = queries.coverage(ki, filters, towns)
    staff = current_user.role in STAFF
    unmet = queries.unmet_requests(ki) if staff else {}

    def requests_there(language, town) -> tuple[str, int]:
        """The request list at the first tab with requests still seeking help there, and how many."""
        by_status = unmet.get((language.id, town.id), {})
        first = next((status for status in queries.UNMET if by_status.get(status)), RequestStatus.OPEN)
        link = url_for("requests.index", tab=first.value, language=language.id, town=town.id)
        return link, sum(by_status.values())

    gaps = sum(1 for language in rows for town in towns.towns if not figures.count(language.id, town.id))
    response = render(
        "directory/coverage.html",
        "coverage_results",
        form=form,
        filters=filters,
        rows=rows,
        towns=towns.towns,
        figures=figures,
        gaps=gaps,
        kind_labels=KIND_LABELS,
        links_to_requests=staff,
        requests_there=requests_there,
        partial=wants_block("coverage_results"),
    )
    return response
