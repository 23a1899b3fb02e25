"""The rules the schema itself enforces, on SQLite and on PostgreSQL alike.

Python-side checks (forms, services, SQLAlchemy's enum validation) can be
bypassed by a bug or a hand-written query; these constraints cannot. Enum
violations therefore go in as raw SQL, past SQLAlchemy's own validation.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.helpers.models import Absence, AvailabilitySlot, HelperLanguage
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Language, Level, Town
from ki_match.requests.models import Assignment, HelpRequest, Offer, RequestKind, RequestStatus


def language_id(db, code: str) -> int:
    return db.session.scalar(select(Language.id).where(Language.code == code))


def town_id(db, name: str) -> int:
    return db.session.scalar(select(Town.id).where(Town.name == name))


def refused(db, *rows, constraint: str | None = None, sql: str | None = None, params=None) -> str:
    """Write ``rows`` (or run ``sql``) and expect the database to refuse; returns its message.

    Both SQLite and PostgreSQL name a violated CHECK constraint in the
    message, so naming it here makes sure the intended rule fired.
    """
    with pytest.raises(IntegrityError) as error:
        if sql is not None:
            db.session.execute(text(sql), params or {})
        else:
            db.session.add_all(rows)
        db.session.flush()
    db.session.rollback()
    message = str(error.value.orig)
    if constraint is not None:
        assert constraint in message, message
    return message


def accepted(db, *rows) -> None:
    db.session.add_all(rows)
    db.session.flush()
    db.session.rollback()


def draft_request(db, ki, **fields) -> HelpRequest:
    values = {
        "ki_id": ki.id,
        "kind": RequestKind.ONSITE,
        "status": RequestStatus.DRAFT,
        "language_id": language_id(db, "ar"),
        "min_level": Level.B1,
    }
    return HelpRequest(**(values | fields))


# --- check constraints -----------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 1, 8, 100])
def test_helper_language_level_out_of_range_is_refused(db, create_helper, level):
    helper = create_helper(languages=())
    row = HelperLanguage(helper_id=helper.id, language_id=language_id(db, "fa"), level=level)
    refused(db, row, constraint="ck_helper_language_level_range")


@pytest.mark.parametrize("level", [Level.A2, Level.NATIVE])
def test_helper_language_level_bounds_are_allowed(db, create_helper, level):
    helper = create_helper(languages=())
    accepted(db, HelperLanguage(helper_id=helper.id, language_id=language_id(db, "fa"), level=level))


@pytest.mark.parametrize(("starts", "ends"), [(time(10), time(10)), (time(10), time(9, 59))])
def test_availability_slot_must_end_after_it_starts(db, create_helper, starts, ends):
    helper = create_helper()
    slot = AvailabilitySlot(helper_id=helper.id, weekday=1, starts=starts, ends=ends)
    refused(db, slot, constraint="ck_availability_slot_ends_after_starts")
    accepted(db, AvailabilitySlot(helper_id=helper.id, weekday=1, starts=time(9), ends=time(10)))


def test_availability_slot_weekday_in_range(db, create_helper):
    helper = create_helper()
    slot = AvailabilitySlot(helper_id=helper.id, weekday=7, starts=time(9), ends=time(10))
    refused(db, slot, constraint="ck_availability_slot_weekday_range")


def test_absence_must_not_end_before_it_starts(db, create_helper):
    helper = create_helper()
    absence = Absence(helper_id=helper.id, first_day=date(2026, 12, 10), last_day=date(2026, 12, 9))
    refused(db, absence, constraint="ck_absence_last_after_first")


@pytest.mark.parametrize("needed", [0, 21])
def test_help_request_helpers_needed_in_range(db, ki, needed):
    refused(
        db, draft_request(db, ki, helpers_needed=needed), constraint="ck_help_request_helpers_needed_range"
    )


def test_help_request_min_level_in_range(db, ki):
    refused(db, draft_request(db, ki, min_level=1), constraint="ck_help_request_min_level_range")


def test_open_in_person_request_needs_schedule_and_town(db, ki):
    starts = utcnow() + timedelta(days=3)
    refused(
        db,
        draft_request(db, ki, status=RequestStatus.OPEN, town_id=town_id(db, "Brakel")),
        constraint="ck_help_request_schedule_by_kind",
    )
    refused(
        db,
        draft_request(db, ki, status=RequestStatus.OPEN, starts_at=starts, duration_minutes=60),
        constraint="ck_help_request_town_for_in_person",
    )
    refused(
        db,
        draft_request(db, ki, kind=RequestKind.WRITTEN, status=RequestStatus.OPEN),
        constraint="ck_help_request_schedule_by_kind",
    )
    accepted(
        db,
        draft_request(
            db,
            ki,
            status=RequestStatus.OPEN,
            starts_at=starts,
            duration_minutes=60,
            town_id=town_id(db, "Brakel"),
        ),
    )


def test_assignment_must_end_after_it_starts(db, ki, create_helper):
    helper = create_helper()
    request = draft_request(db, ki)
    db.session.add(request)
    db.session.flush()
    starts = utcnow()
    assignment = Assignment(
        request_id=request.id, helper_id=helper.id, seat=1, starts_at=starts, ends_at=starts
    )
    refused(db, assignment, constraint="ck_assignment_ends_after_starts")


def test_town_coordinates_in_range(db, ki):
    refused(db, Town(ki_id=ki.id, name="Atlantis", lat=91.0, lon=9.0), constraint="ck_town_lat_range")


# --- unique constraints ----------------------------------------------------------------------


def test_one_offer_per_helper_and_request(db, ki, create_helper):
    helper = create_helper()
    request = draft_request(db, ki)
    db.session.add(request)
    db.session.flush()
    db.session.add(Offer(request_id=request.id, helper_id=helper.id))
    db.session.flush()
    message = refused(db, Offer(request_id=request.id, helper_id=helper.id))
    assert "offer" in message.lower()


def test_email_addresses_are_unique(db, create_user):
    user = create_user(Role.COORDINATOR)
    twin = User(
        ki_id=user.ki_id, email=user.email, display_name="Zwilling", role=Role.COORDINATOR, password_hash="x"
    )
    refused(db, twin)


# --- role and organisation -------------------------------------------------------------------


def test_initiative_account_needs_an_organisation(db, ki):
    lonely = User(ki_id=ki.id, email="i@example.org", display_name="I", role=Role.INITIATIVE)
    refused(db, lonely, constraint="ck_user_account_organisation_iff_initiative")


def test_only_initiative_accounts_belong_to_an_organisation(db, ki):
    organisation = Organisation(ki_id=ki.id, name="Asylkreis Brakel")
    db.session.add(organisation)
    db.session.commit()
    coordinator = User(
        ki_id=ki.id,
        email="k@example.org",
        display_name="K",
        role=Role.COORDINATOR,
        organisation_id=organisation.id,
    )
    refused(db, coordinator, constraint="ck_user_account_organisation_iff_initiative")
    initiative = User(
        ki_id=ki.id,
        email="i@example.org",
        display_name="I",
        role=Role.INITIATIVE,
        organisation_id=organisation.id,
    )
    accepted(db, initiative)


# --- enums are checked by the database, not only by SQLAlchemy -------------------------------


def test_role_outside_the_enum_is_refused(db, ki):
    refused(
        db,
        sql="INSERT INTO user_account (ki_id, email, role, display_name, active, created_at) "
        "VALUES (:ki, 'root@example.org', 'superuser', 'Root', :yes, CURRENT_TIMESTAMP)",
        params={"ki": ki.id, "yes": True},
        constraint="ck_user_account_role",
    )


def test_request_status_outside_the_enum_is_refused(db, ki):
    refused(
        db,
        # A remote request with a time, so that only the status breaks a rule.
        sql="INSERT INTO help_request (ki_id, kind, status, language_id, min_level, starts_at, duration_minutes, "
        "qualified_required, helpers_needed, fill_mode, created_at, updated_at) VALUES (:ki, 'remote', 'lost', "
        ":lang, 3, CURRENT_TIMESTAMP, 60, :no, 1, 'confirm', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        params={"ki": ki.id, "lang": language_id(db, "ar"), "no": False},
        constraint="ck_help_request_request_status",
    )


def test_offer_status_outside_the_enum_is_refused(db, ki, create_helper):
    helper = create_helper()
    request = draft_request(db, ki)
    db.session.add(request)
    db.session.flush()
    refused(
        db,
        sql="INSERT INTO offer (request_id, helper_id, status, created_at) "
        "VALUES (:request, :helper, 'maybe', CURRENT_TIMESTAMP)",
        params={"request": request.id, "helper": helper.id},
        constraint="ck_offer_offer_status",
    )


def test_the_same_insert_with_an_allowed_value_passes(db, ki):
    # Guards the raw SQL above: only the enum value makes it fail.
    db.session.execute(
        text(
            "INSERT INTO user_account (ki_id, email, role, display_name, active, created_at) "
            "VALUES (:ki, 'root@example.org', 'admin', 'Root', :yes, CURRENT_TIMESTAMP)"
        ),
        {"ki": ki.id, "yes": True},
    )
    db.session.rollback()


# --- foreign keys ----------------------------------------------------------------------------


def test_sqlite_connections_have_foreign_keys_on(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgresql_sessions_plan_for_cached_reads(db):
    """Every pooled connection, also after a rollback, plans with random reads as cheap as on SSDs."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    from ki_match.db import RANDOM_PAGE_COST

    db.session.rollback()
    db.engine.dispose()
    assert float(db.session.execute(text("SHOW random_page_cost")).scalar()) == RANDOM_PAGE_COST
    db.session.rollback()
    assert float(db.session.execute(text("SHOW random_page_cost")).scalar()) == RANDOM_PAGE_COST


def test_foreign_keys_are_enforced(db, create_helper):
    helper = create_helper()
    refused(db, HelperLanguage(helper_id=helper.id + 1000, language_id=language_id(db, "fa"), level=Level.B2))
    refused(
        db,
        sql="INSERT INTO town (ki_id, name, lat, lon) VALUES (999999, 'Nirgendwo', 51.7, 9.2)",
    )


def test_deleting_a_referenced_row_is_refused(db, create_helper):
    create_helper(languages=(("fa", Level.B2),))
    refused(db, sql="DELETE FROM language WHERE code = 'fa'")


def test_deleting_a_helper_profile_cascades_in_the_database(db, create_helper):
    helper_id = create_helper().id
    db.session.add(AvailabilitySlot(helper_id=helper_id, weekday=0, starts=time(9), ends=time(12)))
    db.session.commit()
    # Raw SQL, so the ORM's own cascade plays no part.
    db.session.execute(text("DELETE FROM helper_profile WHERE id = :id"), {"id": helper_id})
    db.session.commit()
    for model in (HelperLanguage, AvailabilitySlot):
        left = db.session.scalar(select(func.count()).select_from(model).where(model.helper_id == helper_id))
        assert left == 0, model.__tablename__
