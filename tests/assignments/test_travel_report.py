"""Travel in the hours report: kilometres prefilled from the distance matching knows, or a ticket
instead ("Ticket statt Kilometer")."""

from __future__ import annotations

import re

import pytest

from ki_match.extensions import db
from ki_match.requests.models import Assignment, RequestKind, TravelTicket
from tests.factories import assignment_for, make_request, move_into_past
from tests.support import htmx_headers


@pytest.fixture
def helper_in_hoexter(create_helper, auth):
    profile = create_helper(home="Höxter")
    assert auth.login(profile.user.email).status_code == 303
    return profile


def _done(helper, coordinator, days: int = 1, **request):
    request = make_request(created_by=coordinator, **request)
    return move_into_past(assignment_for(request, helper, coordinator), days)


def _form(client, assignment) -> str:
    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    return page.split('id="report-form"')[1].split("</form>")[0]


def _checked(form: str) -> str:
    return re.search(r'<input[^>]*checked[^>]*name="travel_by"[^>]*value="(\w+)"', form).group(1)


def _km_value(form: str) -> str | None:
    found = re.search(r'<input[^>]*id="travel_km"[^>]*value="(\d*)"', form)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    ("request_fields", "no_car", "km", "travel_by"),
    [
        # Höxter → Brakel: 19.5 km by road as matching estimates it, there and back.
        ({}, False, "39", "km"),
        ({"where": "Höxter"}, False, "0", "km"),  # the same town
        ({"kind": RequestKind.REMOTE, "where": None}, False, "", "km"),  # nothing to drive
        ({}, True, "", "ticket"),  # no car: a ticket
    ],
)
def test_the_report_starts_from_what_matching_knows(
    client, helper_in_hoexter, coordinator, request_fields, no_car, km, travel_by
):
    helper_in_hoexter.has_no_car = no_car
    db.session.commit()
    form = _form(client, _done(helper_in_hoexter, coordinator, **request_fields))
    assert _km_value(form) == km
    assert _checked(form) == travel_by


def test_a_ticket_instead_of_kilometres(client, helper_in_hoexter, coordinator):
    done = _done(helper_in_hoexter, coordinator)
    data = {
        "hours": "2",
        "travel_by": "ticket",
        "travel_km": "39",
        "ticket": "7,40",
        "ticket_note": " Bus R22 ",
    }
    assert client.post(f"/assignments/{done.id}/report", data=data).status_code == 303
    assignment = db.session.get(Assignment, done.id)
    assert (assignment.travel_km, assignment.ticket.cents, assignment.ticket.note) == (0, 740, "Bus R22")
    page = client.get(f"/assignments/{done.id}").get_data(as_text=True)
    assert "7,40\xa0€ – Bus R22" in page
    form = page.split('id="report-form"')[1].split("</form>")[0]
    assert _checked(form) == "ticket" and 'value="7,40"' in form
    # By car after all: the ticket goes.
    data = {"hours": "2", "travel_by": "km", "travel_km": "41", "ticket": "7,40"}
    assert client.post(f"/assignments/{done.id}/report", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Assignment, done.id).travel_km == 41
    assert db.session.get(TravelTicket, done.id) is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"travel_by": "ticket", "ticket": ""}, "ticket", "Bitte geben Sie den Preis des Tickets an."),
        ({"travel_by": "ticket", "ticket": "7,405"}, "ticket", "höchstens zwei Nachkommastellen"),
        ({"travel_by": "ticket", "ticket": "sieben"}, "ticket", "höchstens zwei Nachkommastellen"),
        ({"travel_by": "ticket", "ticket": "600"}, "ticket", "von 0,01 bis 500,00 Euro"),
        ({"travel_by": "ticket", "ticket": "0"}, "ticket", "von 0,01 bis 500,00 Euro"),
        ({"travel_by": "ticket", "ticket": "5", "ticket_note": "b" * 201}, "ticket_note", "höchstens 200"),
        (
            {"travel_by": "km", "travel_km": "", "ticket": "7,40"},
            "travel_km",
            "0, wenn Sie nicht gefahren sind",
        ),
        ({"travel_by": "Fahrrad", "travel_km": "3"}, "travel_by", "Bitte wählen Sie eine Möglichkeit."),
    ],
)
def test_a_bad_ticket_is_422_next_to_its_field_with_what_was_typed(
    client, helper_in_hoexter, coordinator, data, field, message
):
    done = _done(helper_in_hoexter, coordinator)
    data = {"hours": "1", **data}
    response = client.post(f"/assignments/{done.id}/report", data=data, headers=htmx_headers("report-form"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body and message in body
    for value in data.values():
        if value and value != "Fahrrad":
            assert value in body
    assert db.session.get(Assignment, done.id).reported_at is None


def test_what_is_typed_for_the_way_not_taken_does_not_count(client, helper_in_hoexter, coordinator):
    done = _done(helper_in_hoexter, coordinator)
    data = {"hours": "1", "travel_by": "km", "travel_km": "12", "ticket": "sieben", "ticket_note": "x" * 300}
    assert client.post(f"/assignments/{done.id}/report", data=data).status_code == 303
    assignment = db.session.get(Assignment, done.id)
    assert (assignment.travel_km, assignment.ticket) == (12, None)


def test_the_receipt_note_is_purged_with_the_requests_other_texts(helper_in_hoexter, coordinator):
    from ki_match.clock import utcnow
    from ki_match.privacy.services import delete_helper_account
    from ki_match.requests.retention import _purge

    first, second = (_done(helper_in_hoexter, coordinator, days) for days in (1, 2))
    for assignment in (first, second):
        db.session.add(TravelTicket(assignment_id=assignment.id, cents=740, note="Bus R22"))
    db.session.commit()
    _purge([first.request_id], utcnow())
    db.session.commit()
    db.session.expire_all()
    assert (db.session.get(TravelTicket, first.id).note, db.session.get(TravelTicket, second.id).note) == (
        None,
        "Bus R22",
    )
    delete_helper_account(helper_in_hoexter.user)
    db.session.expire_all()
    assert db.session.get(TravelTicket, second.id).note is None
    assert db.session.get(TravelTicket, second.id).cents == 740  # the money stays in the statistics
