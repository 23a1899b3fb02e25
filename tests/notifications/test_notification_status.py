"""The outbox status page: counts, failed and in-doubt messages of one's own KI, and the two decisions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ki_match
from ki_match.accounts.models import Role
from ki_match.extensions import db as db_extension
from ki_match.notifications.labels import KIND_LABELS, kind_label
from ki_match.orgs.models import Ki
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from ki_match.reference.services import ensure_reference_data
from tests.support import audit_events, htmx_headers

PAGE = "/benachrichtigungen"


def message(ki_id: int, status: DeliveryStatus, number: int, **fields) -> OutboxMessage:
    row = OutboxMessage(
        ki_id=ki_id,
        kind=fields.pop("kind", "offer"),
        idempotency_key=f"status-page-{ki_id}-{number}",
        to_address=fields.pop("to_address", f"helferin{number}@example.org"),
        subject=fields.pop("subject", f"Anfrage {number}"),
        body_text="Hallo",
        status=status,
        attempts=fields.pop("attempts", 3),
        last_error=fields.pop("last_error", "ConnectionRefusedError: [Errno 111] Connection refused"),
        **fields,
    )
    db_extension.session.add(row)
    db_extension.session.commit()
    return row


@pytest.fixture
def other_ki(app) -> Ki:
    other = ensure_reference_data({"slug": "anderer-kreis", "name": "Anderer Kreis", "towns": []})
    db_extension.session.commit()
    return other


@pytest.fixture
def outbox_rows(ki, other_ki):
    return {
        "failed": message(ki.id, DeliveryStatus.FAILED, 1, subject="Ihr Einsatz ist bestätigt"),
        "in_doubt": message(ki.id, DeliveryStatus.IN_DOUBT, 2, subject="Anfrage: Können Sie helfen?"),
        "sent": message(ki.id, DeliveryStatus.SENT, 3, subject="Schon gesendet"),
        "pending": message(ki.id, DeliveryStatus.PENDING, 4, subject="Wartet noch"),
        "elsewhere": message(other_ki.id, DeliveryStatus.FAILED, 5, subject="Nachricht im anderen Kreis"),
    }


def reload(row: OutboxMessage) -> OutboxMessage:
    db_extension.session.expire_all()
    return db_extension.session.get(OutboxMessage, row.id)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_see_counts_and_the_messages_that_need_a_decision(client, login_as, outbox_rows, role):
    login_as(role)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="outbox-count-failed">1<' in html
    assert 'id="outbox-count-in-doubt">1<' in html
    assert 'id="outbox-count-sent">1<' in html
    assert 'id="outbox-count-pending">1<' in html
    assert "Ihr Einsatz ist bestätigt" in html and "Anfrage: Können Sie helfen?" in html
    assert "Schon gesendet" not in html and "Wartet noch" not in html
    # Another KI's messages do not exist here, not even in the counts.
    assert "Nachricht im anderen Kreis" not in html
    # The address is masked; the error and the number of attempts are shown.
    assert "he…@example.org" in html and "helferin1@example.org" not in html
    assert "Connection refused" in html
    assert f'id="send-again-{outbox_rows["failed"].id}"' in html
    assert f'id="mark-sent-{outbox_rows["failed"].id}"' not in html
    assert f'id="mark-sent-{outbox_rows["in_doubt"].id}"' in html
    assert 'href="/benachrichtigungen"' in html  # the navigation item
    assert audit_events("outbox.viewed")


@pytest.mark.parametrize("role", [Role.HELPER, Role.INITIATIVE])
def test_others_may_not_see_the_page(client, login_as, outbox_rows, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}/{outbox_rows['failed'].id}/erneut-senden").status_code == 403
    assert reload(outbox_rows["failed"]).status == DeliveryStatus.FAILED


def test_the_overview_block_alone_for_htmx(client, login_as, outbox_rows):
    login_as(Role.COORDINATOR)
    response = client.get(PAGE, headers=htmx_headers("outbox-overview"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="outbox-overview">')
    assert "<h1>" not in html


def test_send_again_without_javascript(client, login_as, outbox_rows):
    user = login_as(Role.COORDINATOR)
    failed = outbox_rows["failed"]
    response = client.post(f"{PAGE}/{failed.id}/erneut-senden")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PAGE)
    row = reload(failed)
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 0 and row.claimed_until is None
    (event,) = audit_events("outbox.sent_again")
    assert event.actor_id == user.id and event.subject_id == failed.id
    assert event.detail["previous"] == "failed"
    assert "Die Nachricht wird erneut gesendet." in client.get(PAGE).get_data(as_text=True)


def test_send_again_swaps_the_row(client, login_as, outbox_rows):
    login_as(Role.ADMIN)
    in_doubt = outbox_rows["in_doubt"]
    target = f"outbox-row-{in_doubt.id}"
    response = client.post(f"{PAGE}/{in_doubt.id}/erneut-senden", headers=htmx_headers(target))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<article id="{target}"')
    assert 'role="status"' in html and "Die Nachricht wird erneut gesendet." in html
    assert "Wartet auf Versand" in html
    assert "send-again-" not in html  # nothing left to decide
    assert reload(in_doubt).status == DeliveryStatus.PENDING


def test_mark_an_in_doubt_message_as_sent(client, login_as, outbox_rows):
    login_as(Role.COORDINATOR)
    in_doubt = outbox_rows["in_doubt"]
    target = f"outbox-row-{in_doubt.id}"
    response = client.post(f"{PAGE}/{in_doubt.id}/als-gesendet", headers=htmx_headers(target))
    assert response.status_code == 200
    assert "Die Nachricht ist als gesendet vermerkt." in response.get_data(as_text=True)
    row = reload(in_doubt)
    assert row.status == DeliveryStatus.SENT and row.sent_at is not None
    assert audit_events("outbox.marked_sent")


def test_only_messages_in_doubt_can_be_marked_as_sent(client, login_as, outbox_rows):
    login_as(Role.COORDINATOR)
    failed = outbox_rows["failed"]
    target = f"outbox-row-{failed.id}"
    response = client.post(f"{PAGE}/{failed.id}/als-gesendet", headers=htmx_headers(target))
    assert response.status_code == 409
    assert "Nur Nachrichten mit unklarem Versand" in response.get_data(as_text=True)
    assert reload(failed).status == DeliveryStatus.FAILED
    assert audit_events("outbox.marked_sent") == []


def test_a_sent_message_is_not_sent_again(client, login_as, outbox_rows):
    login_as(Role.COORDINATOR)
    sent = outbox_rows["sent"]
    response = client.post(f"{PAGE}/{sent.id}/erneut-senden")
    assert response.status_code == 303
    assert reload(sent).status == DeliveryStatus.SENT
    assert "wartet nicht auf eine Entscheidung" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("action", ["erneut-senden", "als-gesendet"])
def test_another_kis_message_is_not_found(client, login_as, outbox_rows, action):
    login_as(Role.ADMIN)
    elsewhere = outbox_rows["elsewhere"]
    response = client.post(f"{PAGE}/{elsewhere.id}/{action}")
    assert response.status_code == 404
    assert reload(elsewhere).status == DeliveryStatus.FAILED


def test_an_empty_outbox(client, login_as):
    login_as(Role.COORDINATOR)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Keine. Alle Nachrichten sind gesendet" in html


# --- what a message is about ----------------------------------------------------------------

MAIL_CALLS = {"queue_mail", "to_coordinators", "to_helper", "_mail_link"}


def kinds_queued_in_the_code() -> set[str]:
    """Every literal ``kind=`` handed to the functions that queue mail, anywhere in ki_match."""
    found = set()
    for path in Path(ki_match.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            for keyword in node.keywords if name in MAIL_CALLS else ():
                if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
    return found


def test_every_kind_of_mail_has_a_label(app):
    kinds = kinds_queued_in_the_code()
    assert {"offer", "verify_email", "assignment_reminder"} <= kinds  # the scan finds them
    assert kinds <= set(KIND_LABELS), f"no label for {sorted(kinds - set(KIND_LABELS))}"
    with app.test_request_context():
        assert kind_label("initiative_question") == "An die Initiative: Stand ihrer Anfrage"
        assert kind_label("initiative_answered_ki") == "An die Koordination: Anfrage einer Initiative"
        assert kind_label("something_new") == "something_new"


def test_the_page_names_what_a_message_is_about(client, login_as, ki):
    message(ki.id, DeliveryStatus.FAILED, 7, kind="assignment_reminder")
    message(ki.id, DeliveryStatus.FAILED, 8, kind="initiative_received")
    login_as(Role.COORDINATOR)
    html = client.get(PAGE).get_data(as_text=True)
    assert "<dd>Erinnerung an einen Einsatz</dd>" in html
    assert "<dd>An die Initiative: Stand ihrer Anfrage</dd>" in html
    assert "<dd>assignment_reminder</dd>" not in html
