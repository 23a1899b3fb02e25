"""Template globals every page needs: the text direction, the locale switch, reference names,
the short name a helper has before their contact is shared."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale

from ki_match.core.forms import LOCALES
from ki_match.core.text import short_name
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
    )

    @app.context_processor
    def locale_switch():
        return {
            "locales": LOCALES,
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
