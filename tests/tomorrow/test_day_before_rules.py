"""When "Kommen Sie morgen?" is asked and flagged: Berlin's calendar, its daylight-saving days,
an appointment just after midnight, and the KI's hours. Pure rules on rows that are not stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from ki_match.orgs.settings import settings_for
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, RequestKind
from ki_match.tomorrow.models import DayBeforeCheck
from ki_match.tomorrow.services import askable, asked_from, deadline, overdue, why_closed
from tests.factories import berlin, first_ki


@pytest.fixture
def settings(app):
    return settings_for(first_ki())  # the defaults: asked from 10, flagged at 18


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def appointment(starts_at, *, confirmed_at=None, status=AssignmentStatus.CONFIRMED, kind=RequestKind.ONSITE):
    request = HelpRequest(kind=kind, starts_at=starts_at)
    confirmed_at = confirmed_at or starts_at - timedelta(days=5)
    return Assignment(request=request, status=status, starts_at=starts_at, confirmed_at=confirmed_at)


# start in Berlin → (asked from, flagged at), in UTC
@pytest.mark.parametrize(
    ("day", "clock", "asked", "flagged"),
    [
        # winter: Berlin is UTC+1
        ((2027, 1, 5), time(9), utc(2027, 1, 4, 9), utc(2027, 1, 4, 17)),
        # just after midnight: the day before is the calendar day before, not the evening of the same night
        ((2027, 1, 5), time(0, 30), utc(2027, 1, 4, 9), utc(2027, 1, 4, 17)),
        # the day before is the day the clocks go forward (29 March 2026): 10:00 is already summer time
        ((2026, 3, 30), time(9), utc(2026, 3, 29, 8), utc(2026, 3, 29, 16)),
        # the appointment on that day: the day before is still winter
        ((2026, 3, 29), time(10), utc(2026, 3, 28, 9), utc(2026, 3, 28, 17)),
        # the day before is the day the clocks go back (25 October 2026): 10:00 is winter time again
        ((2026, 10, 26), time(0, 30), utc(2026, 10, 25, 9), utc(2026, 10, 25, 17)),
        # summer
        ((2026, 7, 14), time(14), utc(2026, 7, 13, 8), utc(2026, 7, 13, 16)),
    ],
)
def test_asked_and_flagged_on_the_day_before_in_berlin(settings, day, clock, asked, flagged):
    starts_at = berlin(date(*day), clock)
    assert asked_from(starts_at, settings) == asked
    assert deadline(starts_at, settings) == flagged


def test_the_kis_own_hours_count(settings):
    starts_at = berlin(date(2027, 1, 5), time(9))
    own = replace(settings, day_before_hour=8, day_before_deadline_hour=12)
    assert asked_from(starts_at, own) == utc(2027, 1, 4, 7)
    assert deadline(starts_at, own) == utc(2027, 1, 4, 11)


START = berlin(date(2027, 1, 5), time(0, 30))  # asked from 4 Jan, 10:00 Berlin (09:00 UTC)
OPENS = utc(2027, 1, 4, 9)


@pytest.mark.parametrize(
    ("now", "fields", "asked"),
    [
        (OPENS - timedelta(minutes=1), {}, False),  # the hour before
        (OPENS, {}, True),  # on the hour
        (OPENS + timedelta(hours=14), {}, True),  # late in the evening (the job was down)
        (START, {}, False),  # it has begun
        (OPENS, {"confirmed_at": OPENS}, True),  # confirmed on the hour
        (OPENS + timedelta(hours=2), {"confirmed_at": OPENS + timedelta(hours=1)}, False),  # confirmed later
        (OPENS, {"kind": RequestKind.WRITTEN}, False),
        (OPENS, {"kind": RequestKind.REMOTE}, True),
        (OPENS, {"kind": RequestKind.ACCOMPANIMENT}, True),
        (OPENS, {"status": AssignmentStatus.WITHDRAWN}, False),
        (OPENS, {"status": AssignmentStatus.CANCELLED}, False),
    ],
)
def test_who_is_asked_when(settings, now, fields, asked):
    assert askable(appointment(START, **fields), settings, now) is asked


def check_of(assignment, **fields) -> DayBeforeCheck:
    return DayBeforeCheck(assignment=assignment, starts_at=START, asked_at=OPENS, **fields)


FLAGGED_AT = utc(2027, 1, 4, 17)


@pytest.mark.parametrize(
    ("now", "fields", "status", "moved", "due"),
    [
        (FLAGGED_AT - timedelta(minutes=1), {}, AssignmentStatus.CONFIRMED, False, False),
        (FLAGGED_AT, {}, AssignmentStatus.CONFIRMED, False, True),
        (FLAGGED_AT, {"confirmed_at": OPENS}, AssignmentStatus.CONFIRMED, False, False),
        (FLAGGED_AT, {"flagged_at": FLAGGED_AT}, AssignmentStatus.CONFIRMED, False, False),  # once
        (FLAGGED_AT, {}, AssignmentStatus.WITHDRAWN, False, False),
        (FLAGGED_AT, {}, AssignmentStatus.CONFIRMED, True, False),  # moved to another day
        (START, {}, AssignmentStatus.CONFIRMED, False, False),  # begun
    ],
)
def test_flagged_once_when_unanswered_at_the_deadline(settings, now, fields, status, moved, due):
    assignment = appointment(START + timedelta(days=7) if moved else START, status=status)
    assert overdue(check_of(assignment, **fields), settings, now) is due


@pytest.mark.parametrize(
    ("fields", "status", "moved", "now", "words"),
    [
        ({}, AssignmentStatus.CONFIRMED, False, OPENS, None),
        ({"confirmed_at": OPENS}, AssignmentStatus.CONFIRMED, False, OPENS, "schon geantwortet"),
        ({"declined_at": OPENS}, AssignmentStatus.WITHDRAWN, False, OPENS, "schon abgesagt"),
        ({}, AssignmentStatus.WITHDRAWN, False, OPENS, "schon abgesagt"),
        ({}, AssignmentStatus.CANCELLED, False, OPENS, "nicht mehr statt"),
        ({}, AssignmentStatus.CONFIRMED, True, OPENS, "Termin hat sich geändert"),
        ({}, AssignmentStatus.CONFIRMED, False, START, "schon begonnen"),
    ],
)
def test_links_close_in_plain_words(app, fields, status, moved, now, words):
    assignment = appointment(START + timedelta(days=7) if moved else START, status=status)
    closed = why_closed(check_of(assignment, **fields), now)
    assert (closed is None) if words is None else (words in closed)
