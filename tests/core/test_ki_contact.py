"""No dead ends: where a page or a mail asks someone to call or write to the KI, the KI's number
and address are there as links (tel:, mailto:), written out in plain-text mails, and a KI
without contact details says so plainly. A request of the shared pool names the KI that asked."""

from __future__ import annotations

import re

import pytest

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.notifications.reminders import remind_assignment
from ki_match.offers.answers import Answer
from ki_match.offers.tokens import answer_url
from ki_match.orgs.settings import change_settings
from ki_match.requests import lifecycle
from ki_match.requests.models import OfferStatus
from tests.factories import (
    assignment_for,
    booked,
    make_request,
    make_user,
    move_into_past,
    offer_to,
    other_ki,
)
from tests.support import outbox

PHONE = "05271 965-0"
TEL = 'href="tel:052719650"'
EMAIL = "integration@kreis-hoexter.example"
MAILTO = f'href="mailto:{EMAIL}"'
MISSING = "Die Kontaktdaten Ihres Integrationszentrums sind noch nicht hinterlegt."


def main(response) -> str:
    """The page's own content: the footer shows the KI's contact on every page anyway."""
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


def with_contact(ki, phone=PHONE, email=EMAIL):
    change_settings(ki, None, contact_phone=phone, contact_email=email, office_hours="Mo–Fr 9–12 Uhr")
    db.session.commit()
    return ki


@pytest.fixture
def amina(create_helper, auth):
    profile = create_helper(display_name="Amina Haddad", email="amina@example.org")
    auth.login(profile.user.email)
    return profile


@pytest.fixture
def confirmed(amina, coordinator):
    return assignment_for(make_request(created_by=coordinator), amina, coordinator)


# --- the assignment page --------------------------------------------------------------------------


def test_the_assignment_page_has_the_number_to_call_beside_the_request_to_call(client, ki, confirmed):
    with_contact(ki)
    page = main(client.get(f"/assignments/{confirmed.id}"))
    call = page.index("rufen Sie bitte zusätzlich das Integrationszentrum an")
    form = page.index('id="withdraw-form"')
    assert call < page.index(TEL) < form  # right where the page says to call
    assert f'><bdi dir="ltr">{PHONE}</bdi></a>' in page  # shown as typed (left to right), dialled as digits
    assert MAILTO in page and "<bdi>Mo–Fr 9–12 Uhr</bdi>" in page  # typed lines keep their direction
    assert MISSING not in page


def test_the_assignment_page_says_plainly_when_the_ki_has_no_contact_yet(client, confirmed):
    page = main(client.get(f"/assignments/{confirmed.id}"))
    assert MISSING in page
    assert 'href="tel:' not in page and 'href="mailto:' not in page


def test_a_past_assignment_still_says_whom_to_ask(client, ki, confirmed):
    with_contact(ki)
    move_into_past(confirmed)
    page = main(client.get(f"/assignments/{confirmed.id}"))
    assert 'id="withdraw-form"' not in page
    assert "Fragen zu diesem Einsatz?" in page and TEL in page


def test_a_request_of_another_ki_names_that_ki_to_call(client, ki, amina):
    """Shared pool: the KI that asked and confirmed is the one to call, not the helper's own."""
    with_contact(ki, phone="05271 111-1", email="own@kreis-hoexter.example")
    elsewhere = with_contact(other_ki(), phone="+49 (0)5251 308-0", email="ki@paderborn.example")
    asking = make_user(Role.COORDINATOR, ki=elsewhere)
    assignment = booked(make_request(ki=elsewhere, created_by=asking, where="Paderborn"), amina)
    page = main(client.get(f"/assignments/{assignment.id}"))
    assert 'href="tel:+4952513080"' in page and 'href="mailto:ki@paderborn.example"' in page
    assert "own@kreis-hoexter.example" not in page and "tel:052711111" not in page


def test_another_ki_without_contact_is_named(client, amina):
    elsewhere = other_ki()
    assignment = booked(
        make_request(ki=elsewhere, created_by=make_user(Role.COORDINATOR, ki=elsewhere), where="Paderborn"),
        amina,
    )
    page = main(client.get(f"/assignments/{assignment.id}"))
    assert "Die Kontaktdaten von <bdi>Anderes KI</bdi> sind noch nicht hinterlegt." in page


# --- other pages ----------------------------------------------------------------------------------


def test_a_closed_answer_link_says_how_to_reach_the_ki(client, ki, amina, coordinator):
    with_contact(ki)
    offer = offer_to(make_request(created_by=coordinator), amina, OfferStatus.DECLINED)
    client.get("/logout")
    response = client.get(answer_url(offer, Answer.ACCEPT))
    assert response.status_code == 410
    assert TEL in main(response) and MAILTO in main(response)


def test_a_closed_answer_link_names_the_asking_ki(client, ki, amina):
    """Anonymous: the page names the KI that asked (here another KI, through the shared pool),
    not the one the page would otherwise belong to."""
    with_contact(ki)
    elsewhere = with_contact(other_ki(), phone="05251 308-0", email="ki@paderborn.example")
    asking = make_user(Role.COORDINATOR, ki=elsewhere)
    offer = offer_to(
        make_request(ki=elsewhere, created_by=asking, where="Paderborn"), amina, OfferStatus.DECLINED
    )
    client.get("/logout")
    page = main(client.get(answer_url(offer, Answer.ACCEPT)))
    assert 'href="mailto:ki@paderborn.example"' in page and 'href="tel:0525130' in page
    assert MAILTO not in page


def test_the_profiles_checks_say_whom_to_tell(client, ki, amina):
    assert MISSING in main(client.get("/profile"))
    with_contact(ki)
    page = main(client.get("/profile"))
    assert page.index("Wenn etwas nicht stimmt, melden Sie sich dort.") < page.index(TEL)


def test_a_deactivated_organisation_is_told_whom_to_call(client, ki, login_as):
    with_contact(ki)
    member = login_as(Role.INITIATIVE)
    member.organisation.active = False
    db.session.commit()
    for path in ("/", "/initiative/requests/new"):
        page = main(client.get(path))
        assert "Bitte wenden Sie sich an das Integrationszentrum." in page and TEL in page, path


# --- mails ----------------------------------------------------------------------------------------


def mail(kind: str):
    [message] = outbox(kind, to="amina@example.org")
    return message


def test_mails_that_say_to_call_carry_the_number(ki, amina, coordinator, confirmed):
    with_contact(ki)
    remind_assignment(confirmed)
    db.session.commit()
    move_into_past(confirmed)
    lifecycle.no_show(confirmed.id, coordinator)
    for kind in ("assignment_reminder", "assignment_no_show"):
        message = mail(kind)
        # Plain text: written out, to read aloud or copy; HTML: tappable.
        assert f"Telefon: {PHONE}" in message.body_text and f"E-Mail: {EMAIL}" in message.body_text, kind
        assert TEL in message.body_html and MAILTO in message.body_html, kind
        assert "Kreis Höxter" in message.body_text, kind


def test_the_confirmation_says_whom_to_ask(ki, amina, coordinator):
    with_contact(ki)
    assignment_for(make_request(created_by=coordinator), amina, coordinator)
    message = mail("assignment_confirmed")
    assert "Fragen? So erreichen Sie das Integrationszentrum:" in message.body_text
    assert f"Telefon: {PHONE}" in message.body_text and TEL in message.body_html


def test_mails_say_plainly_when_the_ki_has_no_contact_yet(amina, coordinator, confirmed):
    remind_assignment(confirmed)
    db.session.commit()
    message = mail("assignment_reminder")
    for body in (message.body_text, message.body_html):
        assert MISSING in body
        assert "Telefon:" not in body
    assert not re.search(r'href="(tel|mailto):', message.body_html)


def test_a_mail_in_english_translates_the_contact(ki, amina, coordinator):
    with_contact(ki)
    amina.user.locale = "en"
    db.session.commit()
    assignment_for(make_request(created_by=coordinator), amina, coordinator)
    message = mail("assignment_confirmed")
    assert f"Phone: {PHONE}" in message.body_text
