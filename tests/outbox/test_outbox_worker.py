"""The mail worker against a real SMTP server on loopback: back-off, crashes, parallel workers."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import threading
from datetime import timedelta
from email import policy
from functools import partial

import pytest
from aiosmtpd.controller import Controller

from ki_match.accounts.models import Role
from ki_match.clock import utcnow
from ki_match.extensions import db as db_extension
from ki_match.outbox import delivery
from ki_match.outbox.delivery import deliver_pending
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from tests.factories import assignment_for, make_request
from tests.outbox_helpers import queue_verification
from tests.outbox_helpers import rows as outbox_rows

SMTP_SETTINGS = {
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_SECURITY": "none",
    "MAIL_TIMEOUT": 2,
}


class Recorder:
    """Keeps every message it accepts; refuses or stalls on request."""

    def __init__(self, *, rcpt_reply: str | None = None, stall: float = 0):
        self.received: list[email.message.EmailMessage] = []
        self.rcpt_reply = rcpt_reply
        self.stall = stall

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        if self.stall:
            await asyncio.sleep(self.stall)
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        return [message["X-KI-Match-Key"].strip() for message in self.received]


class SmtpServer:
    """An aiosmtpd server on a loopback port that a test can start late.

    Until it starts, the port is held by a bound socket that does not listen: a connection is
    refused, as with a server that is down, and no other test process (xdist runs several) can
    start its own server on the same port in the meantime."""

    def __init__(self, recorder: Recorder | None = None):
        self.recorder = recorder or Recorder()
        self.controller: Controller | None = None
        self._held: socket.socket | None = socket.socket()
        self._held.bind(("127.0.0.1", 0))
        self.port = self._held.getsockname()[1]

    def start(self) -> None:
        self._release()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self._release()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def _release(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None


@pytest.fixture
def smtp():
    servers: list[SmtpServer] = []

    def factory(recorder: Recorder | None = None, *, started: bool = True) -> SmtpServer:
        server = SmtpServer(recorder)
        servers.append(server)
        if started:
            server.start()
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def user(create_user):
    return create_user(display_name="Amira Haddad", email="amira@example.org")


@pytest.fixture
def queue(user):
    return partial(queue_verification, user)


def use(app, server: SmtpServer, **settings) -> None:
    app.config.update(SMTP_SETTINGS, MAIL_PORT=server.port, **settings)


def rows(db) -> list[OutboxMessage]:
    return outbox_rows()


def time_passes(db, **delta) -> None:
    """Move every waiting time (back-off and claims) into the past, as if ``delta`` went by."""
    shift = timedelta(**delta)
    for message in rows(db):
        message.not_before -= shift
        if message.claimed_until is not None:
            message.claimed_until -= shift
    db.session.commit()


# --- back-off ---------------------------------------------------------------------------------


def test_server_down_for_the_first_attempts_backs_off_exponentially_then_delivers(app, db, queue, smtp):
    server = smtp(started=False)
    use(app, server, MAIL_RETRY_BASE_SECONDS=30, MAIL_RETRY_MAX_SECONDS=100)
    queue("1")
    db.session.commit()

    waits = []
    for attempt in (1, 2, 3):
        before = utcnow()
        assert deliver_pending() == (0, 1)
        (message,) = rows(db)
        assert message.status == DeliveryStatus.PENDING
        assert message.attempts == attempt
        assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error
        waits.append((message.not_before - before).total_seconds())
        assert deliver_pending() == (0, 0)  # still waiting
        time_passes(db, seconds=200)

    # 30·2, 30·4, then capped at 100 — each with at most 10 % jitter on top.
    for wait, expected in zip(waits, (60, 100, 100), strict=True):
        assert expected - 1 <= wait <= expected * 1.1 + 1, waits
    assert waits[0] < waits[1]

    server.start()
    assert deliver_pending() == (1, 0)
    assert deliver_pending() == (0, 0)
    (message,) = rows(db)
    assert message.status == DeliveryStatus.SENT
    assert message.attempts == 4
    assert server.recorder.keys() == [message.idempotency_key]


def test_retry_delay_is_capped_and_jittered(app):
    app.config.update(MAIL_RETRY_BASE_SECONDS=10, MAIL_RETRY_MAX_SECONDS=3600)
    assert 20 <= delivery.retry_delay(1).total_seconds() <= 22
    assert 160 <= delivery.retry_delay(4).total_seconds() <= 176
    assert 3600 <= delivery.retry_delay(30).total_seconds() <= 3960


def test_a_5xx_refusal_fails_at_once_and_a_4xx_is_tried_again(app, db, queue, smtp):
    refusing = smtp(Recorder(rcpt_reply="550 5.1.1 No such mailbox"))
    use(app, refusing)
    queue("1")
    db.session.commit()
    assert deliver_pending() == (0, 1)
    (message,) = rows(db)
    assert message.status == DeliveryStatus.FAILED and message.attempts == 1
    assert "550" in message.last_error

    busy = smtp(Recorder(rcpt_reply="451 4.3.0 Try again later"))
    use(app, busy)
    queue("2")
    db.session.commit()
    assert deliver_pending() == (0, 1)
    second = rows(db)[1]
    assert second.status == DeliveryStatus.PENDING and second.attempts == 1
    assert second.not_before > utcnow()


def test_one_connection_for_a_whole_round(app, db, queue, smtp, monkeypatch):
    server = smtp()
    use(app, server)
    for number in range(4):
        queue(str(number))
    db.session.commit()
    connections = []
    original = delivery.SmtpTransport._connect

    def counting(self):
        connections.append(1)
        return original(self)

    monkeypatch.setattr(delivery.SmtpTransport, "_connect", counting)
    assert deliver_pending() == (4, 0)
    assert len(connections) == 1
    assert len(server.recorder.received) == 4


class ClosingOnce(Recorder):
    """Answers the first RCPT with 421 (the server closes the connection), then accepts."""

    def __init__(self):
        super().__init__(rcpt_reply="421 4.7.0 Too busy, closing the connection")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        self.rcpt_reply = None
        return reply


def test_after_a_421_the_next_message_goes_out_over_a_new_connection(app, db, queue, smtp, monkeypatch):
    server = smtp(ClosingOnce())
    use(app, server)
    queue("1")
    queue("2")
    db.session.commit()
    connections = []
    original = delivery.SmtpTransport._connect

    def counting(self):
        connections.append(1)
        return original(self)

    monkeypatch.setattr(delivery.SmtpTransport, "_connect", counting)
    assert deliver_pending() == (1, 1)
    first, second = rows(db)
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    assert "421" in first.last_error
    assert (second.status, second.attempts, second.last_error) == (DeliveryStatus.SENT, 1, None)
    assert server.recorder.keys() == [second.idempotency_key]
    assert len(connections) == 2


def test_the_message_id_comes_from_the_idempotency_key(app, db, queue, smtp):
    server = smtp()
    use(app, server)
    queue("1")
    db.session.commit()
    deliver_pending()
    (message,) = rows(db)
    (received,) = server.recorder.received
    assert received["Message-ID"] == f"<{message.idempotency_key[:40]}@ki-match.example>"
    assert received["Message-ID"] == delivery.message_id_for(message.idempotency_key)


# --- crashes ----------------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for the process dying: nothing in the worker may catch it."""


def test_a_crash_between_send_and_mark_never_sends_twice(app, db, queue, smtp, monkeypatch):
    server = smtp()
    use(app, server)
    queue("1")
    db.session.commit()

    def killed(message_id, token):
        raise WorkerKilled

    monkeypatch.setattr(delivery, "_mark_sent", killed)
    with pytest.raises(WorkerKilled):
        deliver_pending()
    monkeypatch.undo()
    db_extension.session.rollback()
    assert len(server.recorder.received) == 1
    (message,) = rows(db)
    assert message.status == DeliveryStatus.SENDING
    assert message.attempts == 1

    # Another round while the crashed worker's claim still runs: hands off.
    assert deliver_pending() == (0, 0)
    # Later: the row is declared in doubt, and stays so, round after round.
    time_passes(db, minutes=10)
    for _ in range(3):
        assert deliver_pending() == (0, 0)
        time_passes(db, hours=3)
    (message,) = rows(db)
    assert message.status == DeliveryStatus.IN_DOUBT
    assert message.sent_at is None
    assert message.last_error == delivery.IN_DOUBT_NOTE
    assert len(server.recorder.received) == 1


def test_a_connection_lost_after_the_message_was_handed_over_is_in_doubt(app, db, queue, smtp):
    """The server took the message but its answer never came (timeout): maybe delivered."""
    server = smtp(Recorder(stall=3))
    use(app, server, MAIL_TIMEOUT=1)
    queue("1")
    db.session.commit()
    assert deliver_pending() == (0, 1)
    (message,) = rows(db)
    assert message.status == DeliveryStatus.IN_DOUBT
    time_passes(db, hours=3)
    assert deliver_pending() == (0, 0)
    assert len(server.recorder.received) == 1


def test_a_claimed_message_that_never_started_sending_is_sent_after_the_claim_expires(app, db, queue, smtp):
    server = smtp()
    use(app, server)
    queue("1")
    db.session.commit()
    _token, claimed = delivery._claim(10)  # the worker dies right after claiming
    assert len(claimed) == 1
    db_extension.session.rollback()

    assert deliver_pending() == (0, 0)  # the claim still holds
    time_passes(db, minutes=10)
    assert deliver_pending() == (1, 0)
    assert len(server.recorder.received) == 1
    assert rows(db)[0].status == DeliveryStatus.SENT


def test_a_dead_workers_claim_lasts_mail_claim_seconds(app, db, queue, smtp):
    server = smtp()
    use(app, server, MAIL_CLAIM_SECONDS=60)
    queue("1")
    db.session.commit()
    delivery._claim(10)  # the worker dies right after claiming
    db_extension.session.rollback()
    (message,) = rows(db)
    assert timedelta(seconds=50) < message.claimed_until - utcnow() <= timedelta(seconds=60)

    assert deliver_pending() == (0, 0)  # the claim still holds
    time_passes(db, seconds=61)
    assert deliver_pending() == (1, 0)  # not five minutes later: the setting's minute later
    assert len(server.recorder.received) == 1


def test_a_worker_whose_claim_was_taken_over_does_not_send(app, db, make_app, queue, smtp):
    server = smtp()
    use(app, server)
    queue("1")
    db.session.commit()
    slow_token, slow_claim = delivery._claim(10)
    message_id = slow_claim[0].id
    time_passes(db, minutes=10)  # the slow worker's claim ran out ...
    other = make_app(**SMTP_SETTINGS, MAIL_PORT=server.port)
    with other.app_context():
        assert deliver_pending() == (1, 0)  # ... and another worker sent the message
        db_extension.session.remove()
    # The slow worker wakes up and tries to start: the row is not its own any more.
    assert delivery._start_sending(message_id, slow_token, utcnow()) is False
    assert len(server.recorder.received) == 1


# --- several workers at once ------------------------------------------------------------------


def run_workers_in_parallel(apps, rounds_until_idle: int = 3) -> list[BaseException]:
    """Each app is a worker process: its own thread, app context and database connection."""
    start = threading.Barrier(len(apps))
    errors: list[BaseException] = []

    def work(worker_app):
        with worker_app.app_context():
            try:
                start.wait(timeout=10)
                idle = 0
                while idle < rounds_until_idle:
                    sent, failed = deliver_pending()
                    idle = idle + 1 if not (sent or failed) else 0
            except BaseException as error:  # noqa: BLE001 (reported by the main thread)
                errors.append(error)
            finally:
                db_extension.session.remove()

    threads = [threading.Thread(target=work, args=(worker_app,)) for worker_app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_two_workers_in_parallel_never_send_one_message_twice(app, db, make_app, queue, smtp):
    server = smtp()
    for number in range(40):
        queue(str(number), to=f"person{number}@example.org")
    db.session.commit()
    workers = [make_app(**SMTP_SETTINGS, MAIL_PORT=server.port, MAIL_BATCH_SIZE=3) for _ in range(2)]

    assert run_workers_in_parallel(workers) == []

    keys = server.recorder.keys()
    assert len(keys) == 40
    assert len(set(keys)) == 40, "a message was sent twice"
    assert {message.status for message in rows(db)} == {DeliveryStatus.SENT}


def test_acceptance_smtp_down_burst_of_30_confirmations_then_two_workers_deliver_each_exactly_once(
    app, db, make_app, smtp, create_user, create_helper
):
    """With the SMTP server stopped, a burst of 30 confirmations; the worker meanwhile fails and
    backs off. Then the server is started and two workers run in parallel: every message
    arrives exactly once."""
    server = smtp(started=False)
    use(app, server)
    coordinator = create_user(Role.COORDINATOR)
    helpers = [create_helper() for _ in range(3)]
    for number in range(30):
        # Ten appointments a helper, days apart, so that no confirmation clashes with another.
        request = make_request(starts_in=timedelta(days=2 + number), created_by=coordinator)
        assignment_for(request, helpers[number % 3], coordinator)
    confirmations = [message for message in rows(db) if message.kind == "assignment_confirmed"]
    assert len(confirmations) == 30
    queued = len(rows(db))
    assert deliver_pending() == (0, queued)
    assert {message.status for message in rows(db)} == {DeliveryStatus.PENDING}
    assert deliver_pending() == (0, 0)  # backing off

    server.start()
    time_passes(db, minutes=5)
    workers = [make_app(**SMTP_SETTINGS, MAIL_PORT=server.port, MAIL_BATCH_SIZE=4) for _ in range(2)]
    assert run_workers_in_parallel(workers) == []

    expected = sorted(message.idempotency_key for message in rows(db))
    assert sorted(server.recorder.keys()) == expected  # each once, none twice, none missing
    confirmed_to = [m["To"] for m in server.recorder.received if "bestätigt" in m["Subject"]]
    assert sorted(confirmed_to) == sorted(helper.user.email for helper in helpers for _ in range(10))
    assert {message.status for message in rows(db)} == {DeliveryStatus.SENT}
    assert {message.attempts for message in rows(db)} == {2}


# --- the command ------------------------------------------------------------------------------


def test_send_once_is_the_default(app, db, queue):
    queue("1")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output


def test_sigterm_while_sleeping_stops_the_loop_at_once(app, db):
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        result = app.test_cli_runner().invoke(args=["notifications", "send", "--loop", "--interval", "30"])
    finally:
        timer.cancel()
    assert result.exit_code == 0, result.output
    assert "stopped" in result.output
    assert signal.getsignal(signal.SIGTERM) is not None


def test_sigterm_during_a_round_lets_the_round_finish(app, monkeypatch):
    from ki_match.notifications import commands

    rounds = []

    def deliver():
        rounds.append(1)
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while messages are being handed over
        return (3, 0)

    monkeypatch.setattr(commands, "deliver_pending", deliver)
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--loop", "--interval", "30"])
    assert result.exit_code == 0, result.output
    assert rounds == [1]
    assert "sent 3, failed 0" in result.output
    assert "stopped" in result.output


def test_the_file_backend_says_where_mail_goes(app, tmp_path):
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"))
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "mail") in result.output
