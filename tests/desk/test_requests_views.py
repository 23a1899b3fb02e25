"""Coordinators' request pages: list, request page with candidates, create/edit/duplicate, live preview."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Level
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.lists import PAGE_SIZE
from ki_match.requests.models import (
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)
from tests import factories
from tests.factories import berlin, language, next_tuesday, town
from tests.support import htmx_headers

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(coordinator, auth):
    """Logged in with the test client: the tests here work at the coordinator's desk."""
    assert auth.login(coordinator.email).status_code == 303
    return coordinator


@pytest.fixture
def make_request(ki):
    """Next Tuesday 10:00, Arabic at B2 (tests/factories.py makes it); columns given by name win."""

    def factory(**fields):
        defaults = {
            "ki": ki,
            "min_level": Level.B2,
            "starts_at": berlin(next_tuesday(), time(10)),
            "place": "Jobcenter, Am Markt 3",
        }
        return factories.make_request(**{**defaults, **fields})

    return factory


def form_data(**overrides) -> dict:
    data = {
        "kind": "accompaniment",
        "language_id": str(language("ar").id),
        "min_level": "4",
        "topic_id": "0",
        "day": next_tuesday().isoformat(),
        "start": "10:00",
        "duration_minutes": "90",
        "due_on": "",
        "town_id": str(town("Brakel").id),
        "place": "Jobcenter, Am Markt 3",
        "client_ref": "Familie A-17",
        "organisation_id": "0",
        "gender_pref": "",
        "helpers_needed": "1",
        "fill_mode": "confirm",
        "notes": "",
        "intent": "open",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def row_counts() -> dict[str, int]:
    db.session.commit()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def newest_request() -> HelpRequest:
    return db.session.scalar(select(HelpRequest).order_by(HelpRequest.id.desc()).limit(1))


def audit_actions(subject_id: int | None = None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id, AuditEvent.subject_type == "help_request")
    return list(db.session.scalars(query))


@pytest.fixture
def other_ki_request():
    other = ensure_reference_data(
        {"slug": "other", "name": "Anderes KI", "towns": [("Paderborn", 51.72, 8.75)]}
    )
    db.session.flush()
    request = HelpRequest(
        ki_id=other.id,
        kind=RequestKind.REMOTE,
        status=RequestStatus.OPEN,
        language_id=language("ar").id,
        starts_at=berlin(next_tuesday(), time(10)),
        duration_minutes=60,
        client_ref="X-1",
    )
    db.session.add(request)
    db.session.commit()
    return request


# --- creating --------------------------------------------------------------------------------


def test_new_form_renders_every_field(client, coordinator):
    response = client.get("/requests/new")
    assert response.status_code == 200
    html = body(response)
    assert html.count("<h1") == 1
    for name in ("kind", "language_id", "alt_language_ids", "min_level", "day", "start", "duration_minutes",
                 "due_on", "town_id", "place", "client_ref", "gender_pref", "qualified_required",
                 "helpers_needed", "fill_mode", "notes"):  # fmt: skip
        assert f'name="{name}"' in html, name
    assert "Keine Namen von Klientinnen und Klienten" in html
    assert "erst, wenn sie bestätigt sind" in html
    assert "checked" in re.search(r'<input[^>]*value="confirm"[^>]*>', html).group(0)


def test_create_open_request_records_status_change_and_audit(client, coordinator):
    response = client.post("/requests/new", data=form_data(alt_language_ids=[str(language("fa").id)]))
    assert response.status_code == 303
    created = newest_request()
    assert response.headers["Location"] == f"/requests/{created.id}#candidates-heading"
    assert created.status == RequestStatus.OPEN
    assert created.starts_at == berlin(next_tuesday(), time(10))
    assert created.duration_minutes == 90
    assert created.created_by_id == coordinator.id
    assert [lang.code for lang in created.alt_languages] == ["fa"]
    assert created.fill_mode == FillMode.COORDINATOR_CONFIRMS
    change = db.session.scalar(
        select(RequestStatusChange).where(RequestStatusChange.request_id == created.id)
    )
    assert (change.from_status, change.to_status, change.actor_id) == (
        None,
        RequestStatus.OPEN,
        coordinator.id,
    )
    assert "request.created" in audit_actions(created.id)


def test_save_as_draft_needs_only_the_language(client, coordinator):
    data = form_data(intent="draft", day="", start="", town_id="0", client_ref="")
    response = client.post("/requests/new", data=data)
    assert response.status_code == 303
    created = newest_request()
    assert created.status == RequestStatus.DRAFT
    assert created.starts_at is None and created.town_id is None
    change = db.session.scalar(
        select(RequestStatusChange).where(RequestStatusChange.request_id == created.id)
    )
    assert (change.from_status, change.to_status) == (None, RequestStatus.DRAFT)


def test_draft_without_language_is_refused(client, coordinator):
    response = client.post("/requests/new", data=form_data(intent="draft", language_id="0"))
    assert response.status_code == 422
    assert "Bitte wählen Sie die Sprache." in body(response)
    assert newest_request() is None


def test_opening_needs_the_fields_of_its_kind_and_keeps_what_was_typed(client, coordinator):
    response = client.post(
        "/requests/new",
        data=form_data(day="", town_id="0", client_ref="Akte 2024-113", notes="Bitte pünktlich sein"),
    )
    assert response.status_code == 422
    html = body(response)
    assert "Bitte geben Sie das Datum an." in html
    assert (
        "Bei Terminen vor Ort wird sie gebraucht" in html or "bei Terminen vor Ort wird sie gebraucht" in html
    )
    # nothing typed is lost
    assert 'value="Akte 2024-113"' in html
    assert "Bitte pünktlich sein" in html
    assert 'value="10:00"' in html
    assert re.search(r'id="day"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="day"', html)
    assert newest_request() is None


def test_remote_needs_no_town_written_needs_a_due_date(client, coordinator):
    response = client.post("/requests/new", data=form_data(kind="remote", town_id="0", place="Büro"))
    assert response.status_code == 303
    remote = newest_request()
    assert remote.kind == RequestKind.REMOTE and remote.place is None

    response = client.post("/requests/new", data=form_data(kind="written", town_id="0"))
    assert response.status_code == 422
    assert "bis wann die Übersetzung fertig sein soll" in body(response)

    due = (utcnow().astimezone(BERLIN).date() + timedelta(days=5)).isoformat()
    response = client.post("/requests/new", data=form_data(kind="written", town_id="0", due_on=due))
    assert response.status_code == 303
    written = newest_request()
    # the appointment fields were filled in but do not apply to a written translation
    assert (written.starts_at, written.duration_minutes, written.due_on.isoformat()) == (None, None, due)


def test_date_must_lie_in_the_future(client, coordinator):
    yesterday = (utcnow().astimezone(BERLIN).date() - timedelta(days=1)).isoformat()
    response = client.post("/requests/new", data=form_data(day=yesterday))
    assert response.status_code == 422
    assert "Das Datum liegt in der Vergangenheit" in body(response)

    response = client.post("/requests/new", data=form_data(kind="written", town_id="0", due_on=yesterday))
    assert response.status_code == 422
    assert "Das Datum liegt in der Vergangenheit" in body(response)


@pytest.mark.parametrize("minutes", ["10", "721", "0"])
def test_duration_must_be_sensible(client, coordinator, minutes):
    response = client.post("/requests/new", data=form_data(duration_minutes=minutes))
    assert response.status_code == 422
    assert "zwischen 15 Minuten und 12 Stunden" in body(response)


@pytest.mark.parametrize("helpers", ["0", "21"])
def test_helpers_needed_between_1_and_20(client, coordinator, helpers):
    response = client.post("/requests/new", data=form_data(helpers_needed=helpers))
    assert response.status_code == 422
    assert "von 1 bis 20" in body(response)


def test_client_reference_that_looks_like_a_full_name_is_refused(client, coordinator):
    response = client.post("/requests/new", data=form_data(client_ref="Amina Haddad"))
    assert response.status_code == 422
    html = body(response)
    assert "zwei oder mehr großgeschriebene Wörter ohne Ziffer" in html
    assert 'value="Amina Haddad"' in html
    assert newest_request() is None


def test_a_time_skipped_by_summer_time_gets_a_clear_error(client, coordinator, monkeypatch):
    monkeypatch.setattr("ki_match.requests.forms.local_today", lambda: date(2026, 3, 1))
    monkeypatch.setattr("ki_match.requests.forms.utcnow", lambda: datetime(2026, 3, 1, tzinfo=UTC))
    response = client.post("/requests/new", data=form_data(day="2026-03-29", start="02:30"))
    assert response.status_code == 422
    html = body(response)
    assert "Diese Uhrzeit gibt es am 29. März 2026 nicht" in html
    assert newest_request() is None


def test_an_ambiguous_october_time_means_its_first_occurrence(client, coordinator, monkeypatch):
    monkeypatch.setattr("ki_match.requests.forms.local_today", lambda: date(2026, 10, 1))
    monkeypatch.setattr("ki_match.requests.forms.utcnow", lambda: datetime(2026, 10, 1, tzinfo=UTC))
    response = client.post("/requests/new", data=form_data(kind="remote", day="2026-10-25", start="02:30"))
    assert response.status_code == 303
    # 02:30 summer time (+02:00), not the second 02:30 an hour later
    assert newest_request().starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_htmx_post_of_an_invalid_form_answers_422_with_the_page(client, coordinator):
    response = client.post(
        "/requests/new", data=form_data(client_ref="Herr Müller"), headers=htmx_headers("main")
    )
    assert response.status_code == 422
    assert 'value="Herr Müller"' in body(response)


def test_htmx_post_of_a_valid_form_redirects_with_hx_redirect(client, coordinator):
    response = client.post("/requests/new", data=form_data(), headers=htmx_headers("main"))
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/requests/{newest_request().id}#candidates-heading"


# --- inline validation ----------------------------------------------------------------------


def test_inline_validation_puts_messages_next_to_fields_out_of_band(client, coordinator):
    response = client.post(
        "/requests/validate",
        data=form_data(client_ref="Amina Haddad", day="", duration_minutes="5"),
        headers=htmx_headers("form-feedback"),
    )
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html and "<form" not in html  # only the feedback, never the inputs
    assert re.search(
        r'<p class="field-error" id="client_ref-error" hx-swap-oob="true">[^<]*großgeschriebene', html
    )
    assert re.search(r'id="duration_minutes-error" hx-swap-oob="true">[^<]*zwischen 15', html)
    # a field that is merely still empty is listed as missing, not marked wrong
    assert re.search(r'id="day-error" hx-swap-oob="true"></p>', html)
    assert "Zum Öffnen fehlt noch: Datum." in html


def test_inline_validation_names_what_each_kind_still_needs(client, coordinator):
    headers = htmx_headers("form-feedback")
    onsite = body(
        client.post("/requests/validate", data=form_data(kind="onsite", town_id="0"), headers=headers)
    )
    assert "Zum Öffnen fehlt noch: Stadt." in onsite
    remote = body(
        client.post("/requests/validate", data=form_data(kind="remote", town_id="0"), headers=headers)
    )
    assert "Alle nötigen Angaben sind da." in remote
    written = body(client.post("/requests/validate", data=form_data(kind="written"), headers=headers))
    assert "Zum Öffnen fehlt noch: Fertig bis." in written


def test_validate_without_htmx_renders_the_whole_form(client, coordinator):
    response = client.post("/requests/validate", data=form_data(client_ref="Amina Haddad"))
    assert response.status_code == 200
    assert "<html" in body(response) and 'value="Amina Haddad"' in body(response)


# --- the live preview -----------------------------------------------------------------------


def test_preview_ranks_the_form_as_typed_and_writes_nothing(client, coordinator, available_helper):
    available_helper(display_name="Amina K.")
    available_helper(display_name="Olena P.", languages=(("uk", Level.NATIVE), ("de", Level.C1)))
    before = row_counts()

    response = client.post("/requests/preview", data=form_data(), headers=htmx_headers("candidates-preview"))
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    assert "Amina K." in html and "Olena P." not in html
    assert "Muttersprache Arabisch" in html
    assert '<p id="preview-status" hx-swap-oob="innerHTML">1 passende Person' in html

    response = client.post(
        "/requests/preview",
        data=form_data(language_id=str(language("uk").id)),
        headers=htmx_headers("candidates-preview"),
    )
    html = body(response)
    assert "Olena P." in html and "Amina K." not in html
    assert row_counts() == before


def test_preview_without_a_language_asks_for_one(client, coordinator):
    response = client.post(
        "/requests/preview", data=form_data(language_id="0"), headers=htmx_headers("candidates-preview")
    )
    assert response.status_code == 200
    assert "Sobald eine Sprache gewählt ist" in body(response)


def test_preview_with_a_time_skipped_by_summer_time_still_ranks_without_a_time(
    client, coordinator, available_helper
):
    available_helper(display_name="Amina K.")
    response = client.post(
        "/requests/preview",
        data=form_data(day="2030-03-31", start="02:30"),
        headers=htmx_headers("candidates-preview"),
    )
    assert response.status_code == 200
    assert "Amina K." in body(response)


def test_preview_of_an_edit_keeps_the_requests_declines(client, coordinator, available_helper, make_request):
    amina = available_helper(display_name="Amina K.")
    request = make_request()
    db.session.add(Offer(request_id=request.id, helper_id=amina.id, status=OfferStatus.DECLINED))
    db.session.commit()
    before = row_counts()
    response = client.post(
        f"/requests/{request.id}/preview", data=form_data(), headers=htmx_headers("candidates-preview")
    )
    html = body(response)
    assert "hat diese Anfrage abgelehnt" in html
    assert row_counts() == before


def test_preview_without_htmx_renders_the_form_with_the_list(client, coordinator, available_helper):
    available_helper(display_name="Amina K.")
    response = client.post("/requests/preview", data=form_data(client_ref="K-9"))
    assert response.status_code == 200
    html = body(response)
    assert "<html" in html and 'value="K-9"' in html and "Amina K." in html


def test_new_form_with_errors_still_shows_the_candidates(client, coordinator, available_helper):
    available_helper(display_name="Amina K.")
    response = client.post("/requests/new", data=form_data(client_ref="Amina Haddad"))
    assert response.status_code == 422
    assert "Amina K." in body(response)


# --- editing and duplicating ------------------------------------------------------------------


def test_edit_form_shows_local_time_and_saving_records_the_changed_fields(client, coordinator, make_request):
    request = make_request(alt_languages=[language("fa")])
    html = body(client.get(f"/requests/{request.id}/edit"))
    assert 'value="10:00"' in html
    assert f'value="{next_tuesday().isoformat()}"' in html
    assert re.search(rf'id="alt-language-{language("fa").id}" value="{language("fa").id}" checked', html)
    assert "Änderungen speichern" in html
    # The form shows client reference and place: opening it is a view of them, and recorded.
    assert audit_actions(request.id)[-1] == "request.edit_viewed"

    response = client.post(
        f"/requests/{request.id}/edit", data=form_data(start="11:15", notes="Bitte Ausweis mitbringen")
    )
    assert response.status_code == 303
    db.session.refresh(request)
    assert request.starts_at == berlin(next_tuesday(), time(11, 15))
    assert request.notes == "Bitte Ausweis mitbringen"
    assert request.alt_languages == []
    assert request.status == RequestStatus.OPEN
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.updated"))
    assert event_.subject_id == request.id
    assert set(event_.detail["fields"]) == {"starts_at", "notes", "alt_language_ids"}
    assert "Ausweis" not in str(event_.detail)


def test_editing_a_draft_can_open_it(client, coordinator, make_request):
    request = make_request(status=RequestStatus.DRAFT)
    response = client.post(f"/requests/{request.id}/edit", data=form_data(intent="open"))
    assert response.status_code == 303
    db.session.refresh(request)
    assert request.status == RequestStatus.OPEN
    change = db.session.scalar(
        select(RequestStatusChange).where(RequestStatusChange.request_id == request.id)
    )
    assert (change.from_status, change.to_status, change.actor_id) == (
        RequestStatus.DRAFT,
        RequestStatus.OPEN,
        coordinator.id,
    )


def test_editing_an_open_request_keeps_offers_alone(client, coordinator, make_request, available_helper):
    amina = available_helper()
    request = make_request(status=RequestStatus.OFFERED)
    db.session.add(Offer(request_id=request.id, helper_id=amina.id))
    db.session.commit()
    response = client.post(f"/requests/{request.id}/edit", data=form_data(notes="neu"))
    assert response.status_code == 303
    offer = db.session.scalar(select(Offer).where(Offer.request_id == request.id))
    assert offer.status == OfferStatus.PENDING
    db.session.refresh(request)
    assert request.status == RequestStatus.OFFERED


def test_invalid_edit_answers_422_and_changes_nothing(client, coordinator, make_request):
    request = make_request()
    response = client.post(f"/requests/{request.id}/edit", data=form_data(client_ref="Anna-Lena Schmidt"))
    assert response.status_code == 422
    db.session.refresh(request)
    assert request.client_ref == "Familie A-17"


@pytest.mark.parametrize("status", [RequestStatus.FILLED, RequestStatus.COMPLETED, RequestStatus.CANCELLED])
def test_requests_past_editing_send_back_to_the_request_page(client, coordinator, make_request, status):
    request = make_request(status=status)
    for response in (client.get(f"/requests/{request.id}/edit"), client.post(f"/requests/{request.id}/edit", data=form_data(notes="x"))):  # fmt: skip
        assert response.status_code == 303
        assert response.headers["Location"] == f"/requests/{request.id}"
    db.session.refresh(request)
    assert request.notes is None


def test_duplicate_prefills_a_new_form_without_date_and_client_reference(client, coordinator, make_request):
    original = make_request(
        notes="Dolmetschen beim Elterngespräch", alt_languages=[language("fa")], client_ref="Fall-2024-55"
    )
    response = client.get(f"/requests/{original.id}/duplicate")
    assert response.status_code == 200
    html = body(response)
    assert 'action="/requests/new"' in html
    assert "Dolmetschen beim Elterngespräch" in html
    assert "Fall-2024-55" not in html
    assert f'value="{next_tuesday().isoformat()}"' not in html
    assert re.search(rf'value="{language("fa").id}" checked', html)
    assert 'value="90"' in html


# --- the request page -------------------------------------------------------------------------


def test_request_page_shows_details_history_and_candidates(
    client, coordinator, make_request, available_helper
):
    available_helper(display_name="Amina K.")
    available_helper(display_name="Basma R.", slots=[(3, time(9), time(13))])
    response = client.post(
        "/requests/new", data=form_data(place="Rathaus, Zimmer 4", client_ref="Fall 2024-7")
    )
    created = newest_request()
    response = client.get(f"/requests/{created.id}")
    assert response.status_code == 200
    html = body(response)
    assert html.count("<h1") == 1
    assert "Rathaus, Zimmer 4" in html and "Fall 2024-7" in html
    assert coordinator.display_name in html  # who opened it, in the history
    assert "Amina K." in html and "Muttersprache Arabisch" in html
    assert "Basma R." in html and "laut Wochenplan keine Zeit" in html
    assert "1 passende Person, 1 fast passend" in html
    assert audit_actions(created.id)[-1] == "request.viewed"


def test_a_draft_lists_its_candidates_without_a_form_to_ask_them(
    client, coordinator, make_request, available_helper
):
    """Only a request that is looking for helpers can send offers: no form posting for nothing."""
    available_helper(display_name="Amina K.")
    html = body(client.get(f"/requests/{make_request(status=RequestStatus.DRAFT).id}"))
    assert "Amina K." in html
    assert 'name="helper_ids"' not in html and 'id="offer-form"' not in html


def test_request_page_offers_checkboxes_for_candidates_and_near_misses(
    app, create_user, available_helper, make_request
):
    amina = available_helper(display_name="Amina K.")
    basma = available_helper(display_name="Basma R.", slots=[(3, time(9), time(13))])
    asked = available_helper(display_name="Chadi S.")
    request = make_request()
    db.session.add(Offer(request_id=request.id, helper_id=asked.id))
    db.session.commit()
    user = create_user(Role.COORDINATOR)
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": "richtig-gutes-passwort"}).status_code
        == 303
    )
    with app.test_request_context():
        action = url_for("requests.send_offers", request_id=request.id)
    html = body(client.get(f"/requests/{request.id}"))
    assert f'action="{action}"' in html
    assert f'name="helper_ids" value="{amina.id}"' in html
    assert f'name="helper_ids" value="{basma.id}"' in html  # near misses can be asked too
    assert f'name="helper_ids" value="{asked.id}"' not in html
    assert "schon angefragt, noch keine Antwort" in html


def test_empty_candidate_list_says_what_to_try(client, coordinator, make_request):
    request = make_request(gender_pref="female", qualified_required=True)
    html = body(client.get(f"/requests/{request.id}"))
    assert "Zurzeit passt niemand." in html
    assert "eine verwandte Sprache zusätzlich zulassen" in html
    assert "ein niedrigeres Mindestniveau wählen" in html
    assert "Telefon oder Video erlauben" in html
    assert "auf den Wunsch nach einer Frau oder einem Mann verzichten" in html
    assert "ohne Sprachlotsen-Qualifizierung zulassen" in html


def test_candidates_partial(client, coordinator, make_request, available_helper):
    available_helper(display_name="Amina K.")
    request = make_request()
    response = client.get(f"/requests/{request.id}/candidates", headers=htmx_headers("candidates"))
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html and "Amina K." in html
    assert '<p id="candidates-status" hx-swap-oob="innerHTML">' in html
    assert "<html" in body(client.get(f"/requests/{request.id}/candidates"))


def test_a_long_list_shows_the_best_with_a_link_to_all(client, coordinator, make_request, available_helper):
    for index in range(22):
        available_helper(display_name=f"Passt {index:02d}")
    for index in range(12):
        available_helper(display_name=f"Fast {index:02d}", slots=[(3, time(9), time(13))])
    request = make_request()

    html = body(client.get(f"/requests/{request.id}"))
    passend, fast = html.split('id="why-not-heading"')[0].split("Fast passend <span")
    assert passend.count('class="candidate"') == 20 and "(22)" in passend
    assert fast.count('class="candidate near-miss"') == 10 and "(12)" in fast
    all_url = f"/requests/{request.id}?alle=1#candidates-heading"
    assert f'<a href="{all_url}">Alle 22 passenden Personen zeigen</a>' in passend
    assert f'<a href="{all_url}">Alle 12 fast passenden Personen zeigen</a>' in fast

    everything = body(client.get(f"/requests/{request.id}?alle=1"))
    assert everything.count('class="candidate"') == 22
    assert everything.count('class="candidate near-miss"') == 12
    assert "zeigen</a>" not in everything.split('id="why-not-heading"')[0]
    # the list that reloads itself after offers went out stays complete
    assert f'hx-get="/requests/{request.id}/candidates?alle=1" hx-trigger="offers-changed' in everything
    partial = body(
        client.get(f"/requests/{request.id}/candidates?alle=1", headers=htmx_headers("candidates"))
    )
    assert partial.count('class="candidate"') == 22


def test_why_not_lists_every_failed_rule(client, coordinator, make_request, available_helper):
    far = available_helper(
        display_name="Yusuf T.", languages=(("ar", Level.B1), ("de", Level.A2)), home="Warburg"
    )
    request = make_request()
    response = client.get(
        f"/requests/{request.id}/why-not?helper_id={far.id}", headers=htmx_headers("why-not-result")
    )
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    assert "scheitert an 3 Bedingungen – steht deshalb in keiner Liste" in html
    assert "Deutsch unter B1" in html and "fährt nicht nach Brakel" in html
    assert "Niveau unter dem geforderten" in html
    # The check concerns the helper: she is the subject (her export finds it), the request in the detail.
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (event.action, event.subject_type, event.subject_id) == (
        "request.why_not",
        "helper_profile",
        far.id,
    )
    assert event.detail == {"request_id": request.id}


def test_why_not_by_name_and_for_a_candidate(client, coordinator, make_request, available_helper):
    available_helper(display_name="Amina Karimi")
    available_helper(display_name="Amir Haddad")
    request = make_request()
    headers = htmx_headers("why-not-result")
    one = body(client.get(f"/requests/{request.id}/why-not?name=KARIMI", headers=headers))
    assert "Amina Karimi" in one and "passt – steht in der Liste" in one
    several = body(client.get(f"/requests/{request.id}/why-not?name=ami", headers=headers))
    assert "2 Personen gefunden" in several
    assert "Amina Karimi" in several and "Amir Haddad" in several
    assert "hx-get=" in several
    none = body(client.get(f"/requests/{request.id}/why-not?name=Zoe", headers=headers))
    assert "Niemand mit „<bdi>Zoe</bdi>“ im Namen gefunden." in none
    full = client.get(f"/requests/{request.id}/why-not?name=karimi")
    assert "<html" in body(full) and "passt – steht in der Liste" in body(full)


def test_why_not_for_a_near_miss_names_its_one_rule(client, coordinator, make_request, available_helper):
    basma = available_helper(display_name="Basma R.", slots=[(3, time(9), time(13))])
    request = make_request()
    html = body(
        client.get(
            f"/requests/{request.id}/why-not?helper_id={basma.id}", headers=htmx_headers("why-not-result")
        )
    )
    assert "scheitert an einer Bedingung" in html and "laut Wochenplan keine Zeit" in html


def test_why_not_for_a_helper_of_another_ki_is_not_found(client, coordinator, make_request, other_ki_request):
    from ki_match.accounts.models import User
    from ki_match.helpers.models import HelperProfile

    user = User(ki_id=other_ki_request.ki_id, email="h@other.example", display_name="Fremd", role=Role.HELPER)
    db.session.add(user)
    db.session.flush()
    foreign = HelperProfile(ki_id=other_ki_request.ki_id, user_id=user.id)
    db.session.add(foreign)
    db.session.commit()
    request = make_request()
    response = client.get(f"/requests/{request.id}/why-not?helper_id={foreign.id}")
    assert response.status_code == 404
    html = body(
        client.get(f"/requests/{request.id}/why-not?name=Fremd", headers=htmx_headers("why-not-result"))
    )
    assert "Niemand mit „<bdi>Fremd</bdi>“" in html


# --- scoping and roles --------------------------------------------------------------------------

OBJECT_PAGES = [
    ("get", "/requests/{id}"),
    ("get", "/requests/{id}/candidates"),
    ("get", "/requests/{id}/why-not?name=a"),
    ("get", "/requests/{id}/edit"),
    ("post", "/requests/{id}/edit"),
    ("get", "/requests/{id}/duplicate"),
    ("post", "/requests/{id}/preview"),
]


@pytest.mark.parametrize(("method", "path"), OBJECT_PAGES)
def test_request_of_another_ki_is_not_found(client, coordinator, other_ki_request, method, path):
    before = row_counts()
    response = client.open(path.format(id=other_ki_request.id), method=method.upper(), data=form_data())
    assert response.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/requests"),
        ("get", "/requests/new"),
        ("post", "/requests/new"),
        ("post", "/requests/validate"),
        ("post", "/requests/preview"),
        *OBJECT_PAGES,
    ],  # fmt: skip
)
def test_helpers_and_initiatives_are_refused(client, login_as, make_request, role, method, path):
    request = make_request()
    login_as(role)
    before = row_counts()
    response = client.open(path.format(id=request.id), method=method.upper(), data=form_data())
    assert response.status_code == 403
    assert row_counts() == before


def test_admins_may_use_the_request_pages(client, login_as, make_request):
    request = make_request()
    login_as(Role.ADMIN)
    assert client.get("/requests").status_code == 200
    assert client.get(f"/requests/{request.id}").status_code == 200


# --- the list -----------------------------------------------------------------------------------


def test_list_tabs_filter_by_status_and_count(client, coordinator, make_request):
    make_request(client_ref="offen-1")
    make_request(client_ref="offen-2")
    make_request(status=RequestStatus.OFFERED, client_ref="angefragt-1")
    make_request(status=RequestStatus.FILLED, client_ref="besetzt-1")
    make_request(status=RequestStatus.DRAFT, client_ref="entwurf-1")
    make_request(
        status=RequestStatus.COMPLETED, client_ref="erledigt-1", starts_at=utcnow() - timedelta(days=3)
    )
    make_request(status=RequestStatus.CANCELLED, client_ref="abgesagt-1")
    make_request(
        status=RequestStatus.UNFILLED, client_ref="unbesetzt-1", starts_at=utcnow() - timedelta(days=2)
    )

    html = body(client.get("/requests"))
    assert "offen-1" in html and "offen-2" in html and "angefragt-1" not in html
    counts = dict(re.findall(r'id="tab-(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', html))
    assert counts == {
        "attention": "0",
        "soon": "0",
        "submitted": "0",
        "open": "2",
        "offered": "1",
        "filled": "1",
        "week": counts["week"],
        "draft": "1",
        "unfilled": "1",
        "completed": "1",
        "cancelled": "1",
        "all": "8",
    }
    for tab, ref in [("offered", "angefragt-1"), ("filled", "besetzt-1"), ("draft", "entwurf-1"),
                     ("completed", "erledigt-1"), ("cancelled", "abgesagt-1"), ("unfilled", "unbesetzt-1")]:  # fmt: skip
        html = body(client.get(f"/requests?tab={tab}"))
        assert ref in html and "offen-1" not in html, tab
    assert "8 Anfragen" in body(client.get("/requests?tab=all"))
    assert "list_viewed" in audit_actions()[-1]


def test_needs_attention_tab(client, coordinator, make_request, available_helper):
    helper = available_helper()
    soon = make_request(client_ref="bald", starts_at=utcnow() + timedelta(hours=20))
    make_request(
        client_ref="bald-aber-besetzt", status=RequestStatus.FILLED, starts_at=utcnow() + timedelta(hours=20)
    )
    make_request(client_ref="spaeter", starts_at=utcnow() + timedelta(days=5))
    stale = make_request(
        client_ref="alte-anfrage", status=RequestStatus.OFFERED, starts_at=utcnow() + timedelta(days=6)
    )
    fresh = make_request(
        client_ref="neue-anfrage", status=RequestStatus.OFFERED, starts_at=utcnow() + timedelta(days=6)
    )
    db.session.add(Offer(request_id=stale.id, helper_id=helper.id, created_at=utcnow() - timedelta(hours=30)))
    db.session.add(Offer(request_id=fresh.id, helper_id=helper.id, created_at=utcnow() - timedelta(hours=2)))
    make_request(client_ref="von-initiative", status=RequestStatus.SUBMITTED)
    make_request(
        client_ref="uebersetzung-morgen",
        kind=RequestKind.WRITTEN,
        starts_at=None,
        duration_minutes=None,
        town_id=None,
        due_on=utcnow().astimezone(BERLIN).date() + timedelta(days=1),
    )
    db.session.commit()

    html = body(client.get("/requests?tab=attention"))
    for ref in ("bald", "alte-anfrage", "von-initiative", "uebersetzung-morgen"):
        assert f">{ref}<" in html, ref
    for ref in ("bald-aber-besetzt", "spaeter", "neue-anfrage"):
        assert f">{ref}<" not in html, ref
    assert "4 Anfragen" in html
    assert "beginnt in weniger als 48 Stunden" in html
    assert "seit über 24 Stunden unbeantwortet" in html
    assert "von einer Initiative eingereicht" in html
    # soonest first
    assert html.index(">bald<") < html.index(">alte-anfrage<")
    assert soon.id


def test_week_tab_holds_what_happens_from_today_until_sunday(client, coordinator, make_request):
    today = utcnow().astimezone(BERLIN).date()
    sunday = today + timedelta(days=6 - today.weekday())
    make_request(client_ref="heute-spaet", starts_at=berlin(today, time(23, 30)))
    make_request(client_ref="sonntag", starts_at=berlin(sunday, time(12)))
    make_request(client_ref="montag", starts_at=berlin(sunday + timedelta(days=1), time(9)))
    make_request(client_ref="abgesagt", status=RequestStatus.CANCELLED, starts_at=berlin(sunday, time(12)))
    html = body(client.get("/requests?tab=week"))
    assert ">heute-spaet<" in html and ">sonntag<" in html
    assert ">montag<" not in html and ">abgesagt<" not in html


def test_active_tabs_list_soonest_first_and_past_tabs_latest_first(client, coordinator, make_request):
    make_request(client_ref="in-drei-tagen", starts_at=utcnow() + timedelta(days=3))
    make_request(
        client_ref="uebersetzung-in-zwei-tagen",
        kind=RequestKind.WRITTEN,
        starts_at=None,
        duration_minutes=None,
        due_on=utcnow().astimezone(BERLIN).date() + timedelta(days=2),
    )
    make_request(client_ref="morgen", starts_at=utcnow() + timedelta(days=1))
    html = body(client.get("/requests?tab=open"))
    assert html.index(">morgen<") < html.index(">uebersetzung-in-zwei-tagen<") < html.index(">in-drei-tagen<")

    for days, ref in [(10, "vor-zehn-tagen"), (2, "vor-zwei-tagen"), (5, "vor-fuenf-tagen")]:
        make_request(
            client_ref=ref, status=RequestStatus.COMPLETED, starts_at=utcnow() - timedelta(days=days)
        )
    html = body(client.get("/requests?tab=completed"))
    assert html.index(">vor-zwei-tagen<") < html.index(">vor-fuenf-tagen<") < html.index(">vor-zehn-tagen<")


def test_text_search_is_case_insensitive_also_for_umlauts(client, coordinator, make_request):
    make_request(client_ref="K-1", place="ÄRZTEHAUS Brakel")
    make_request(client_ref="K-2", notes="Termin beim Jobcenter")
    make_request(client_ref="Özlem-3")
    make_request(client_ref="50%-Fall")
    html = body(client.get("/requests?q=ärztehaus"))
    assert ">K-1<" in html and ">K-2<" not in html
    html = body(client.get("/requests?q=JOBCENTER"))
    assert ">K-2<" in html and ">K-1<" not in html
    html = body(client.get("/requests?q=özlem"))
    assert ">Özlem-3<" in html and "1 Anfrage" in html
    # LIKE wildcards are searched for literally
    html = body(client.get("/requests?q=%25"))
    assert ">50%-Fall<" in html and ">K-1<" not in html


def test_filters_language_with_alternatives_town_dates_and_requester(client, coordinator, make_request, ki):
    organisation = Organisation(ki_id=ki.id, name="Asylkreis Brakel")
    db.session.add(organisation)
    db.session.commit()
    tuesday = next_tuesday()
    make_request(client_ref="arabisch")
    make_request(
        client_ref="dari-oder-arabisch", language_id=language("prs").id, alt_languages=[language("ar")]
    )
    make_request(client_ref="ukrainisch", language_id=language("uk").id, town_id=town("Warburg").id)
    make_request(client_ref="spaeter", starts_at=berlin(tuesday + timedelta(days=14), time(10)))
    make_request(client_ref="vom-asylkreis", organisation_id=organisation.id)

    html = body(client.get(f"/requests?language={language('ar').id}"))
    assert ">arabisch<" in html and ">dari-oder-arabisch<" in html and ">ukrainisch<" not in html
    html = body(client.get(f"/requests?town={town('Warburg').id}"))
    assert ">ukrainisch<" in html and ">arabisch<" not in html
    html = body(client.get(f"/requests?from={(tuesday + timedelta(days=1)).isoformat()}"))
    assert ">spaeter<" in html and ">arabisch<" not in html
    html = body(client.get(f"/requests?to={tuesday.isoformat()}"))
    assert ">spaeter<" not in html and ">arabisch<" in html
    html = body(client.get(f"/requests?from={tuesday.isoformat()}&to={tuesday.isoformat()}"))
    assert ">arabisch<" in html and ">spaeter<" not in html
    html = body(client.get(f"/requests?requester={organisation.id}"))
    assert ">vom-asylkreis<" in html and ">arabisch<" not in html
    # tab counts follow the filters
    assert re.search(r'id="tab-open"[^>]*>[^<]*<span class="count">1</span>', html)


def test_list_never_shows_another_kis_requests(client, coordinator, make_request, other_ki_request):
    make_request(client_ref="unser-fall")
    html = body(client.get("/requests?tab=all"))
    assert ">unser-fall<" in html and ">X-1<" not in html
    assert "1 Anfrage" in html


def test_list_is_paged_by_25(client, coordinator, make_request):
    for number in range(PAGE_SIZE + 5):
        make_request(client_ref=f"fall-{number:02d}", starts_at=utcnow() + timedelta(days=1, hours=number))
    html = body(client.get("/requests"))
    assert "30 Anfragen, Seite 1 von 2" in html
    assert ">fall-00<" in html and ">fall-24<" in html and ">fall-25<" not in html
    assert 'href="/requests?tab=open&amp;page=2"' in html
    html = body(client.get("/requests?tab=open&page=2"))
    assert ">fall-25<" in html and ">fall-29<" in html and ">fall-24<" not in html
    assert "Vorherige Seite" in html and "Nächste Seite" not in html
    # a page past the end shows the last one
    assert ">fall-29<" in body(client.get("/requests?page=99"))


def test_list_partial_swaps_results_and_updates_count_and_tab(client, coordinator, make_request):
    make_request(client_ref="K-1")
    response = client.get("/requests?tab=all&q=k-1", headers=htmx_headers("request-results"))
    html = body(response)
    assert response.status_code == 200
    assert "<html" not in html and 'id="request-filters"' not in html
    assert '<p id="result-count" hx-swap-oob="innerHTML">1 Anfrage</p>' in html
    assert '<input type="hidden" id="filter-tab" name="tab" value="all" hx-swap-oob="true">' in html
    assert "data-focus-after-swap" not in html  # typing keeps the focus in the search box
    headers = {**htmx_headers("request-results"), "HX-Trigger": "tab-all"}
    assert "data-focus-after-swap" in body(client.get("/requests?tab=all", headers=headers))
    assert response.headers["Vary"].count("HX-Target") == 1


def test_list_page_has_filters_with_live_search(client, coordinator):
    html = body(client.get("/requests"))
    assert 'hx-trigger="search, keyup delay:300ms changed"' in html
    assert 'hx-push-url="true"' in html
    assert 'role="status"' in html


def test_list_makes_the_same_number_of_queries_for_many_rows(
    app, client, coordinator, make_request, available_helper
):
    helper = available_helper()

    def statements() -> int:
        count = 0

        def counter(*args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert client.get("/requests?tab=all").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    make_request(alt_languages=[language("fa")])
    few = statements()
    for number in range(10):
        request = make_request(alt_languages=[language("fa"), language("prs")], client_ref=f"n-{number}")
        db.session.add(Offer(request_id=request.id, helper_id=helper.id))
    db.session.commit()
    assert statements() == few


# --- dashboard and navigation -----------------------------------------------------------------


def test_dashboard_figures_link_to_their_lists_and_show_what_needs_attention(
    client, coordinator, make_request
):
    soon = make_request(starts_at=utcnow() + timedelta(hours=5))
    later = make_request(starts_at=utcnow() + timedelta(days=5))
    html = body(client.get("/"))
    assert 'href="/requests?tab=soon"' in html
    assert 'href="/requests?tab=offered"' in html
    assert 'href="/helpers/approvals"' in html
    assert 'href="/requests?tab=open"' in html  # the status table links to its tabs
    assert f'href="/requests/{soon.id}"' in html and f'href="/requests/{later.id}"' not in html
    assert "beginnt in weniger als 48 Stunden" in html


def test_dashboard_says_when_nothing_needs_attention(client, coordinator, make_request):
    make_request(starts_at=utcnow() + timedelta(days=5))
    assert "Nichts Dringendes" in body(client.get("/"))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_navigation_offers_requests_to_staff(client, login_as, role):
    login_as(role)
    nav = body(client.get("/")).split('aria-label="Hauptnavigation"')[1].split("</nav>")[0]
    assert 'href="/requests"' in nav and 'href="/requests/new"' in nav


def test_navigation_has_no_requests_pages_for_initiatives(client, login_as):
    login_as(Role.INITIATIVE)
    nav = body(client.get("/")).split('aria-label="Hauptnavigation"')[1].split("</nav>")[0]
    assert 'href="/requests"' not in nav
