"""The "Nachweise" page: the KI's helpers whose confidentiality declaration, training or police
certificate is missing or comes due (``helpers.due``), and "gesehen am …" for each.

    GET  /helpers/checks-due                               due_checks   filtered, sorted, paginated
    POST /helpers/<profile_id>/checks-due/<check>/seen     check_seen   one check seen on a day

Recording goes through the same rule as the checks form on the helper's page
(``helpers.services.record_checks``). htmx swaps the helper's row; without JS the answer is 303
back to the list with its filters.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.audit.services import record
from ki_match.clock import local_today
from ki_match.core.args import choice_arg, page_arg
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import helpers as bp
from ki_match.extensions import db
from ki_match.helpers import due
from ki_match.helpers.forms import SeenForm
from ki_match.helpers.loaders import get_profile
from ki_match.helpers.services import record_checks
from ki_match.htmx import redirect_to, render, triggered_by, wants_block
from ki_match.orgs.queries import current_ki
from ki_match.orgs.settings import settings_for

TEMPLATE = "helpers/checks_due.html"


def _labels() -> dict:
    # Built per request: labels follow the reader's language.
    return {
        "states": {
            due.DueState.ALL: _("alles Offene"),
            due.DueState.MISSING: _("fehlt"),
            due.DueState.DUE_SOON: _("läuft in 8 Wochen ab"),
            due.DueState.EXPIRED: _("abgelaufen"),
        },
        "orders": {due.DueOrder.DUE: _("nach Fälligkeit"), due.DueOrder.NAME: _("nach Name")},
    }


def _filters() -> due.DueFilters:
    return due.DueFilters(
        state=choice_arg("state", due.DueState, due.DueState.ALL),
        order=choice_arg("order", due.DueOrder, due.DueOrder.DUE),
        page=page_arg(),
    )


def _filter_args(filters: due.DueFilters, *, with_page: bool = False) -> dict:
    """The list's query arguments; with its page for a form sent from the list (and back to it)."""
    args = {
        "state": filters.state.value if filters.state != due.DueState.ALL else None,
        "order": filters.order.value if filters.order != due.DueOrder.DUE else None,
        "page": filters.page if with_page and filters.page > 1 else None,
    }
    return {key: value for key, value in args.items() if value}


def seen_form(profile_id: int, check: str, *, sent: bool = False) -> SeenForm:
    """The form of this helper and check: as just sent, or fresh (today's date)."""
    fresh = {} if sent else {"formdata": None}
    return SeenForm(prefix=f"seen-{profile_id}-{check}", **fresh)


def _context(**extra) -> dict:
    sent = extra.pop("sent", None)  # (profile id, check, form) of a form that came back with errors

    def form_for(row: due.DueRow, check: str) -> SeenForm:
        if sent and sent[0] == row.profile.id and sent[1] == check:
            return sent[2]
        return seen_form(row.profile.id, check)

    filters = _filters()
    return {
        "filters": filters,
        "args": _filter_args(filters),
        "action_args": _filter_args(filters, with_page=True),
        "form_for": form_for,
        "describe": due.describe,
        **_labels(),
        **extra,
    }


@bp.route("/checks-due")
@roles(*STAFF)
def due_checks():
    ki = current_ki()
    context = _context()
    page = due.due_page(ki, context["filters"], today=local_today())
    record("helper.list_viewed", ki_id=ki.id, list="checks_due", count=len(page.items))
    response = render(
        TEMPLATE,
        "due_results",
        page=page,
        partial=wants_block("due_results"),
        focus_results=triggered_by("page-"),
        **context,
    )
    db.session.commit()  # after rendering: a commit would expire every row the template reads
    return response


@bp.route("/<int:profile_id>/checks-due/<check>/seen", methods=["POST"])
@roles(*STAFF)
def check_seen(profile_id: int, check: str):
    if check not in due.CHECKS:
        abort(404)
    profile = get_profile(profile_id)
    form = seen_form(profile.id, check, sent=True)
    target = f"due-row-{profile.id}"
    if not form.validate_on_submit():
        row = _row(profile)
        if wants_block("due_row", target):
            return render(
                TEMPLATE, "due_row", 422, target=target, row=row, **_context(sent=(profile.id, check, form))
            )
        return _page_with_error(profile, check, form)
    changed = record_checks(profile, actor(), **{due.CHECKS[check]: form.seen_on.data})
    db.session.commit()
    name = profile.user.display_name
    message = _("Gespeichert: %(name)s, %(check)s.", name=name, check=due.CHECK_LABELS[check])
    if not changed:
        message = _("Nichts geändert.")
    if not wants_block("due_row", target):
        flash(message, "success")
        return redirect_to(url_for("helpers.due_checks", **_filter_args(_filters(), with_page=True)))
    return render(TEMPLATE, "due_row", target=target, row=_row(profile), message=message, **_context())


def _row(profile) -> due.DueRow:
    return due.due_row(
        profile, valid_years=settings_for(profile.user.ki).police_certificate_valid_years, today=local_today()
    )


def _page_with_error(profile, check: str, form: SeenForm):
    """Without JS: the whole list again (422), the typed date and its error in the helper's row."""
    ki = current_ki()
    context = _context(sent=(profile.id, check, form))
    page = due.due_page(ki, context["filters"], today=local_today())
    return render(TEMPLATE, status=422, page=page, partial=False, focus_results=False, **context)
