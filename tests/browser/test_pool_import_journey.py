"""An admin imports the KI's spreadsheet: the preview names the error next to its row, she fixes the
file and imports, the helpers are listed; the same file again shows every row "unverändert".
axe at a desktop's width and at a phone's (390×844)."""

from __future__ import annotations

import csv
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from ki_match.accounts.models import AccountToken, User
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile, helper_town
from ki_match.outbox.models import OutboxMessage
from tests.browser.conftest import follow, search_as_you_type

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _write(path, rows) -> str:
    """A CSV as German Excel saves it: BOM, semicolons, CRLF."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file, delimiter=";", lineterminator="\r\n").writerows(rows)
    return str(path)


def _put_back(app, emails: list[str]) -> None:
    with app.app_context():
        users = select(User.id).where(User.email.in_(emails))
        profiles = select(HelperProfile.id).where(HelperProfile.user_id.in_(users))
        db.session.execute(delete(HelperLanguage).where(HelperLanguage.helper_id.in_(profiles)))
        db.session.execute(delete(helper_town).where(helper_town.c.helper_id.in_(profiles)))
        db.session.execute(delete(HelperProfile).where(HelperProfile.user_id.in_(users)))
        db.session.execute(delete(AccountToken).where(AccountToken.user_id.in_(users)))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address.in_(emails)))
        db.session.execute(delete(User).where(User.email.in_(emails)))
        db.session.commit()


def _upload(page, path: str) -> None:
    page.get_by_label("Tabelle (CSV oder XLSX)").set_input_files(path)
    page.get_by_role("button", name="Vorschau anzeigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorschau des Imports")


def test_import_a_pool_fix_an_error_and_import_again_unchanged(new_page, live_server, log_in, axe, tmp_path):
    tag = uuid.uuid4().hex[:8]
    emails = [f"import-{tag}-{n}@example.org" for n in range(3)]
    header = ["Name", "E-Mail", "Telefon", "Sprachen", "Orte", "Wohnort"]
    rows = [
        [
            f"Importtest {tag} Amira",
            emails[0],
            "05271 1",
            "Arabisch (Muttersprache), Deutsch B2",
            "Brakel",
            "Höxter",
        ],
        [
            f"Importtest {tag} Dawid",
            emails[1],
            "",
            "Polnisch (Muttersprache), Deutsch C1",
            "Warburg",
            "Warburg",
        ],
        [f"Importtest {tag} Hamid", emails[2], "", "Arabish (Muttersprache)", "Brakel", ""],
    ]
    config = live_server.app.config
    kept_folder = config["IMPORT_DIR"]
    config["IMPORT_DIR"] = str(tmp_path / "imports")
    try:
        page = new_page()
        log_in(page, "admin@ki-hoexter.example")
        page.goto("/helpers")
        follow(page.get_by_role("link", name="Pool importieren"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Bestehenden Pool importieren")
        axe.check(page)

        _upload(page, _write(tmp_path / "pool.csv", [header, *rows]))
        error_row = page.locator("#row-4")
        expect(error_row).to_contain_text("Fehler")
        expect(error_row).to_contain_text(
            "Spalte „Sprachen“: Unbekannte Sprache „Arabish“. Meinten Sie „Arabisch“?"
        )
        expect(page.locator("#import-counts")).to_contain_text("neu2")
        axe.check(page)
        page.set_viewport_size(PHONE)
        axe.check(page)

        rows[2][3] = "Arabisch (Muttersprache)"
        fixed = _write(tmp_path / "pool-fixed.csv", [header, *rows])
        follow(page.get_by_role("link", name="Andere Datei hochladen"))
        axe.check(page)
        _upload(page, fixed)
        expect(page.locator(".import-error")).to_have_count(0)
        page.get_by_role("button", name="Importieren: 3 neu, 0 aktualisiert").click()
        expect(page.locator("#flash")).to_contain_text("Import abgeschlossen: 3 neu")
        page.set_viewport_size({"width": 1280, "height": 900})
        search_as_you_type(page, "Name", f"Importtest {tag}")
        expect(page.locator("#helper-results tbody tr")).to_have_count(3)
        expect(page.locator("#helper-results")).to_contain_text(f"Importtest {tag} Hamid")

        page.goto("/helpers/import")
        _upload(page, fixed)
        expect(page.locator(".status-badge", has_text="unverändert")).to_have_count(3)
        expect(page.get_by_text("Nichts zu importieren")).to_be_visible()
        expect(page.get_by_role("button", name="Importieren", exact=False)).to_have_count(0)
        axe.check(page)
        page.set_viewport_size(PHONE)
        axe.check(page)
    finally:
        config["IMPORT_DIR"] = kept_folder
        _put_back(live_server.app, emails)
