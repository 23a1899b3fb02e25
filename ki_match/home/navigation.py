"""The navigation of each role, with the few numbers worth seeing from every page, and the words
for request states that every page may show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ki_match.accounts.labels import ROLE_LABELS
from ki_match.accounts.models import Role
from ki_match.offers.queries import open_offer_count
from ki_match.orgs.queries import current_ki
from ki_match.requests.labels import KIND_LABELS, STATUS_LABELS


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
        NavItem("home.index", _l("Übersicht")),
        NavItem("offers.inbox", _l("Anfragen"), count=_open_offers),
        NavItem("assignments.index", _l("Einsätze")),
        NavItem("profile.show", _l("Mein Profil")),
    ],
    Role.COORDINATOR: [
        NavItem("home.index", _l("Übersicht")),
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
        NavItem("home.index", _l("Übersicht")),
        NavItem("initiatives.requests", _l("Meine Anfragen")),
        NavItem("initiatives.new_request", _l("Neue Anfrage")),
        NavItem("directory.index", _l("Verzeichnis")),
        NavItem("directory.coverage", _l("Sprachabdeckung")),
    ],
    Role.ADMIN: [
        NavItem("home.index", _l("Übersicht")),
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


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation=navigation, STATUS_LABELS=STATUS_LABELS, KIND_LABELS=KIND_LABELS, ROLE_LABELS=ROLE_LABELS
    )
