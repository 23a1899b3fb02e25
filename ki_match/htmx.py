"""Rendering full pages or their fragments, and answers htmx follows, through htmx-flask.

``request.htmx`` (htmx-flask's ``HtmxHeaders``) reads the HX-* request headers;
``htmx_flask.make_response`` writes the HX-* response headers. This module adds
the project's one rule on top: a fragment is chosen by an explicit signal, the
target's id, never by a bare "is this htmx?".
"""

from __future__ import annotations

from flask import Response, redirect, render_template
from htmx_flask import make_response, request
from jinja2_fragments.flask import render_block


def wants_block(block: str | None, target: str | None = None) -> bool:
    """True when htmx asked to swap exactly this block.

    Boosted navigation and history restores want the whole page. Block
    ``login_form`` renders the element with id ``login-form``; a block drawn once
    per item (``offer_card`` for ``offer-card-12``) names its element's id in ``target``.
    """
    htmx = request.htmx
    if block is None or not htmx or htmx.history_restore_request or htmx.boosted:
        return False
    return htmx.target == (target or block.replace("_", "-"))


def render(
    template: str,
    block: str | None = None,
    status: int = 200,
    *,
    target: str | None = None,
    trigger: str | None = None,
    **context,
) -> Response:
    """The page, or only ``block`` when htmx targets the element of that id (or ``target``);
    ``trigger`` names a client event htmx fires once the answer arrives (``HX-Trigger``)."""
    if wants_block(block, target):
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status, trigger=trigger)


def render_in_place(template: str, block: str, element_id: str, status: int = 200, **context) -> Response:
    """Only ``block``, swapped over the element ``element_id`` whatever target the request named:
    a form sent from inside a region that its success answer replaces keeps its errors in place."""
    body = render_block(template, block, **context)
    return make_response(body, status, retarget=f"#{element_id}", reswap="outerHTML")


def render_with_regions(
    template: str,
    block: str,
    regions: tuple[str, ...],
    status: int = 200,
    *,
    trigger: str | None = None,
    **context,
) -> Response:
    """``block`` of ``template`` for htmx's target, then each other block of ``regions`` out of band:
    drawn with ``oob`` true, so that its element says ``hx-swap-oob`` and replaces the one of its id."""
    body = render_block(template, block, **context)
    body += "".join(
        render_block(template, region, **context, oob=True) for region in regions if region != block
    )
    return make_response(body, status, trigger=trigger)


def render_form(template: str, block: str | None = None, *, form, **context) -> Response:
    """A page (or its block) with ``form``: 422 once the form was sent back with errors."""
    return render(template, block, status=422 if form.errors else 200, form=form, **context)


def is_htmx() -> bool:
    return bool(request.htmx)


def triggered_by(*prefixes: str) -> bool:
    """Whether the element that sent this htmx request has an id starting with one of ``prefixes``
    (a tab or page link, say, rather than the search box)."""
    return (request.htmx.trigger or "").startswith(prefixes)


def redirect_to(location: str) -> Response:
    """303 for browsers; for htmx a full navigation via ``HX-Redirect``."""
    if request.htmx and not request.htmx.boosted:
        return make_response("", 204, redirect=location)
    return redirect(location, code=303)


def refresh(status: int) -> Response:
    """An htmx request whose page is stale (expired session or token): htmx reloads the page."""
    return make_response("", status, refresh=True)


# Every request header ``wants_block`` reads: a cache must not hand a fragment to a page load.
VARY_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")


def add_vary(response: Response) -> Response:
    for header in VARY_HEADERS:
        response.vary.add(header)
    return response
