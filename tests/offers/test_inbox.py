"""The helper's inbox: cards, one-tap answers with htmx and without, polling, and answers from the e-mail link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from ki_match.accounts.models import Role
from ki_match.audit.models import AuditEvent
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.notifications.recipients import offers_sent
from ki_match.offers import tokens
from ki_match.offers.answers import Answer, accept_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.rules import OfferError
from ki_match.offers.tokens import answer_url
from ki_match.orgs.models import Ki
from ki_match.reference.models import Topic
from ki_match.requests.events import OffersSent
from ki_match.requests.lifecycle import transition
from ki_match.requests.models import (
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.factories import (
    CLIENT_REF,
    PLACE,
    assignment_for,
    booked,
    language,
    make_request,
    offer_to,
)
from tests.support import htmx_headers, outbox


@pytest.fixture
def amina(create_helper):
    """A helper living in Höxter (not logged in)."""
    return create_helper(home="Höxter", display_name="Amina K.")


@pytest.fixture
def logged_in(auth, amina):
    response = auth.login(amina.user.email)
    assert response.status_code == 303
    return amina


def card_html(body: str, offer_id: int) -> str:
    match = re.search(rf'<article id="offer-card-{offer_id}".*?</article>', body, re.S)
    assert match, f"no card for offer {offer_id}"
    return match.group(0)


# --- the page -------------------------------------------------------------------------------


def test_card_shows_what_a_helper_needs_and_nothing_private(client, logged_in, coordinator):
    request = make_request(
        created_by=coordinator,
        notes="Bitte am Empfang melden.",
        topic_id=db.session.scalar(select(Topic.id).where(Topic.code == "health")),
    )
    request.alt_languages.append(language("kmr"))
    db.session.commit()
    offer = offer_to(request, logged_in)

    body = client.get("/inbox").get_data(as_text=True)
    card = card_html(body, offer.id)
    assert "Begleitung zu einem Termin" in card
    assert "Arabisch" in card and "auch möglich:" in card and "Kurdisch" in card
    assert "Gesundheit" in card
    assert "etwa 90 Minuten" in card
    assert "<bdi>Brakel</bdi> (15 km von Ihrem Wohnort)" in card
    assert "Bitte am Empfang melden." in card
    assert f'action="/offers/{offer.id}/accept"' in card
    assert f'action="/offers/{offer.id}/decline"' in card
    assert "<details" in card and "Grund (freiwillig)" in card
    # never the exact place or the client reference before a confirmation
    assert PLACE not in body and "Am Markt" not in body
    assert CLIENT_REF not in body


def test_times_are_berlin_wall_clock_in_summer_and_winter(client, logged_in, coordinator):
    year = utcnow().year + 1
    summer = make_request(created_by=coordinator, starts_in=timedelta(days=1))
    summer.starts_at = datetime(year, 7, 14, 8, 0, tzinfo=UTC)  # 10:00 CEST
    winter = make_request(created_by=coordinator, starts_in=timedelta(days=1), minutes=60)
    winter.starts_at = datetime(year, 1, 12, 9, 0, tzinfo=UTC)  # 10:00 CET
    db.session.commit()
    summer_offer, winter_offer = offer_to(summer, logged_in), offer_to(winter, logged_in)

    body = client.get("/inbox").get_data(as_text=True)
    assert f"14. Juli {year}, 10:00–11:30 Uhr" in card_html(body, summer_offer.id)
    assert f"12. Januar {year}, 10:00–11:00 Uhr" in card_html(body, winter_offer.id)


def test_written_translation_shows_due_date_and_no_town(client, logged_in, coordinator):
    due = date.today() + timedelta(days=6)
    request = make_request(
        created_by=coordinator, kind=RequestKind.WRITTEN, starts_in=None, where=None, due_on=due
    )
    offer = offer_to(request, logged_in)
    card = card_html(client.get("/inbox").get_data(as_text=True), offer.id)
    assert "fertig bis" in card and str(due.day) in card
    assert "schriftlich" in card and "km von Ihrem Wohnort" not in card


def test_open_offers_soonest_first_then_waiting_then_done(client, logged_in, coordinator):
    now = utcnow()
    later = offer_to(make_request(created_by=coordinator, starts_in=timedelta(days=9)), logged_in)
    older = offer_to(make_request(created_by=coordinator), logged_in, created_at=now - timedelta(hours=5))
    newer = offer_to(make_request(created_by=coordinator), logged_in, created_at=now - timedelta(hours=1))
    sooner = offer_to(make_request(created_by=coordinator, starts_in=timedelta(days=1)), logged_in)
    waiting = offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.ACCEPTED)
    declined = offer_to(
        make_request(created_by=coordinator),
        logged_in,
        OfferStatus.DECLINED,
        created_at=now,
        answered_at=now,
    )
    withdrawn = offer_to(
        make_request(created_by=coordinator), logged_in, OfferStatus.WITHDRAWN, created_at=now
    )

    body = client.get("/inbox").get_data(as_text=True)
    open_part, rest = body.split('id="waiting-offers-heading"')
    waiting_part, done_part = rest.split('id="done-offers-heading"')
    assert "Offene Anfragen (4)" in open_part
    # soonest first; of two at the same time, the newer offer first
    order = [open_part.index(f"offer-card-{offer.id}") for offer in (sooner, newer, older, later)]
    assert order == sorted(order)
    assert f"offer-card-{waiting.id}" in waiting_part and "Wartet auf Bestätigung (1)" in waiting_part
    assert "das Integrationszentrum bestätigt noch" in card_html(body, waiting.id)
    assert "Erledigt (2)" in done_part
    assert f"offer-card-{declined.id}" in done_part and f"offer-card-{withdrawn.id}" in done_part
    assert "Abgesagt." in card_html(body, declined.id)
    assert "Zurückgezogen" in card_html(body, withdrawn.id)
    assert "Zusagen" not in card_html(body, declined.id)


def test_without_anything_waiting_there_is_no_waiting_group(client, logged_in, coordinator):
    offer_to(make_request(created_by=coordinator), logged_in)
    body = client.get("/inbox").get_data(as_text=True)
    assert "waiting-offers-heading" not in body and "Erledigt (0)" in body


def test_a_done_offer_says_what_its_assignment_is_now(client, logged_in, coordinator):
    confirmed = assignment_for(make_request(created_by=coordinator), logged_in, coordinator)
    cancelled = booked(make_request(created_by=coordinator), logged_in, status=AssignmentStatus.CANCELLED)
    body = client.get("/inbox").get_data(as_text=True)
    done_part = body.split('id="done-offers-heading"')[1]
    shown = card_html(done_part, confirmed.offer_id)
    assert "Bestätigt – der Einsatz ist Ihrer." in shown
    assert f'href="/assignments/{confirmed.id}"' in shown
    # an assignment the KI called off is never shown as confirmed
    called_off = card_html(done_part, cancelled.offer_id)
    assert "Vom Integrationszentrum abgesagt." in called_off and "Bestätigt" not in called_off


def _answered_offers(helper, coordinator, n: int) -> list[Offer]:
    now = utcnow()
    return [
        offer_to(
            make_request(created_by=coordinator),
            helper,
            OfferStatus.DECLINED,
            created_at=now - timedelta(hours=n - index),
            answered_at=now,
        )
        for index in range(n)
    ]


def test_answered_offers_come_a_page_at_a_time_newest_first(client, logged_in, coordinator):
    offers = _answered_offers(logged_in, coordinator, 12)  # oldest first
    body = client.get("/inbox").get_data(as_text=True)
    assert "Erledigt (12)" in body
    shown = re.findall(r'<article id="offer-card-(\d+)"', body)
    assert shown == [str(offer.id) for offer in reversed(offers[2:])]
    assert 'href="/inbox?page=2"' in body and "Seite 1 von 2" in body

    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert re.findall(r'<article id="offer-card-(\d+)"', second) == [str(offers[1].id), str(offers[0].id)]
    assert 'href="/inbox?page=1"' in second
    # the poll keeps the page the helper is reading
    assert 'hx-get="/inbox?page=2" hx-trigger="every 30s"' in second


def test_a_page_link_swaps_the_list_and_moves_the_focus_to_its_heading(client, logged_in, coordinator):
    _answered_offers(logged_in, coordinator, 11)
    headers = {**htmx_headers("offer-list"), "HX-Trigger": "done-page-next"}
    response = client.get("/inbox?page=2", headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="offer-list"') and "<h1" not in body
    assert re.search(r'<h2 id="done-offers-heading"[^>]*data-focus-after-swap', body)
    assert len(re.findall(r'<article id="offer-card-', body)) == 1


def test_a_page_past_the_end_shows_the_last_one(client, logged_in, coordinator):
    _answered_offers(logged_in, coordinator, 3)
    response = client.get("/inbox?page=7")
    assert response.status_code == 200
    assert len(re.findall(r'<article id="offer-card-', response.get_data(as_text=True))) == 3


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999"])
def test_a_page_number_that_is_none_says_so(client, logged_in, page):
    response = client.get(f"/inbox?page={page}")
    assert response.status_code == 400
    assert "eine Seitenzahl" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "make_it_closed, expected",
    [
        (lambda offer, request: setattr(offer, "expires_at", utcnow() - timedelta(minutes=1)), "abgelaufen"),
        (lambda offer, request: transition(request, RequestStatus.CANCELLED), "zurückgezogen"),
        (lambda offer, request: setattr(request, "starts_at", utcnow() - timedelta(hours=1)), "vorbei"),
    ],
    ids=["expired", "cancelled", "started"],
)
def test_pending_offer_that_can_no_longer_be_answered_moves_down(
    client, logged_in, coordinator, make_it_closed, expected
):
    request = make_request(created_by=coordinator)
    offer = offer_to(request, logged_in)
    make_it_closed(offer, request)
    db.session.commit()

    body = client.get("/inbox").get_data(as_text=True)
    assert "Offene Anfragen (0)" in body
    card = card_html(body, offer.id)
    assert expected in card
    assert "/accept" not in card
    assert "Anfragen (" not in body.split("</nav>")[0]  # nothing to answer: no count in the menu


def test_navigation_counts_only_offers_that_can_be_answered(client, logged_in, coordinator):
    offer_to(make_request(created_by=coordinator), logged_in)
    offer_to(make_request(created_by=coordinator), logged_in)
    offer_to(make_request(created_by=coordinator), logged_in, expires_at=utcnow() - timedelta(hours=1))
    offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.DECLINED)
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert re.search(r'href="/inbox"[^>]*>Anfragen \(2\)<', nav)
    assert 'href="/assignments"' in nav


def test_dashboard_links_to_the_inbox(client, logged_in):
    body = client.get("/").get_data(as_text=True)
    main = body.split('id="main"')[1]
    assert 'href="/inbox"' in main and 'href="/assignments"' in main


# --- polling --------------------------------------------------------------------------------


def test_poll_returns_only_the_list_block(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    response = client.get("/inbox", headers=htmx_headers("offer-list"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="offer-list"')
    assert 'hx-trigger="every 30s"' in body and f"offer-card-{offer.id}" in body
    assert "<html" not in body and "<h1" not in body and "<nav" not in body
    # the swap must not steal focus: only answers carry the focus marker
    assert "data-focus-after-swap" not in body
    assert "HX-Target" in response.headers.get("Vary", "")


def test_a_boosted_or_history_request_gets_the_whole_page(client, logged_in):
    headers = {**htmx_headers("offer-list"), "HX-History-Restore-Request": "true"}
    assert "<h1" in client.get("/inbox", headers=headers).get_data(as_text=True)
    assert "<h1" in client.get("/inbox", headers={"HX-Request": "true"}).get_data(as_text=True)


def _statements_for(client, app, path, headers) -> int:
    count = 0

    def count_statement(*_args):
        nonlocal count
        count += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    return count


def test_poll_cost_does_not_grow_with_the_number_of_offers(app, client, logged_in, coordinator):
    def add_offers(n):
        for _ in range(n):
            request = make_request(
                created_by=coordinator, topic_id=db.session.scalar(select(Topic.id).limit(1))
            )
            request.alt_languages.append(language("fa"))
            db.session.commit()
            offer_to(request, logged_in)
        offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.ACCEPTED)

    add_offers(2)
    few = _statements_for(client, app, "/inbox", htmx_headers("offer-list"))
    add_offers(6)
    many = _statements_for(client, app, "/inbox", htmx_headers("offer-list"))
    assert many == few, (few, many)


# --- answering in the inbox -----------------------------------------------------------------


def test_accept_swaps_the_card_and_announces_it(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    response = client.post(f"/offers/{offer.id}/accept", headers=htmx_headers(f"offer-card-{offer.id}"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<article id="offer-card-{offer.id}"')
    assert "<html" not in body
    status = re.search(r"<p [^>]*role=\"status\"[^>]*>(.*?)</p>", body, re.S)
    assert status and "data-focus-after-swap" in status.group(0)
    assert "Danke! Sie haben zugesagt. Das Integrationszentrum bestätigt den Einsatz." in status.group(1)
    assert "/accept" not in body
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED
    assert outbox("offer_accepted", to=coordinator.email)


def test_first_to_accept_gets_the_assignment_and_a_link_to_it(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator, mode=FillMode.FIRST_TO_ACCEPT), logged_in)
    response = client.post(f"/offers/{offer.id}/accept", headers=htmx_headers(f"offer-card-{offer.id}"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Der Einsatz ist Ihrer – vielen Dank!" in body
    assert re.search(r'href="/assignments/\d+"', body)


def test_accept_without_javascript_redirects_back_with_a_message(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    response = client.post(f"/offers/{offer.id}/accept")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/inbox")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Danke! Sie haben zugesagt." in page.split('id="flash"')[1].split("</div>")[0]


def test_accept_from_htmx_without_the_card_target_navigates(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    response = client.post(f"/offers/{offer.id}/accept", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/inbox")


def test_decline_with_a_reason_swaps_the_card(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    response = client.post(
        f"/offers/{offer.id}/decline",
        data={f"offer-{offer.id}-reason": "  Bin an dem Tag beim Arzt "},
        headers=htmx_headers(f"offer-card-{offer.id}"),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'role="status"' in body and "Abgesagt." in body
    offer = db.session.get(Offer, offer.id)
    assert (offer.status, offer.decline_reason) == (OfferStatus.DECLINED, "Bin an dem Tag beim Arzt")


def test_decline_without_a_reason_and_without_javascript(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    response = client.post(f"/offers/{offer.id}/decline")
    assert response.status_code == 303
    offer = db.session.get(Offer, offer.id)
    assert (offer.status, offer.decline_reason) == (OfferStatus.DECLINED, None)


@pytest.mark.parametrize("with_htmx", [True, False])
def test_too_long_a_reason_is_422_with_the_text_kept(client, logged_in, coordinator, with_htmx):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    reason = "Weil " + "x" * 310
    headers = htmx_headers(f"offer-card-{offer.id}") if with_htmx else {}
    response = client.post(
        f"/offers/{offer.id}/decline", data={f"offer-{offer.id}-reason": reason}, headers=headers
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("<html" in body) is not with_htmx
    card = card_html(body, offer.id)
    assert "höchstens 300 Zeichen" in card
    assert reason in card and 'aria-invalid="true"' in card
    assert "<details" in card and " open" in card.split("<details")[1].split(">")[0]
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_accepting_a_request_filled_meanwhile_answers_409_with_the_card(
    client, logged_in, coordinator, create_helper
):
    request = make_request(created_by=coordinator, mode=FillMode.FIRST_TO_ACCEPT)
    offer = offer_to(request, logged_in)
    quicker = create_helper()
    accept_offer(offer_to(request, quicker).id, quicker.user)

    response = client.post(f"/offers/{offer.id}/accept", headers=htmx_headers(f"offer-card-{offer.id}"))
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert body.lstrip().startswith(f'<article id="offer-card-{offer.id}"')
    status = re.search(r"<p [^>]*role=\"status\"[^>]*>(.*?)</p>", body, re.S)
    assert "Diese Anfrage ist inzwischen schon besetzt" in status.group(1)
    assert "/accept" not in body
    assert PLACE not in body


def test_accepting_a_withdrawn_request_without_javascript_says_so(client, logged_in, coordinator):
    request = make_request(created_by=coordinator)
    offer = offer_to(request, logged_in)
    transition(request, RequestStatus.CANCELLED)
    db.session.commit()
    response = client.post(f"/offers/{offer.id}/accept", follow_redirects=True)
    assert "Diese Anfrage wurde zurückgezogen" in response.get_data(as_text=True)
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_declining_an_accepted_offer_is_409(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.ACCEPTED)
    response = client.post(f"/offers/{offer.id}/decline", headers=htmx_headers(f"offer-card-{offer.id}"))
    assert response.status_code == 409
    assert "nicht mehr offen" in response.get_data(as_text=True)
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_another_helpers_offer_is_not_found(client, logged_in, coordinator, create_helper, action):
    other = create_helper()
    offer = offer_to(make_request(created_by=coordinator), other)
    response = client.post(f"/offers/{offer.id}/{action}", headers=htmx_headers(f"offer-card-{offer.id}"))
    assert response.status_code == 404
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING
    assert f"offer-card-{offer.id}" not in client.get("/inbox").get_data(as_text=True)


def test_an_offer_of_another_ki_is_hers_and_names_that_ki(client, logged_in):
    """An offer from another KI can only come through the shared pool: it is addressed to her, so
    her inbox shows it, marked with the asking KI (tests/offers/test_pool.py sends them)."""
    other_ki = Ki(slug="paderborn", name="Kreis Paderborn")
    db.session.add(other_ki)
    db.session.commit()
    offer = offer_to(make_request(ki=other_ki, where=None, kind=RequestKind.REMOTE), logged_in)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert f"offer-card-{offer.id}" in inbox
    assert "Kreis Paderborn" in inbox


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INITIATIVE, Role.ADMIN])
def test_only_helpers_have_an_inbox(client, login_as, create_helper, coordinator, role):
    offer = offer_to(make_request(created_by=coordinator), create_helper())
    login_as(role)
    assert client.get("/inbox").status_code == 403
    assert client.get("/inbox", headers=htmx_headers("offer-list")).status_code == 403
    assert client.post(f"/offers/{offer.id}/accept").status_code == 403
    assert client.post(f"/offers/{offer.id}/decline").status_code == 403
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_anonymous_visitors_are_sent_to_the_login(client, create_helper, coordinator):
    offer = offer_to(make_request(created_by=coordinator), create_helper())
    response = client.get("/inbox")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert client.post(f"/offers/{offer.id}/accept").status_code == 303
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


# --- the offer e-mail and its links ---------------------------------------------------------

LINK = re.compile(r"https?://[^/\s\"]+(/offers/answer/[^\s\"<]+)")


def mailed_links(helper) -> dict[str, str]:
    [message] = outbox("offer", to=helper.user.email)
    text_links = LINK.findall(message.body_text)
    html_links = LINK.findall(message.body_html)
    assert len(text_links) == 2 and set(text_links) == set(html_links)
    accept, decline = text_links
    return {"accept": accept, "decline": decline, "message": message}


@pytest.fixture
def mailed_offer(amina, coordinator):
    request = make_request(created_by=coordinator, notes="Vertraulich: Frau A. ist schwanger")
    offer = offer_to(request, amina, expires_at=utcnow() + timedelta(days=2))
    offers_sent(OffersSent(request=offer.request, actor=None, offers=[offer]))
    db.session.commit()
    return offer


def test_offer_mail_has_both_answer_links_and_nothing_private(mailed_offer, amina):
    links = mailed_links(amina)
    message = links["message"]
    for body in (message.body_text, message.body_html):
        assert PLACE not in body and CLIENT_REF not in body and "schwanger" not in body
        assert "Brakel" in body and "Arabisch" in body
        assert "Bitte antworten Sie bis" in body
    assert message.subject == "Anfrage: Können Sie helfen?"
    assert "/inbox" in message.body_text


def test_accept_link_confirms_first_then_acts_once(client, mailed_offer, amina, coordinator):
    accept = mailed_links(amina)["accept"]
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    page = client.get(accept)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Möchten Sie zusagen?" in body and "Brakel" in body
    assert re.search(r"<button[^>]*>Zusagen</button>", body)
    assert PLACE not in body and CLIENT_REF not in body and "schwanger" not in body
    db.session.expire_all()
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before

    done = client.post(accept)
    assert done.status_code == 303
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.ACCEPTED
    assert outbox("offer_accepted", to=coordinator.email)
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200
    assert "Danke! Sie haben zugesagt." in thanks.get_data(as_text=True)

    again = client.post(accept)
    assert again.status_code == 410
    assert "Sie haben diese Anfrage bereits zugesagt." in again.get_data(as_text=True)
    assert client.get(accept).status_code == 410
    assert len(outbox("offer_accepted", to=coordinator.email)) == 1


def test_first_to_accept_by_link_says_the_assignment_is_theirs(client, amina, coordinator):
    offer = offer_to(make_request(created_by=coordinator, mode=FillMode.FIRST_TO_ACCEPT), amina)
    response = client.post(answer_url(offer, Answer.ACCEPT), follow_redirects=True)
    assert "Der Einsatz ist Ihrer – vielen Dank!" in response.get_data(as_text=True)


def test_decline_link_takes_an_optional_reason(client, mailed_offer, amina):
    decline = mailed_links(amina)["decline"]
    page = client.get(decline).get_data(as_text=True)
    assert "Möchten Sie absagen?" in page and "Grund (freiwillig)" in page
    response = client.post(decline, data={"reason": "Urlaub"})
    assert response.status_code == 303
    offer = db.session.get(Offer, mailed_offer.id)
    assert (offer.status, offer.decline_reason) == (OfferStatus.DECLINED, "Urlaub")
    assert "Abgesagt." in client.get(response.headers["Location"]).get_data(as_text=True)
    # the other link of the same mail is used up too
    accept = mailed_links(amina)["accept"]
    assert client.post(accept).status_code == 410
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.DECLINED


def test_decline_link_with_too_long_a_reason_is_422_with_the_text_kept(client, mailed_offer, amina):
    decline = mailed_links(amina)["decline"]
    reason = "y" * 301
    response = client.post(decline, data={"reason": reason})
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.PENDING


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_link_is_not_found(client, mailed_offer, amina, method):
    accept = mailed_links(amina)["accept"]
    tampered = accept[:-3] + ("abc" if not accept.endswith("abc") else "xyz")
    response = getattr(client, method)(tampered)
    assert response.status_code == 404
    assert "Dieser Link ist nicht gültig" in response.get_data(as_text=True)
    assert getattr(client, method)("/offers/answer/nonsense").status_code == 404
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.PENDING


def test_link_for_a_decline_cannot_be_turned_into_an_accept(client, mailed_offer, amina):
    """The answer is inside the signed token; the form cannot change it."""
    decline = mailed_links(amina)["decline"]
    client.post(decline, data={"answer": "accept"})
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.DECLINED


def test_an_old_link_has_expired(client, mailed_offer, amina, monkeypatch):
    accept = mailed_links(amina)["accept"]
    monkeypatch.setattr(tokens, "ANSWER_LINK_MAX_AGE", timedelta(seconds=-1))
    response = client.post(accept)
    assert response.status_code == 404
    assert "abgelaufen" in response.get_data(as_text=True)
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.PENDING


def test_an_expired_offer_says_so_on_a_plain_page(client, mailed_offer, amina):
    accept = mailed_links(amina)["accept"]
    mailed_offer.expires_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    for response in (client.get(accept), client.post(accept)):
        assert response.status_code == 410
        assert "Diese Anfrage ist abgelaufen." in response.get_data(as_text=True)
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.PENDING


def test_a_link_to_a_request_filled_meanwhile_says_so(
    client, mailed_offer, amina, coordinator, create_helper
):
    other = create_helper()
    confirm_offer(
        offer_to(db.session.get(HelpRequest, mailed_offer.request_id), other, OfferStatus.ACCEPTED).id,
        coordinator,
    )
    accept = mailed_links(amina)["accept"]
    response = client.get(accept)
    assert response.status_code == 410
    assert "schon besetzt" in response.get_data(as_text=True)
    assert client.post(accept).status_code == 410


def test_a_link_of_a_deactivated_account_does_nothing(client, mailed_offer, amina):
    accept = mailed_links(amina)["accept"]
    amina.user.active = False
    db.session.commit()
    assert client.post(accept).status_code == 404
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.PENDING


def test_the_done_page_of_a_pending_offer_goes_back_to_the_question(client, mailed_offer, amina):
    accept = mailed_links(amina)["accept"]
    response = client.get(accept + "/done")
    assert response.status_code == 303 and response.headers["Location"].endswith(accept)
    assert client.get("/offers/answer/nonsense/done").status_code == 404


def test_answer_link_works_with_csrf_on(make_app, mailed_offer, amina):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    accept = mailed_links(amina)["accept"]
    assert client.post(accept).status_code == 400  # no token: refused
    page = client.get(accept).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    response = client.post(accept, data={"csrf_token": token.group(1)})
    assert response.status_code == 303
    assert db.session.get(Offer, mailed_offer.id).status == OfferStatus.ACCEPTED


def test_answer_link_posts_are_rate_limited_per_address(make_app, mailed_offer, amina):
    app = make_app(RATELIMIT_ENABLED=True, OFFER_LINK_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/offers/answer/guess").status_code == 404
    assert client.post("/offers/answer/guess").status_code == 429
    assert client.get(mailed_links(amina)["accept"]).status_code == 200  # reading stays possible


# --- taking a yes back ----------------------------------------------------------------------


def test_a_yes_not_yet_confirmed_can_be_taken_back_and_given_again(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in)
    headers = htmx_headers(f"offer-card-{offer.id}")
    accepted = client.post(f"/offers/{offer.id}/accept", headers=headers).get_data(as_text=True)
    assert f'action="/offers/{offer.id}/take-back"' in accepted

    response = client.post(f"/offers/{offer.id}/take-back", headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<article id="offer-card-{offer.id}"')
    assert "Ihre Zusage ist zurückgenommen." in body
    assert f'action="/offers/{offer.id}/accept"' in body  # it asks again
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING
    mails = outbox("offer_declined", to=coordinator.email)
    assert mails and "Zusage zurückgenommen" in mails[-1].subject

    again = client.post(f"/offers/{offer.id}/accept", headers=headers)
    assert again.status_code == 200
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED
    assert len(outbox("offer_accepted", to=coordinator.email)) == 2  # each yes is its own mail


def test_taking_back_without_javascript_returns_to_the_inbox(client, logged_in, coordinator):
    offer = offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.ACCEPTED)
    response = client.post(f"/offers/{offer.id}/take-back")
    assert response.status_code == 303 and response.headers["Location"].endswith("/inbox")
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_a_confirmed_yes_cannot_be_taken_back(client, logged_in, coordinator):
    """The coordinator confirmed first: the take-back that comes second is refused, and says so."""
    offer = offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.ACCEPTED)
    confirm_offer(offer.id, coordinator)
    response = client.post(f"/offers/{offer.id}/take-back", headers=htmx_headers(f"offer-card-{offer.id}"))
    assert response.status_code == 409
    assert "kann nicht mehr zurückgenommen werden" in response.get_data(as_text=True)
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED


def test_a_yes_taken_back_cannot_be_confirmed(client, logged_in, coordinator):
    """The helper took it back first: the confirmation that comes second is refused."""
    offer = offer_to(make_request(created_by=coordinator), logged_in, OfferStatus.ACCEPTED)
    assert client.post(f"/offers/{offer.id}/take-back").status_code == 303
    with pytest.raises(OfferError):
        confirm_offer(offer.id, coordinator)
    assert db.session.get(Offer, offer.id).status == OfferStatus.PENDING


def test_only_ones_own_yes_can_be_taken_back(client, logged_in, coordinator, create_helper):
    other = offer_to(make_request(created_by=coordinator), create_helper(), OfferStatus.ACCEPTED)
    response = client.post(f"/offers/{other.id}/take-back")
    assert response.status_code == 404
    assert db.session.get(Offer, other.id).status == OfferStatus.ACCEPTED
