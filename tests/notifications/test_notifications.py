"""The e-mail outbox: queued in the caller's transaction, delivered once, retried with back-off."""

from __future__ import annotations

import email
import shutil
import ssl
import subprocess
import threading
from datetime import timedelta
from email import policy
from functools import partial
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.exc import IntegrityError

from ki_match.clock import utcnow
from ki_match.extensions import db as db_extension
from ki_match.outbox import delivery
from ki_match.outbox.delivery import deliver_pending
from ki_match.outbox.models import DeliveryStatus, OutboxMessage
from tests.outbox_helpers import SUBJECT, free_port, queue_verification, refused_port
from tests.outbox_helpers import rows as outbox_rows

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(autouse=True)
def empty_memory_backend():
    delivery.sent_messages.clear()
    yield
    delivery.sent_messages.clear()


@pytest.fixture
def user(create_user):
    return create_user(display_name="Amira Haddad", email="amira@example.org")


@pytest.fixture
def queue(user):
    return partial(queue_verification, user)


def rows(db) -> list[OutboxMessage]:
    return outbox_rows()


def count_elsewhere(app) -> int:
    """Rows as another connection sees them: what a worker process would find."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(OutboxMessage))
    finally:
        engine.dispose()


closed_port = free_port


def use_smtp(app, port: int) -> None:
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SECURITY="none",
        MAIL_USERNAME=None,
        MAIL_TIMEOUT=1,
    )


# --- queueing --------------------------------------------------------------------------------


def test_a_queued_mail_exists_only_once_the_caller_commits(app, db, queue):
    queue()
    db.session.flush()
    assert count_elsewhere(app) == 0
    db.session.rollback()
    assert rows(db) == []
    assert count_elsewhere(app) == 0

    queue()
    db.session.commit()
    assert count_elsewhere(app) == 1
    (message,) = rows(db)
    assert message.to_address == "amira@example.org"
    assert message.subject == SUBJECT
    assert "http://localhost/verify/token-1" in message.body_text
    assert 'href="http://localhost/verify/token-1"' in message.body_html
    assert message.sent_at is None and message.attempts == 0


def test_the_same_cause_twice_is_refused_by_the_database(db, queue):
    queue("42")
    db.session.commit()
    queue("42")
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(rows(db)) == 1


def test_the_same_cause_twice_in_one_transaction_is_refused(db, queue):
    queue("42")
    queue("42")
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert rows(db) == []


def test_the_same_key_for_another_kind_of_mail_is_a_different_cause(db, queue):
    queue("42", kind="verify_email")
    queue("42", kind="reset_password")
    db.session.commit()
    assert len(rows(db)) == 2


# --- delivery --------------------------------------------------------------------------------


def test_memory_backend_sends_each_message_once(db, queue):
    queue("1")
    queue("2", to="zweite@example.org")
    db.session.commit()

    assert deliver_pending() == (2, 0)
    assert deliver_pending() == (0, 0)

    assert sorted(m["To"] for m in delivery.sent_messages) == ["amira@example.org", "zweite@example.org"]
    for message in rows(db):
        assert message.status == DeliveryStatus.SENT
        assert message.sent_at is not None
        assert message.sent_at <= utcnow()
        assert message.attempts == 1
        assert message.last_error is None


def test_a_message_not_yet_due_waits(db, queue):
    queue().not_before = utcnow() + timedelta(minutes=10)
    db.session.commit()
    assert deliver_pending() == (0, 0)
    assert delivery.sent_messages == []


def test_file_backend_writes_an_eml_with_text_and_html(app, db, queue, tmp_path):
    folder = tmp_path / "mail"
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(folder))
    queue()
    db.session.commit()

    assert deliver_pending() == (1, 0)

    (path,) = folder.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == SUBJECT
    assert message["To"] == "amira@example.org"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Message-ID"]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert "Hallo Amira Haddad," in text_part.get_content()
    assert "http://localhost/verify/token-1" in text_part.get_content()
    assert 'href="http://localhost/verify/token-1"' in html_part.get_content()
    assert rows(db)[0].sent_at is not None
    assert deliver_pending() == (0, 0)
    assert len(list(folder.glob("*.eml"))) == 1


class Recorder:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=closed_port())
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


@pytest.fixture
def down_port():
    with refused_port() as port:
        yield port


def test_smtp_failure_is_recorded_and_retried_later_then_delivered_once(
    app, db, queue, smtp_server, down_port
):
    use_smtp(app, down_port)
    queue()
    db.session.commit()
    before = utcnow()

    assert deliver_pending() == (0, 1)

    (message,) = rows(db)
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error
    assert message.not_before > before + timedelta(seconds=30)
    assert message.claimed_until is None
    # Backing off: the next round leaves it alone.
    assert deliver_pending() == (0, 0)

    # The mail server is back and the back-off has passed.
    port, recorder = smtp_server
    use_smtp(app, port)
    db.session.execute(update(OutboxMessage).values(not_before=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert deliver_pending() == (1, 0)
    assert deliver_pending() == (0, 0)

    (arrived,) = recorder.received
    recipients, mail = arrived
    assert recipients == ["amira@example.org"]
    assert mail["Subject"] == SUBJECT
    assert "http://localhost/verify/token-1" in mail.get_body(preferencelist=("plain",)).get_content()
    (message,) = rows(db)
    assert message.sent_at is not None
    assert message.attempts == 2


def test_smtp_delivery_of_several_messages(app, db, queue, smtp_server):
    port, recorder = smtp_server
    use_smtp(app, port)
    for number in range(3):
        queue(str(number), to=f"person{number}@example.org")
    db.session.commit()
    assert deliver_pending() == (3, 0)
    assert sorted(r for recipients, _ in recorder.received for r in recipients) == [
        "person0@example.org",
        "person1@example.org",
        "person2@example.org",
    ]


def test_one_undeliverable_message_does_not_stop_the_others(db, queue):
    # A header with a line break cannot be sent at all, now or later: the worker
    # gives that one up (a person sees it on the status page) and sends the rest.
    queue("bad", to="amira@example.org\nBcc: someone@example.org")
    queue("good")
    db.session.commit()

    assert deliver_pending() == (1, 1)

    bad, good = rows(db)
    assert good.status == DeliveryStatus.SENT and good.sent_at is not None
    assert bad.status == DeliveryStatus.FAILED and bad.sent_at is None
    assert bad.attempts == 1
    assert bad.last_error
    assert [m["To"] for m in delivery.sent_messages] == ["amira@example.org"]
    assert deliver_pending() == (0, 0)


def test_a_message_is_given_up_after_the_last_attempt(app, db, queue, down_port):
    use_smtp(app, down_port)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue().attempts = 2
    db.session.commit()
    assert deliver_pending() == (0, 1)
    db.session.execute(update(OutboxMessage).values(not_before=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert deliver_pending() == (0, 0)
    (message,) = rows(db)
    assert message.attempts == 3
    assert message.status == DeliveryStatus.FAILED
    assert "ConnectionRefusedError" in message.last_error


# --- several workers -------------------------------------------------------------------------


def claim_in(app, limit: int = 100) -> list[int]:
    with app.app_context():
        try:
            _token, messages = delivery._claim(limit)
            return [message.id for message in messages]
        finally:
            db_extension.session.remove()


def test_a_claim_is_one_statement_and_read_back_by_its_token(app, db, make_app, queue):
    """Worker B claims between worker A's claiming UPDATE and A reading back its rows:
    A gets exactly what its UPDATE took, B the rest, nobody a row twice."""
    for number in range(5):
        queue(str(number))
    db.session.commit()
    every_id = {message.id for message in rows(db)}
    worker_b = make_app()
    claimed_by_b: list[int] = []
    updates = 0

    def run_b_after_a_claimed(conn, cursor, statement, parameters, context, executemany):
        nonlocal updates
        if "UPDATE OUTBOX_MESSAGE SET" in statement.upper():
            updates += 1
        elif updates == 1 and not claimed_by_b and "claim_token" in statement:
            claimed_by_b.extend(claim_in(worker_b))

    event.listen(db.engine, "before_cursor_execute", run_b_after_a_claimed)
    try:
        _token, mine = delivery._claim(3)
        claimed_by_a = [message.id for message in mine]
    finally:
        event.remove(db.engine, "before_cursor_execute", run_b_after_a_claimed)

    assert updates == 1  # one statement claims the whole batch
    assert len(claimed_by_a) == 3 and len(claimed_by_b) == 2
    assert not set(claimed_by_a) & set(claimed_by_b)
    assert set(claimed_by_a) | set(claimed_by_b) == every_id


def test_workers_in_parallel_threads_never_claim_the_same_message(app, db, make_app, queue):
    for number in range(60):
        queue(str(number))
    db.session.commit()
    every_id = {message.id for message in rows(db)}
    workers = [app, make_app(), make_app()]
    threads_per_worker = 2
    start = threading.Barrier(len(workers) * threads_per_worker)
    claims: list[list[int]] = []
    errors: list[BaseException] = []

    def work(worker):
        mine: list[int] = []
        try:
            start.wait(timeout=10)
            while batch := claim_in(worker, limit=7):
                mine.extend(batch)
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)
        claims.append(mine)

    threads = [
        threading.Thread(target=work, args=(worker,)) for worker in workers for _ in range(threads_per_worker)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    everything = [message_id for mine in claims for message_id in mine]
    assert len(everything) == len(set(everything)), "a message was claimed twice"
    assert set(everything) == every_id


# --- TLS and login, as in production ---------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost: untrusted unless a test trusts it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


USERNAME, SMTP_PASSWORD = "ki-match", "smtp-secret"


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def tls_server(certificate):
    """Implicit TLS with a required login (port 465 style)."""
    recorder = Recorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=closed_port(),
        ssl_context=server_context(certificate),
        authenticator=check_login,
        auth_required=True,
        # aiosmtpd only counts STARTTLS as TLS; this whole connection is encrypted.
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(certificate):
    """Submission with STARTTLS and a required login (port 587 style)."""
    recorder = Recorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=closed_port(),
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=check_login,
        auth_required=True,
    )
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


def use_tls(app, port: int, security: str, *, login: bool = False) -> None:
    use_smtp(app, port)
    app.config.update(MAIL_SERVER="localhost", MAIL_SECURITY=security)
    if login:
        app.config.update(MAIL_USERNAME=USERNAME, MAIL_PASSWORD=SMTP_PASSWORD)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_an_untrusted_server_certificate_is_refused(app, db, queue, tls_server, starttls_server, security):
    port, recorder = tls_server if security == "ssl" else starttls_server
    use_tls(app, port, security, login=True)
    queue()
    db.session.commit()

    assert deliver_pending() == (0, 1)

    assert recorder.received == []
    assert "CERTIFICATE_VERIFY_FAILED" in rows(db)[0].last_error


def test_implicit_tls_with_a_trusted_certificate(app, db, queue, tls_server, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    port, recorder = tls_server
    use_tls(app, port, "ssl", login=True)
    queue()
    db.session.commit()
    assert deliver_pending() == (1, 0)
    assert len(recorder.received) == 1


def test_starttls_and_login_with_a_trusted_certificate(
    app, db, queue, starttls_server, certificate, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    port, recorder = starttls_server
    use_tls(app, port, "starttls", login=True)
    queue()
    db.session.commit()
    assert deliver_pending() == (1, 0)
    ((recipients, mail),) = recorder.received
    assert recipients == ["amira@example.org"]
    assert mail["Subject"] == SUBJECT


def test_starttls_is_not_skipped_when_the_server_does_not_offer_it(app, db, queue, smtp_server):
    port, recorder = smtp_server
    use_smtp(app, port)
    app.config.update(MAIL_SECURITY="starttls")
    queue()
    db.session.commit()
    assert deliver_pending() == (0, 1)
    assert recorder.received == []
