"""Development tools: the demo data set (``flask demo``) and the benchmark (``flask bench``).

Nothing here runs in production, and production code never imports this package
(``tests/devtools/test_devtools.py`` checks): the app factory does not register these
commands. Flask's CLI finds them through the ``flask.commands`` entry points in
``pyproject.toml`` (see ``ki_match.devtools.commands``), which ``pip install -e .``
(``make install``) registers.

Both builders plan offers and assignments in memory before anything is written;
who fits a request is never decided here but asked of the matching engine
(``ki_match.devtools.matching``).
"""
