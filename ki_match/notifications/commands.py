import time

import click
from flask import Blueprint, current_app
from sqlalchemy.exc import OperationalError

from ki_match.extensions import db
from ki_match.notifications.services import deliver_pending

bp = Blueprint("notifications", __name__, cli_group="notifications")


@bp.cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running and send new messages as they come.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def send_command(loop: bool, interval: float) -> None:
    """Deliver pending e-mails from the outbox."""
    if current_app.config["MAIL_BACKEND"] == "file":
        click.echo(f"Development mail: messages are written to {current_app.config['MAIL_FILE_DIR']}")
    while True:
        try:
            sent, failed = deliver_pending()
        except OperationalError:
            if not loop:
                raise
            # The database is restarting or SQLite is busy: the messages stay in
            # the outbox, so wait for the next round instead of ending the worker.
            current_app.logger.exception("outbox not reachable; trying again in %s s", interval)
            db.session.rollback()
            sent = failed = 0
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        time.sleep(interval)
