"""Importing a KI's existing pool from CSV or XLSX: upload, a preview of every row, the import.

The table waits server-side between the steps (``helpers.import_uploads``, under a random token
bound to the uploader and her KI); the import runs only if the plan made again from it is the
one the preview showed (its digest travels with the button), so it writes exactly what was shown.
"""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ki_match.access import roles
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import may_invite
from ki_match.audit.services import record
from ki_match.core.args import text_arg
from ki_match.desk.blueprints import STAFF, actor
from ki_match.desk.blueprints import helpers as bp
from ki_match.extensions import db
from ki_match.helpers import import_uploads as uploads
from ki_match.helpers.import_file import MAX_BYTES, ImportFileError, read_table
from ki_match.helpers.import_forms import MODE_HINTS, MODE_LABELS, ImportRunForm, ImportUploadForm
from ki_match.helpers.import_rows import Field
from ki_match.helpers.imports import Change, Mode, Outcome, Plan, contents, plan, run
from ki_match.htmx import redirect_to, render, render_form
from ki_match.orgs.queries import current_ki
from ki_match.reference.names import language_name, level_label


def modes(user: User) -> list[Mode]:
    """How this user may make new helpers: by invitation where she may invite helpers, and always
    as profiles the KI keeps."""
    return [*([Mode.INVITE] if may_invite(user, Role.HELPER) else []), Mode.MANAGED]


@bp.route("/import", methods=["GET", "POST"])
@roles(*STAFF)
def import_upload():
    available = modes(actor())
    form = ImportUploadForm(modes=available)
    if available and form.validate_on_submit():
        mode = Mode(form.mode.data)
        try:
            table = read_table(form.table.data.read(MAX_BYTES + 1))
            plan(current_ki(), table, mode)  # the header's problems belong next to the field
        except ImportFileError as error:
            form.table.errors.append(str(error))
        else:
            filename = (form.table.data.filename or "")[-100:]
            token = uploads.store(table, filename=filename, ki_id=current_ki().id, user_id=actor().id)
            return redirect_to(url_for("helpers.import_preview", token=token, mode=mode.value))
    return render_form(
        "helpers/import.html", form=form, modes=available, mode_labels=MODE_LABELS, mode_hints=MODE_HINTS
    )


class _Imported(Exception):
    """The upload is being imported or was imported: a second click, or the back button."""


def _upload(token: str) -> uploads.Upload:
    upload = uploads.load(token, ki_id=current_ki().id, user_id=actor().id)
    if upload is None:
        _gone(token)
    return upload


def _gone(token: str):
    """Another KI's, another person's, expired or unknown: 404; this person's imported table:
    back to the list, which shows the result."""
    if uploads.taken_or_imported(token, ki_id=current_ki().id, user_id=actor().id):
        raise _Imported
    abort(404)


@bp.errorhandler(_Imported)
def _already_imported(_error):
    flash(_("Diese Datei ist schon importiert."), "success")
    return redirect_to(url_for("helpers.index"))


def _mode(available: list[Mode], value: str | None) -> Mode:
    chosen = next((mode for mode in available if mode.value == value), None)
    if chosen is None and not available:
        abort(404)
    return chosen or available[0]


def _preview(upload: uploads.Upload, planned: Plan, available: list[Mode], status: int = 200, **extra):
    return render(
        "helpers/import_preview.html",
        status=status,
        upload=upload,
        plan=planned,
        modes=available,
        mode_labels=MODE_LABELS,
        run_form=ImportRunForm(formdata=None, mode=planned.mode.value, plan=planned.fingerprint()),
        outcome=Outcome,
        describe=lambda change: describe(change, planned),
        contents=contents,
        **extra,
    )


@bp.route("/import/<token>")
@roles(*STAFF)
def import_preview(token: str):
    upload = _upload(token)
    available = modes(actor())
    planned = plan(current_ki(), upload.table, _mode(available, text_arg("mode")))
    record(
        "helper.pool_import_previewed",
        ki_id=current_ki().id,
        rows=len(planned.rows),
        matched_ids=[row.profile.id for row in planned.rows if row.profile is not None],
    )
    response = _preview(upload, planned, available)
    db.session.commit()
    return response


class _Stale(Exception):
    """The plan is no longer the one the preview showed."""

    def __init__(self, planned: Plan):
        self.planned = planned


@bp.route("/import/<token>", methods=["POST"])
@roles(*STAFF)
def import_run(token: str):
    ki, user = current_ki(), actor()
    available = modes(user)
    form = ImportRunForm()
    if not form.validate_on_submit() or form.mode.data not in {mode.value for mode in available}:
        return redirect_to(url_for("helpers.import_preview", token=token))
    mode = Mode(form.mode.data)
    try:
        with uploads.claim(token, ki_id=ki.id, user_id=user.id) as upload:
            if upload is None:
                _gone(token)
            planned = plan(ki, upload.table, mode)
            if planned.fingerprint() != form.plan.data:
                raise _Stale(planned)
            result = run(ki, planned, user)
    except _Stale as stale:
        db.session.rollback()
        message = _("Seit der Vorschau hat sich etwas geändert. Bitte prüfen Sie die Vorschau noch einmal.")
        return _preview(_upload(token), stale.planned, available, status=409, stale=message)
    except IntegrityError:
        db.session.rollback()
        flash(_("Gleichzeitig wurde der Pool geändert. Bitte prüfen Sie die Vorschau noch einmal."), "error")
        return redirect_to(url_for("helpers.import_preview", token=token, mode=mode.value))
    flash(
        _(
            "Import abgeschlossen: %(created)s neu, %(updated)s aktualisiert, %(unchanged)s unverändert, "
            "%(skipped)s Zeilen mit Fehlern ausgelassen.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect_to(url_for("helpers.index"))


def describe(change: Change, planned: Plan) -> str:
    """One change of the preview in plain words."""
    if change.what == "level":
        name = language_name(planned.languages[change.subject])
        if change.old is None:
            return _("%(language)s (%(level)s)", language=name, level=level_label(change.new))
        return _(
            "%(language)s: %(new)s (bisher %(old)s)",
            language=name,
            new=level_label(change.new),
            old=level_label(change.old),
        )
    if change.what == Field.TOWNS:
        return _("hilft in %(town)s", town=planned.towns[change.new].name)
    if change.what == Field.HOME_TOWN:
        return _("wohnt in %(town)s", town=planned.towns[change.new].name)
    if change.what == Field.NAME:
        return _("Name: %(new)s (bisher %(old)s)", new=change.new, old=change.old)
    if change.what == Field.PHONE:
        return _("Telefon: %(new)s", new=change.new)
    return _("Notiz: %(note)s", note=change.new)
