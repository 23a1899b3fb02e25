"""Template globals every page needs: the text direction, the locale switch, reference names,
the short name a helper has before their contact is shared, the KI the page belongs to."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale

from ki_match.core import dates
from ki_match.core.deadlines import answer_by
from ki_match.core.forms import LOCALES
from ki_match.core.money import euros
from ki_match.core.text import short_name
from ki_match.orgs.queries import page_ki
from ki_match.orgs.settings import settings_for, tel_number
from ki_match.reference.names import language_name, level_label, topic_name


def text_direction() -> str:
    locale = get_locale()
    language = locale.language if locale else "de"
    return "rtl" if language in current_app.config["RTL_LANGUAGES"] else "ltr"


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        text_direction=text_direction,
        get_locale=get_locale,
        language_name=language_name,
        level_label=level_label,
        topic_name=topic_name,
        short_name=short_name,
        page_ki=page_ki,
        settings_for=settings_for,
    )
    app.jinja_env.filters.update(answer_by=answer_by, tel_number=tel_number, euros=euros)
    dates.register(app)

    @app.context_processor
    def locale_switch():
        return {
            "locales": LOCALES,
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
