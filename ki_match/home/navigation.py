"""The navigation of each role, with the few numbers worth seeing from every page, and the words
for request states that every page may show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import Flask, g, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ki_match.accounts.labels import ROLE_LABELS
from ki_match.accounts.models import Role
from ki_match.core import dates
from ki_match.notifications.tasks import open_count
from ki_match.offers.queries import open_offer_count
from ki_match.orgs.queries import current_ki
from ki_match.requests.labels import KIND_LABELS, STATUS_LABELS


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    # A number worth seeing from every page (unanswered offers), shown when not zero; keep it one COUNT.
    count: Callable[[], int] | None = None
    # That number, once counted for this page; the phone menu shows it on its closed toggle too.
    number: int = 0
    # The link and the words, worked out once per page: the menu draws every item twice (phone
    # and wide screen), and each URL built and each label translated costs some 10 µs.
    url: str = ""


def _open_offers() -> int:
    return open_offer_count(current_ki(), current_user)


def _open_tasks() -> int:
    return open_count(current_ki().id)


_START = NavItem("home.index", _l("Übersicht"))
_DESK = [
    NavItem("requests.index", _l("Anfragen")),
    NavItem("requests.new", _l("Neue Anfrage")),
    NavItem("helpers.index", _l("Helfende")),
    NavItem("helpers.pending", _l("Freigaben")),
    NavItem("helpers.due_checks", _l("Nachweise")),
    NavItem("courses.index", _l("Kurse")),
    # Calls to make to helpers the KI manages (notifications.tasks).
    NavItem("helpers.tasks", _l("Aufgaben"), count=_open_tasks),
]
_REPORTS = NavItem("reports.index", _l("Berichte"))
_MAIL = NavItem("notifications.status", _l("Benachrichtigungen"))
_DIRECTORY = [
    NavItem("directory.index", _l("Verzeichnis")),
    NavItem("directory.coverage", _l("Sprachabdeckung")),
]

NAVIGATION = {
    Role.HELPER: [
        _START,
        NavItem("offers.inbox", _l("Anfragen"), count=_open_offers),
        NavItem("assignments.index", _l("Einsätze")),
        NavItem("training.index", _l("Kurse")),
        NavItem("profile.show", _l("Mein Profil")),
    ],
    Role.COORDINATOR: [_START, *_DESK, _REPORTS, _MAIL, *_DIRECTORY],
    Role.INITIATIVE: [
        _START,
        NavItem("initiatives.requests", _l("Meine Anfragen")),
        NavItem("initiatives.new_request", _l("Neue Anfrage")),
        *_DIRECTORY,
    ],
    Role.ADMIN: [
        _START,
        *_DESK,
        NavItem("admin.users", _l("Konten")),
        _REPORTS,
        NavItem("organisations.index", _l("Organisationen")),
        NavItem("reference.towns", _l("Orte, Sprachen, Themen")),
        NavItem("settings.edit", _l("Einstellungen")),
        NavItem("audit.index", _l("Protokoll")),
        _MAIL,
        *_DIRECTORY,
    ],
    Role.OPERATOR: [
        NavItem("operator.index", _l("KIs")),
        NavItem("operator.new_ki", _l("KI anlegen")),
        NavItem("operator.figures", _l("Zahlen")),
    ],
}

_LOGIN = NavItem("accounts.login", _l("Anmelden"))
ANONYMOUS_NAVIGATION = [_LOGIN, NavItem("accounts.register", _l("Als Helfer*in registrieren"))]
# Under a KI's front door registration joins that KI (the front door fills in its slug).
FRONT_DOOR_NAVIGATION = [_LOGIN, NavItem("frontdoor.register", _l("Als Helfer*in registrieren"))]


def navigation() -> list[NavItem]:
    if current_user.is_authenticated:
        items = NAVIGATION[current_user.role]
    else:
        items = FRONT_DOOR_NAVIGATION if g.get("front_door") else ANONYMOUS_NAVIGATION
    return [_resolved(item) for item in items]


def _resolved(item: NavItem) -> NavItem:
    number = item.count() if item.count else 0
    label = f"{item.label} ({dates.number(number)})" if number else str(item.label)
    return replace(item, label=label, number=number, url=url_for(item.endpoint))


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation=navigation, STATUS_LABELS=STATUS_LABELS, KIND_LABELS=KIND_LABELS, ROLE_LABELS=ROLE_LABELS
    )
