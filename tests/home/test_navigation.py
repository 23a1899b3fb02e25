"""The main navigation on every page: a menu to open on a phone (no script needed), the same links
in a row on wide screens, the current page marked; and tables that scroll in a named, focusable box."""

from __future__ import annotations

import re

import pytest

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import RequestStatus
from tests.factories import make_request, offer_to

TABLE_IN_REGION = re.compile(
    r'<div class="table-scroll" tabindex="0" role="region" aria-(?:label|labelledby)="[^"]+">\s*<table'
)


def _nav(html: str) -> str:
    return html.split('aria-label="Hauptnavigation"')[1].split("</nav>")[0]


def _menu(nav: str) -> str:
    return nav.split('<details class="nav-menu">')[1].split("</details>")[0]


def test_the_links_wait_in_a_menu_and_stand_in_a_row(client, login_as):
    login_as(Role.COORDINATOR)
    nav = _nav(client.get("/requests").get_data(as_text=True))
    menu = _menu(nav)
    assert re.search(r"<summary>.*Menü.*</summary>", menu, re.S)
    wide = nav.split('<ul class="nav nav-wide">')[1]
    for links in (menu, wide):
        assert 'href="/requests/new"' in links and 'href="/account"' in links and "Abmelden" in links
        # The current page is marked in both, and nothing else is.
        assert links.count('aria-current="page"') == 1
        assert 'href="/requests" aria-current="page"' in links


def test_the_closed_menu_shows_the_offers_to_answer(client, auth, create_helper, coordinator):
    helper = create_helper()
    auth.login(helper.user.email)
    offer_to(make_request(created_by=coordinator), helper)
    summary = re.search(r"<summary>.*?</summary>", _nav(client.get("/").get_data(as_text=True)), re.S).group(
        0
    )
    assert re.search(r'<span class="nav-count">Anfragen \(1\)</span>', summary)


def test_nothing_to_answer_leaves_the_menu_toggle_plain(client, login_as):
    login_as(Role.HELPER)
    summary = re.search(r"<summary>.*?</summary>", _nav(client.get("/").get_data(as_text=True)), re.S).group(
        0
    )
    assert "nav-count" not in summary and "Menü" in summary


def test_visitors_get_the_menu_too(client):
    menu = _menu(_nav(client.get("/login").get_data(as_text=True)))
    assert 'href="/login" aria-current="page"' in menu and "Abmelden" not in menu


@pytest.mark.parametrize("path", ["/helpers", "/reports", "/verzeichnis/abdeckung", "request page"])
def test_every_table_scrolls_in_a_named_focusable_region(client, login_as, create_helper, path):
    coordinator = login_as(Role.COORDINATOR)
    create_helper()
    if path == "request page":
        request = make_request(created_by=coordinator)
        transition(request, RequestStatus.CANCELLED, actor=coordinator)  # a line in its history
        db.session.commit()
        path = f"/requests/{request.id}"
    html = client.get(path).get_data(as_text=True)
    tables = html.count("<table")
    assert tables and len(TABLE_IN_REGION.findall(html)) == tables, path
