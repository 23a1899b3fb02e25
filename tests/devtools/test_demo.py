"""The demo data set: its logins work, every state is shown, it obeys the rules, and it is reproducible.

The checks only read, so the demo is loaded once for the module (on the same
test database and app factory as the ``app`` fixture) and emptied afterwards.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ki_match import create_app
from ki_match.accounts.models import Role, User
from ki_match.clock import BERLIN, utcnow
from ki_match.devtools.commands import demo_command
from ki_match.devtools.demo import content
from ki_match.devtools.demo.data import DemoDataExists, load_demo
from ki_match.extensions import db
from ki_match.helpers.models import HelperKind, HelperProfile
from ki_match.helpers.services import missing_for_approval
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Level
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.lifecycle import TRANSITIONS
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
    RequestStatusChange,
)
from ki_match.training.models import Course, CourseAttendance, CourseSignup, SignupStatus
from tests.support import frozen_clock

HOLDING = (AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW)


LOADED_AT: list[datetime] = []


@pytest.fixture(scope="module")
def loaded(shared_app, reset_database):
    """The demo, loaded at the instant kept in ``LOADED_AT`` (so another load can be compared)."""
    with shared_app.app_context():
        LOADED_AT.append(utcnow().replace(microsecond=0))
        with frozen_clock(LOADED_AT[-1]):
            summary = load_demo()
        yield shared_app, summary
        db.session.remove()
    reset_database()


@pytest.fixture
def app(loaded):
    return loaded[0]


@pytest.fixture
def demo(loaded):
    db.session.rollback()  # see what the previous test's requests committed
    return loaded[1]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def all_of(model):
    return list(db.session.scalars(select(model).order_by(model.id)))


def sprachlotsin() -> HelperProfile:
    return db.session.scalar(
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(User.email == content.SPRACHLOTSIN_EMAIL)
    )


def test_summary_names_the_counts(demo):
    assert re.search(r"\b\d+ helpers \(\d+ approved", demo)
    assert re.search(r"\b\d+ requests \(cancelled \d+, completed \d+", demo)
    assert re.search(r"\b2 training courses \(\d+ sign-ups\)", demo)
    assert content.DEMO_PASSWORD in demo


@pytest.mark.parametrize("email", content.DEMO_LOGINS)
def test_demo_logins_work_and_their_start_page_renders(demo, app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": content.DEMO_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert client.get("/", follow_redirects=True).status_code == 200  # the operator's start is /operator


def test_demo_helpers_agreed_to_the_current_consent_text(demo):
    from ki_match.profile.services import CONSENT_VERSION

    versions = set(
        db.session.scalars(
            select(HelperProfile.consent_version).where(HelperProfile.consent_given_at.is_not(None))
        )
    )
    assert versions == {CONSENT_VERSION}  # else demo helpers are asked to agree again


def test_demo_roles(demo):
    roles = {
        email: db.session.scalar(select(User.role).where(User.email == email))
        for email in content.DEMO_LOGINS
    }
    assert roles == {
        content.ADMIN_EMAIL: Role.ADMIN,
        content.COORDINATOR_EMAIL: Role.COORDINATOR,
        content.INITIATIVE_EMAIL: Role.INITIATIVE,
        content.SPRACHLOTSIN_EMAIL: Role.HELPER,
        content.OPERATOR_EMAIL: Role.OPERATOR,
    }
    initiative = db.session.scalar(select(User).where(User.email == content.INITIATIVE_EMAIL))
    assert initiative.organisation.name == "Asylkreis Brakel"


def test_counts_in_expected_ranges(demo):
    assert 55 <= count(HelperProfile) <= 70
    assert count(User, User.role == Role.COORDINATOR) == 3
    assert count(User, User.role == Role.ADMIN) == 1
    assert count(Organisation) == 4
    for organisation in all_of(Organisation):
        assert count(User, User.organisation_id == organisation.id) >= 1
    assert 130 <= count(HelpRequest) <= 170
    assert count(Offer) >= 150
    assert count(Assignment) >= 70
    assert count(HelperProfile, HelperProfile.approved_at.is_not(None)) >= 45
    assert count(HelperProfile, HelperProfile.kind == HelperKind.SPRACHLOTSE) >= 8
    assert count(User, User.role == Role.HELPER, User.email_verified_at.is_(None)) in (1, 2)
    assert count(User, User.active.is_(False)) == 1


def test_every_status_occurs(demo):
    assert set(db.session.scalars(select(HelpRequest.status).distinct())) == set(RequestStatus)
    assert set(db.session.scalars(select(Offer.status).distinct())) == set(OfferStatus)
    assert set(db.session.scalars(select(Assignment.status).distinct())) == set(AssignmentStatus)


def test_the_matching_engine_agrees_with_every_assignment_and_waiting_offer(demo):
    """The demo asks the engine whom to offer a request and who takes it; read back from the
    database, the engine agrees. Each helper is judged as they were at the time (approved and
    active: the demo checks those against the request's date), and an assignment does not
    count against its own month's cap."""
    from ki_match.helpers.models import HelperProfile as Profile
    from ki_match.matching import queries
    from ki_match.matching.engine import Words, hard_rule_failures

    languages = queries.languages(ensure_reference_data().id)
    german, words = queries.german_id(languages), Words()
    checked = 0
    for request in all_of(HelpRequest):
        taken = {a.helper_id for a in request.assignments if a.status in HOLDING}
        waiting = {o.helper_id for o in request.offers if o.status == OfferStatus.PENDING}
        if not taken | waiting:
            continue
        facts = queries.request_facts(request)
        ids = select(Profile.id).where(Profile.id.in_(taken | waiting))
        for helper in queries.helper_facts(request.ki_id, facts, german, ids=ids):
            helper.active = helper.approved = True
            if helper.id in taken and facts.starts_at is not None:
                helper.assignments_in_month -= 1
            rules = {f.rule for f in hard_rule_failures(facts, helper, str, words)}
            if facts.starts_at is None:
                rules.discard("cap")  # the database counts a month by start times, which this lacks
            assert rules == set(), (request.id, request.kind, helper.name, rules)
            checked += 1
    assert checked >= 100


def test_no_helper_holds_overlapping_assignments(demo):
    by_helper = defaultdict(list)
    for assignment in all_of(Assignment):
        if assignment.status in HOLDING and assignment.starts_at is not None:
            by_helper[assignment.helper_id].append((assignment.starts_at, assignment.ends_at))
    assert by_helper
    for spans in by_helper.values():
        spans.sort()
        for (_, first_ends), (second_starts, _) in zip(spans, spans[1:], strict=False):
            assert first_ends <= second_starts


def test_assignments_follow_their_request(demo):
    offers = {offer.id: offer for offer in all_of(Offer)}
    requests = {request.id: request for request in all_of(HelpRequest)}
    for assignment in all_of(Assignment):
        request = requests[assignment.request_id]
        assert assignment.starts_at == request.starts_at
        offer = offers[assignment.offer_id]
        assert offer.helper_id == assignment.helper_id
        assert offer.status == OfferStatus.ACCEPTED
        if assignment.status == AssignmentStatus.COMPLETED:
            assert assignment.reported_at is not None
            assert assignment.actual_minutes and assignment.travel_km is not None
        if assignment.status in HOLDING:
            assert request.status in (RequestStatus.FILLED, RequestStatus.COMPLETED)
    for request in all_of(HelpRequest):
        holding = [a for a in request.assignments if a.status in HOLDING]
        if request.status in (RequestStatus.FILLED, RequestStatus.COMPLETED):
            assert len(holding) == request.helpers_needed
        else:
            assert not holding


def test_pending_offers_are_still_valid_and_only_on_offered_requests(demo):
    now = utcnow()
    for offer in all_of(Offer):
        if offer.status == OfferStatus.PENDING:
            assert offer.request.status == RequestStatus.OFFERED
            assert offer.expires_at > now
            assert offer.request.starts_at is None or offer.request.starts_at > now
        assert offer.created_at >= offer.request.created_at
        if offer.answered_at is not None:
            assert offer.answered_at >= offer.created_at


def test_status_history_is_a_chain_of_allowed_transitions(demo):
    changes = defaultdict(list)
    for change in db.session.scalars(select(RequestStatusChange).order_by(RequestStatusChange.id)):
        changes[change.request_id].append(change)
    for request in all_of(HelpRequest):
        chain = changes[request.id]
        assert chain[0].from_status is None
        assert chain[0].to_status in (RequestStatus.DRAFT, RequestStatus.OPEN, RequestStatus.SUBMITTED)
        assert chain[-1].to_status == request.status
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in TRANSITIONS[before.to_status]
            assert after.at >= before.at


def test_client_refs_are_pseudonyms_or_case_numbers(demo):
    pattern = re.compile(r"^(Familie [A-Z]-\d{2}|AZ \d{4}-\d{4}|KIM-\d{4}-\d{3})$")
    full_name = re.compile(r"^(?!Familie )[A-ZÄÖÜ][a-zäöüß]+ [A-ZÄÖÜ][a-zäöüß]+$")
    refs = set(db.session.scalars(select(HelpRequest.client_ref)))
    assert len(refs) > 30
    for ref in refs:
        assert pattern.match(ref), ref
        assert not full_name.match(ref), ref


def test_every_address_and_phone_number_is_reserved_for_examples(demo):
    for email in db.session.scalars(select(User.email)):
        assert email.split("@")[1].endswith(".example"), email
    for phone in db.session.scalars(select(HelperProfile.phone).where(HelperProfile.phone.is_not(None))):
        assert phone.startswith(content.PHONE_PREFIX), phone


def test_weekly_slots_are_realistic(demo):
    for profile in all_of(HelperProfile):
        if profile.user.email_verified_at is None:
            continue  # just registered: nothing filled in yet
        assert 2 <= len(profile.slots) <= 5
        for first, second in zip(profile.slots, profile.slots[1:], strict=False):
            assert first.ends > first.starts
            if first.weekday == second.weekday:
                assert first.ends <= second.starts


def test_sprachlotsin_has_a_full_profile_and_work(demo):
    profile = sprachlotsin()
    assert missing_for_approval(profile) == []
    assert profile.approved_at is not None and profile.user.email_verified_at is not None
    assert profile.kind == HelperKind.SPRACHLOTSE
    assert profile.qualification_completed_on and profile.confidentiality_signed_on
    assert profile.police_certificate_seen_on
    levels = {entry.language.code: entry.level for entry in profile.languages}
    assert levels["ar"] == Level.NATIVE and levels["de"] == Level.C1 and len(levels) >= 3
    assert profile.home_town.name == "Brakel"
    assert profile.towns and profile.max_travel_km and profile.topics and profile.consent_given_at

    now = utcnow()
    offers = [o for o in all_of(Offer) if o.helper_id == profile.id]
    assert 1 <= sum(o.status == OfferStatus.PENDING for o in offers) <= 3
    mine = [a for a in all_of(Assignment) if a.helper_id == profile.id]
    upcoming = [
        a for a in mine if a.status == AssignmentStatus.CONFIRMED and a.starts_at and a.starts_at > now
    ]
    assert len(upcoming) >= 2
    assert sum(a.status == AssignmentStatus.COMPLETED for a in mine) >= 5


def test_a_coming_course_is_full_with_a_waiting_list(demo):
    now = utcnow()
    coming = next(course for course in all_of(Course) if course.dates[0].starts_at > now)
    assert coming.capacity == 12 and coming.qualifies and 3 <= len(coming.modules) <= 4
    assert [d.module for d in coming.dates] == coming.modules  # a date per module, in order
    assert all(now < d.starts_at < now + timedelta(days=70) for d in coming.dates)
    assert all(d.starts_at.astimezone(BERLIN).weekday() == 5 for d in coming.dates)
    statuses = Counter(signup.status for signup in coming.signups)
    assert statuses == {SignupStatus.REGISTERED: 12, SignupStatus.WAITING: 2}
    waiting = [s for s in coming.signups if s.status == SignupStatus.WAITING]
    assert min(s.signed_up_at for s in waiting) > max(
        s.signed_up_at for s in coming.signups if s.status == SignupStatus.REGISTERED
    )
    assert all(s.helper.kind == HelperKind.VOLUNTEER and s.helper.approved_at for s in coming.signups)


def test_a_past_course_has_its_attendance_and_completed_qualifications(demo):
    now = utcnow()
    past = next(course for course in all_of(Course) if course.dates[-1].ends_at < now)
    attendees = {signup.helper_id for signup in past.signups}
    assert len(attendees) >= 4 and count(CourseAttendance) == len(attendees) * len(past.dates)
    last_day = past.dates[-1].starts_at.astimezone(BERLIN).date()
    for signup in past.signups:
        assert signup.helper.kind == HelperKind.SPRACHLOTSE
        assert signup.helper.qualification_completed_on == last_day
        assert signup.signed_up_at < past.dates[0].starts_at


def test_owned_rows_carry_the_ki(demo):
    ki = ensure_reference_data()
    for model in (User, HelperProfile, HelpRequest, Organisation, Course):
        assert count(model, model.ki_id != ki.id) == 0


def snapshot():
    helpers = db.session.execute(
        select(User.display_name, User.email).where(User.role == Role.HELPER).order_by(User.id)
    ).all()
    requests = db.session.execute(
        select(HelpRequest.client_ref, HelpRequest.kind, HelpRequest.status, HelpRequest.starts_at).order_by(
            HelpRequest.id
        )
    ).all()
    # Names, not ids: PostgreSQL's sequences run on across the tests of a session.
    courses = db.session.execute(
        select(Course.title, User.display_name, CourseSignup.status)
        .join(CourseSignup, CourseSignup.course_id == Course.id)
        .join(HelperProfile, HelperProfile.id == CourseSignup.helper_id)
        .join(User, User.id == HelperProfile.user_id)
        .order_by(Course.id, CourseSignup.id)
    ).all()
    return helpers, requests, courses


def test_loader_refuses_a_second_load(demo):
    before = snapshot()
    with pytest.raises(DemoDataExists):
        load_demo()
    assert snapshot() == before


def test_loader_is_deterministic(demo, tmp_path):
    """A second, empty database (always SQLite here) gets exactly the same people and requests."""
    from flask_migrate import upgrade

    first = snapshot()
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'second.sqlite3'}"})
    with fresh.app_context():
        upgrade()
        # At the first load's instant: a request that ended between the two loads would
        # otherwise be completed in one and not in the other.
        with frozen_clock(LOADED_AT[-1]):
            load_demo()
        second = snapshot()
        db.session.remove()
        db.engine.dispose()
    assert second == first


def test_cli_loads_only_into_an_empty_database(app, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(demo_command, ["--if-new"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    result = runner.invoke(demo_command, [])
    assert result.exit_code != 0
    assert "already loaded" in result.output


def test_a_term_of_weekly_school_appointments_staffed_by_the_sprachlotsin(demo):
    from ki_match.assignments.models import Feedback, Outcome, Side, SignOff
    from ki_match.requests.models import RequestSeries, SeriesSkip
    from ki_match.requests.recurrence import SkipReason

    (series,) = all_of(RequestSeries)
    assert any(skip.reason == SkipReason.SCHOOL_HOLIDAY for skip in all_of(SeriesSkip))  # a holiday gap
    dates = [r for r in all_of(HelpRequest) if r.series_id == series.id]
    assert len(dates) >= 8
    assert all(r.organisation.kind.value == "school" and r.requested_by_id for r in dates)
    moved = [r for r in dates if r.starts_at.astimezone(BERLIN).date() != r.series_day]
    assert len(moved) == 1
    her, now = sprachlotsin(), utcnow()
    signoffs = {s.assignment_id: s for s in all_of(SignOff)}
    past = [r for r in dates if r.starts_at < now]
    coming = [r for r in dates if r.starts_at > now]
    assert past and coming
    for request in dates:
        (taken,) = [a for a in request.assignments if a.status in HOLDING]
        assert taken.helper_id == her.id
        if request in past:
            assert request.status == RequestStatus.COMPLETED and taken.approved_at >= taken.reported_at
            assert signoffs[taken.id].outcome == Outcome.TOOK_PLACE
            assert signoffs[taken.id].signed_by_id == request.requested_by_id
        else:
            assert request.status == RequestStatus.FILLED and taken.status == AssignmentStatus.CONFIRMED
    (feedback,) = all_of(Feedback)
    assert feedback.side == Side.REQUESTER and feedback.body


def test_a_late_cancellation_refilled_from_standby_and_standby_days_ahead(demo):
    from ki_match.standby.models import StandbyDay

    (late,) = [a for a in all_of(Assignment) if a.withdrawn_late]
    assert late.status == AssignmentStatus.WITHDRAWN
    (stepped_in,) = [a for a in late.request.assignments if a.status in HOLDING]
    day = late.request.starts_at.astimezone(BERLIN).date()
    standby = {(s.helper_id, s.day) for s in all_of(StandbyDay)}
    assert (stepped_in.helper_id, day) in standby
    assert len({helper for helper, later in standby if later > utcnow().astimezone(BERLIN).date()}) >= 3


def test_the_sprachlotsins_yearly_statement_shows_a_year_paid_below_her_limit(demo, app):
    from ki_match.statements.queries import limit_for, year_total

    her, year = sprachlotsin(), utcnow().astimezone(BERLIN).year
    total = year_total(her.ki_id, her.id, year)
    assert len(total.lines) >= 8 and total.without_rate == 0
    assert 0 < total.cents < limit_for(her, year)
    client = app.test_client()
    client.post("/login", data={"email": content.SPRACHLOTSIN_EMAIL, "password": content.DEMO_PASSWORD})
    response = client.get(f"/statements/{year}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ehrenamtspauschale" in page and "Noch frei" in page
