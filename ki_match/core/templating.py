"""Template globals every page needs: the text direction, the locale switch, reference names,
the short name a helper has before their contact is shared, the KI the page belongs to."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from markupsafe import Markup

from ki_match.core import dates
from ki_match.core.deadlines import answer_by
from ki_match.core.locales import LOCALES, direction_of, partial_locales
from ki_match.core.money import euros
from ki_match.core.text import short_name
from ki_match.orgs.queries import page_ki
from ki_match.orgs.settings import settings_for, tel_number
from ki_match.reference.names import language_name, level_label, topic_name


def text_direction() -> str:
    locale = get_locale()
    return direction_of(locale.language if locale else "de")


def bdi(value, direction: str | None = None) -> Markup:
    """``value`` (escaped) isolated from the text around it: a name, address, number or place keeps
    its own direction inside a sentence of the other direction ("Termin mit محمد um 10:00").
    Its direction comes from its first letter; ``direction="ltr"`` for what has none but reads
    left to right all the same (a phone number)."""
    if value is None or value == "":
        return Markup("")
    if direction:
        return Markup('<bdi dir="{}">{}</bdi>').format(direction, value)
    return Markup("<bdi>{}</bdi>").format(value)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        text_direction=text_direction,
        direction_of=direction_of,
        get_locale=get_locale,
        language_name=language_name,
        level_label=level_label,
        topic_name=topic_name,
        short_name=short_name,
        page_ki=page_ki,
        settings_for=settings_for,
    )
    app.jinja_env.filters.update(answer_by=answer_by, tel_number=tel_number, euros=euros, bdi=bdi)
    dates.register(app)

    @app.context_processor
    def locale_switch():
        return {
            "locales": LOCALES,
            "partial_locales": partial_locales(),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
