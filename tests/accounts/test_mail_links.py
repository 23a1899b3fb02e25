"""Account links (verification, password reset, invitation) never rest in the database.

Whoever reads a copy of the database — queued or sent mail included — must not
find a link that takes over an account. The outbox row holds a reference; the
link is issued when the worker hands the mail over, and only its hash is stored.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.extensions import db
from ki_match.outbox import delivery
from ki_match.outbox.delivery import deliver_pending
from ki_match.outbox.models import DeliveryStatus
from tests.support import copies_of, outbox

NEW_PASSWORD = "ein-ganz-neues-passwort"
LINK = re.compile(r"https?://[^/\s]+(/(?:verify|password/reset|invitation)/([^\s\"<]+))")


def no_link_path_stored() -> list[str]:
    """Cells that look like they hold an account link (the path and something after it)."""
    return copies_of("/verify/", "/password/reset/", "/invitation/")


@pytest.fixture
def transport():
    delivery.sent_messages.clear()
    yield delivery.sent_messages
    delivery.sent_messages.clear()


def delivered_link(transport, kind: str, to: str) -> tuple[str, str]:
    """Send what is due; the path and the raw token of the link in the mail that went out."""
    assert no_link_path_stored() == [], "a queued mail holds the link"
    assert deliver_pending().sent >= 1
    (message,) = outbox(kind, to=to)
    assert message.status == DeliveryStatus.SENT
    (email,) = [e for e in transport if e["X-KI-Match-Key"] == message.idempotency_key]
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    path, token = LINK.search(text).groups()
    assert f'href="http://localhost{path}"' in html
    assert copies_of(token) == [], "the raw token rests in the database"
    assert no_link_path_stored() == []
    return path, token


def test_verification_link_goes_out_working_and_is_stored_nowhere(app, client, transport):
    client.post(
        "/k/hoexter/register",
        data={
            "email": "amina@example.org",
            "display_name": "Amina",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "privacy": "y",
        },
    )
    path, _token = delivered_link(transport, "verify_email", "amina@example.org")
    assert client.post(path).status_code == 303
    user = db.session.scalar(select(User).where(User.email == "amina@example.org"))
    assert user.email_verified_at is not None


def test_reset_link_goes_out_working_and_is_stored_nowhere(app, client, create_user, transport):
    user = create_user(Role.HELPER)
    client.post("/password/forgot", data={"email": user.email})
    path, _token = delivered_link(transport, "reset_password", user.email)
    response = client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 303


def test_invitation_link_goes_out_working_and_is_stored_nowhere(app, client, login_as, transport):
    login_as(Role.ADMIN)
    client.post(
        "/admin/users/invite",
        data={
            "email": "karin@kreis.example",
            "display_name": "Karin",
            "role": "coordinator",
            "organisation_id": "0",
        },
    )
    path, _token = delivered_link(transport, "invitation", "karin@kreis.example")
    guest = app.test_client()
    response = guest.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    login = guest.post("/login", data={"email": "karin@kreis.example", "password": NEW_PASSWORD})
    assert login.status_code == 303


def test_a_mail_sent_again_carries_a_new_link_and_the_first_stops_working(
    app, client, create_user, transport
):
    user = create_user(Role.HELPER)
    client.post("/password/forgot", data={"email": user.email})
    first, _token = delivered_link(transport, "reset_password", user.email)
    (message,) = outbox("reset_password", to=user.email)
    message.status = DeliveryStatus.FAILED  # say the person found it never arrived
    db.session.commit()
    delivery.send_again(message, actor=None)
    transport.clear()
    second, _token = delivered_link(transport, "reset_password", user.email)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_link_for_an_account_gone_meanwhile_is_not_sent(app, client, create_user, transport):
    user = create_user(Role.HELPER)
    client.post("/password/forgot", data={"email": user.email})
    user.active = False
    db.session.commit()
    assert deliver_pending().sent == 0
    (message,) = outbox("reset_password", to=user.email)
    assert message.status == DeliveryStatus.FAILED
    assert transport == []
