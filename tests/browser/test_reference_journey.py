"""An admin sets up reference data: a town picked from the NRW list (the search swaps in place,
the pick fills the form), a language found by its English name; a helper of that KI then finds
the language in the profile's picker, a helper of another KI does not. axe after every swap."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.orgs.models import Ki
from ki_match.reference.models import Language, Town, ki_language
from tests.browser.conftest import follow, search_as_you_type, settle
from tests.factories import PASSWORD, make_helper, other_ki

pytestmark = pytest.mark.browser


def _helpers(app) -> tuple[str, str]:
    """A helper of the demo KI and one of another KI; their e-mail addresses."""
    with app.app_context():
        first = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        mine = make_helper(ki=first).user.email
        theirs = make_helper(ki=other_ki(), home=None).user.email
        db.session.commit()
        return mine, theirs


def _put_back(app) -> None:
    """The demo KI as it was: without the town and the language this test added."""
    with app.app_context():
        first = db.session.scalar(select(Ki).order_by(Ki.id).limit(1))
        db.session.execute(delete(Town).where(Town.ki_id == first.id, Town.name == "Lügde"))
        amharic = db.session.scalar(select(Language.id).where(Language.cldr == "am"))
        db.session.execute(
            delete(ki_language).where(ki_language.c.ki_id == first.id, ki_language.c.language_id == amharic)
        )
        db.session.commit()


def _log_in_as(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Abmelden").wait_for()


def test_admin_adds_a_town_and_a_language_that_only_their_helpers_see(new_page, live_server, log_in, axe):
    mine, theirs = _helpers(live_server.app)
    try:
        page = new_page()
        log_in(page, Role.ADMIN)
        follow(page.get_by_role("link", name="Orte, Sprachen, Themen"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Orte")
        axe.check(page)

        search_as_you_type(page, "Gemeinde suchen", "Lügde")
        pick = page.get_by_role("link", name="Lügde übernehmen")
        expect(pick).to_be_visible()
        axe.check(page)
        pick.click()
        settle(page)
        form = page.locator("#town-add")
        expect(form.get_by_label("Name")).to_have_value("Lügde")
        expect(form.get_by_label("Breitengrad")).to_have_value("51,9114")
        expect(page.locator("#town-add [data-focus-after-swap]")).to_be_focused()
        axe.check(page)
        form.get_by_role("button", name="Ort anlegen").click()
        expect(page.get_by_text("Lügde ist angelegt.")).to_be_visible()
        expect(page.get_by_role("cell", name="05766052")).to_be_visible()

        follow(page.get_by_role("link", name="Sprachen", exact=True))
        search_as_you_type(page, "Sprache suchen", "Amharic")
        add = page.get_by_role("button", name="Amharisch hinzufügen")
        expect(add).to_be_visible()
        axe.check(page)
        add.click()
        expect(page.get_by_text("Amharisch steht jetzt in Ihren Sprachlisten.")).to_be_visible()
        axe.check(page)

        helper = new_page()
        _log_in_as(helper, mine)
        helper.goto("/profile/languages")
        expect(
            helper.get_by_label("Sprache", exact=True).locator("option", has_text="Amharisch")
        ).to_have_count(1)

        stranger = new_page()
        _log_in_as(stranger, theirs)
        stranger.goto("/profile/languages")
        picker = stranger.get_by_label("Sprache", exact=True)
        # (Arabic and German are in her list already, so the picker leaves them out.)
        expect(picker.locator("option", has_text="Ukrainisch")).to_have_count(1)
        expect(picker.locator("option", has_text="Amharisch")).to_have_count(0)
    finally:
        _put_back(live_server.app)
