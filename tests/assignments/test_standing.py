"""One truth per assignment: every status combination, and every helper screen saying the same."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from ki_match.assignments.standing import Standing, is_ahead, standing, standing_text
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.requests.models import Assignment, AssignmentStatus, Offer, OfferStatus, RequestKind
from tests.factories import booked, make_request, move_into_past, offer_to


def _pending(request, helper):
    return offer_to(request, helper), None


def _answered(status):
    def make(request, helper):
        return offer_to(request, helper, status, answered_at=utcnow()), None

    return make


def _assignment(status=AssignmentStatus.CONFIRMED, past_days=None, **fields):
    def make(request, helper):
        assignment = booked(request, helper, status=status, **fields)
        if past_days:
            move_into_past(assignment, past_days)
        return db.session.get(Offer, assignment.offer_id), assignment

    return make


def _closed(request, helper):
    return offer_to(request, helper, expires_at=utcnow() - timedelta(minutes=5)), None


# (case, how it is made, where the helper stands, whether its time is still ahead)
CASES = [
    ("open offer", _pending, Standing.OPEN, True),
    ("offer past its answer time", _closed, Standing.CLOSED, True),
    ("declined", _answered(OfferStatus.DECLINED), Standing.DECLINED, True),
    ("offer withdrawn by the KI", _answered(OfferStatus.WITHDRAWN), Standing.NOT_NEEDED, True),
    ("offer expired", _answered(OfferStatus.EXPIRED), Standing.EXPIRED, True),
    ("accepted, waiting for the KI", _answered(OfferStatus.ACCEPTED), Standing.WAITING, True),
    ("confirmed, ahead", _assignment(), Standing.CONFIRMED, True),
    ("confirmed, begun", _assignment(past_days=1), Standing.TO_REPORT, False),
    (
        "hours reported",
        _assignment(AssignmentStatus.COMPLETED, past_days=3, actual_minutes=60, reported_at=utcnow()),
        Standing.REPORTED,
        False,
    ),
    (
        "hours approved",
        _assignment(
            AssignmentStatus.COMPLETED,
            past_days=9,
            actual_minutes=60,
            reported_at=utcnow(),
            approved_at=utcnow(),
        ),
        Standing.APPROVED,
        False,
    ),
    ("no-show", _assignment(AssignmentStatus.NO_SHOW, past_days=4), Standing.NO_SHOW, False),
    ("given back, ahead", _assignment(AssignmentStatus.WITHDRAWN), Standing.WITHDRAWN_BY_HELPER, True),
    ("called off, ahead", _assignment(AssignmentStatus.CANCELLED), Standing.CANCELLED, True),
    ("called off, past", _assignment(AssignmentStatus.CANCELLED, past_days=2), Standing.CANCELLED, False),
]


@pytest.fixture
def helper(create_helper, auth):
    profile = create_helper(home="Höxter")
    assert auth.login(profile.user.email).status_code == 303
    return profile


@pytest.fixture
def every_case(helper, coordinator):
    made = {}
    for number, (name, make, _expected, _ahead) in enumerate(CASES):
        request = make_request(created_by=coordinator, starts_in=timedelta(days=3, hours=2 * number))
        made[name] = make(request, helper)
    db.session.commit()
    return made


def _state_line(card: str) -> str:
    found = re.search(r'class="offer-state[^"]*"[^>]*>(.*?)</p>', card, re.S)
    assert found, card
    return found.group(1).strip()


def _inbox_cards(client) -> dict[int, str]:
    cards, page = {}, 1
    while True:
        body = client.get(f"/inbox?page={page}").get_data(as_text=True)
        for match in re.finditer(r'<article id="offer-card-(\d+)".*?</article>', body, re.S):
            cards.setdefault(int(match.group(1)), match.group(0))
        if 'id="page-next"' not in body and 'id="done-page-next"' not in body:
            return cards
        page += 1


@pytest.mark.parametrize(("name", "make", "expected", "ahead"), CASES, ids=[case[0] for case in CASES])
def test_standing_of_each_combination(helper, coordinator, name, make, expected, ahead):
    request = make_request(created_by=coordinator)
    offer, assignment = make(request, helper)
    closed = "vorbei" if expected == Standing.CLOSED else None
    assert standing(offer, assignment, closed=closed) == expected
    assert is_ahead(offer, assignment) is ahead


def test_every_helper_screen_says_the_same_about_each(client, helper, every_case):
    inbox = _inbox_cards(client)
    mine = client.get("/assignments").get_data(as_text=True)
    sections = dict(re.findall(r'<section aria-labelledby="([\w-]+)-heading">(.*?)</section>', mine, re.S))

    for name, _make, expected, ahead in CASES:
        offer, assignment = every_case[name]
        card = inbox[offer.id]
        if expected == Standing.OPEN:
            assert "/accept" in card, name
            continue
        line = _state_line(card)
        if expected != Standing.CLOSED:
            assert line == standing_text(expected, assignment=assignment), name
        if expected in (Standing.CANCELLED, Standing.WITHDRAWN_BY_HELPER):
            assert "Bestätigt" not in line, name

        if assignment is None and expected != Standing.WAITING:
            continue
        if assignment is None:
            group, link = "waiting", f"/inbox#offer-card-{offer.id}"
        elif not ahead:
            group, link = "past", f"/assignments/{assignment.id}"
        elif expected == Standing.CONFIRMED:
            group, link = "upcoming", f"/assignments/{assignment.id}"
        else:
            group, link = "called-off", f"/assignments/{assignment.id}"
        assert f'href="{link}"' in sections[group], (name, group)
        others = [body for other, body in sections.items() if other != group]
        assert not any(f'href="{link}"' in body for body in others), name
        listed = sections[group].split(f'href="{link}"')[1].split("</li>")[0]
        assert line in listed, name

        if assignment is not None:
            page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
            shown = re.search(r'<p class="assignment-state">(.*?)</p>', page, re.S).group(1).strip()
            assert shown == line, name


def test_an_assignment_called_off_next_week_is_never_listed_as_past(client, helper, coordinator):
    assignment = booked(
        make_request(created_by=coordinator, starts_in=timedelta(days=7)),
        helper,
        status=AssignmentStatus.CANCELLED,
    )
    body = client.get("/assignments").get_data(as_text=True)
    past = body.split('id="past-heading"')[1]
    assert f"/assignments/{assignment.id}" not in past
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.CANCELLED


def test_the_start_page_lists_what_meine_einsaetze_lists_as_upcoming(client, helper, coordinator):
    written = booked(
        make_request(
            created_by=coordinator,
            kind=RequestKind.WRITTEN,
            starts_in=None,
            where=None,
            due_on=date.today() + timedelta(days=4),
        ),
        helper,
    )
    soon = booked(make_request(created_by=coordinator, starts_in=timedelta(days=2)), helper)
    called_off = booked(
        make_request(created_by=coordinator, starts_in=timedelta(days=3)),
        helper,
        status=AssignmentStatus.CANCELLED,
    )
    start = client.get("/").get_data(as_text=True).split('id="upcoming-heading"')[1].split("</section>")[0]
    assert "fertig bis" in start  # a written translation has a due day, no start
    assert start.count("<li>") == 2
    upcoming = client.get("/assignments").get_data(as_text=True).split('id="upcoming-heading"')[1]
    upcoming = upcoming.split("</section>")[0]
    assert f"/assignments/{written.id}" in upcoming and f"/assignments/{soon.id}" in upcoming
    assert f"/assignments/{called_off.id}" not in upcoming
