"""Importing a pool from a spreadsheet: reading CSV and XLSX, the per-row plan, the import, and its
idempotence (the same file twice changes nothing the second time)."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.helpers import import_uploads as uploads
from ki_match.helpers.import_file import MAX_BYTES, MAX_ROWS, ImportFileError, Table, read_table
from ki_match.helpers.import_rows import phone_key, split_level
from ki_match.helpers.imports import Mode, Outcome, plan, run
from ki_match.helpers.models import HelperProfile
from ki_match.reference.models import Level
from tests.factories import language, make_helper, make_user, other_ki, town
from tests.support import audit_events, outbox

HEADER = ["Name", "E-Mail", "Telefon", "Sprachen", "Orte", "Wohnort"]
GOOD = [
    [
        "Amira Beispiel",
        "Amira.Beispiel@example.org",
        "05271 123456",
        "Arabisch (Muttersprache), Englisch B2",
        "Höxter, Brakel",
        "Höxter",
    ],
    [
        "Dawid Muster",
        "dawid@example.org",
        "0151 2345678",
        "Polnisch (Muttersprache); Deutsch: B2",
        "Warburg",
        "",
    ],
    [
        "Hamid Probe",
        "hamid@example.org",
        "",
        "Dari Muttersprache, Persisch (Farsi) C2, Kurdisch (Kurmanji) B1",
        "",
        "Bad Driburg",
    ],
]


def german_excel_csv(rows, encoding="utf-8-sig") -> bytes:
    """As German Excel saves "CSV UTF-8": BOM, semicolons, CRLF, quotes where a cell needs them."""
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for cells in rows:
        workbook.active.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def outcomes(planned) -> dict[int, Outcome]:
    return {row.row.number: row.outcome for row in planned.rows}


def problems(planned, number: int) -> list[tuple[str, str]]:
    row = next(row for row in planned.rows if row.row.number == number)
    return [(problem.column, problem.message) for problem in row.row.problems]


@pytest.fixture
def admin(create_user):
    return create_user(Role.ADMIN)


# --- reading the file -------------------------------------------------------------------------


def test_german_excel_csv_with_bom_and_semicolons(ki):
    table = read_table(german_excel_csv([HEADER, *GOOD]))
    assert table.headers == tuple(HEADER)
    assert [number for number, _ in table.rows] == [2, 3, 4]
    assert table.rows[0][1][4] == "Höxter, Brakel"


def test_cp1252_csv_is_recognised(ki):
    table = read_table(german_excel_csv([HEADER, *GOOD], encoding="cp1252"))
    assert table.rows[0][1][4] == "Höxter, Brakel"
    assert table.headers[0] == "Name"  # no BOM left in the first header


def test_comma_separated_csv_with_quotes(ki):
    data = (
        'Name,E-Mail,Sprachen\r\n"Amira Beispiel",a@example.org,"Arabisch (Muttersprache), Englisch B2"\r\n'
    )
    table = read_table(data.encode())
    assert table.rows[0][1] == ("Amira Beispiel", "a@example.org", "Arabisch (Muttersprache), Englisch B2")


def test_xlsx_reads_like_the_csv(ki):
    rows = [HEADER, *GOOD, ["Olena Testfrau", "olena@example.org", 15112345678, "Ukrainisch C1", "", ""]]
    table = read_table(xlsx(rows))
    assert table.headers == tuple(HEADER)
    assert table.rows[0][1] == tuple(GOOD[0])
    assert table.rows[3][1][2] == "15112345678"  # a number cell without ".0"


def test_empty_rows_are_skipped_and_row_numbers_stay_the_spreadsheets(ki):
    table = read_table(german_excel_csv([HEADER, GOOD[0], ["", "", ""], GOOD[1]]))
    assert [number for number, _ in table.rows] == [2, 4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leer"),
        (b"Name;E-Mail\r\n", "keine Zeile mit Daten"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 not a zip at all", ".xlsx"),
        (b"\x00\x01\x02binary", "lässt sich nicht lesen"),
        (b"x" * (MAX_BYTES + 1), "2 MB"),
    ],
)
def test_unreadable_files_say_why(ki, data, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data)


def test_too_many_rows(ki):
    rows = [["Name"], *([f"Person {number}"] for number in range(MAX_ROWS + 1))]
    with pytest.raises(ImportFileError, match=str(MAX_ROWS)):
        read_table(german_excel_csv(rows))
    assert len(read_table(german_excel_csv(rows[:-1])).rows) == MAX_ROWS


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["E-Mail", "Sprachen"], "Name"),
        (["Name", "E-Mail", "email"], "zweimal"),
        (["Name", "Niveau 2"], "Niveau 2"),
    ],
)
def test_header_problems_stop_the_file(ki, header, message):
    table = read_table(german_excel_csv([header, ["x"] * len(header)]))
    with pytest.raises(ImportFileError, match=message):
        plan(ki, table, Mode.INVITE)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("Arabisch (Muttersprache)", ("Arabisch", "Muttersprache")),
        ("Englisch B2", ("Englisch", "B2")),
        ("Dari: C1", ("Dari", "C1")),
        ("Englisch - b1", ("Englisch", "b1")),
        ("Arabic native speaker", ("Arabic", "native speaker")),
        ("Kurdisch (Kurmanji)", ("Kurdisch (Kurmanji)", None)),
        ("Kurdisch (Kurmanji) C1", ("Kurdisch (Kurmanji)", "C1")),
        ("Englisch", ("Englisch", None)),
    ],
)
def test_a_language_and_its_level(item, expected):
    assert split_level(item) == expected


def test_phone_numbers_compare_by_digits():
    assert phone_key("05271 12 34-56") == phone_key("+49 5271 123456") == phone_key("0049 (5271) 123456")
    assert phone_key("0151 1") != phone_key("0151 2")


# --- the plan ---------------------------------------------------------------------------------


def test_a_good_file_plans_new_helpers_with_their_languages_and_towns(ki):
    planned = plan(ki, read_table(german_excel_csv([HEADER, *GOOD])), Mode.INVITE)
    assert outcomes(planned) == {2: Outcome.NEW, 3: Outcome.NEW, 4: Outcome.NEW}
    amira, dawid, hamid = (row.row for row in planned.rows)
    assert amira.email == "amira.beispiel@example.org"
    assert amira.languages == {language("ar").id: Level.NATIVE, language("en").id: Level.B2}
    assert [t.name for t in amira.towns] == ["Höxter", "Brakel"] and amira.home_town.name == "Höxter"
    assert dawid.languages == {language("pl").id: Level.NATIVE, language("de").id: Level.B2}
    assert hamid.languages == {
        language("prs").id: Level.NATIVE,
        language("fa").id: Level.C2,
        language("kmr").id: Level.B1,
    }
    assert hamid.phone is None and hamid.home_town.name == "Bad Driburg"
    assert planned.columns.ignored == []


def test_every_error_is_named_next_to_its_row_and_column(ki):
    other_ki()  # Paderborn is a town, but another KI's
    rows = [
        HEADER + ["Geburtstag"],
        ["Arabish Person", "a@example.org", "", "Arabish (Muttersprache)", "", "", "1.1.1990"],
        ["Bad Mail", "not-an-address", "", "Englisch B2", "", "", ""],
        ["Twice One", "twice@example.org", "", "Englisch B2", "", "", ""],
        ["Twice Two", "twice@example.org", "", "Englisch B1", "", "", ""],
        ["Far Away", "far@example.org", "", "Englisch B2", "Paderborn", "", ""],
        ["No Level", "level@example.org", "", "Englisch", "", "", ""],
        ["", "noname@example.org", "", "", "", "", ""],
        ["Hoxter Typo", "typo@example.org", "", "", "Brakle", "", ""],
    ]
    planned = plan(ki, read_table(german_excel_csv(rows)), Mode.INVITE)
    assert all(outcome == Outcome.ERROR for outcome in outcomes(planned).values())
    assert problems(planned, 2) == [("Sprachen", "Unbekannte Sprache „Arabish“. Meinten Sie „Arabisch“?")]
    assert problems(planned, 3) == [("E-Mail", "„not-an-address“ ist keine gültige E-Mail-Adresse.")]
    assert problems(planned, 4) == [("E-Mail", "Dieselbe E-Mail-Adresse steht auch in Zeile 5.")]
    assert problems(planned, 5) == [("E-Mail", "Dieselbe E-Mail-Adresse steht auch in Zeile 4.")]
    assert problems(planned, 6) == [("Orte", "„Paderborn“ ist kein Ort dieses KI.")]
    [(column, message)] = problems(planned, 7)
    assert column == "Sprachen" and "Bei Englisch fehlt die Stufe" in message
    assert problems(planned, 8) == [("Name", "Der Name fehlt.")]
    assert problems(planned, 9) == [("Orte", "„Brakle“ ist kein Ort dieses KI. Meinten Sie „Brakel“?")]
    assert planned.columns.ignored == ["Geburtstag"]


def test_an_invitation_needs_an_address_a_managed_profile_a_phone(ki):
    rows = [["Name", "E-Mail", "Telefon"], ["Ohne Adresse", "", "0151 1"], ["Ohne alles", "", ""]]
    table = read_table(german_excel_csv(rows))
    invite = plan(ki, table, Mode.INVITE)
    assert problems(invite, 2) == [("E-Mail", "Für eine Einladung fehlt die E-Mail-Adresse.")]
    managed = plan(ki, table, Mode.MANAGED)
    assert outcomes(managed) == {2: Outcome.NEW, 3: Outcome.ERROR}
    assert problems(managed, 3) == [("Telefon", "Ohne E-Mail-Adresse braucht das KI eine Telefonnummer.")]


def test_language_pairs_and_language_columns(ki):
    rows = [
        [
            "Vorname",
            "Nachname",
            "E-Mail",
            "Sprache 1",
            "Niveau 1",
            "Sprache 2",
            "Stufe 2",
            "Tigrinya",
            "Russisch",
        ],
        ["Selam", "Beispiel", "selam@example.org", "Tigrinya", "Muttersprache", "Deutsch B1", "", "", "A2"],
        ["Mehr", "Fach", "mehr@example.org", "Arabisch", "B2", "", "", "C1", "x"],
    ]
    planned = plan(ki, read_table(german_excel_csv(rows)), Mode.INVITE)
    selam = planned.rows[0].row
    assert selam.name == "Selam Beispiel"
    assert selam.languages == {
        language("ti").id: Level.NATIVE,
        language("de").id: Level.B1,
        language("ru").id: Level.A2,
    }
    assert problems(planned, 3) == [
        ("Russisch", "„x“ ist keine Stufe. Möglich sind A2, B1, B2, C1, C2 und Muttersprache.")
    ]


def test_an_address_of_a_coordinator_is_no_helper(ki, coordinator):
    rows = [["Name", "E-Mail"], ["Koordination", coordinator.email]]
    planned = plan(ki, read_table(german_excel_csv(rows)), Mode.INVITE)
    assert problems(planned, 2) == [
        ("E-Mail", "Zu dieser E-Mail-Adresse gibt es ein Konto, das keine helfende Person ist.")
    ]


# --- the import -------------------------------------------------------------------------------


def test_import_invites_and_the_same_file_again_changes_nothing(ki, admin):
    table = read_table(german_excel_csv([HEADER, *GOOD]))
    result = run(ki, plan(ki, table, Mode.INVITE), admin)
    assert (result.created, result.updated, result.unchanged, result.skipped) == (3, 0, 0, 0)
    amira = db.session.scalar(select(User).where(User.email == "amira.beispiel@example.org"))
    profile = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == amira.id))
    assert (
        amira.role == Role.HELPER and amira.display_name == "Amira Beispiel" and amira.password_hash is None
    )
    assert profile.phone == "05271 123456" and profile.home_town.name == "Höxter"
    assert {t.name for t in profile.towns} == {"Höxter", "Brakel"}
    assert {(e.language.code, e.level) for e in profile.languages} == {("ar", Level.NATIVE), ("en", Level.B2)}
    assert len(outbox("invitation")) == 3
    [audit] = audit_events("helper.pool_imported")
    assert audit.detail["created"] == 3 and audit.detail["mode"] == "invite"
    assert sorted(audit.detail["created_ids"]) == sorted(
        db.session.scalars(select(HelperProfile.id).where(HelperProfile.ki_id == ki.id))
    )
    assert "Amira" not in str(audit.detail) and "example.org" not in str(audit.detail)

    again = plan(ki, table, Mode.INVITE)
    assert set(outcomes(again).values()) == {Outcome.UNCHANGED}
    result = run(ki, again, admin)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert len(outbox("invitation")) == 3
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.HELPER)) == 3


def test_xlsx_and_csv_of_the_same_pool_are_the_same_import(ki, admin):
    run(ki, plan(ki, read_table(german_excel_csv([HEADER, *GOOD])), Mode.INVITE), admin)
    assert set(outcomes(plan(ki, read_table(xlsx([HEADER, *GOOD])), Mode.INVITE)).values()) == {
        Outcome.UNCHANGED
    }


def test_an_update_adds_and_changes_but_never_removes(ki, admin):
    helper = make_helper(
        email="amira.beispiel@example.org",
        display_name="Amira Beispiel",
        languages=(("ar", Level.C1), ("tr", Level.B2)),
        home="Brakel",
    )
    helper.towns = [town("Warburg")]
    db.session.commit()
    planned = plan(ki, read_table(german_excel_csv([HEADER, GOOD[0]])), Mode.INVITE)
    [row] = planned.rows
    assert row.outcome == Outcome.UPDATE and row.profile.id == helper.id
    assert {(change.what, change.old, change.new) for change in row.changes} == {
        ("phone", None, "05271 123456"),
        ("level", Level.C1, Level.NATIVE),
        ("level", None, Level.B2),
        ("towns", None, town("Höxter").id),
        ("towns", None, town("Brakel").id),
        ("home_town", town("Brakel").id, town("Höxter").id),
    }
    result = run(ki, planned, admin)
    assert (result.created, result.updated) == (0, 1)
    db.session.expire_all()
    levels = {entry.language.code: entry.level for entry in helper.languages}
    assert levels == {"ar": Level.NATIVE, "tr": Level.B2, "en": Level.B2}  # Turkish kept
    assert {t.name for t in helper.towns} == {"Warburg", "Höxter", "Brakel"}
    assert outbox("invitation") == []
    assert audit_events("helper.pool_imported")[0].detail["updated_ids"] == [helper.id]


def test_a_helper_is_found_by_name_and_phone_without_address(ki, admin):
    helper = make_helper(display_name="Hamid Probe", languages=(("prs", Level.NATIVE),), home=None)
    helper.phone = "0176 3456789"
    db.session.commit()
    rows = [["Name", "Telefon", "Sprachen"], ["Hamid Probe", "+49 176 3456789", "Dari (Muttersprache)"]]
    planned = plan(ki, read_table(german_excel_csv(rows)), Mode.MANAGED)
    assert planned.rows[0].outcome == Outcome.UNCHANGED and planned.rows[0].profile.id == helper.id
    rows[1][2] = "Dari (Muttersprache), Deutsch B1"
    planned = plan(ki, read_table(german_excel_csv(rows)), Mode.INVITE)
    assert planned.rows[0].outcome == Outcome.UPDATE  # an update needs no address, also when inviting


def test_another_kis_helper_is_never_matched(ki, admin):
    make_helper(ki=other_ki(), email="amira.beispiel@example.org", display_name="Amira Beispiel", home=None)
    planned = plan(ki, read_table(german_excel_csv([HEADER, GOOD[0]])), Mode.INVITE)
    assert planned.rows[0].outcome == Outcome.NEW and planned.rows[0].profile is None
    result = run(ki, planned, admin)
    # The owner is told by mail; the KI learns nothing and nothing is created.
    assert result.created == 0
    assert outbox("invitation_elsewhere", to="amira.beispiel@example.org")


def test_rows_with_errors_are_left_out(ki, admin):
    rows = [HEADER, GOOD[0], ["Bad Mail", "not-an-address", "", "Englisch B2", "", ""]]
    result = run(ki, plan(ki, read_table(german_excel_csv(rows)), Mode.INVITE), admin)
    assert (result.created, result.skipped) == (1, 1)
    assert db.session.scalar(select(func.count(User.id)).where(User.display_name == "Bad Mail")) == 0


def test_the_fingerprint_follows_the_pool(ki, admin):
    table = read_table(german_excel_csv([HEADER, GOOD[0]]))
    before = plan(ki, table, Mode.INVITE).fingerprint()
    assert plan(ki, table, Mode.INVITE).fingerprint() == before
    assert plan(ki, table, Mode.MANAGED).fingerprint() != before
    make_helper(email="amira.beispiel@example.org", display_name="Amira Beispiel")
    assert plan(ki, table, Mode.INVITE).fingerprint() != before


def test_the_plan_reads_the_pool_in_a_fixed_number_of_statements(ki, admin):
    """200 rows or 20: the KI's languages, towns and helpers are read once, not per row."""

    def statements(count: int) -> int:
        rows = [
            [
                f"Person {n}",
                f"person{n}@example.org",
                f"0151 {n}",
                "Arabisch C1, Deutsch B2",
                "Brakel",
                "Höxter",
            ]
            for n in range(count)
        ]
        table = read_table(german_excel_csv([HEADER, *rows]))
        seen = []
        listener = lambda *args: seen.append(args)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            planned = plan(ki, table, Mode.INVITE)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert planned.count(Outcome.NEW) == count
        return len(seen)

    for profile_number in range(5):
        make_helper(email=f"helper{profile_number}@example.org")
    statements(1)  # what is read once per process (CLDR names, the KI's settings) is read now
    assert statements(200) == statements(20)


def test_two_hundred_rows_import_and_stay_unchanged(ki, admin):
    rows = [
        [f"Person {n}", f"person{n}@example.org", f"0151 {n}", "Arabisch C1, Deutsch B2", "Brakel", "Höxter"]
        for n in range(200)
    ]
    table = read_table(german_excel_csv([HEADER, *rows]))
    assert run(ki, plan(ki, table, Mode.INVITE), admin).created == 200
    assert plan(ki, table, Mode.INVITE).count(Outcome.UNCHANGED) == 200


# --- the upload between preview and import ----------------------------------------------------


@pytest.fixture
def folder(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    return tmp_path / "imports"


def test_an_upload_is_only_its_uploaders(ki, folder):
    table = Table(("Name",), ((2, ("Amira",)),))
    token = uploads.store(table, filename="pool.csv", ki_id=ki.id, user_id=7)
    assert uploads.load(token, ki_id=ki.id, user_id=7).table == table
    assert uploads.load(token, ki_id=ki.id, user_id=8) is None
    assert uploads.load(token, ki_id=ki.id + 1, user_id=7) is None
    assert uploads.load("../../etc/passwd", ki_id=ki.id, user_id=7) is None
    [stored] = folder.iterdir()
    assert stored.stat().st_mode & 0o777 == 0o600
    assert token not in "pool.csv Amira" and "Amira" not in token


def test_an_upload_is_claimed_once_and_put_back_on_failure(ki, folder):
    token = uploads.store(Table(("Name",), ((2, ("A",)),)), filename="p.csv", ki_id=ki.id, user_id=7)
    with pytest.raises(RuntimeError), uploads.claim(token, ki_id=ki.id, user_id=7) as upload:
        assert upload is not None
        raise RuntimeError
    with uploads.claim(token, ki_id=ki.id, user_id=7) as upload:
        assert upload is not None
        with uploads.claim(token, ki_id=ki.id, user_id=7) as second:
            assert second is None
        assert uploads.taken_or_imported(token, ki_id=ki.id, user_id=7)
        assert not uploads.taken_or_imported(token, ki_id=ki.id, user_id=8)
    assert [path.suffix for path in folder.iterdir()] == [".done"]
    assert uploads.taken_or_imported(token, ki_id=ki.id, user_id=7)
    assert not uploads.taken_or_imported(token, ki_id=ki.id + 1, user_id=7)


def test_old_uploads_expire(ki, folder):
    token = uploads.store(Table(("Name",), ((2, ("A",)),)), filename="p.csv", ki_id=ki.id, user_id=7)
    [stored] = folder.iterdir()
    old = time.time() - uploads.TTL_SECONDS - 1
    os.utime(stored, (old, old))
    assert uploads.load(token, ki_id=ki.id, user_id=7) is None
    assert not stored.exists()  # swept


def test_an_address_of_another_kis_account_looks_new(ki):
    """Whether an address has an account in another KI is not for this KI to learn."""
    make_user(Role.COORDINATOR, ki=other_ki(), email="amira.beispiel@example.org")
    planned = plan(ki, read_table(german_excel_csv([HEADER, GOOD[0]])), Mode.INVITE)
    assert planned.rows[0].outcome == Outcome.NEW


# --- profiles the KI keeps ----------------------------------------------------------------------

MANAGED_ROWS = [
    ["Name", "E-Mail", "Telefon", "Sprachen", "Orte", "Notizen"],
    ["Hamid Probe", "", "0176 3456789", "Dari (Muttersprache), Deutsch B1", "Brakel", "ruft abends zurück"],
    ["Selam Beispiel", "selam@example.org", "", "Tigrinya (Muttersprache)", "", ""],
]


def test_managed_profiles_get_no_mail_and_keep_the_note(ki, coordinator):
    table = read_table(german_excel_csv(MANAGED_ROWS))
    result = run(ki, plan(ki, table, Mode.MANAGED), coordinator)
    assert (result.created, result.skipped) == (2, 0)
    hamid = db.session.scalar(
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(User.display_name == "Hamid Probe")
    )
    assert hamid.user.is_managed and hamid.user.email is None and hamid.phone == "0176 3456789"
    assert hamid.note == "ruft abends zurück" and [t.name for t in hamid.towns] == ["Brakel"]
    assert {(e.language.code, e.level) for e in hamid.languages} == {("prs", Level.NATIVE), ("de", Level.B1)}
    selam = db.session.scalar(select(User).where(User.email == "selam@example.org"))
    assert selam.is_managed
    assert outbox() == []
    assert audit_events("helper.pool_imported")[0].detail["mode"] == "managed"
    assert set(outcomes(plan(ki, table, Mode.MANAGED)).values()) == {Outcome.UNCHANGED}


def test_a_changed_note_is_an_update(ki, coordinator):
    run(ki, plan(ki, read_table(german_excel_csv(MANAGED_ROWS)), Mode.MANAGED), coordinator)
    rows = [list(cells) for cells in MANAGED_ROWS]
    rows[1][5] = "nur vormittags"
    [hamid, _selam] = plan(ki, read_table(german_excel_csv(rows)), Mode.MANAGED).rows
    assert hamid.outcome == Outcome.UPDATE
    assert [(c.what, c.old, c.new) for c in hamid.changes] == [
        ("note", "ruft abends zurück", "nur vormittags")
    ]


def test_a_managed_profile_cannot_take_an_address_an_account_has(ki, coordinator):
    make_user(Role.HELPER, ki=other_ki(), email="selam@example.org")
    planned = plan(ki, read_table(german_excel_csv(MANAGED_ROWS)), Mode.MANAGED)
    assert outcomes(planned) == {2: Outcome.NEW, 3: Outcome.ERROR}
    assert problems(planned, 3) == [("E-Mail", "Für diese E-Mail-Adresse gibt es bereits ein Konto.")]
    assert run(ki, planned, coordinator).created == 1
