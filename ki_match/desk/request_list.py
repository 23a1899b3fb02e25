"""The coordinators' list of requests: tabs by state, filters, a text search, pages.

Filters and tabs are query arguments, so every view of the list is a link; htmx
swaps only the results (``request_results``) while the filter form stays.
"""

from __future__ import annotations

from ki_match.access import roles
from ki_match.audit.services import record
from ki_match.core.args import choice_arg, date_arg, int_arg, page_arg, text_arg
from ki_match.desk.blueprints import STAFF
from ki_match.desk.blueprints import requests as bp
from ki_match.extensions import db
from ki_match.htmx import render, triggered_by, wants_block
from ki_match.orgs.queries import current_ki, organisations
from ki_match.reference import queries as reference
from ki_match.reference.data import GERMAN
from ki_match.reference.models import Town
from ki_match.reference.names import language_name
from ki_match.requests import lists
from ki_match.requests.labels import ATTENTION_LABELS, TAB_LABELS
from ki_match.requests.lists import RequestFilters, Tab
from ki_match.requests.queries import series_positions


def _filters() -> RequestFilters:
    return RequestFilters(
        tab=choice_arg("tab", Tab, Tab.OPEN),
        language_id=int_arg("language"),
        town_id=int_arg("town"),
        organisation_id=int_arg("requester"),
        date_from=date_arg("from"),
        date_to=date_arg("to"),
        text=text_arg(),
        page=page_arg(),
    )


def _filter_args(filters: RequestFilters) -> dict:
    """The query string of the current filters, for links to tabs and pages."""
    args = {
        "language": filters.language_id,
        "town": filters.town_id,
        "requester": filters.organisation_id,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "q": filters.text,
    }
    return {key: value for key, value in args.items() if value}


def _filter_choices(ki) -> dict:
    languages = sorted(
        (language for language in reference.languages(ki) if language.code != GERMAN),
        key=lambda language: language_name(language).casefold(),
    )
    return {
        "languages": languages,
        "towns": list(db.session.scalars(db.select(Town).where(Town.ki_id == ki.id).order_by(Town.name))),
        "requesters": organisations(ki, active_only=False),
    }


@bp.route("")
@roles(*STAFF)
def index():
    ki = current_ki()
    filters = _filters()
    page = lists.request_page(ki, filters)
    counts = lists.tab_counts(ki, filters)
    record("request.list_viewed", ki_id=ki.id, tab=filters.tab.value, count=len(page.items))
    # Focus moves to the results only when a tab or page link was followed; typing a search keeps it.
    response = render(
        "requests/index.html",
        "request_results",
        filters=filters,
        page=page,
        counts=counts,
        tabs=TAB_LABELS,
        args=_filter_args(filters),
        partial=wants_block("request_results"),
        focus_results=triggered_by("tab-", "page-"),
        attention=ATTENTION_LABELS,
        attention_reasons=lists.attention_reasons,
        positions=series_positions(page.items),
        **_filter_choices(ki),
    )
    # Committed after rendering: a commit expires every loaded row, and reloading them one by
    # one while the template reads them would cost a query per row.
    db.session.commit()
    return response
