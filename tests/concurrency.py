"""Running rules at the same moment on real parallel connections, for race tests."""

from __future__ import annotations

import threading

from ki_match.extensions import db
from ki_match.requests.lifecycle import RequestError


def race(app, functions):
    """Run each function in its own thread, app context and database connection, all at once.

    Returns each function's result, or the ``RequestError`` it raised. Pass plain
    ids into the functions: rows of the test's session must not be touched
    from the threads.
    """
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = function()
            except RequestError as error:
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
