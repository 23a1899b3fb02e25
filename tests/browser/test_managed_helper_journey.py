"""A coordinator creates a helper the KI manages (no e-mail, consent on paper), keeps her profile,
offers her a request through the usual offer flow, finds the call to make under "Aufgaben" and
marks it done; after an appointment of a managed helper, enters her hours from the task asking for
them and approves them; downloads a managed helper's data and erases it at her request. Axe at
desktop width and on a 390 px phone."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import local_today
from ki_match.extensions import db
from tests.browser.conftest import (
    DEMO_LOGINS,
    check_both_widths,
    follow,
    gate_checks_recorded,
    main_navigation,
    open_menu,
    open_new_request,
)
from tests.factories import completed_for, first_ki, make_managed_helper, next_tuesday

pytestmark = pytest.mark.browser


def test_managed_helper_is_offered_a_request_and_the_call_becomes_a_task(new_page, live_server, axe, log_in):
    suffix = uuid.uuid4().hex[:4]
    name = f"Ahmad{suffix} Rahimi"
    page = new_page()
    log_in(page, Role.COORDINATOR)

    # From the helpers' list to the form for a managed profile.
    follow(main_navigation(page).get_by_role("link", name="Helfende", exact=True))
    follow(page.get_by_role("link", name="Verwaltetes Profil anlegen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verwaltetes Profil anlegen")
    check_both_widths(page, axe)

    # Nothing typed is lost on an error: no phone and no e-mail.
    page.get_by_label("Name").fill(name)
    page.get_by_label("Einwilligung liegt schriftlich vor").check()
    page.get_by_label("Einwilligung unterschrieben am").fill((local_today() - timedelta(days=2)).isoformat())
    page.problems.expect_console_error("status of 422")
    page.get_by_role("button", name="Profil anlegen").click()
    expect(page.locator("#phone-error")).to_have_text("Ohne E-Mail-Adresse braucht es eine Telefonnummer.")
    expect(page.get_by_label("Name")).to_have_value(name)
    check_both_widths(page, axe)

    page.get_by_label("Telefon").fill("05272 98765")
    page.get_by_role("button", name="Profil anlegen").click()
    expect(page).to_have_url(re.compile(r"/helpers/\d+/manage$"))
    expect(page.locator("#flash")).to_contain_text(f"{name} ist angelegt")
    expect(page.locator("#consent")).to_contain_text("Liegt schriftlich vor")

    # Her languages, town and week, with the helper's own forms.
    languages = page.locator("#languages")
    for language, level in (("Somali", "Muttersprache"), ("Deutsch", "B2")):
        languages.get_by_label("Sprache", exact=True).select_option(label=language)
        languages.get_by_label("Wie gut?").select_option(label=level)
        languages.get_by_role("button", name="Sprache hinzufügen").click()
        expect(page.locator("#flash")).to_contain_text("Sprache gespeichert.")
    expect(languages).to_contain_text("Somali")
    where = page.locator("#where")
    where.get_by_label("Wo wohnen Sie?").select_option(label="Brakel")
    where.get_by_role("button", name="Orte speichern").click()
    expect(page.locator("#flash")).to_contain_text("wo die Person hilft")
    when = page.locator("#when")
    when.get_by_label("Tag", exact=True).select_option(label="Dienstag")
    when.get_by_label("von", exact=True).fill("08:00")
    when.get_by_label("bis", exact=True).fill("18:00")
    when.get_by_role("button", name="Zeit und Grenze speichern").click()
    expect(page.locator("#when .rows")).to_contain_text("Dienstag")
    check_both_widths(page, axe)

    # A request she fits: she is a candidate like anyone, and the usual offer goes out.
    gate_checks_recorded(live_server.app, name)
    request_path = open_new_request(
        page,
        language="Somali",
        day=next_tuesday().isoformat(),
        town="Brakel",
        place="Jobcenter Brakel",
        client_ref=f"Fall S-17{suffix}",
    )
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text(name)
    candidates.get_by_label(name).check()
    candidates.get_by_role("button", name="Ausgewählte anfragen").click()
    expect(page.locator("#offers-status")).to_contain_text(f"Anfrage an {name} verschickt.")

    # No mail for her: a call on the coordinators' task list, counted in the navigation.
    page.reload()
    open_menu(page)
    tasks_link = main_navigation(page).get_by_role("link", name=re.compile(r"^Aufgaben \(\d+\)$"))
    follow(tasks_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Aufgaben")
    task = page.locator(".task", has_text=f"Ahmad{suffix} R. anrufen: Angebot für")
    expect(task).to_contain_text("(Jobcenter Brakel)")
    expect(task.get_by_role("link", name="05272 98765")).to_be_visible()
    expect(task.get_by_role("link", name=re.compile(r"Zur Anfrage"))).to_have_attribute("href", request_path)
    check_both_widths(page, axe)

    task.get_by_role("button", name=re.compile("^Erledigt")).click()
    expect(page.locator("#flash")).to_contain_text(f"Erledigt: Ahmad{suffix} R. anrufen")
    expect(page.locator(".task", has_text=f"Ahmad{suffix} R.")).to_have_count(0)
    done = page.get_by_role("region", name="Zuletzt erledigt")
    expect(done).to_contain_text(f"Ahmad{suffix} R. anrufen: Angebot")
    expect(done).to_contain_text("erledigt am")
    check_both_widths(page, axe)


@pytest.fixture
def hours_asked(live_server):
    """A managed helper of the demo KI whose confirmed appointment was yesterday, the request
    completed by the demo coordinator: the task "ask for hours" is open. Her name and the request."""
    name = f"Samira{uuid.uuid4().hex[:4]} Haddad"
    with live_server.app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[Role.COORDINATOR]))
        helper = make_managed_helper(ki=first_ki(), display_name=name, phone="05272 44556")
        assignment = completed_for(helper, coordinator)
        return name, assignment.request_id, assignment.id


def _tasks_tile(page) -> int:
    return int(page.locator("a.card-link[href='/helpers/tasks'] .figure").inner_text())


def test_the_coordinator_enters_a_managed_helpers_hours_from_the_task_and_approves_them(
    new_page, live_server, axe, log_in, hours_asked
):
    name, request_id, assignment_id = hours_asked
    short = name.split()[0] + " H."
    page = new_page()
    log_in(page, Role.COORDINATOR)

    # The dashboard counts the open tasks and leads to them.
    page.goto("/")
    before = _tasks_tile(page)
    assert before >= 1
    page.locator("a.card-link[href='/helpers/tasks']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aufgaben")
    task = page.locator(".task", has_text=f"{short} anrufen: Stunden und Fahrtkilometer erfragen")
    expect(task).to_have_count(1)
    follow(task.get_by_role("link", name=re.compile("^Stunden eintragen")))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Stunden von {name} eintragen")
    check_both_widths(page, axe)

    # Bad input: the message next to the field, nothing typed lost.
    form = page.locator(f"#enter-hours-{assignment_id}")
    form.get_by_label("Stunden", exact=True).fill("1")
    form.get_by_label("Minuten").fill("40")
    form.get_by_label("Kurze Notiz (freiwillig)").fill("Termin lief gut")
    form.get_by_label(re.compile("^Gefahrene Kilometer")).fill("")  # prefilled: emptied by mistake
    page.problems.expect_console_error("status of 422")
    form.get_by_role("button", name="Stunden eintragen").click()
    expect(page.locator(f"#hours-{assignment_id}-travel_km-error")).to_contain_text(
        "Bitte geben Sie die Kilometer an"
    )
    form = page.locator(f"#enter-hours-{assignment_id}")
    expect(form.get_by_label("Minuten")).to_have_value("40")
    expect(form.get_by_label("Kurze Notiz (freiwillig)")).to_have_value("Termin lief gut")
    check_both_widths(page, axe)

    # Entered: back on the task list, the task is done.
    form.get_by_label("Gefahrene Kilometer (hin und zurück)").fill("18")
    form.get_by_role("button", name="Stunden eintragen").click()
    expect(page).to_have_url(re.compile(r"/helpers/tasks$"))
    expect(page.locator("#flash")).to_contain_text(f"Die Stunden von {name} sind eingetragen.")
    expect(page.locator(".task", has_text=f"{short} anrufen: Stunden")).to_have_count(0)
    done = page.get_by_role("region", name="Zuletzt erledigt")
    expect(done).to_contain_text(f"{short} anrufen: Stunden und Fahrtkilometer erfragen")
    check_both_widths(page, axe)

    # Approved on the request page, as any report; she is then called to hear it.
    page.goto(f"/requests/{request_id}")
    offers = page.locator("#offers")
    expect(offers).to_contain_text("Gemeldet: 100 Minuten, 18 km")
    offers.get_by_role("button", name="Stunden bestätigen").click()
    expect(page.locator("#offers-status")).to_have_text(f"Die Angaben von {name} sind bestätigt.")
    expect(offers.get_by_role("button", name="Stunden bestätigen")).to_have_count(0)
    expect(offers.get_by_role("link", name="Stunden ändern")).to_have_count(0)
    check_both_widths(page, axe)

    page.goto("/helpers/tasks")
    done = page.get_by_role("region", name="Zuletzt erledigt")
    expect(done).to_contain_text(f"{short} anrufen: Stunden und Fahrtkilometer erfragen")
    expect(page.locator(".task", has_text=f"{short} anrufen: Stunden bestätigt")).to_have_count(1)


def test_she_asks_the_ki_for_her_data_and_then_for_its_erasure(new_page, live_server, axe, log_in):
    """She has no login: her KI downloads what is stored about her, and erases it when she asks."""
    name = f"Leyla{uuid.uuid4().hex[:4]} Demir"
    with live_server.app.app_context():
        profile_id = make_managed_helper(ki=first_ki(), display_name=name, phone="05272 11223").id
    page = new_page()
    log_in(page, Role.COORDINATOR)
    page.goto(f"/helpers/{profile_id}/manage#data")
    data = page.locator("#data")
    expect(data.get_by_role("heading", level=2)).to_have_text("Daten der Person")
    check_both_widths(page, axe)

    with page.expect_download() as download:
        data.get_by_role("link", name="Alle gespeicherten Daten herunterladen (JSON)").click()
    assert name in Path(download.value.path()).read_text(encoding="utf-8")

    # Not without saying that she asked for it; then gone from the list.
    page.problems.expect_console_error("status of 422")
    data.get_by_role("button", name="Profil und Daten löschen").click()
    expect(page.locator("#data")).to_contain_text(
        "Bitte bestätigen Sie, dass die Person die Löschung verlangt hat."
    )
    check_both_widths(page, axe)
    page.locator("#data").get_by_label("Die Person hat verlangt, dass ihre Daten gelöscht werden").check()
    page.locator("#data").get_by_role("button", name="Profil und Daten löschen").click()
    expect(page).to_have_url(re.compile(r"/helpers$"))
    expect(page.locator("#flash")).to_contain_text(f"Die Daten von {name} sind gelöscht.")
    page.reload()
    expect(page.get_by_role("main")).not_to_contain_text(name)
