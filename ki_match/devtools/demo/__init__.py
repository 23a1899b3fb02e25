"""The demo data set: ``flask --app app demo`` (``make demo``, ``make run``, the browser tests)."""
