"""Every row a test needs, made in one place: people, requests, offers and assignments.

The fixtures of tests/conftest.py (``create_user``, ``create_helper``,
``coordinator``…) hand these functions to the tests; module-scoped fixtures
call them directly. Rules are only bypassed where a test needs a state the
rules would refuse (``booked`` writes an assignment for any date);
``assignment_for`` and ``confirmed_through_rules`` go through the real ones.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import BERLIN, local_date, local_today, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import Absence, AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.initiatives import series as initiative_series
from ki_match.notifications.day_before import ask
from ki_match.offers.answers import accept_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.orgs.models import Ki, Organisation
from ki_match.reference.models import Language, Level, Town
from ki_match.reference.services import ensure_reference_data
from ki_match.reports.models import AllowanceRate
from ki_match.requests import series as series_rules
from ki_match.requests.data import RequestData
from ki_match.requests.holidays import school_holidays
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestSeries,
    RequestStatus,
    TravelTicket,
)
from ki_match.requests.recurrence import Frequency, Rule, expand
from ki_match.tomorrow.models import DayBeforeCheck

PASSWORD = "richtig-gutes-passwort"
PLACE = "Jobcenter Brakel, Am Markt 1, Zimmer 204"
CLIENT_REF = "Familie A-17"

# Numbers for addresses and names, unique in the whole session (module-scoped rows live on).
_numbers = itertools.count(1)


def town(name: str) -> Town:
    return db.session.scalar(select(Town).where(Town.name == name))


def language(code: str) -> Language:
    return db.session.scalar(select(Language).where(Language.code == code))


def next_tuesday() -> date:
    """Tuesday of next week (Berlin calendar): far enough ahead for every rule, on a weekday."""
    today = utcnow().astimezone(BERLIN).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7)


def berlin(day: date, clock: time) -> datetime:
    """That wall-clock time in Kreis Höxter, as the UTC instant the database stores."""
    return datetime.combine(day, clock, BERLIN).astimezone(UTC)


def first_ki() -> Ki:
    return db.session.scalar(select(Ki).order_by(Ki.id).limit(1))


# A second KI, for tests that one KI's people never see another's rows.
OTHER_KI = {"slug": "other-ki", "name": "Anderes KI", "towns": [("Paderborn", 51.7189, 8.7575)]}


def other_ki() -> Ki:
    """The second KI (made on first use), with its one town, Paderborn."""
    return db.session.get(Ki, ensure_reference_data(OTHER_KI).id)


# --- people ---------------------------------------------------------------------------------------


def make_user(
    role: Role = Role.COORDINATOR, *, ki: Ki | None = None, email: str | None = None, verified=True, **fields
) -> User:
    """A user of ``role`` with the test password; an initiative member gets an organisation of their own.

    An operator belongs to no KI (``ki`` is ignored)."""
    ki = None if role == Role.OPERATOR else ki or first_ki()
    number = next(_numbers)
    organisation = fields.pop("organisation", None)
    if role == Role.INITIATIVE and organisation is None:
        organisation = Organisation(ki_id=ki.id, name=f"Initiative {number}")
        db.session.add(organisation)
        db.session.flush()
    user = User(
        ki_id=ki.id if ki else None,
        email=email or f"{role.value}{number}@example.org",
        display_name=fields.pop("display_name", f"{role.value.title()} {number}"),
        role=role,
        password_hash=fields.pop("password_hash", hash_password(PASSWORD)),
        organisation_id=organisation.id if organisation else None,
        email_verified_at=utcnow() - timedelta(days=1) if verified else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_helper(
    *,
    ki: Ki | None = None,
    approved: bool = True,
    languages=(("ar", Level.NATIVE), ("de", Level.B2)),
    home: str | None = "Brakel",
    consented: bool = True,
    checked: bool = True,
    **fields,
) -> HelperProfile:
    """A helper of the pool: approved, consenting, speaking Arabic (native) and German (B2) by default.

    ``consented=False``: a helper who has not agreed (or no longer agrees) to be asked, whom
    ``helpers.services.unmatchable`` leaves out of matching, accepting and confirming.
    ``checked``: her confidentiality declaration and basic training are recorded (yesterday), as
    a KI's gates want before any offer (``Ki.gate_*``, on by default); no police certificate.
    """
    ki = ki or first_ki()
    user = make_user(Role.HELPER, ki=ki, **fields)
    profile = HelperProfile(
        ki_id=ki.id,
        user_id=user.id,
        home_town_id=town(home).id if home else None,
        approved_at=utcnow() if approved else None,
        consent_given_at=utcnow() if consented else None,
        **_checks(checked),
    )
    db.session.add(profile)
    db.session.flush()
    for code, level in languages:
        db.session.add(HelperLanguage(helper_id=profile.id, language_id=language(code).id, level=level))
    db.session.commit()
    return profile


def _checks(checked: bool) -> dict:
    """The gates' checks as recorded for a helper ready to be asked (``checked``), else none."""
    day = date.today() - timedelta(days=1) if checked else None
    return {"confidentiality_signed_on": day, "qualification_completed_on": day}


def make_managed_helper(
    *,
    ki: Ki | None = None,
    display_name: str = "Ahmad Rahimi",
    phone: str | None = "05271 12345",
    consented: bool = True,
    languages=(("ar", Level.NATIVE), ("de", Level.B1)),
    home: str | None = "Brakel",
    slots=((1, time(9), time(13)),),
    checked: bool = True,
    **fields,
) -> HelperProfile:
    """A helper the KI manages (``helpers.managed``), made through ``create_managed_helper`` by a
    coordinator of the KI: no e-mail, Arabic (native) and German (B1), Tuesday 09:00–13:00 in Brakel;
    ``consented`` records her consent on paper (which approves her)."""
    from ki_match.helpers.managed import create_managed_helper

    ki = ki or first_ki()
    profile = create_managed_helper(
        ki,
        display_name=display_name,
        phone=phone,
        actor=make_user(Role.COORDINATOR, ki=ki),
        consent_on=date.today() - timedelta(days=1) if consented else None,
        **fields,
    )
    profile.home_town_id = town(home).id if home else None
    for name, day in _checks(checked).items():
        setattr(profile, name, day)
    for code, level in languages:
        db.session.add(HelperLanguage(helper_id=profile.id, language_id=language(code).id, level=level))
    for weekday, starts, ends in slots:
        db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=weekday, starts=starts, ends=ends))
    db.session.commit()
    return profile


def make_available_helper(*, slots=((1, time(9), time(13)),), **fields) -> HelperProfile:
    """An approved, consenting helper with weekly slots (Tuesday 09:00–13:00), living in Brakel."""
    profile = make_helper(**fields)
    for weekday, starts, ends in slots:
        db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=weekday, starts=starts, ends=ends))
    db.session.commit()
    return profile


def away_on(helper: HelperProfile, request: HelpRequest) -> HelperProfile:
    """``helper`` away (an absence) on the Berlin day of ``request``."""
    day = local_date(request.starts_at)
    db.session.add(Absence(helper_id=helper.id, first_day=day, last_day=day))
    db.session.commit()
    return helper


# --- requests, offers, assignments ----------------------------------------------------------------


def make_request(
    *,
    ki: Ki | None = None,
    created_by: User | None = None,
    starts_in: timedelta | None = timedelta(days=3),
    minutes: int | None = 90,
    needed: int = 1,
    mode: FillMode = FillMode.COORDINATOR_CONFIRMS,
    kind: RequestKind = RequestKind.ACCOMPANIMENT,
    where: str | None = "Brakel",
    lang: str = "ar",
    **columns,
) -> HelpRequest:
    """An open request in three days (to the minute), Arabic at B1, in Brakel, for one helper.

    Any column of ``HelpRequest`` given by name wins over these defaults
    (``starts_at=…``, ``min_level=…``, ``status=…``). A written translation has a
    due date instead of a time.
    """
    ki = ki or (db.session.get(Ki, created_by.ki_id) if created_by else first_ki())
    written = kind == RequestKind.WRITTEN
    starts_at = (
        None if written or starts_in is None else (utcnow() + starts_in).replace(second=0, microsecond=0)
    )
    values = {
        "ki_id": ki.id,
        "kind": kind,
        "status": RequestStatus.OPEN,
        "language_id": language(lang).id,
        "min_level": Level.B1,
        "starts_at": starts_at,
        "duration_minutes": None if written or starts_in is None else minutes,
        "due_on": (utcnow() + timedelta(days=5)).date() if written else None,
        "town_id": town(where).id if where else None,
        "place": PLACE,
        "client_ref": CLIENT_REF,
        "helpers_needed": needed,
        "fill_mode": mode,
        "created_by_id": created_by.id if created_by else None,
    }
    values.update(columns)
    request = HelpRequest(**values)
    db.session.add(request)
    db.session.commit()
    return request


def make_series(
    *,
    first: date,
    ki: Ki | None = None,
    created_by: User | None = None,
    start: time = time(10),
    until: date | None = None,
    count: int | None = None,
    frequency: Frequency = Frequency.WEEKLY,
    skip_holidays: bool = True,
    open_now: bool = True,
    minutes: int = 90,
    lang: str = "ar",
) -> RequestSeries:
    """A series of accompaniments in Brakel (Arabic at B1) from ``first`` at ``start``, made by the
    real rule (``requests.series.create``): one open request per date (drafts with ``open_now=False``)."""
    ki = ki or (db.session.get(Ki, created_by.ki_id) if created_by else first_ki())
    created_by = created_by or make_user(Role.COORDINATOR, ki=ki)
    rule = Rule(frequency, first, start, until=until, count=count, skip_holidays=skip_holidays)
    data = RequestData(
        kind=RequestKind.ACCOMPANIMENT,
        language_id=language(lang).id,
        min_level=Level.B1,
        duration_minutes=minutes,
        town_id=town("Brakel").id,
        place=PLACE,
        client_ref=CLIENT_REF,
    )
    made = series_rules.create(ki, data, rule, expand(rule), created_by, open_now=open_now)
    db.session.commit()
    return made


def osterferien_term() -> tuple[date, date]:
    """(first, until): Tuesdays from two weeks before the next Osterferien to two weeks after (four
    dates, two left out), from the shipped holiday data; skips the test once it has none ahead."""
    for period in school_holidays():
        if period.name == "Osterferien" and period.first - timedelta(days=21) > local_today():
            first = period.first - timedelta(days=13)
            return first, first + timedelta(days=35)
    pytest.skip("the shipped school holidays end before the next Osterferien")


def make_submitted_series(
    member: User, *, first: date, until: date | None = None, count: int | None = None, start: time = time(10)
) -> RequestSeries:
    """A weekly series of accompaniments in Brakel (Arabic at B1) sent in by the initiative ``member``
    through the real rule (``initiatives.series.submit_series``): one submitted request per date."""
    ki = db.session.get(Ki, member.ki_id)
    rule = Rule(Frequency.WEEKLY, first, start, until=until, count=count)
    data = RequestData(
        kind=RequestKind.ACCOMPANIMENT,
        language_id=language("ar").id,
        min_level=Level.B1,
        duration_minutes=60,
        town_id=town("Brakel").id,
        place=PLACE,
        client_ref=CLIENT_REF,
    )
    made = initiative_series.submit_series(
        ki, data, rule, expand(rule), member, urgent=False, urgent_reason=None
    )
    db.session.commit()
    return made


def series_dates(made: RequestSeries) -> list[HelpRequest]:
    """The requests of a series as stored now (read again), in the order of their rule dates."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(HelpRequest).where(HelpRequest.series_id == made.id).order_by(HelpRequest.series_day)
        )
    )


def offer_to(request: HelpRequest, helper: HelperProfile, status=OfferStatus.PENDING, **fields) -> Offer:
    offer = Offer(request_id=request.id, helper_id=helper.id, status=status, **fields)
    db.session.add(offer)
    db.session.commit()
    return offer


def assignment_for(request: HelpRequest, helper: HelperProfile, coordinator: User) -> Assignment:
    """Confirmed through the real rules: an accepted offer, then the coordinator confirms."""
    offer = offer_to(request, helper, OfferStatus.ACCEPTED)
    return confirm_offer(offer.id, coordinator)


def confirmed_through_rules(request: HelpRequest, helper: HelperProfile, coordinator: User) -> Assignment:
    """Offer, the helper's yes and the coordinator's confirmation, each by its rule."""
    offer = offer_to(request, helper)
    accept_offer(offer.id, helper.user)
    return confirm_offer(offer.id, coordinator)


def asked_for_tomorrow(assignment: Assignment) -> DayBeforeCheck:
    """ "Kommen Sie morgen?" asked of the assignment's helper now, as the job asks (mail and row)."""
    ask(assignment, assignment.request.ki_id)
    db.session.commit()
    return db.session.scalar(select(DayBeforeCheck).where(DayBeforeCheck.assignment_id == assignment.id))


def booked(
    request: HelpRequest, helper: HelperProfile, *, status=AssignmentStatus.CONFIRMED, seat: int = 1, **fields
) -> Assignment:
    """An accepted offer and the assignment it became, written directly (any date, past ones too)."""
    offer = Offer(
        request_id=request.id, helper_id=helper.id, status=OfferStatus.ACCEPTED, answered_at=utcnow()
    )
    db.session.add(offer)
    db.session.flush()
    ends = request.starts_at + timedelta(minutes=request.duration_minutes) if request.starts_at else None
    assignment = Assignment(
        request_id=request.id,
        helper_id=helper.id,
        offer_id=offer.id,
        seat=seat,
        status=status,
        starts_at=request.starts_at,
        ends_at=ends,
        confirmed_by_id=request.created_by_id,
        **fields,
    )
    db.session.add(assignment)
    if request.status in (RequestStatus.OPEN, RequestStatus.OFFERED):
        transition(request, RequestStatus.FILLED)
    db.session.commit()
    return assignment


def move_into_past(assignment: Assignment, days: int = 1) -> Assignment:
    """Let an assignment (and its request) have happened already, as reporting hours needs."""
    starts = (utcnow() - timedelta(days=days)).replace(second=0, microsecond=0)
    request = assignment.request
    request.starts_at = starts
    assignment.starts_at = starts
    assignment.ends_at = starts + timedelta(minutes=request.duration_minutes or 60)
    db.session.commit()
    return assignment


def completed_for(helper: HelperProfile, coordinator: User) -> Assignment:
    """An assignment of ``helper`` that happened yesterday, its request completed by ``coordinator``
    (which asks the helper for her hours)."""
    from ki_match.requests import lifecycle

    request = make_request(ki=helper.ki, created_by=coordinator)
    assignment = move_into_past(assignment_for(request, helper, coordinator))
    lifecycle.complete(request.id, coordinator)
    return db.session.get(Assignment, assignment.id)


def allowance_rate(ki: Ki, valid_from: date, per_hour_cents: int, per_km_cents: int) -> AllowanceRate:
    rate = AllowanceRate(
        ki_id=ki.id, valid_from=valid_from, per_hour_cents=per_hour_cents, per_km_cents=per_km_cents
    )
    db.session.add(rate)
    db.session.commit()
    return rate


def reported(
    helper: HelperProfile,
    coordinator: User,
    starts_at: datetime | None,
    *,
    minutes: int,
    km: int = 0,
    ticket_cents: int | None = None,
    approved: bool = True,
    **request_columns,
) -> Assignment:
    """An assignment of ``helper`` at ``starts_at`` (UTC; None with ``due_on=`` for a written
    translation) whose hours are reported, and approved unless ``approved=False``."""
    kind = RequestKind.WRITTEN if starts_at is None else RequestKind.ACCOMPANIMENT
    request = make_request(
        ki=helper.ki, created_by=coordinator, kind=kind, starts_at=starts_at, **request_columns
    )
    assignment = booked(
        request,
        helper,
        status=AssignmentStatus.COMPLETED,
        actual_minutes=minutes,
        travel_km=km,
        reported_at=utcnow(),
        approved_at=utcnow() if approved else None,
        approved_by_id=coordinator.id if approved else None,
    )
    if ticket_cents:
        db.session.add(TravelTicket(assignment_id=assignment.id, cents=ticket_cents))
        db.session.commit()
    return assignment


def set_status(assignment: Assignment, status: AssignmentStatus) -> Assignment:
    assignment.status = status
    db.session.commit()
    return assignment


# --- the shared pool ------------------------------------------------------------------------------


def sharing(*kis: Ki) -> None:
    """These KIs share their pools (README "Shared pool")."""
    for ki in kis:
        ki.shares_pool = True
    db.session.commit()


def in_pool(
    profile: HelperProfile, *, remote: bool = True, in_person: bool = False, **columns
) -> HelperProfile:
    """The helper agrees to be asked by other KIs (at a distance, in person); with phone/video on
    and any other profile column given by name (``max_travel_km=…``)."""
    profile.pool_remote_ok, profile.pool_in_person_ok = remote, in_person
    profile.remote_ok = columns.pop("remote_ok", True)
    for name, value in columns.items():
        setattr(profile, name, value)
    db.session.commit()
    return profile


def make_course(
    *,
    ki: Ki | None = None,
    capacity: int = 12,
    modules=("Rolle und Haltung", "Dolmetschtechniken"),
    starts_in: timedelta = timedelta(days=14),
    qualifies: bool = True,
    **fields,
):
    """A training course of the KI: one date per module (or one date without modules), a week
    apart from ``starts_in`` on, 17:00–20:00 Berlin time; nobody signed up yet."""
    from ki_match.training.models import Course, CourseDate, CourseModule

    ki = ki or first_ki()
    course = Course(
        ki_id=ki.id,
        title=fields.pop("title", f"Sprachlotsen-Qualifizierung {next(_numbers)}"),
        place=fields.pop("place", "KI Höxter, Moltkestraße 12"),
        capacity=capacity,
        qualifies=qualifies,
        **fields,
    )
    course.modules = [CourseModule(name=name, position=index) for index, name in enumerate(modules)]
    first_day = (utcnow() + starts_in).astimezone(BERLIN).date()
    for index, module in enumerate(course.modules or [None]):
        day = first_day + timedelta(weeks=index)
        course.dates.append(
            CourseDate(module=module, starts_at=berlin(day, time(17)), ends_at=berlin(day, time(20)))
        )
    db.session.add(course)
    db.session.commit()
    return course
