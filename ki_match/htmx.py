"""Rendering full pages or their fragments, and redirects that htmx follows."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def wants_block(block: str | None, target: str | None = None) -> bool:
    """True when htmx asked to swap exactly this block.

    The signal is the target id, never a bare HX-Request: boosted navigation
    and history restores want the whole page. Block ``login_form`` renders the
    element with id ``login-form``; a block drawn once per item (``offer_card``
    for ``offer-card-12``) names its element's id in ``target``.
    """
    if block is None or request.headers.get("HX-Request") != "true":
        return False
    if request.headers.get("HX-History-Restore-Request") == "true":
        return False
    if request.headers.get("HX-Boosted") == "true":
        return False
    return request.headers.get("HX-Target") == (target or block.replace("_", "-"))


def render(
    template: str, block: str | None = None, status: int = 200, *, target: str | None = None, **context
) -> Response:
    """The page, or only ``block`` when htmx targets the element of that id (or ``target``)."""
    if wants_block(block, target):
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect_to(location: str) -> Response:
    """303 for browsers; for htmx a full navigation via ``HX-Redirect``."""
    if is_htmx() and request.headers.get("HX-Boosted") != "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


# Every request header ``wants_block`` reads: a cache must not hand a fragment to a page load.
VARY_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")


def add_vary(response: Response) -> Response:
    for header in VARY_HEADERS:
        response.vary.add(header)
    return response
