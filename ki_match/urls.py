"""Absolute links for e-mails, also from commands that run outside a request; ids in URLs."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter

from ki_match.db import INT_MAX


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number the database's ids can be, so a larger one is a 404
    (no such page) instead of an overflow in the query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def public_url(endpoint: str, **values) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return base + url_for(endpoint, **values)
