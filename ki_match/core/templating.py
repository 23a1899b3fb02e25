"""Template globals and filters: names in the reader's language, navigation per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ki_match.accounts.models import Role
from ki_match.core.forms import LOCALES
from ki_match.offers.queries import open_offer_count
from ki_match.orgs.queries import current_ki
from ki_match.reference.names import language_name, level_label, topic_name
from ki_match.requests.models import RequestKind, RequestStatus

STATUS_LABELS = {
    RequestStatus.SUBMITTED: _l("eingereicht"),
    RequestStatus.DRAFT: _l("Entwurf"),
    RequestStatus.OPEN: _l("offen"),
    RequestStatus.OFFERED: _l("angefragt"),
    RequestStatus.FILLED: _l("besetzt"),
    RequestStatus.COMPLETED: _l("erledigt"),
    RequestStatus.CANCELLED: _l("abgesagt"),
    RequestStatus.UNFILLED: _l("nicht besetzt"),
    RequestStatus.DECLINED: _l("abgelehnt"),
}

KIND_LABELS = {
    RequestKind.ACCOMPANIMENT: _l("Begleitung zu einem Termin"),
    RequestKind.ONSITE: _l("Dolmetschen vor Ort"),
    RequestKind.REMOTE: _l("Dolmetschen per Telefon/Video"),
    RequestKind.WRITTEN: _l("Schriftliche Übersetzung"),
}

ROLE_LABELS = {
    Role.HELPER: _l("Helfende"),
    Role.COORDINATOR: _l("Koordination"),
    Role.INITIATIVE: _l("Initiative"),
    Role.ADMIN: _l("Administration"),
}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    # A number worth seeing from every page (unanswered offers), shown when not zero; keep it one COUNT.
    count: Callable[[], int] | None = None


def _open_offers() -> int:
    return open_offer_count(current_ki(), current_user)


NAVIGATION = {
    Role.HELPER: [
        NavItem("core.index", _l("Übersicht")),
        NavItem("offers.inbox", _l("Anfragen"), count=_open_offers),
        NavItem("offers.assignments", _l("Einsätze")),
        NavItem("profile.show", _l("Mein Profil")),
    ],
    Role.COORDINATOR: [
        NavItem("core.index", _l("Übersicht")),
        NavItem("requests.index", _l("Anfragen")),
        NavItem("requests.new", _l("Neue Anfrage")),
        NavItem("helpers.index", _l("Helfende")),
        NavItem("helpers.pending", _l("Freigaben")),
        NavItem("reports.index", _l("Berichte")),
        NavItem("notifications.status", _l("Benachrichtigungen")),
        NavItem("directory.index", _l("Verzeichnis")),
        NavItem("directory.coverage", _l("Sprachabdeckung")),
    ],
    Role.INITIATIVE: [
        NavItem("core.index", _l("Übersicht")),
        NavItem("initiatives.requests", _l("Meine Anfragen")),
        NavItem("initiatives.new_request", _l("Neue Anfrage")),
        NavItem("directory.index", _l("Verzeichnis")),
        NavItem("directory.coverage", _l("Sprachabdeckung")),
    ],
    Role.ADMIN: [
        NavItem("core.index", _l("Übersicht")),
        NavItem("requests.index", _l("Anfragen")),
        NavItem("requests.new", _l("Neue Anfrage")),
        NavItem("helpers.index", _l("Helfende")),
        NavItem("helpers.pending", _l("Freigaben")),
        NavItem("admin.users", _l("Konten")),
        NavItem("reports.index", _l("Berichte")),
        NavItem("organisations.index", _l("Organisationen")),
        NavItem("notifications.status", _l("Benachrichtigungen")),
        NavItem("directory.index", _l("Verzeichnis")),
        NavItem("directory.coverage", _l("Sprachabdeckung")),
    ],
}

ANONYMOUS_NAVIGATION = [
    NavItem("accounts.login", _l("Anmelden")),
    NavItem("accounts.register", _l("Als Helfer*in registrieren")),
]


def navigation() -> list[NavItem]:
    if current_user.is_authenticated:
        return [_counted(item) for item in NAVIGATION[current_user.role]]
    return ANONYMOUS_NAVIGATION


def _counted(item: NavItem) -> NavItem:
    number = item.count() if item.count else 0
    return replace(item, label=f"{item.label} ({number})") if number else item


def text_direction() -> str:
    locale = get_locale()
    language = locale.language if locale else "de"
    return "rtl" if language in current_app.config["RTL_LANGUAGES"] else "ltr"


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation=navigation,
        text_direction=text_direction,
        get_locale=get_locale,
        language_name=language_name,
        level_label=level_label,
        topic_name=topic_name,
        STATUS_LABELS=STATUS_LABELS,
        KIND_LABELS=KIND_LABELS,
        ROLE_LABELS=ROLE_LABELS,
    )

    @app.context_processor
    def locale_switch():
        return {
            "locales": LOCALES,
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
