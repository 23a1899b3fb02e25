"""Two populated KIs on one installation: nothing of one shows on any page of the other.

The other KI is filled with rows whose texts are unmistakable (a helper, a coordinator, an
initiative with its member, a request with client reference, place and notes, an offer, an
assignment, mail). Every GET route is then read as anonymous and as each role of the first KI
(tests/routes.py ``crawl``: lists, dashboards, reports, exports, feeds, partials' pages), and no
answer — HTML, CSV, the sheets of an XLSX — may contain any of those texts. Object ids of the
other KI answering 404 is the access walk's part (tests/core/test_access_policies.py).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.orgs.models import Organisation
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.models import AssignmentStatus
from tests.databases import rows_kept
from tests.factories import (
    PASSWORD,
    booked,
    make_helper,
    make_request,
    make_user,
    move_into_past,
    offer_to,
    other_ki,
)
from tests.routes import Visit, crawl, make_world

MARKERS = (
    "Zebulon",
    "Quaxwell",
    "zebulon.quaxwell@",
    "Xaverius",
    "Quax-Initiative",
    "QX-4711",
    "Quaxgasse",
    "Quaxnotiz",
)


def _populate_other_ki() -> None:
    ki = other_ki()
    coordinator = make_user(Role.COORDINATOR, ki=ki, display_name="Xaverius Koordinator")
    organisation = Organisation(ki_id=ki.id, name="Quax-Initiative Paderborn")
    db.session.add(organisation)
    db.session.flush()
    member = make_user(Role.INITIATIVE, ki=ki, organisation=organisation, display_name="Xaverius Mitglied")
    helper = make_helper(
        ki=ki,
        home="Paderborn",
        display_name="Zebulon Quaxwell",
        email="zebulon.quaxwell@example.org",
    )
    waiting = make_request(
        ki=ki,
        where="Paderborn",
        created_by=coordinator,
        client_ref="QX-4711-A",
        place="Quaxgasse 9",
        notes="Quaxnotiz: bitte klingeln",
        organisation_id=organisation.id,
        requested_by_id=member.id,
    )
    offer_to(waiting, helper)
    done = make_request(ki=ki, where="Paderborn", created_by=coordinator, client_ref="QX-4711-B")
    move_into_past(booked(done, helper, status=AssignmentStatus.CONFIRMED), days=3)
    db.session.commit()


@pytest.fixture(scope="module")
def visits(shared_app) -> Iterator[list[Visit]]:
    with shared_app.app_context():
        world = make_world(ensure_reference_data())
        _populate_other_ki()
    with rows_kept(shared_app), shared_app.app_context():
        yield crawl(shared_app, world, PASSWORD)


def readable_text(response) -> str:
    """What a person would read in the answer: the text, or the sheets of a spreadsheet."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return data.decode("utf-8", "replace")


def test_the_walk_reads_the_pages_that_matter(visits):
    """The crawl reached the lists and exports of the first KI (else the test below proves nothing)."""
    seen = {(visit.viewer, visit.route.endpoint) for visit in visits if visit.response.status_code == 200}
    for viewer, endpoint in [
        ("coordinator", "requests.index"),
        ("coordinator", "helpers.index"),
        ("coordinator", "reports.index"),
        ("coordinator", "reports.export"),
        ("initiative", "directory.index"),
        ("admin", "admin.users"),
        ("helper", "offers.inbox"),
    ]:
        assert (viewer, endpoint) in seen, f"{viewer} did not read {endpoint}"


def test_no_answer_to_the_first_ki_shows_anything_of_the_other(visits):
    leaks = [
        f"{visit.viewer} GET {visit.url}: {marker}"
        for visit in visits
        for marker in MARKERS
        if marker.lower() in readable_text(visit.response).lower()
    ]
    assert leaks == []
