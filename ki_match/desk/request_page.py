"""The request page: the request, who was asked, its lifecycle, an organisation's panel, the ranked
candidates, "why not this person?" and the history.

The page and each of its blocks get their data here (``page_context``). Every action on the page
answers through ``state_answer``: the block it targets, and every other region that shows the
request's state (``STATE_REGIONS``) out of band, each built by ``ki_match.desk.request_parts`` as
on a reload, so the page never shows two states at once.
"""

from __future__ import annotations

from flask import request, url_for

from ki_match.access import roles
from ki_match.audit.services import record
from ki_match.core.args import int_arg, text_arg
from ki_match.desk.blueprints import STAFF
from ki_match.desk.blueprints import requests as bp
from ki_match.desk.request_parts import OfferBoard, lifecycle, offer_board, submitted_panel
from ki_match.extensions import db
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import render, render_with_regions, wants_block
from ki_match.matching.placement import explain
from ki_match.matching.pool import Sight
from ki_match.matching.services import match
from ki_match.offers.escalation import steps_for
from ki_match.orgs.queries import current_ki
from ki_match.requests import queries
from ki_match.requests.labels import history_status
from ki_match.requests.lifecycle import ACCEPTING, is_editable
from ki_match.requests.loaders import get_request
from ki_match.requests.models import HelpRequest

PAGE = "requests/show.html"

bp.add_app_template_global(history_status)


# How many of each group the block draws until the coordinator asks for all: the best ones are
# the ones asked; a request can have 90 candidates and 80 near misses.
SHOWN = {"candidates": 20, "near_misses": 10}


def _show_all() -> bool:
    return request.args.get("alle") == "1"


def candidates_context(help_request: HelpRequest, *, partial: bool = False, offer_states=None) -> dict:
    """The candidates block: the ranked list (its best, or all of it when asked), who was asked
    already (``offer_states``, read here unless the caller has them), whether offers can go out."""
    result = match(help_request, pool=True)
    show_all = _show_all()
    if result.pool:
        record("pool.candidates_viewed", subject=help_request, helpers=[c.helper.id for c in result.pool])
    return {
        "req": help_request,
        "result": result,
        "offer_states": queries.offer_states(help_request) if offer_states is None else offer_states,
        "can_offer": help_request.status in ACCEPTING,
        "partial": partial,
        "show_all": show_all,
        "shown": {} if show_all else SHOWN,
        "all_url": url_for("requests.show", request_id=help_request.id, alle=1, _anchor="candidates-heading"),
    }


def audit_pool_rows(board: OfferBoard) -> None:
    """Other KIs' helpers on the offers block are seen by this KI: recorded (``matching.pool``)."""
    foreign = [row.helper.id for row in board.rows if row.sight != Sight.OWN]
    if foreign:
        record("pool.helpers_viewed", subject=board.req, helpers=foreign)


# The blocks of the page that show the request's state; each draws one element with its name as id
# (``_`` → ``-``), and ``flash_cleared`` empties the messages of the page's load. An action on the
# page answers with all of them (``state_answer``).
STATE_REGIONS = (
    "request_head",
    "request_facts",
    "offers",
    "request_lifecycle",
    "submitted_actions",
    "series_approval",
    "request_history",
    "flash_cleared",
)

# The client event after which the candidate list reloads itself (who was asked, whether offers can
# still go out): sent with every answer to an action that went through.
CHANGED = "offers-changed"


def state_context(help_request: HelpRequest, **parts) -> dict:
    """What the state regions show; ``parts`` replaces a region's defaults (``board``, ``life``,
    ``panel`` built with a message or a form with errors) or adds to them (``offers_message``)."""
    return {
        "req": help_request,
        "editable": is_editable(help_request),
        "history": queries.status_history(help_request),
        "board": parts.pop("board", None) or offer_board(help_request),
        "life": parts.pop("life", None) or lifecycle(help_request),
        "panel": parts.pop("panel", None) or submitted_panel(help_request),
        **parts,
    }


def state_answer(help_request: HelpRequest, block: str, *, status: int = 200, changed: bool = True, **parts):
    """The answer to an action on the request page: ``block`` (htmx's target, with what the action
    says) and every other state region out of band, all read now. ``changed``: the candidate list
    reloads itself too."""
    return render_with_regions(
        PAGE,
        block,
        STATE_REGIONS,
        status,
        trigger=CHANGED if changed else None,
        **state_context(help_request, **parts),
    )


def page_context(help_request: HelpRequest, **parts) -> dict:
    """Everything the whole page shows; ``parts`` replaces a block's defaults (a form with errors)."""
    state = state_context(help_request, **parts)
    return {
        # Who was asked: from the offers the board has read, not read a second time.
        **candidates_context(help_request, offer_states=state["board"].offer_states),
        "follow_ups": steps_for(help_request),
        "why_not_name": "",
        "why_not_matches": None,
        "why_not_helper": None,
        "why_not_answer": None,
        **state,
    }


def _show(help_request: HelpRequest):
    record("request.viewed", subject=help_request)
    if wants_block("candidates"):
        response = render(PAGE, "candidates", **candidates_context(help_request, partial=True))
    else:
        context = page_context(help_request)
        audit_pool_rows(context["board"])
        response = render(PAGE, **context)
    db.session.commit()  # after rendering, so the request's rows are not expired and loaded again
    return response


@bp.route("/<int:request_id>")
@roles(*STAFF)
def show(request_id: int):
    return _show(get_request(request_id))


@bp.route("/<int:request_id>/candidates")
@roles(*STAFF)
def candidates(request_id: int):
    """The candidates block alone (the full page without htmx), e.g. after offers went out."""
    return _show(get_request(request_id))


def _helper_asked_about(help_request: HelpRequest, name: str, helper_id: int | None):
    """(helper, matches): the helper chosen by id, or found by a name only they have."""
    if helper_id:
        return get_profile(helper_id), None
    if not name:
        return None, None
    matches = queries.helpers_named(current_ki(), name)
    if len(matches) == 1:
        return get_profile(matches[0][0]), matches
    return None, matches


@bp.route("/<int:request_id>/why-not", endpoint="why_not")
@roles(*STAFF)
def why_not_view(request_id: int):
    """Every rule one helper fails for this request; find the helper by name first."""
    help_request = get_request(request_id)
    name = text_arg("name", 120) or ""
    helper, matches = _helper_asked_about(help_request, name, int_arg("helper_id"))
    explained = None
    if helper is not None:
        explained = explain(help_request, helper, shown={} if _show_all() else SHOWN)
        record("request.why_not", subject=helper, request_id=help_request.id)
    answer = {
        "why_not_name": name,
        "why_not_matches": matches,
        "why_not_helper": helper,
        "why_not_answer": explained,
    }
    if wants_block("why_not_result"):
        response = render(PAGE, "why_not_result", req=help_request, **answer)
    else:
        response = render(PAGE, **page_context(help_request, **answer))
    db.session.commit()
    return response


def request_page(help_request: HelpRequest, *, status: int = 200, **parts):
    """The whole request page, for answers without htmx that must show something in place."""
    return render(PAGE, status=status, **page_context(help_request, **parts))
