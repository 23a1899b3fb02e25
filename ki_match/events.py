"""Domain events: how a lower layer lets the layers above it react, without importing them.

Imports point down only (``tests/core/test_architecture.py``), yet a request called off in
``requests.lifecycle`` must reach the helpers' mailboxes, which is decided in
``notifications``, and a helper deactivated in ``helpers`` must give back the
offers and assignments that ``offers`` keeps. So the lower service *publishes*
an event — a dataclass saying what happened, defined next to the service — and
``create_app`` has subscribed the upper layers' handlers (each such package
lists them in ``HANDLERS``). Handlers run at once, in subscription order and in
the publisher's transaction: a mail row commits together with the change that
caused it, or not at all. A handler may publish further events and may return
a value to the publisher; it never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from flask import Flask, current_app

_EXTENSION = "ki_match.events"


def subscribe(app: Flask, handlers: Mapping[type, Callable]) -> None:
    """Let ``handlers`` (event class → function taking the event) hear every event of ``app``."""
    registry = app.extensions.setdefault(_EXTENSION, defaultdict(list))
    for event_type, handler in handlers.items():
        registry[event_type].append(handler)


def publish(event) -> list:
    """Run the handlers subscribed to ``type(event)``; what each returned, in order."""
    handlers = current_app.extensions.get(_EXTENSION, {}).get(type(event), ())
    return [handler(event) for handler in handlers]
