"""The coordinators' tasks ("Aufgaben"): calls to make to helpers the KI manages, in place of the
mails they do not get (``notifications.tasks``).

    GET  /helpers/tasks                   tasks        open ones first (oldest first), then done ones
    POST /helpers/tasks/<task_id>/done    task_done    done, by whom and when

Marking one done answers 303 back to the list, so the list and the count in the navigation are
drawn again together. A task asking for hours links to the form that enters them
(``on_behalf.enter_hours``); entering them marks it done (``tasks.close_report_task``). A
requester's call back (``tasks.TO_REQUESTER``) names who asked instead of the helper's phone.
"""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _

from ki_match.access import roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import User
from ki_match.assignments.queries import assignments_by_pair, requester_feedback_authors
from ki_match.assignments.services import hours_enterable
from ki_match.audit.services import record
from ki_match.core.text import short_name
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import helpers as bp
from ki_match.extensions import db
from ki_match.htmx import redirect_to, render
from ki_match.notifications.tasks import (
    TO_REQUESTER,
    CoordinatorTask,
    get_task,
    mark_done,
    task_list,
    task_words,
)
from ki_match.offers.display import request_when
from ki_match.orgs.queries import current_ki
from ki_match.requests.models import Assignment


def task_text(task: CoordinatorTask) -> str:
    """ "Ahmad R. anrufen: Angebot für Dienstag, 8. Dezember 2026, 10:00–11:30 Uhr (Brakel)"; a
    requester's call back: "Anfragende anrufen: Rückruf erbeten zum Einsatz von Ahmad R. für …"."""
    name = short_name(task.helper.user.display_name)
    what = task_words(task.kind)
    if task.kind in TO_REQUESTER:
        name, what = _("Anfragende"), _("%(what)s zum Einsatz von %(name)s", what=what, name=name)
    request = task.request
    if request is None:
        return _("%(name)s anrufen: %(what)s", name=name, what=what)
    where = request.place or (request.town.name if request.town else None)
    when = request_when(request)
    if where:
        return _(
            "%(name)s anrufen: %(what)s für %(when)s (%(where)s)",
            name=name,
            what=what,
            when=when,
            where=where,
        )
    return _("%(name)s anrufen: %(what)s für %(when)s", name=name, what=what, when=when)


@bp.route("/tasks")
@roles(*STAFF)
def tasks():
    ki = current_ki()
    listed = task_list(ki.id)
    record("tasks.viewed", ki_id=ki.id, open=len(listed.open))
    response = render(
        "helpers/tasks.html",
        tasks=listed,
        task_text=task_text,
        hours_for=_hours_for(listed.open),
        asked_by=_asked_by(listed.open),
        form=ConfirmForm(),
    )
    db.session.commit()
    return response


def _hours_for(open_tasks: list[CoordinatorTask]) -> dict[int, Assignment]:
    """task id → the assignment whose hours an open "ask for hours" task is about, while a
    coordinator can still enter them (``hours_enterable``)."""
    asking = [task for task in open_tasks if task.kind == "report_hours" and task.request_id]
    found = assignments_by_pair({(task.request_id, task.helper_id) for task in asking})
    pairs = {task.id: found.get((task.request_id, task.helper_id)) for task in asking}
    return {task_id: row for task_id, row in pairs.items() if row is not None and hours_enterable(row)}


def _asked_by(open_tasks: list[CoordinatorTask]) -> dict[int, User]:
    """task id → who asked for a requester's call back: the author of the assignment's requester
    feedback (an initiative member, or a colleague for the KI's own request)."""
    asking = [task for task in open_tasks if task.kind in TO_REQUESTER and task.request_id]
    found = assignments_by_pair({(task.request_id, task.helper_id) for task in asking})
    authors = requester_feedback_authors(row.id for row in found.values())
    pairs = {task.id: found.get((task.request_id, task.helper_id)) for task in asking}
    return {
        task_id: authors[row.id] for task_id, row in pairs.items() if row is not None and row.id in authors
    }


@bp.route("/tasks/<int:task_id>/done", methods=["POST"])
@roles(*STAFF)
def task_done(task_id: int):
    task = get_task(task_id, current_ki().id)
    if ConfirmForm().validate_on_submit():
        if mark_done(task, actor()):
            db.session.commit()
            flash(_("Erledigt: %(task)s", task=task_text(task)), "success")
        else:
            flash(_("Diese Aufgabe war schon erledigt."), "success")
    return redirect_to(url_for("helpers.tasks"))
