"""Initiatives: sending requests in, following them, and the coordinators' answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.extensions import db as _db
from ki_match.initiatives import contacts, services
from ki_match.initiatives import queries as contact_queries
from ki_match.initiatives.models import RequestComment
from ki_match.initiatives.workdays import (
    add_working_days,
    earliest_day,
    easter_sunday,
    is_working_day,
    nrw_holidays,
)
from ki_match.offers.confirming import confirm_offer
from ki_match.orgs.models import Ki, Organisation
from ki_match.requests import lifecycle
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.models import HelpRequest, OfferStatus, RequestStatus, RequestStatusChange
from tests.factories import PASSWORD, language, make_request, offer_to, town
from tests.support import htmx_headers, outbox

# --- working days (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


def test_nrw_holidays_2026():
    assert nrw_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),  # Karfreitag
        date(2026, 4, 6),  # Ostermontag
        date(2026, 5, 1),
        date(2026, 5, 14),  # Christi Himmelfahrt
        date(2026, 5, 25),  # Pfingstmontag
        date(2026, 6, 4),  # Fronleichnam
        date(2026, 10, 3),
        date(2026, 11, 1),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


def test_working_days_skip_weekends_and_holidays():
    assert is_working_day(date(2026, 11, 23))  # Monday
    assert not is_working_day(date(2026, 11, 22))  # Sunday
    assert not is_working_day(date(2026, 6, 4))  # Fronleichnam, a Thursday
    # Monday + 3 working days is Thursday; the weekend does not count
    assert earliest_day(date(2026, 11, 23), 3) == date(2026, 11, 26)
    assert earliest_day(date(2026, 11, 26), 3) == date(2026, 12, 1)
    # from Thursday before Easter: Good Friday and Easter Monday are holidays
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    # Christmas and New Year
    assert add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert earliest_day(date(2026, 11, 23), 0) == date(2026, 11, 23)


# --- fixtures ---------------------------------------------------------------------------------


def _form(day: date, **overrides) -> dict:
    data = {
        "kind": "accompaniment",
        "language_id": str(language("ar").id),
        "min_level": "4",
        "topic_id": "0",
        "day": day.isoformat(),
        "start": "10:00",
        "duration_minutes": "60",
        "town_id": str(town("Brakel").id),
        "place": "Jobcenter, Am Markt 3",
        "client_ref": "Familie A-17",
        "gender_pref": "",
        "helpers_needed": "1",
        "notes": "",
    }
    data.update(overrides)
    return data


def _far_enough() -> date:
    return earliest_day(local_today(), 3) + timedelta(days=7)


@pytest.fixture
def member(auth):
    return auth.as_role(Role.INITIATIVE)


def _submitted(member: User, **fields) -> HelpRequest:
    fields.setdefault("status", RequestStatus.SUBMITTED)
    request = make_request(
        starts_in=timedelta(days=10),
        organisation_id=member.organisation_id,
        requested_by_id=member.id,
        created_by=member,
        **fields,
    )
    _db.session.add(
        RequestStatusChange(
            request_id=request.id, from_status=None, to_status=request.status, actor_id=member.id
        )
    )
    _db.session.commit()
    return request


def _status(request: HelpRequest) -> RequestStatus:
    _db.session.expire_all()
    return _db.session.get(HelpRequest, request.id).status


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- sending a request in -----------------------------------------------------------------------


def test_new_request_prefills_the_language_from_the_directory(client, member):
    response = client.get("/initiative/requests/new?language=ti")
    assert response.status_code == 200
    html = _html(response)
    assert f'<option selected value="{language("ti").id}"' in html
    # coordinator-only fields are not offered, and an unknown code is ignored
    assert 'name="fill_mode"' not in html and 'name="organisation_id"' not in html
    assert 'name="qualified_required"' not in html
    assert client.get("/initiative/requests/new?language=xx").status_code == 200


def test_submitting_creates_a_submitted_request_and_mails_the_coordinators(client, member, coordinator, db):
    response = client.post(
        "/initiative/requests/new",
        data=_form(_far_enough(), fill_mode="first_accept", organisation_id="999", qualified_required="y"),
    )
    assert response.status_code == 303, _html(response)
    created = db.session.scalar(select(HelpRequest))
    assert response.headers["Location"].endswith(f"/initiative/requests/{created.id}")
    assert created.status == RequestStatus.SUBMITTED
    assert created.organisation_id == member.organisation_id
    assert created.requested_by_id == member.id
    assert created.fill_mode.value == "confirm" and not created.qualified_required
    assert not created.urgent
    [to_ki] = outbox("initiative_received_ki")
    assert to_ki.to_address == coordinator.email
    assert f"/requests/{created.id}" in to_ki.body_text
    assert [m.to_address for m in outbox("initiative_received")] == [member.email]


def test_two_working_days_ahead_is_refused_with_the_earliest_date(client, member, db):
    too_soon = add_working_days(local_today(), 2)
    response = client.post("/initiative/requests/new", data=_form(too_soon, notes="bitte Frau"))
    assert response.status_code == 422
    html = _html(response)
    assert "mindestens 3 Werktage Vorlauf" in html
    assert dates.show(earliest_day(local_today(), 3), "day_medium", "de") in html
    assert "bitte Frau" in html  # typed values kept
    assert db.session.scalar(select(HelpRequest)) is None


def test_lead_time_counts_across_a_holiday(client, member, db, monkeypatch):
    # Wednesday 30 Sept 2026: Thu, Fri, (Sat 3 Oct holiday anyway), Mon → Monday 5 Oct is the 3rd working day
    monkeypatch.setattr("ki_match.initiatives.forms.local_today", lambda: date(2026, 9, 30))
    monkeypatch.setattr("ki_match.requests.forms.local_today", lambda: date(2026, 9, 30))
    ki = db.session.scalar(select(Ki))
    assert earliest_day(date(2026, 9, 30), 3) == date(2026, 10, 5)
    # Thursday before Easter: Good Friday and Easter Monday do not count
    assert earliest_day(date(2026, 4, 2), 3) == date(2026, 4, 9)
    response = client.post("/initiative/requests/new", data=_form(date(2026, 10, 2)))
    assert response.status_code == 422
    assert ki.lead_time_days == 3


def test_urgent_needs_a_reason_and_is_then_accepted(client, member, db):
    too_soon = add_working_days(local_today(), 2)
    response = client.post("/initiative/requests/new", data=_form(too_soon, urgent="y", urgent_reason=" "))
    assert response.status_code == 422
    assert "Bitte nennen Sie den Grund" in _html(response)
    response = client.post(
        "/initiative/requests/new",
        data=_form(too_soon, urgent="y", urgent_reason="Termin beim Amt kurzfristig vergeben"),
    )
    assert response.status_code == 303, _html(response)
    created = db.session.scalar(select(HelpRequest))
    assert created.urgent and created.urgent_reason == "Termin beim Amt kurzfristig vergeben"


def test_the_kis_lead_time_is_configurable(client, member, db):
    ki = db.session.scalar(select(Ki))
    ki.lead_time_days = 0
    db.session.commit()
    tomorrow = local_today() + timedelta(days=1)
    assert client.post("/initiative/requests/new", data=_form(tomorrow)).status_code == 303


def test_written_translation_lead_time_applies_to_the_due_date(client, member):
    data = _form(local_today(), kind="written", due_on=add_working_days(local_today(), 1).isoformat())
    response = client.post("/initiative/requests/new", data=data)
    assert response.status_code == 422
    assert "Werktage Vorlauf" in _html(response)


def test_missing_fields_and_full_names_are_refused_next_to_the_field(client, member):
    response = client.post(
        "/initiative/requests/new", data=_form(_far_enough(), language_id="0", client_ref="Amina Haddad")
    )
    assert response.status_code == 422
    html = _html(response)
    assert "Bitte wählen Sie die Sprache." in html
    assert "Das sieht nach einem Namen aus" in html


def test_a_deactivated_organisation_cannot_submit(client, member, db):
    organisation = db.session.get(Organisation, member.organisation_id)
    organisation.active = False
    db.session.commit()
    page = client.get("/initiative/requests/new")
    assert "Ihre Organisation ist deaktiviert" in _html(page)
    response = client.post("/initiative/requests/new", data=_form(_far_enough()))
    assert response.status_code == 403
    assert db.session.scalar(select(HelpRequest)) is None
    with pytest.raises(services.InitiativeError):
        services.submit_request(
            organisation.ki_id and db.session.get(Ki, organisation.ki_id),
            None,
            member,
            urgent=False,
            urgent_reason=None,
        )


# --- the organisation's view ----------------------------------------------------------------------


def test_list_shows_only_the_own_organisations_requests_with_their_status(client, member, create_user):
    other = create_user(Role.INITIATIVE)
    own = _submitted(member)
    foreign = _submitted(other)
    declined = _submitted(member, status=RequestStatus.DECLINED)
    html = _html(client.get("/initiative/requests"))
    assert f"/initiative/requests/{own.id}" in html and f"/initiative/requests/{declined.id}" in html
    assert f"/initiative/requests/{foreign.id}" not in html
    assert "eingereicht" in html and "abgelehnt" in html
    partial = client.get("/initiative/requests?status=declined", headers=htmx_headers("initiative-requests"))
    body = _html(partial)
    assert "<html" not in body and f"/initiative/requests/{declined.id}" in body
    assert f"/initiative/requests/{own.id}" not in body


def test_the_list_comes_in_pages(client, member):
    from ki_match.initiatives.queries import PAGE_SIZE

    made = [_submitted(member) for _ in range(PAGE_SIZE + 2)]
    first = _html(client.get("/initiative/requests"))
    assert f"{PAGE_SIZE + 2} Anfragen" in first and "Seite 1 von 2" in first
    assert f'/initiative/requests/{made[-1].id}"' in first  # newest first
    second = client.get("/initiative/requests?page=2", headers=htmx_headers("initiative-requests"))
    body = _html(second)
    assert "<html" not in body and "Seite 2 von 2" in body
    assert f'/initiative/requests/{made[0].id}"' in body
    assert f'/initiative/requests/{made[-1].id}"' not in body


def test_status_as_the_initiative_sees_it(client, member):
    for status, label in [
        (RequestStatus.OPEN, "in Bearbeitung"),
        (RequestStatus.OFFERED, "in Bearbeitung"),
        (RequestStatus.FILLED, "Helfer*in gefunden"),
        (RequestStatus.COMPLETED, "erledigt"),
        (RequestStatus.CANCELLED, "abgesagt"),
        (RequestStatus.UNFILLED, "nicht besetzt"),
    ]:
        request = _submitted(member, status=status)
        assert label in _html(client.get(f"/initiative/requests/{request.id}"))


def test_the_organisation_reads_status_changes_not_the_kis_remarks(client, member, coordinator):
    request = _submitted(member)
    lifecycle.take_over(request.id, coordinator)
    lifecycle.remark(
        _db.session.get(HelpRequest, request.id), coordinator, "Amina K. hat telefonisch zugesagt"
    )
    _db.session.commit()
    history = _html(client.get(f"/initiative/requests/{request.id}")).split('id="history-heading"')[1]
    history = history.split("</ol>")[0]
    assert history.count("<li>") == 2 and history.count("in Bearbeitung") == 1
    assert "telefonisch" not in history


def test_another_organisations_request_is_404_on_every_route(client, member, create_user, db):
    other = create_user(Role.INITIATIVE)
    foreign = _submitted(other)
    assert client.get(f"/initiative/requests/{foreign.id}").status_code == 404
    assert client.post(f"/initiative/requests/{foreign.id}/answer", data={"body": "x"}).status_code == 404
    assert client.post(f"/initiative/requests/{foreign.id}/withdraw", data={"reason": "x"}).status_code == 404
    assert client.get("/initiative/requests/999999").status_code == 404
    # the coordinators' routes are not theirs at all
    for path in ("submitted/accept", "submitted/ask", "submitted/decline", "contact"):
        assert client.post(f"/requests/{foreign.id}/{path}").status_code == 403
    assert _status(foreign) == RequestStatus.SUBMITTED
    assert not db.session.scalars(select(RequestComment)).all()


@pytest.mark.parametrize("role", [Role.HELPER, Role.COORDINATOR])
def test_other_roles_are_refused_the_initiative_pages(client, login_as, role, create_user):
    request = _submitted(create_user(Role.INITIATIVE))
    login_as(role)
    for path in ("/initiative/requests", "/initiative/requests/new", f"/initiative/requests/{request.id}"):
        assert client.get(path).status_code == 403


def test_anonymous_is_sent_to_login(client, create_user):
    request = _submitted(create_user(Role.INITIATIVE))
    response = client.get(f"/initiative/requests/{request.id}")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert client.post(f"/requests/{request.id}/submitted/accept").status_code in (303, 400)
    assert _status(request) == RequestStatus.SUBMITTED


def test_helper_found_shows_the_short_name_only_until_the_contact_is_shared(
    client, member, coordinator, create_helper, db
):
    helper = create_helper(display_name="Samira Okonkwo")
    helper.phone = "+49 5272 123456"
    db.session.commit()
    request = _submitted(member, status=RequestStatus.OPEN)
    offer = offer_to(request, helper, OfferStatus.ACCEPTED)
    confirm_offer(offer.id, coordinator)
    assert _status(request) == RequestStatus.FILLED
    [found] = outbox("initiative_filled", to=member.email)
    assert "Okonkwo" not in found.body_text and helper.user.email not in found.body_text
    html = _html(client.get(f"/initiative/requests/{request.id}"))
    assert "Helfer*in gefunden" in html and "Samira O." in html
    for secret in ("Okonkwo", helper.user.email, "5272 123456"):
        assert secret not in html

    contacts.share_contact(request.id, helper.id, coordinator, True)
    html = _html(client.get(f"/initiative/requests/{request.id}"))
    assert "Samira Okonkwo" in html and helper.user.email in html and "5272 123456" in html
    [shared] = outbox("initiative_contact_shared", to=member.email)
    assert helper.user.email in shared.body_text
    contacts.share_contact(request.id, helper.id, coordinator, False)
    assert helper.user.email not in _html(client.get(f"/initiative/requests/{request.id}"))


@pytest.mark.parametrize("space", ["\u00a0", "\t", "\u2003", "  "])
def test_the_helper_is_shown_by_the_directory_short_name_whatever_the_space(
    client, member, coordinator, create_helper, space
):
    helper = create_helper(display_name=f"Samira{space}Okonkwo")
    request = _submitted(member, status=RequestStatus.OPEN)
    confirm_offer(offer_to(request, helper, OfferStatus.ACCEPTED).id, coordinator)
    html = _html(client.get(f"/initiative/requests/{request.id}"))
    assert "Samira O." in html and "Okonkwo" not in html


def test_contact_cannot_be_shared_before_someone_is_confirmed(member, coordinator, create_helper):
    request = _submitted(member, status=RequestStatus.OPEN)
    offer_to(request, helper := create_helper(), OfferStatus.ACCEPTED)
    with pytest.raises(services.InitiativeError):
        contacts.share_contact(request.id, helper.id, coordinator, True)


def test_answer_swaps_the_conversation_and_mails_the_coordinators(client, member, coordinator, db):
    request = _submitted(member)
    services.ask_back(request.id, coordinator, "Welcher Raum genau?")
    html = _html(client.get(f"/initiative/requests/{request.id}"))
    assert "Welcher Raum genau?" in html
    response = client.post(
        f"/initiative/requests/{request.id}/answer",
        data={"body": "Zimmer 12"},
        headers=htmx_headers("conversation"),
    )
    assert response.status_code == 200
    body = _html(response)
    assert "<html" not in body and "Zimmer 12" in body and 'role="status"' in body
    [mail] = outbox("initiative_answered_ki", to=coordinator.email)
    assert "Zimmer 12" in mail.body_text
    empty = client.post(
        f"/initiative/requests/{request.id}/answer", data={"body": "  "}, headers=htmx_headers("conversation")
    )
    assert empty.status_code == 422 and "Bitte schreiben Sie eine Nachricht." in _html(empty)
    # without JavaScript: back to the page
    plain = client.post(f"/initiative/requests/{request.id}/answer", data={"body": "Noch etwas"})
    assert plain.status_code == 303


def test_withdraw_while_submitted_or_open_but_not_once_filled(client, member, coordinator, create_helper, db):
    request = _submitted(member)
    missing = client.post(
        f"/initiative/requests/{request.id}/withdraw",
        data={"reason": ""},
        headers=htmx_headers("withdraw-panel"),
    )
    assert missing.status_code == 422 and "Bitte nennen Sie kurz den Grund." in _html(missing)
    response = client.post(f"/initiative/requests/{request.id}/withdraw", data={"reason": "Termin entfällt"})
    assert response.status_code == 303
    assert _status(request) == RequestStatus.CANCELLED
    [mail] = outbox("initiative_withdrawn_ki", to=coordinator.email)
    assert "Termin entfällt" in mail.body_text
    assert not outbox("request_cancelled", to=member.email)  # they did it themselves

    offered = _submitted(member, status=RequestStatus.OPEN)
    helper = create_helper()
    offer = offer_to(offered, helper)
    client.post(f"/initiative/requests/{offered.id}/withdraw", data={"reason": "erledigt sich"})
    assert _status(offered) == RequestStatus.CANCELLED
    assert _db.session.get(type(offer), offer.id).status == OfferStatus.WITHDRAWN
    assert outbox("request_cancelled", to=helper.user.email)

    filled = _submitted(member, status=RequestStatus.FILLED)
    refused = client.post(f"/initiative/requests/{filled.id}/withdraw", data={"reason": "doch nicht"})
    assert refused.status_code == 422
    assert _status(filled) == RequestStatus.FILLED


# --- the coordinators' side ----------------------------------------------------------------------


@pytest.fixture
def staff(auth, coordinator):
    auth.login(coordinator.email, PASSWORD)
    return coordinator


def test_submitted_tab_lists_the_queue(client, staff, create_user):
    request = _submitted(create_user(Role.INITIATIVE))
    html = _html(client.get("/requests?tab=submitted"))
    assert f"/requests/{request.id}" in html
    assert "eingereicht" in html
    assert f"/requests/{request.id}" not in _html(client.get("/requests?tab=open"))


def test_request_page_offers_the_three_answers_for_a_submitted_request(client, staff, create_user):
    request = _submitted(create_user(Role.INITIATIVE), urgent=True, urgent_reason="Amt kurzfristig")
    html = _html(client.get(f"/requests/{request.id}"))
    for path in ("submitted/accept", "submitted/ask", "submitted/decline"):
        assert f"/requests/{request.id}/{path}" in html
    assert "Amt kurzfristig" in html
    plain = make_request()
    assert "/submitted/accept" not in _html(client.get(f"/requests/{plain.id}"))


def test_accept_opens_for_matching_and_mails_in_the_same_transaction(client, staff, create_user):
    member = create_user(Role.INITIATIVE)
    request = _submitted(member)
    response = client.post(
        f"/requests/{request.id}/submitted/accept", headers=htmx_headers("submitted-actions")
    )
    assert response.status_code == 200
    body = _html(response)
    assert "<html" not in body and 'id="submitted-actions"' in body and "übernommen" in body
    assert _status(request) == RequestStatus.OPEN
    [mail] = outbox("initiative_accepted", to=member.email)
    assert f"/initiative/requests/{request.id}" in mail.body_text
    again = client.post(f"/requests/{request.id}/submitted/accept", headers=htmx_headers("submitted-actions"))
    assert again.status_code == 409 and "schon entschieden" in _html(again)
    assert len(outbox("initiative_accepted")) == 1


def test_accept_without_javascript_redirects_to_the_request(client, staff, create_user):
    request = _submitted(create_user(Role.INITIATIVE))
    response = client.post(f"/requests/{request.id}/submitted/accept")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/requests/{request.id}#candidates-heading"
    )


def test_ask_back_keeps_it_submitted_and_mails_the_initiative(client, staff, create_user, db):
    member = create_user(Role.INITIATIVE)
    request = _submitted(member)
    empty = client.post(
        f"/requests/{request.id}/submitted/ask",
        data={"question": ""},
        headers=htmx_headers("submitted-actions"),
    )
    assert empty.status_code == 422 and "Bitte schreiben Sie Ihre Frage." in _html(empty)
    response = client.post(
        f"/requests/{request.id}/submitted/ask",
        data={"question": "Welche Sprache spricht die Familie zu Hause?"},
        headers=htmx_headers("submitted-actions"),
    )
    assert response.status_code == 200
    assert "Welche Sprache spricht die Familie zu Hause?" in _html(response)
    assert _status(request) == RequestStatus.SUBMITTED
    [comment] = db.session.scalars(select(RequestComment)).all()
    assert comment.from_ki and comment.author_id == staff.id
    [mail] = outbox("initiative_question", to=member.email)
    assert "Welche Sprache spricht" in mail.body_text


def test_decline_needs_a_reason_which_the_initiative_sees(client, staff, create_user):
    member = create_user(Role.INITIATIVE)
    request = _submitted(member)
    missing = client.post(
        f"/requests/{request.id}/submitted/decline",
        data={"reason": ""},
        headers=htmx_headers("submitted-actions"),
    )
    assert missing.status_code == 422 and "Bitte geben Sie einen Grund an" in _html(missing)
    assert _status(request) == RequestStatus.SUBMITTED
    response = client.post(
        f"/requests/{request.id}/submitted/decline",
        data={"reason": "Kein Dolmetschbedarf: Behörde stellt selbst"},
    )
    assert response.status_code == 303
    assert _status(request) == RequestStatus.DECLINED
    [mail] = outbox("initiative_declined", to=member.email)
    assert "Behörde stellt selbst" in mail.body_text
    client.post("/logout")
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    html = _html(client.get(f"/initiative/requests/{request.id}"))
    assert "abgelehnt" in html and "Behörde stellt selbst" in html


def test_a_mail_that_fails_rolls_the_step_back(client, staff, create_user, monkeypatch):
    """Mails are written in the transaction of the change: no mail, no change."""
    member = create_user(Role.INITIATIVE)
    request = _submitted(member)

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("ki_match.notifications.mailing.queue_mail", broken)
    with pytest.raises(RuntimeError):
        lifecycle.take_over(request.id, staff)
    _db.session.rollback()
    assert _status(request) == RequestStatus.SUBMITTED


def test_share_contact_route(client, staff, create_user, create_helper):
    member = create_user(Role.INITIATIVE)
    request = _submitted(member, status=RequestStatus.OPEN)
    helper = create_helper()
    confirm_offer(offer_to(request, helper, OfferStatus.ACCEPTED).id, staff)
    html = _html(client.get(f"/requests/{request.id}"))
    assert f"Kontakt von <bdi>{helper.user.display_name}</bdi> weitergeben" in html
    # One "shared" value per helper's form, the button's own: no empty copy of the field before it.
    assert html.count('name="shared"') == 1 and html.count('name="helper_id"') == 1
    response = client.post(
        f"/requests/{request.id}/contact",
        data={"helper_id": str(helper.id), "shared": "1"},
        headers=htmx_headers("submitted-actions"),
    )
    assert response.status_code == 200 and "nicht mehr weitergeben" in _html(response)
    assert contact_queries.shared_helper_ids(_db.session.get(HelpRequest, request.id)) == {helper.id}
    bad = client.post(
        f"/requests/{request.id}/contact",
        data={"helper_id": str(helper.id), "shared": "maybe"},
        headers=htmx_headers("submitted-actions"),
    )
    assert bad.status_code == 422


def test_the_organisation_hears_of_reschedule_cancel_and_completion(member, coordinator, create_helper):
    request = _submitted(member, status=RequestStatus.OPEN)
    confirm_offer(offer_to(request, create_helper(), OfferStatus.ACCEPTED).id, coordinator)
    new_start = request.starts_at + timedelta(days=1)
    lifecycle.reschedule(request.id, new_start, 60, coordinator)
    assert outbox("initiative_rescheduled", to=member.email)
    lifecycle.cancel(request.id, coordinator, "Familie verzogen")
    [mail] = outbox("request_cancelled", to=member.email)
    assert "Familie verzogen" in mail.body_text


def test_opening_a_submitted_request_from_the_edit_form_counts_as_accepted(client, staff, create_user):
    member = create_user(Role.INITIATIVE)
    request = _submitted(member)
    data = _form(
        _far_enough(), fill_mode="confirm", organisation_id=str(member.organisation_id), intent="open"
    )
    response = client.post(f"/requests/{request.id}/edit", data=data)
    assert response.status_code == 303, _html(response)
    assert _status(request) == RequestStatus.OPEN
    assert outbox("initiative_accepted", to=member.email)


# --- the rules, without the web ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (RequestStatus.SUBMITTED, "submitted"),
        (RequestStatus.DRAFT, "in_progress"),
        (RequestStatus.OPEN, "in_progress"),
        (RequestStatus.OFFERED, "in_progress"),
        (RequestStatus.FILLED, "filled"),
        (RequestStatus.COMPLETED, "completed"),
        (RequestStatus.DECLINED, "declined"),
        (RequestStatus.CANCELLED, "cancelled"),
        (RequestStatus.UNFILLED, "unfilled"),
    ],
)
def test_every_status_has_a_step_the_initiative_understands(status, step):
    from ki_match.initiatives.labels import STATUS_GROUPS, initiative_status

    assert initiative_status(status) == step
    assert status in STATUS_GROUPS[step]


@pytest.mark.parametrize("status", list(RequestStatus))
def test_only_a_submitted_request_can_be_accepted_or_declined(member, coordinator, status):
    request = _submitted(member, status=status)
    if status == RequestStatus.SUBMITTED:
        lifecycle.take_over(request.id, coordinator)
        assert _status(request) == RequestStatus.OPEN
        declined = _submitted(member)
        lifecycle.decline_submitted(declined.id, coordinator, "Zuständig ist das Jugendamt")
        assert _status(declined) == RequestStatus.DECLINED
        change = _db.session.scalar(
            select(RequestStatusChange).where(
                RequestStatusChange.request_id == declined.id,
                RequestStatusChange.to_status == RequestStatus.DECLINED,
            )
        )
        assert (change.actor_id, change.note) == (coordinator.id, "Zuständig ist das Jugendamt")
    else:
        for step in (
            lambda: lifecycle.take_over(request.id, coordinator),
            lambda: lifecycle.decline_submitted(request.id, coordinator, "Grund"),
            lambda: services.ask_back(request.id, coordinator, "Frage?"),
        ):
            with pytest.raises(RequestError):
                step()
        assert _status(request) == status


def test_declining_needs_a_reason(member, coordinator):
    request = _submitted(member)
    with pytest.raises(RequestError, match="Grund"):
        lifecycle.decline_submitted(request.id, coordinator, "  ")
    assert _status(request) == RequestStatus.SUBMITTED


@pytest.mark.parametrize("status", list(RequestStatus))
def test_withdrawable_only_while_nobody_is_confirmed(status):
    request = HelpRequest(status=status)
    expected = status in (RequestStatus.SUBMITTED, RequestStatus.OPEN, RequestStatus.OFFERED)
    assert services.can_withdraw(request) is expected


def test_completed_and_unfilled_are_told_too(member, coordinator, create_helper):
    from tests.factories import move_into_past

    filled = _submitted(member, status=RequestStatus.OPEN)
    assignment = confirm_offer(offer_to(filled, create_helper(), OfferStatus.ACCEPTED).id, coordinator)
    move_into_past(assignment)
    lifecycle.complete(filled.id, coordinator)
    assert outbox("initiative_completed", to=member.email)

    unfilled = _submitted(member, status=RequestStatus.OPEN)
    unfilled.starts_at = unfilled.starts_at - timedelta(days=20)
    _db.session.commit()
    lifecycle.mark_unfilled()
    assert _status(unfilled) == RequestStatus.UNFILLED
    assert outbox("initiative_unfilled", to=member.email)


def test_nobody_hears_about_a_request_nobody_sent_in(coordinator, create_helper):
    request = make_request(created_by=coordinator)
    confirm_offer(offer_to(request, create_helper(), OfferStatus.ACCEPTED).id, coordinator)
    assert not outbox("initiative_filled")
