"""A deactivated KI: no logins, data kept; reactivation restores everything.

The rule has one home (``User.may_use_app``, and ``in_active_ki`` for the jobs and the mail
worker); these tests walk every door a person of the KI could use.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ki_match.accounts.models import Role, TokenPurpose
from ki_match.accounts.services import issue_token, request_password_reset, send_invitation
from ki_match.audit.models import AuditEvent
from ki_match.calendar.services import new_feed_token
from ki_match.clock import utcnow
from ki_match.installation.closing import set_ki_active
from ki_match.notifications.reminders import due_assignments
from ki_match.offers.answers import Answer
from ki_match.offers.escalation import due_request_ids
from ki_match.offers.tokens import answer_url
from ki_match.outbox import delivery
from ki_match.outbox.models import DeliveryStatus
from ki_match.outbox.queue import queue_mail
from tests.factories import PASSWORD, booked, make_request, make_user, offer_to
from tests.support import outbox

CLOSED = "nutzt KI-Match zurzeit nicht"


@pytest.fixture
def operator(app):
    return make_user(Role.OPERATOR)


@pytest.fixture
def close(ki, operator):
    def switch(active: bool = False) -> None:
        assert set_ki_active(ki, active, operator)

    return switch


def test_set_ki_active_is_audited_and_changes_nothing_twice(db, ki, operator, close):
    close()
    assert ki.active is False
    assert set_ki_active(ki, False, operator) is False
    close(True)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "ki").order_by(AuditEvent.id)
    ).all()
    assert actions == ["ki.deactivated", "ki.reactivated"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ki.deactivated"))
    assert (event.actor_id, event.ki_id, event.subject_id) == (operator.id, ki.id, ki.id)


def test_may_use_app_follows_the_ki(ki, create_user, operator, close):
    coordinator = create_user(Role.COORDINATOR)
    assert coordinator.may_use_app and operator.may_use_app
    close()
    assert not coordinator.may_use_app and not coordinator.is_active
    assert operator.may_use_app  # in no KI
    close(True)
    assert coordinator.may_use_app


def test_login_is_refused_after_the_right_password_only(client, create_user, close):
    coordinator = create_user(Role.COORDINATOR)
    close()
    wrong = client.post("/login", data={"email": coordinator.email, "password": "falsches-passwort-123"})
    assert wrong.status_code == 422
    assert CLOSED not in wrong.get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort ist falsch" in wrong.get_data(as_text=True)

    right = client.post("/login", data={"email": coordinator.email, "password": PASSWORD})
    assert right.status_code == 422
    assert CLOSED in right.get_data(as_text=True)
    assert client.get("/requests").status_code == 303  # not logged in

    close(True)
    assert client.post("/login", data={"email": coordinator.email, "password": PASSWORD}).status_code == 303
    assert client.get("/requests").status_code == 200


def test_a_running_session_stops_on_the_next_request_and_works_again_after(client, login_as, close):
    login_as(Role.COORDINATOR)
    assert client.get("/requests").status_code == 200
    close()
    response = client.get("/requests")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    close(True)
    assert client.get("/requests").status_code == 200


@pytest.mark.parametrize(
    ("purpose", "path"),
    [
        (TokenPurpose.RESET_PASSWORD, "/password/reset/{}"),
        (TokenPurpose.INVITATION, "/invitation/{}"),
        (TokenPurpose.VERIFY_EMAIL, "/verify/{}"),
    ],
)
def test_mailed_account_links_say_the_ki_is_closed(db, client, create_user, close, purpose, path):
    user = create_user(Role.COORDINATOR, password_hash=None, verified=False)
    raw = issue_token(user, purpose)
    db.session.commit()
    close()
    for method in ("GET", "POST"):
        response = client.open(
            path.format(raw), method=method, data={"password": PASSWORD * 2, "password_confirm": PASSWORD * 2}
        )
        assert response.status_code == 403
        assert CLOSED in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash is None and user.email_verified_at is None
    close(True)
    assert client.get(path.format(raw)).status_code == 200


def test_a_reset_is_not_mailed_while_the_ki_is_closed(create_user, close):
    user = create_user(Role.COORDINATOR)
    close()
    request_password_reset(user.email)
    assert outbox("reset_password", to=user.email) == []


def test_offer_answer_links_say_the_ki_is_closed(client, create_helper, coordinator, close):
    helper = create_helper()
    offer = offer_to(make_request(created_by=coordinator), helper)
    path = answer_url(offer, Answer.ACCEPT).split("://", 1)[1].split("/", 1)[1]
    close()
    response = client.get("/" + path)
    assert response.status_code == 403 and CLOSED in response.get_data(as_text=True)
    assert client.post("/" + path).status_code == 403
    close(True)
    assert client.get("/" + path).status_code == 200


def test_calendar_feeds_answer_404_while_closed(db, client, create_helper, close):
    helper = create_helper()
    raw = new_feed_token(helper, helper.user)
    db.session.commit()
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 200
    close()
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 404
    close(True)
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 200


def test_a_closed_kis_front_door_and_registration_are_gone(client, close):
    close()
    assert client.get("/k/hoexter/").status_code == 404
    assert client.get("/k/hoexter/register").status_code == 404
    response = client.post(
        "/k/hoexter/register",
        data={
            "email": "neu@example.org",
            "display_name": "Neu",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 404
    assert outbox(to="neu@example.org") == []
    # Without a KI to register with, visitors are sent to the chooser, which does not list it.
    assert client.get("/register").headers["Location"] == "/k/"
    assert "Kreis Höxter" not in client.get("/k/").get_data(as_text=True)
    close(True)
    assert client.get("/k/hoexter/register").status_code == 200


def test_reminders_and_follow_ups_skip_a_closed_ki(db, create_helper, coordinator, close):
    helper = create_helper()
    soon = make_request(created_by=coordinator, starts_in=timedelta(hours=5))
    booked(soon, helper)
    asking = make_request(created_by=coordinator, escalate_after_hours=2)
    offer_to(asking, create_helper())
    now = utcnow()
    assert [a.request_id for a in due_assignments(now)] == [soon.id]
    assert due_request_ids() == [asking.id]
    close()
    assert due_assignments(now) == [] and due_request_ids() == []
    close(True)
    assert [a.request_id for a in due_assignments(now)] == [soon.id]
    assert due_request_ids() == [asking.id]


def test_mail_of_a_closed_ki_is_held_and_sent_after_reactivation(db, ki, create_user, operator, close):
    delivery.sent_messages.clear()
    user = create_user(Role.COORDINATOR)
    queue_mail(
        kind="test",
        to=user.email,
        subject="Hallo",
        template="emails/account_exists",
        key="held-1",
        ki_id=ki.id,
        user=user,
        login_link="x",
        reset_link="y",
    )
    db.session.commit()
    close()
    delivery.deliver_pending()
    [message] = outbox("test")
    assert message.status == DeliveryStatus.PENDING
    close(True)
    delivery.deliver_pending()
    db.session.refresh(message)
    assert message.status == DeliveryStatus.SENT


def test_an_invitation_of_a_closed_ki_waits(db, ki, create_user, close):
    """The link is made when the mail goes out; a held invitation gets it after reactivation."""
    user = create_user(Role.COORDINATOR, password_hash=None)
    send_invitation(user, None)
    db.session.commit()
    close()
    delivery.deliver_pending()
    assert outbox("invitation")[0].status == DeliveryStatus.PENDING
