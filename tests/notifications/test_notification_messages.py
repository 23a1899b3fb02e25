"""What the outbox holds: written with its cause or not at all, in the recipient's language,
self-contained, and without what the recipient must not learn."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from flask_babel import force_locale
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from ki_match.accounts import services as accounts
from ki_match.accounts.models import Role
from ki_match.assignments.services import approve_report, report_hours, withdraw_assignment
from ki_match.audit.models import AuditEvent
from ki_match.clock import utcnow
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.helpers.activation import approve_helper
from ki_match.helpers.models import Gender
from ki_match.offers.answers import Answer, accept_offer, decline_offer
from ki_match.offers.confirming import confirm_offer
from ki_match.offers.sending import send_offers, withdraw_offer
from ki_match.offers.tokens import answer_url, offer_from_token
from ki_match.outbox.models import OutboxMessage
from ki_match.requests import lifecycle
from ki_match.requests.models import Offer, OfferStatus
from tests.factories import (
    CLIENT_REF,
    PLACE,
    assignment_for,
    make_request,
    make_user,
    move_into_past,
    offer_to,
)
from tests.outbox_helpers import queue_verification
from tests.support import outbox

PHONE = "+49 5272 123456"


@pytest.fixture
def coordinator(create_user):
    return create_user(Role.COORDINATOR, display_name="Karin Koordination")


@pytest.fixture
def helper(create_helper):
    """A helper who may be asked, with a phone number and a gender the others must not see."""
    profile = create_helper(display_name="Amira Haddad", email="amira@example.org")
    profile.consent_given_at = utcnow()
    profile.phone = PHONE
    profile.gender = Gender.FEMALE
    db.session.commit()
    return profile


@pytest.fixture
def request_(coordinator):
    return make_request(created_by=coordinator)


def committed_count(app, model, *where) -> int:
    """What another connection (a worker) sees."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        engine.dispose()


# --- the outbox row and its cause commit together ---------------------------------------------


# Each cause: a set-up (committed as usual) returning what the act needs, and the act.


def _nothing(w):
    return None


def _pending_offer(w):
    return offer_to(w["request"], w["helper"])


def _accepted_offer(w):
    return offer_to(w["request"], w["helper"], OfferStatus.ACCEPTED)


def _assignment(w):
    return assignment_for(w["request"], w["helper"], w["coordinator"])


def _reported(w):
    assignment = move_into_past(_assignment(w))
    report_hours(assignment, w["helper"].user, minutes=90, travel_km=12, note=None)
    db.session.commit()
    return assignment


def _unapproved(w):
    return w["create_helper"](approved=False)


CAUSES = {
    "offer sent": (
        _nothing,
        lambda w, _: send_offers(w["request"].id, [w["helper"].id], w["coordinator"]),
        "offer",
    ),
    "offer accepted": (
        _pending_offer,
        lambda w, offer: accept_offer(offer.id, w["helper"].user),
        "offer_accepted",
    ),
    "offer declined": (
        _pending_offer,
        lambda w, offer: decline_offer(offer.id, w["helper"].user, "krank"),
        "offer_declined",
    ),
    "confirmed": (
        _accepted_offer,
        lambda w, offer: confirm_offer(offer.id, w["coordinator"]),
        "assignment_confirmed",
    ),
    "offer withdrawn": (
        _pending_offer,
        lambda w, offer: withdraw_offer(offer.id, w["coordinator"]),
        "offer_withdrawn",
    ),
    "rescheduled": (
        _assignment,
        lambda w, a: lifecycle.reschedule(
            w["request"].id, w["starts"] + timedelta(days=1), 90, w["coordinator"]
        ),
        "request_rescheduled",
    ),
    "cancelled": (
        _assignment,
        lambda w, a: lifecycle.cancel(w["request"].id, w["coordinator"], "Der Termin entfällt."),
        "request_cancelled",
    ),
    "helper withdraws": (
        _assignment,
        lambda w, a: withdraw_assignment(a.id, w["helper"].user, "Ich bin krank."),
        "assignment_withdrawn",
    ),
    "hours approved": (
        _reported,
        lambda w, a: approve_report(a.id, w["coordinator"]),
        "report_approved",
    ),
    "helper approved": (
        _unapproved,
        lambda w, p: approve_helper(p, w["coordinator"]),
        "helper_approved",
    ),
    "password reset": (
        _nothing,
        lambda w, _: accounts.request_password_reset(w["helper"].user.email),
        "reset_password",
    ),
    "verification": (
        _nothing,
        lambda w, _: accounts.register_helper(
            w["ki"], email="neu@example.org", display_name="Neu", password="x" * 16
        ),
        "verify_email",
    ),
    "invitation": (
        lambda w: make_user(Role.ADMIN, ki=w["ki"]),
        lambda w, admin: accounts.invite_user(
            w["ki"],
            email="kollegin@kreis.example",
            display_name="Kollegin",
            role=Role.COORDINATOR,
            organisation=None,
            invited_by=admin,
        ),
        "invitation",
    ),
}


def committed_of_kind(app, kind: str) -> int:
    return committed_count(app, OutboxMessage, OutboxMessage.kind == kind)


@pytest.mark.parametrize("cause", CAUSES)
def test_a_notification_commits_with_its_cause_or_not_at_all(
    app, monkeypatch, ki, coordinator, helper, request_, create_helper, cause
):
    setup, act, kind = CAUSES[cause]
    world = {"ki": ki, "coordinator": coordinator, "helper": helper, "request": request_}
    world.update(create_helper=create_helper, starts=request_.starts_at)
    subject = setup(world)
    assert committed_of_kind(app, kind) == 0
    real_commit = db.session.commit
    seen_in_transaction = {}

    def commit_fails_if_it_carries_the_mail():
        # The set-up's commits go through; the one that carries the cause's mail fails,
        # as when the database goes away at that very moment.
        in_transaction = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
        )
        if in_transaction:
            seen_in_transaction["mails"] = in_transaction
            seen_in_transaction["events"] = db.session.scalar(select(func.count()).select_from(AuditEvent))
            raise OperationalError("COMMIT", {}, Exception("connection lost"))
        real_commit()

    events_before = committed_count(app, AuditEvent)
    with monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", commit_fails_if_it_carries_the_mail)
        with pytest.raises(OperationalError):
            act(world, subject)
    db.session.rollback()
    # The mail was in the cause's transaction, with the cause's audit event: both are gone.
    assert seen_in_transaction["mails"] >= 1
    assert seen_in_transaction["events"] > events_before
    assert committed_of_kind(app, kind) == 0
    assert committed_count(app, AuditEvent) == events_before
    assert outbox(kind) == []

    act(world, subject)
    assert committed_of_kind(app, kind) >= 1
    assert committed_count(app, AuditEvent) > events_before


# --- the recipient's language -----------------------------------------------------------------


def test_a_mail_is_written_in_the_recipients_language_not_the_senders(app, create_user):
    english = create_user(Role.HELPER, display_name="Amira Haddad", locale="en")
    german = create_user(Role.HELPER, display_name="Jonas Berg", locale="de")
    unknown = create_user(Role.HELPER, display_name="Sara Ahmadi", locale="ps")
    with app.test_request_context("/", headers={"Accept-Language": "de"}), force_locale("de"):
        to_english = queue_verification(english, "en")
    with app.test_request_context("/", headers={"Accept-Language": "en"}), force_locale("en"):
        to_german = queue_verification(german, "de")
        to_unknown = queue_verification(unknown, "ps")
    db.session.commit()

    assert to_english.locale == "en"
    assert to_english.subject == "Please confirm your e-mail address"
    assert to_english.body_text.startswith("Hello Amira Haddad,")
    assert '<html lang="en" dir="ltr">' in to_english.body_html
    assert "Hallo" not in to_english.body_text

    assert to_german.locale == "de"
    assert to_german.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert to_german.body_text.startswith("Hallo Jonas Berg,")
    assert '<html lang="de" dir="ltr">' in to_german.body_html

    # A language the interface does not speak yet: German, the source language.
    assert to_unknown.locale == "de"
    assert to_unknown.body_text.startswith("Hallo Sara Ahmadi,")


def answer_links(text: str) -> dict[Answer, str]:
    """The one-tap links of an offer mail, by what they answer."""
    found = {}
    for word in text.split():
        path = urlparse(word).path
        if path.startswith("/offers/answer/"):
            decoded = offer_from_token(path.rsplit("/", 1)[1])
            assert decoded is not None, word
            found[decoded[1]] = decoded[0].id
    return found


def test_an_offer_mail_is_self_contained_in_english_and_tells_nothing_it_must_not(
    app, coordinator, helper, request_
):
    helper.user.locale = "en"
    db.session.commit()
    send_offers(request_.id, [helper.id], coordinator)
    (mail,) = outbox("offer", to="amira@example.org")
    offer = db.session.scalar(select(Offer).where(Offer.request_id == request_.id))
    when = dates.show(request_.starts_at, "datetime_long", "en")  # "Monday, December 7, 2026, 8:10 PM"
    assert when.startswith(dates.show(request_.starts_at, "day_long", "en"))

    assert mail.subject == "Request: can you help?"
    # The HTML part sets the name and the town apart from the sentence around them (<bdi>).
    for body, name, town in (
        (mail.body_text, "Amira Haddad", "Brakel"),
        (mail.body_html, "<bdi>Amira Haddad</bdi>", "<bdi>Brakel</bdi>"),
    ):
        assert f"Hello {name}," in body
        assert "The integration centre is asking whether you can help" in body
        assert "Arabic" in body  # the language
        assert when in body  # when, in Europe/Berlin
        assert f"Place: {town}" in body  # the town, not the address
        # Never the exact place, the client reference, or anyone's phone number.
        assert PLACE not in body and "Am Markt" not in body
        assert CLIENT_REF not in body
        assert PHONE not in body
    assert answer_links(mail.body_text) == {Answer.ACCEPT: offer.id, Answer.DECLINE: offer.id}
    assert f'href="{answer_url(offer, Answer.ACCEPT)}"'[:60] in mail.body_html
    assert "Accept:" in mail.body_text and "Decline:" in mail.body_text


def test_the_coordinator_hears_the_answer_without_the_helpers_phone_or_gender(coordinator, helper, request_):
    offer = offer_to(request_, helper)
    accept_offer(offer.id, helper.user)
    (mail,) = outbox("offer_accepted", to=coordinator.email)
    assert mail.locale == "de"
    assert f"Amira Haddad hat für Anfrage #{request_.id} zugesagt" in mail.body_text
    for body in (mail.body_text, mail.body_html):
        assert PHONE not in body
        assert "weiblich" not in body and "female" not in body
        assert CLIENT_REF not in body


def test_the_confirmation_names_the_meeting_point_but_not_the_client(coordinator, helper, request_):
    assignment_for(request_, helper, coordinator)
    (mail,) = outbox("assignment_confirmed", to="amira@example.org")
    assert f"Treffpunkt: {PLACE}" in mail.body_text  # confirmed: now the helper learns where
    assert "Ort: Brakel" in mail.body_text
    for body in (mail.body_text, mail.body_html):
        assert CLIENT_REF not in body
        assert PHONE not in body
