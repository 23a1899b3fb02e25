"""WSGI entry point: ``flask --app app …`` and ``gunicorn app:app``."""

from ki_match import create_app

app = create_app()
