import signal
import time

import click
from flask import Blueprint, current_app
from sqlalchemy.exc import OperationalError

from ki_match.clock import local_today, utcnow
from ki_match.extensions import db
from ki_match.notifications.certificates import send_check_reminders
from ki_match.notifications.day_before import send_day_before_checks
from ki_match.notifications.reminders import send_reminders
from ki_match.outbox.delivery import deliver_pending

# The command group only; the status page has its own blueprint (views.py).
bp = Blueprint("notifications_cli", __name__, cli_group="notifications")


class _Stop(Exception):
    """SIGTERM/SIGINT while the worker sleeps between rounds."""


class _StopSignals:
    """Stop between rounds, never in the middle of one.

    A signal that comes while a round is sending only sets a flag, so each
    message the round has started is marked before the worker ends; one that
    comes while it sleeps ends the sleep at once.
    """

    def __init__(self):
        self.requested = False
        self.sleeping = False
        self.previous = {}

    def __enter__(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, frame):
        self.requested = True
        if self.sleeping:
            raise _Stop

    def sleep(self, seconds: float) -> None:
        self.sleeping = True
        try:
            if not self.requested:
                time.sleep(seconds)
        except _Stop:
            pass
        finally:
            self.sleeping = False


@bp.cli.command("send")
@click.option(
    "--loop/--once",
    default=False,
    help="--loop keeps running and sends new messages as they come (a service); --once (the default) "
    "runs one round, for cron.",
)
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def send_command(loop: bool, interval: float) -> None:
    """Deliver pending e-mails from the outbox."""
    if current_app.config["MAIL_BACKEND"] == "file":
        click.echo(f"Development mail: messages are written to {current_app.config['MAIL_FILE_DIR']}")
    if not loop:
        sent, failed = deliver_pending()
        click.echo(f"sent {sent}, failed {failed}")
        return
    with _StopSignals() as signals:
        while not signals.requested:
            try:
                sent, failed = deliver_pending()
            except OperationalError:
                # The database is restarting or SQLite is busy: the messages stay in
                # the outbox, so wait for the next round instead of ending the worker.
                current_app.logger.exception("outbox not reachable; trying again in %s s", interval)
                db.session.rollback()
                sent = failed = 0
            if sent or failed:
                click.echo(f"sent {sent}, failed {failed}")
            signals.sleep(interval)
    click.echo("stopped")


# Reminders run from cron on their own, not inside the delivery loop (see README).
@bp.cli.command("remind")
def remind_command() -> None:
    """Remind helpers of tomorrow's assignments and of certificates coming due, ask them "Kommen
    Sie morgen?" and flag who did not answer, remind coordinators of unanswered offers and, once
    a week, of the checks coming due (cron)."""
    result = send_reminders()
    day_before = send_day_before_checks(utcnow())
    certificates, digests = send_check_reminders(local_today())
    click.echo(
        f"assignment reminders {result.assignments}, unanswered offers {result.unanswered}, "
        f"asked for tomorrow {day_before.asked}, no answer for tomorrow {day_before.flagged}, "
        f"certificate reminders {certificates}, check digests {digests}"
    )
