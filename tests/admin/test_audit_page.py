"""/admin/audit: the KI's audit log for its admins, filtered, a page at a time, exported; reading
it is recorded too."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, select

from ki_match.accounts.models import Role
from ki_match.admin.audit_log import PAGE_SIZE
from ki_match.audit.models import AuditEvent
from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.orgs.models import Organisation
from ki_match.privacy.services import DELETED_NAME
from tests.factories import berlin, make_helper, make_user, offer_to, other_ki
from tests.support import htmx_headers


def _event(ki, action, *, actor=None, subject=None, at=None, **detail) -> AuditEvent:
    event = AuditEvent(
        ki_id=ki.id,
        action=action,
        actor_id=actor.id if actor else None,
        subject_type=subject.__tablename__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        at=at or utcnow(),
        ip="203.0.113.5",
        detail=detail or None,
    )
    db.session.add(event)
    db.session.commit()
    return event


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _rows(html: str) -> int:
    return html.count("<tr>") - 1  # the header row


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def test_the_events_show_newest_first_with_labels_names_and_links_but_no_addresses(
    client, admin, ki, coordinator
):
    helper = make_helper(display_name="Amal Haddad")
    _event(ki, "helper.viewed", actor=coordinator, subject=helper, at=utcnow() - timedelta(hours=2))
    _event(ki, "requests.client_data_purged", count=3, older_than_days=90, at=utcnow() - timedelta(hours=1))
    _event(ki, "something.new", actor=coordinator, reason="Frau Müller rief an")

    html = _html(client.get("/admin/audit"))

    assert (
        html.index("something.new")
        < html.index("Daten zu Klient*innen gelöscht")
        < html.index("Helfende*n angesehen")
    )
    assert f'href="/helpers/{helper.id}">Amal Haddad</a>' in html
    assert coordinator.display_name in html and "das System" in html
    assert "count</span> 3" in html and "older_than_days</span> 90" in html
    assert "Frau Müller" not in html and "203.0.113.5" not in html
    assert 'href="/admin/audit"' in html  # the admin menu


def test_a_deleted_person_is_shown_as_the_privacy_code_left_them_without_a_link(client, admin, ki):
    gone = make_helper(display_name=DELETED_NAME, deleted_at=utcnow())
    _event(ki, "account.deleted", actor=gone.user, subject=gone.user)

    html = _html(client.get("/admin/audit"))

    assert html.count(DELETED_NAME) == 2  # who, and about whom
    assert f'href="/helpers/{gone.id}"' not in html


def test_the_who_filter_matches_part_of_the_actors_name(client, admin, ki):
    anna = make_user(Role.COORDINATOR, display_name="Anna Schulte")
    bernd = make_user(Role.COORDINATOR, display_name="Bernd Vogt")
    _event(ki, "request.viewed", actor=anna)
    _event(ki, "request.viewed", actor=bernd)

    html = _html(client.get("/admin/audit", query_string={"who": "schul"}))

    assert "Anna Schulte" in html and "Bernd Vogt" not in html
    assert "1 Eintrag" in html


def test_the_helper_filter_finds_events_about_her_profile_account_and_offers(
    client, admin, ki, coordinator, tuesday_request
):
    her = make_helper(display_name="Dilan Kaya")
    other = make_helper(display_name="Olga Petrenko")
    offer = offer_to(tuesday_request(), her)
    _event(ki, "helper.viewed", actor=coordinator, subject=her)
    _event(ki, "password.changed", actor=her.user, subject=her.user)
    _event(ki, "offer.accepted", actor=her.user, subject=offer)
    _event(ki, "helper.viewed", actor=coordinator, subject=other)

    html = _html(client.get("/admin/audit", query_string={"helper": her.id}))

    assert "3 Einträge" in html and "Olga Petrenko" not in html
    assert "Nur über: <bdi>Dilan Kaya</bdi>" in html
    assert "Passwort geändert" in html and "Zusage" in html
    assert f'href="/requests/{offer.request_id}"' in html


def test_the_request_and_organisation_filters(client, admin, ki, coordinator, tuesday_request):
    request = tuesday_request()
    organisation = Organisation(ki_id=ki.id, name="Café International")
    db.session.add(organisation)
    db.session.commit()
    _event(ki, "request.viewed", actor=coordinator, subject=request)
    _event(ki, "organisation.created", actor=coordinator, subject=organisation)

    by_request = _html(client.get("/admin/audit", query_string={"request": request.id}))
    by_organisation = _html(client.get("/admin/audit", query_string={"organisation": organisation.id}))

    assert "1 Eintrag" in by_request and "Anfrage angesehen" in by_request
    assert "Organisation angelegt" not in by_request
    assert "1 Eintrag" in by_organisation and "Café International</a>" in by_organisation
    assert "Anfrage angesehen" not in by_organisation


def test_the_kind_filter_uses_the_groups(client, admin, ki):
    _event(ki, "login.success")
    _event(ki, "town.added")

    html = _html(client.get("/admin/audit", query_string={"group": "accounts"}))

    assert "Angemeldet" in html and "Ort hinzugefügt" not in html


def test_the_time_span_counts_whole_berlin_days(client, admin, ki):
    day = local_today() - timedelta(days=10)
    _event(ki, "login.success", at=berlin(day, time(0, 0)))  # the first minute of the day
    _event(ki, "town.added", at=berlin(day, time(23, 59)))
    _event(ki, "topic.added", at=berlin(day + timedelta(days=1), time(0, 0)))
    _event(ki, "logout", at=berlin(day - timedelta(days=1), time(23, 59)))

    html = _html(client.get("/admin/audit", query_string={"from": day.isoformat(), "to": day.isoformat()}))

    assert "2 Einträge" in html
    assert "Angemeldet" in html and "Ort hinzugefügt" in html
    assert "Thema hinzugefügt" not in html and "Abgemeldet" not in html


def test_a_span_that_ends_before_it_begins_is_explained_next_to_the_field(client, admin, ki):
    html = _html(client.get("/admin/audit", query_string={"from": "2026-05-10", "to": "2026-05-01"}))
    assert 'id="filter-to-error"' in html and 'value="2026-05-01"' in html


@pytest.mark.parametrize("args", [{"helper": "x"}, {"from": "gestern"}, {"group": "nix"}, {"page": "-1"}])
def test_unreadable_filters_answer_400_not_500(client, admin, args):
    assert client.get("/admin/audit", query_string=args).status_code == 400


def test_the_list_is_paginated_and_htmx_gets_the_results_block(client, admin, ki):
    db.session.execute(delete(AuditEvent))  # the admin's login
    for number in range(PAGE_SIZE + 3):
        _event(ki, "login.success", at=utcnow() - timedelta(minutes=number))

    first = _html(client.get("/admin/audit"))
    second = _html(
        client.get("/admin/audit", query_string={"page": 2}, headers=htmx_headers("audit-results"))
    )

    assert _rows(first) == PAGE_SIZE and "Seite 1 von 2" in first
    assert _rows(second) == 4 and "Seite 2 von 2" in second  # with the first page's own event
    assert "<h1>" not in second and "data-focus-after-swap" in second


def test_another_kis_events_are_never_shown(client, admin, ki):
    elsewhere = other_ki()
    stranger = make_helper(ki=elsewhere, display_name="Fremde Person")
    _event(elsewhere, "helper.viewed", subject=stranger)

    html = _html(client.get("/admin/audit"))

    assert "Fremde Person" not in html and "Helfende*n angesehen" not in html
    assert client.get("/admin/audit", query_string={"helper": stranger.id}).status_code == 404
    exported = client.get("/admin/audit/export.csv").get_data(as_text=True)
    assert "Fremde Person" not in exported


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.HELPER, Role.INITIATIVE])
def test_only_admins_read_the_audit_log(client, login_as, role):
    login_as(role)
    assert client.get("/admin/audit").status_code in (403, 404)
    assert client.get("/admin/audit/export.csv").status_code in (403, 404)


def test_reading_and_exporting_are_recorded_with_the_filters_but_no_name(client, admin, ki):
    helper = make_helper()
    client.get("/admin/audit", query_string={"who": "Anna", "helper": helper.id, "from": "2026-11-01"})
    workbook = client.get("/admin/audit/export.xlsx", query_string={"group": "seen"})
    assert workbook.status_code == 200 and workbook.data.startswith(b"PK")  # a zip: the XLSX

    viewed, exported = (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == action))
        for action in ("audit.viewed", "audit.exported")
    )
    assert viewed.actor_id == admin.id and viewed.ki_id == ki.id
    assert viewed.detail["helper"] == helper.id and viewed.detail["from"] == "2026-11-01"
    assert viewed.detail["who_given"] is True and "Anna" not in str(viewed.detail)
    assert exported.detail["group"] == "seen" and exported.detail["format"] == "xlsx"


def test_the_export_is_the_filtered_list_as_csv(client, admin, ki, coordinator):
    her = make_helper(display_name="=Dilan Kaya")
    _event(ki, "helper.viewed", actor=coordinator, subject=her)
    _event(ki, "town.added", actor=coordinator)

    response = client.get("/admin/audit/export.csv", query_string={"helper": her.id})

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Wann", "Wer", "Was"]
    assert len(rows) == 2 and rows[1][2] == "Helfende*n angesehen" and rows[1][4] == "'=Dilan Kaya"


def test_the_page_says_how_many_entries_are_kept_and_since_when(client, admin, ki):
    _event(ki, "login.success", at=berlin(date(2026, 9, 3), time(12)))
    html = _html(client.get("/admin/audit"))
    assert "der älteste vom 3. Sept. 2026" in html and "90 Tage" in html


def test_an_admin_finds_the_log_from_a_helpers_page_and_a_coordinator_does_not(client, login_as, ki):
    helper = make_helper()
    login_as(Role.ADMIN)
    assert f'href="/admin/audit?helper={helper.id}"' in _html(client.get(f"/helpers/{helper.id}"))
    client.post("/logout")
    login_as(Role.COORDINATOR)
    assert "/admin/audit" not in _html(client.get(f"/helpers/{helper.id}"))
