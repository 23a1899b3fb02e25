"""The outbox status page: what has gone out, and the messages that need a person."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ki_match.access import roles
from ki_match.accounts.models import Role
from ki_match.audit.services import record
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.notifications import queries
from ki_match.notifications.labels import kind_label
from ki_match.orgs.queries import current_ki
from ki_match.outbox import delivery
from ki_match.outbox.models import DeliveryStatus, OutboxMessage

bp = Blueprint("notifications", __name__)

STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Wartet auf Versand"),
    DeliveryStatus.SENDING: _l("Wird gesendet"),
    DeliveryStatus.SENT: _l("Gesendet"),
    DeliveryStatus.FAILED: _l("Fehlgeschlagen"),
    DeliveryStatus.IN_DOUBT: _l("Versand unklar"),
}


def mask_address(address: str) -> str:
    """Enough to recognise a person one knows (am…@example.org), not to copy the address."""
    local, _at, domain = address.partition("@")
    return f"{local[:2]}…@{domain}" if domain else f"{address[:2]}…"


def get_ki_message(message_id: int) -> OutboxMessage:
    """A message of the current user's KI, or 404 — also for another KI's messages."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.ki_id != current_ki().id:
        abort(404)
    return message


def _context(**extra) -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "mask_address": mask_address, "kind_label": kind_label, **extra}


@bp.route("/benachrichtigungen")
@roles(Role.COORDINATOR, Role.ADMIN)
def status():
    ki = current_ki()
    messages = queries.needing_a_person(ki.id)
    record("outbox.viewed", ki_id=ki.id, shown=len(messages))
    db.session.commit()
    return render(
        "notifications/status.html",
        "outbox_overview",
        **_context(counts=queries.counts_by_status(ki.id), messages=messages),
    )


def _decided(message_id: int, action, done: str):
    message = get_ki_message(message_id)
    target = f"outbox-row-{message.id}"
    try:
        action(message, current_user._get_current_object())
    except delivery.NotificationError as error:
        db.session.rollback()
        text, failed = str(error), True
    else:
        text, failed = done, False
    if not wants_block("outbox_row", target):
        flash(text, "error" if failed else "success")
        return redirect_to(url_for("notifications.status"))
    return render(
        "notifications/status.html",
        "outbox_row",
        status=409 if failed else 200,
        target=target,
        **_context(message=get_ki_message(message_id), note=text, failed=failed),
    )


@bp.route("/benachrichtigungen/<int:message_id>/erneut-senden", methods=["POST"])
@roles(Role.COORDINATOR, Role.ADMIN)
def send_again(message_id: int):
    return _decided(message_id, delivery.send_again, _("Die Nachricht wird erneut gesendet."))


@bp.route("/benachrichtigungen/<int:message_id>/als-gesendet", methods=["POST"])
@roles(Role.COORDINATOR, Role.ADMIN)
def mark_sent(message_id: int):
    return _decided(message_id, delivery.mark_as_sent, _("Die Nachricht ist als gesendet vermerkt."))
