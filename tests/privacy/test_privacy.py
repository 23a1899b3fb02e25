"""The helper's own data: the export, and deleting the account without breaking statistics."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, select

from ki_match.accounts.models import AccountToken, Role, TokenPurpose, User, UserSession
from ki_match.accounts.services import issue_token
from ki_match.audit.models import AuditEvent
from ki_match.calendar.queries import feed_token_digest
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import Absence, AvailabilitySlot, Gender, HelperLanguage, HelperProfile
from ki_match.offers.answers import Answer, accept_offer, decline_offer, record_answer, retract_acceptance
from ki_match.offers.confirming import confirm_offer
from ki_match.outbox.models import OutboxMessage
from ki_match.privacy import queries, services
from ki_match.privacy.services import RETENTION, Keep, delete_helper_account
from ki_match.privacy.views import TABLE_LABELS
from ki_match.reference.models import Topic
from ki_match.requests import lifecycle
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
    RequestStatusChange,
)
from tests.factories import (
    PASSWORD,
    PLACE,
    booked,
    confirmed_through_rules,
    make_managed_helper,
    make_request,
    make_user,
    offer_to,
    other_ki,
    town,
)
from tests.support import outbox

NAME = "Zainab Quxley"
EMAIL = "zainab.quxley@example.org"
PHONE = "+49 5272 918273"


@pytest.fixture
def coordinator(create_user):
    return create_user(Role.COORDINATOR, display_name="Katrin Koordination", email="katrin@ki.example.org")


@pytest.fixture
def zainab(create_helper):
    """A helper with a full profile: every kind of personal data the app keeps."""
    profile = create_helper(display_name=NAME, email=EMAIL)
    profile.phone = PHONE
    profile.gender = Gender.FEMALE
    profile.directory_opt_in = True
    profile.consent_given_at = utcnow()
    profile.consent_version = "2026-01"
    profile.max_travel_km = 25
    profile.calendar_token_hash = feed_token_digest("secret-feed-token")
    profile.towns = [town("Brakel"), town("Höxter")]
    profile.topics = list(db.session.scalars(select(Topic).limit(2)))
    db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=1, starts=time(9), ends=time(13)))
    db.session.add(
        Absence(
            helper_id=profile.id,
            first_day=date(2026, 12, 20),
            last_day=date(2027, 1, 6),
            note=f"Urlaub bei Familie {NAME}",
        )
    )
    db.session.commit()
    return profile


def download(client) -> dict:
    response = client.get("/my-data/export.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


# --- the export -----------------------------------------------------------------------------


def test_export_contains_every_kind_of_data_about_the_helper(client, auth, zainab, ki, coordinator):
    past = make_request(
        ki=ki, created_by=coordinator, starts_at=utcnow() - timedelta(days=10), client_ref="Fall 4711"
    )
    booked(past, zainab, status=AssignmentStatus.COMPLETED, actual_minutes=75, travel_km=12)
    elsewhere = make_request(
        ki=ki, created_by=coordinator, place="Kreishaus Höxter, Raum 3", client_ref="Fall 0815"
    )
    offer_to(elsewhere, zainab)
    issue_token(zainab.user, TokenPurpose.RESET_PASSWORD)
    db.session.add(
        OutboxMessage(
            kind="reset_password",
            idempotency_key="k1",
            to_address=EMAIL,
            subject="Passwort zurücksetzen",
            body_text=f"Hallo {NAME}",
        )
    )
    db.session.commit()
    assert auth.login(EMAIL).status_code == 303

    response = client.get("/my-data/export.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    today = utcnow().astimezone(BERLIN).date().isoformat()
    assert re.search(
        rf'filename="?ki-match-meine-daten-{today}\.json"?$', response.headers["Content-Disposition"]
    )
    data = json.loads(response.get_data(as_text=True))
    tables = data["tables"]
    account = tables["user_account"][0]
    assert (account["display_name"], account["email"]) == (NAME, EMAIL)
    assert "password_hash" not in account
    profile = tables["helper_profile"][0]
    assert profile["phone"] == PHONE and profile["home_town"] == "Brakel"
    assert "calendar_token_hash" not in profile
    assert {row["language"] for row in tables["helper_language"]} == {"Arabisch (ar)", "Deutsch (de)"}
    assert {row["town"] for row in tables["helper_town"]} == {"Brakel", "Höxter"}
    assert len(tables["helper_topic"]) == 2
    assert tables["availability_slot"][0]["starts"] == "09:00:00"
    assert tables["absence"][0]["first_day"] == "2026-12-20"
    # The offer on the request they were confirmed for shows place and client; the open one does not.
    by_request = {row["request"]["id"]: row["request"] for row in tables["offer"]}
    assert by_request[past.id]["client_ref"] == "Fall 4711"
    assert "place" not in by_request[elsewhere.id] and "client_ref" not in by_request[elsewhere.id]
    assert by_request[elsewhere.id]["town"] == "Brakel"
    assert by_request[elsewhere.id]["kind"] == "accompaniment"
    (assignment,) = tables["assignment"]
    assert (assignment["actual_minutes"], assignment["travel_km"]) == (75, 12)
    assert assignment["request"]["place"] == PLACE
    session_row = tables["user_session"][0]
    assert session_row["ip"] == "127.0.0.1" and "token_hash" not in session_row
    assert session_row["created_at"].endswith("+00:00")  # ISO 8601, UTC
    assert [row["purpose"] for row in tables["account_token"]] == ["reset_password"]
    assert "token_hash" not in tables["account_token"][0]
    assert any(row["action"] == "login.success" and row["by"] == "self" for row in tables["audit_event"])
    assert [row["subject"] for row in tables["outbox_message"]] == ["Passwort zurücksetzen"]
    assert "body_text" not in tables["outbox_message"][0]
    # No secret, not even a digest, is anywhere in the file.
    body = response.get_data(as_text=True)
    for secret in (zainab.user.password_hash, zainab.calendar_token_hash):
        assert secret not in body
    for token in db.session.scalars(select(AccountToken.token_hash)):
        assert token not in body
    assert data["not_included"]["help_request"]
    # Downloading is itself recorded, without personal data.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.exported"))
    assert event.actor_id == zainab.user_id and event.detail is None


def test_export_says_nothing_about_other_people(client, auth, zainab, create_helper, ki, coordinator):
    bilal = create_helper(display_name="Bilal Nachbar", email="bilal@example.org")
    shared = make_request(ki=ki, created_by=coordinator, starts_at=utcnow() + timedelta(days=4))
    offer_to(shared, zainab)
    offer_to(shared, bilal)
    accept_offer(db.session.scalar(select(Offer.id).where(Offer.helper_id == bilal.id)), bilal.user)
    confirmed = make_request(ki=ki, created_by=coordinator, starts_at=utcnow() + timedelta(days=8))
    confirmed_through_rules(confirmed, zainab, coordinator)
    # The coordinator approved her and looked at her profile: events by someone else about her.
    zainab.approved_by_id = coordinator.id
    db.session.add(
        AuditEvent(
            action="helper.viewed",
            actor_id=coordinator.id,
            subject_type="helper_profile",
            subject_id=zainab.id,
            ip="10.9.8.7",
        )
    )
    db.session.commit()
    assert auth.login(EMAIL).status_code == 303

    body = client.get("/my-data/export.json").get_data(as_text=True)
    data = json.loads(body)

    assert NAME in body
    for someone_else in ("Bilal", "bilal@example.org", "Katrin", "katrin@ki.example.org", "10.9.8.7"):
        assert someone_else not in body
    # Coordinators appear as "staff", never by name, address or account id.
    for table in ("offer", "assignment", "helper_profile"):
        for row in data["tables"][table]:
            for key in ("sent_by_id", "confirmed_by_id", "approved_by_id"):
                assert key not in row
    viewed = next(row for row in data["tables"]["audit_event"] if row["action"] == "helper.viewed")
    assert viewed["by"] == "staff" and "actor_id" not in viewed and "ip" not in viewed
    assert {row["helper_id"] for row in data["tables"]["offer"]} == {zainab.id}


def test_every_table_that_refers_to_a_person_is_exported_or_excluded_with_a_reason(app, zainab):
    referring = queries.personal_tables(db.metadata)
    assert {"user_account", "helper_profile", "offer", "assignment", "audit_event"} <= referring
    exported = set(queries.personal_data(zainab.user)["tables"])
    missing = referring - exported - set(queries.NOT_EXPORTED)
    assert not missing, f"tables about a person neither exported nor in NOT_EXPORTED: {sorted(missing)}"
    assert set(queries.NOT_EXPORTED) <= referring, "NOT_EXPORTED names a table that refers to no one"
    assert all(len(str(reason)) > 20 for reason in queries.NOT_EXPORTED.values())


def test_the_walk_finds_a_table_added_later():
    copy = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(copy)
    Table(
        "helper_certificate",
        copy,
        Column("id", Integer, primary_key=True),
        Column("helper_id", ForeignKey("helper_profile.id")),
    )
    assert "helper_certificate" in queries.referencing_columns(copy)
    assert "helper_certificate" not in RETENTION  # so the retention test below would fail for it


def test_every_table_that_refers_to_a_person_has_a_deletion_rule():
    referring = queries.personal_tables(db.metadata)
    assert set(RETENTION) == referring, (
        f"no deletion rule for {sorted(referring - set(RETENTION))}; "
        f"rules for tables that refer to no one: {sorted(set(RETENTION) - referring)}"
    )


def test_my_data_page_lists_what_is_stored(client, auth, zainab):
    assert auth.login(EMAIL).status_code == 303
    page = client.get("/my-data").get_data(as_text=True)
    assert "Sprachen mit Niveau" in page and "Meine Daten herunterladen" in page
    assert 'href="/my-data/delete"' in page
    for name in queries.personal_data(zainab.user)["tables"]:
        assert f">{name}<" not in page, f"the page shows the table name {name!r}, not its words"


def test_every_part_of_the_export_has_words_on_the_page(app, zainab):
    """A helper reads what is stored in her language, never a table's name (a new table needs words)."""
    unnamed = set(queries.personal_data(zainab.user)["tables"]) - set(TABLE_LABELS)
    assert not unnamed, f"no words on the my-data page for {sorted(unnamed)} (privacy.views.TABLE_LABELS)"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_other_roles_cannot_use_my_data(client, login_as, role):
    login_as(role)
    for path in ("/my-data", "/my-data/export.json", "/my-data/delete"):
        assert client.get(path).status_code == 403
    assert client.post("/my-data/delete", data={"password": PASSWORD}).status_code == 403


def test_my_data_needs_a_login(client, ki):
    for path in ("/my-data", "/my-data/export.json", "/my-data/delete"):
        response = client.get(path)
        assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert client.get("/my-data/goodbye").status_code == 200


# --- deleting the account -------------------------------------------------------------------


def places_containing(needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a value, read as text, contains a needle."""
    found = []
    lowered = [needle.lower() for needle in needles]
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is None:
                    continue
                text = str(value).lower()
                for needle, low in zip(needles, lowered, strict=True):
                    if low in text:
                        found.append((table.name, column, needle))
    return found


def statistics(profile_id: int) -> tuple:
    return db.session.execute(
        select(
            func.count(Assignment.id), func.sum(Assignment.actual_minutes), func.sum(Assignment.travel_km)
        ).where(Assignment.helper_id == profile_id, Assignment.starts_at < utcnow())
    ).one()


def test_delete_account_erases_the_person_and_keeps_the_statistics(
    client, auth, zainab, create_helper, ki, coordinator
):
    now = utcnow()
    # History: two past assignments with hours and a note she typed.
    for days, minutes, km in ((30, 90, 14), (12, 60, 0)):
        past = make_request(ki=ki, created_by=coordinator, starts_at=now - timedelta(days=days))
        booked(
            past,
            zainab,
            status=AssignmentStatus.COMPLETED,
            actual_minutes=minutes,
            travel_km=km,
            report_note=f"{NAME} war pünktlich",
        )
    # The future: a confirmed assignment, a pending offer and an accepted one awaiting confirmation.
    future = make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=5))
    ahead = confirmed_through_rules(future, zainab, coordinator)
    pending_request = make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=6))
    pending = offer_to(pending_request, zainab)
    accepted_request = make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=7))
    accepted = offer_to(accepted_request, zainab)
    accept_offer(accepted.id, zainab.user)
    declined_request = make_request(ki=ki, created_by=coordinator, starts_at=now + timedelta(days=9))
    declined = offer_to(declined_request, zainab)
    decline_offer(declined.id, zainab.user, f"Ich, {NAME}, bin krank")
    # One mail to her went out already, one is still waiting.
    sent = outbox("assignment_confirmed", to=EMAIL)[0]
    sent.sent_at = now
    waiting = OutboxMessage(
        kind="reminder", idempotency_key="waiting", to_address=EMAIL, subject="Erinnerung", body_text="Hallo"
    )
    db.session.add(waiting)
    db.session.commit()
    bilal = create_helper(display_name="Bilal Nachbar", email="bilal@example.org")
    before = statistics(zainab.id)
    assert before == (2, 150, 14)
    needles = [NAME, EMAIL, PHONE]
    assert {needle for _, _, needle in places_containing(needles)} == set(needles)
    assert auth.login(EMAIL).status_code == 303
    user_id, profile_id = zainab.user_id, zainab.id
    waiting_id, sent_id = waiting.id, sent.id

    delete_helper_account(db.session.get(User, user_id))

    assert places_containing(needles) == []
    assert statistics(profile_id) == before
    user = db.session.get(User, user_id)
    assert user.display_name == "Gelöschte Person"
    assert user.email == f"deleted-{user_id}@deleted.invalid"
    assert (user.password_hash, user.locale, user.active) == (None, None, False)
    assert user.deleted_at is not None
    profile = db.session.get(HelperProfile, profile_id)
    assert (profile.phone, profile.gender, profile.home_town_id, profile.calendar_token_hash) == (None,) * 4
    assert (profile.directory_opt_in, profile.consent_given_at, profile.consent_version) == (
        False,
        None,
        None,
    )
    assert profile.towns == [] and profile.topics == [] and profile.languages == []
    assert profile.slots == [] and profile.absences == []
    # The future is freed through the offer rules: the request is open again and the coordinator knows.
    assert db.session.get(Assignment, ahead.id).status == AssignmentStatus.WITHDRAWN
    assert db.session.get(HelpRequest, future.id).status == RequestStatus.OPEN
    withdrawn_mail = outbox("assignment_withdrawn", to=coordinator.email)
    assert len(withdrawn_mail) == 1 and "Gelöschte Person" in withdrawn_mail[0].body_text
    assert db.session.get(Offer, pending.id).status == OfferStatus.DECLINED
    assert db.session.get(Offer, accepted.id).status == OfferStatus.DECLINED
    assert db.session.get(Offer, declined.id).decline_reason is None
    assert all(
        (a.withdraw_reason, a.report_note) == (None, None)
        for a in db.session.scalars(select(Assignment).where(Assignment.helper_id == profile_id))
    )
    # Sessions and e-mail tokens are gone; mail to her: unsent dropped, sent kept without address.
    assert (
        db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id))
        == 0
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(AccountToken).where(AccountToken.user_id == user_id)
        )
        == 0
    )
    assert db.session.get(OutboxMessage, waiting_id) is None
    kept = db.session.get(OutboxMessage, sent_id)
    assert kept.to_address == f"deleted-{user_id}@deleted.invalid" and kept.body_text == ""
    assert kept.body_purged_at is not None, "the delivery log says the body is gone, not that it was empty"
    # Someone else is untouched.
    assert db.session.get(User, bilal.user_id).display_name == "Bilal Nachbar"
    # The audit event says what happened, not who it was.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.deleted"))
    assert (event.actor_id, event.subject_id, event.ip) == (user_id, user_id, None)
    assert event.detail == {"declined_offers": 2, "withdrawn_assignments": 1}
    # And nobody can use the account any more.
    assert client.get("/my-data").status_code == 303
    assert auth.login(EMAIL).status_code == 422


def test_deleting_through_the_page_needs_the_password(client, auth, zainab):
    assert auth.login(EMAIL).status_code == 303
    page = client.get("/my-data/delete")
    assert page.status_code == 200
    assert "Konto endgültig löschen" in page.get_data(as_text=True)

    wrong = client.post("/my-data/delete", data={"password": "falsch-falsch-falsch"})
    assert wrong.status_code == 422
    assert "Das Passwort stimmt nicht." in wrong.get_data(as_text=True)
    empty = client.post("/my-data/delete", data={"password": ""})
    assert empty.status_code == 422
    assert db.session.get(User, zainab.user_id).deleted_at is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.delete_refused")
        )
        == 1
    )

    response = client.post("/my-data/delete", data={"password": PASSWORD})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/my-data/goodbye")
    goodbye = client.get(response.headers["Location"])
    assert goodbye.status_code == 200
    assert "Ihr Konto ist gelöscht" in goodbye.get_data(as_text=True)
    assert "Abmelden" not in goodbye.get_data(as_text=True)  # logged out
    assert db.session.get(User, zainab.user_id).deleted_at is not None
    assert auth.login(EMAIL).status_code == 422


def test_deleting_through_the_page_with_htmx_redirects(client, auth, zainab):
    assert auth.login(EMAIL).status_code == 303
    response = client.post("/my-data/delete", data={"password": PASSWORD}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/my-data/goodbye"


def test_delete_page_lists_the_assignments_that_will_be_cancelled(client, auth, zainab, ki, coordinator):
    booked(make_request(ki=ki, created_by=coordinator, starts_at=utcnow() + timedelta(days=3)), zainab)
    assert auth.login(EMAIL).status_code == 303
    page = client.get("/my-data/delete").get_data(as_text=True)
    assert "Ihr bestätigter Einsatz in der Zukunft wird abgesagt" in page


def test_only_helpers_are_deleted_this_way(app, coordinator):
    with pytest.raises(services.PrivacyError):
        delete_helper_account(coordinator)


def test_deleting_twice_changes_nothing(app, zainab):
    delete_helper_account(zainab.user)
    count = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.deleted")
    )
    delete_helper_account(db.session.get(User, zainab.user_id))
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.deleted")
        )
        == count
        == 1
    )


def test_erased_tables_are_empty_for_the_person_and_kept_ones_still_there(app, zainab, ki, coordinator):
    booked(
        make_request(ki=ki, created_by=coordinator, starts_at=utcnow() - timedelta(days=3)),
        zainab,
        status=AssignmentStatus.COMPLETED,
    )
    assert db.session.scalar(select(func.count()).select_from(HelperLanguage)) == 2
    delete_helper_account(zainab.user)
    for name, rule in RETENTION.items():
        if rule.keep == Keep.ERASE:
            table = db.metadata.tables[name]
            assert db.session.scalar(select(func.count()).select_from(table)) == 0, name
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_a_history_that_names_her_forgets_her_name(app, zainab, ki, coordinator):
    """A coordinator took her answer by phone: the request's history named her until she left."""
    request = make_request(ki=ki, created_by=coordinator)
    offer = offer_to(request, zainab)
    record_answer(offer.id, coordinator, Answer.DECLINE, "ruft morgen zurück")
    other = make_request(ki=ki, created_by=coordinator)
    lifecycle.remark(other, coordinator, f"{NAME} nicht angefragt")  # not a request she was asked for
    db.session.commit()

    delete_helper_account(zainab.user)

    def notes(of: HelpRequest) -> list[str]:
        return list(
            db.session.scalars(
                select(RequestStatusChange.note).where(RequestStatusChange.request_id == of.id)
            )
        )

    assert not any(NAME in (note or "") for note in notes(request))
    assert any(f"{services.DELETED_NAME} hat telefonisch abgesagt" in (note or "") for note in notes(request))
    assert f"{NAME} nicht angefragt" in notes(other)


# --- taking back an accepted offer ----------------------------------------------------------


def test_retract_acceptance_makes_the_offer_declined_and_tells_the_coordinator(app, zainab, ki, coordinator):
    request = make_request(ki=ki, created_by=coordinator)
    offer = offer_to(request, zainab)
    accept_offer(offer.id, zainab.user)

    retract_acceptance(offer.id, zainab.user)

    assert db.session.get(Offer, offer.id).status == OfferStatus.DECLINED
    assert outbox("offer_declined", to=coordinator.email)
    with pytest.raises(RequestError):
        confirm_offer(offer.id, coordinator)


def test_retract_acceptance_refuses_confirmed_or_foreign_offers(app, zainab, create_helper, ki, coordinator):
    request = make_request(ki=ki, created_by=coordinator)
    assignment = confirmed_through_rules(request, zainab, coordinator)
    with pytest.raises(RequestError):
        retract_acceptance(assignment.offer_id, zainab.user)
    other = offer_to(make_request(ki=ki, created_by=coordinator), zainab)
    accept_offer(other.id, zainab.user)
    with pytest.raises(RequestError):
        retract_acceptance(other.id, create_helper().user)
    pending = offer_to(make_request(ki=ki, created_by=coordinator), create_helper())
    with pytest.raises(RequestError):
        retract_acceptance(pending.id, pending.helper.user)


def test_account_page_links_calendar_and_my_data_for_helpers_only(client, auth, zainab, create_user):
    assert auth.login(EMAIL).status_code == 303
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/calendar"' in page and 'href="/my-data"' in page
    auth.logout()
    auth.as_role(Role.COORDINATOR)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/calendar"' not in page and 'href="/my-data"' not in page


def test_a_managed_helpers_note_and_tasks_are_exported_and_go_with_her_account(app, ki, coordinator):
    """The coordinators' note is part of her profile (GDPR access), and the calls about her are hers:
    both are in her export; deleting her account clears the note and deletes the tasks."""
    from ki_match.helpers.managed import set_note
    from ki_match.notifications.tasks import CoordinatorTask, queue_task
    from tests.factories import make_managed_helper

    profile = make_managed_helper(ki=ki)
    set_note(profile, "ruft lieber abends an", coordinator)
    request = make_request(created_by=coordinator)
    queue_task(profile, kind="offer", key="privacy", request_id=request.id)
    db.session.commit()

    tables = queries.personal_data(profile.user)["tables"]
    assert tables["helper_profile"][0]["note"] == "ruft lieber abends an"
    assert [(row["kind"], row["request_id"]) for row in tables["coordinator_task"]] == [("offer", request.id)]
    assert "done_by_id" not in tables["coordinator_task"][0]  # another person's account

    delete_helper_account(profile.user)

    assert db.session.get(HelperProfile, profile.id).note is None
    assert db.session.scalar(select(func.count(CoordinatorTask.id))) == 0


# --- a helper the KI manages: her KI erases her data when she asks ------------------------------


def test_the_ki_erases_only_a_profile_it_manages_and_only_its_own(app, ki, coordinator, zainab):
    with pytest.raises(services.PrivacyError):
        services.delete_managed_helper(zainab, coordinator)  # she keeps her own account
    ahmad = make_managed_helper(ki=ki)
    elsewhere = make_user(Role.COORDINATOR, ki=other_ki())
    with pytest.raises(services.PrivacyError):
        services.delete_managed_helper(ahmad, elsewhere)
    assert ahmad.user.deleted_at is None

    services.delete_managed_helper(ahmad, coordinator)

    assert db.session.get(User, ahmad.user_id).deleted_at is not None
    assert db.session.get(User, zainab.user_id).deleted_at is None
