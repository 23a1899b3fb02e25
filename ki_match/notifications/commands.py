import time

import click
from flask import Blueprint, current_app

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
        sent, failed = deliver_pending()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        time.sleep(interval)
