"""The helper's own data: what is stored, the download, and deleting the account."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, make_response, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from ki_match.access import public, roles
from ki_match.accounts.models import Role, User
from ki_match.audit.services import record
from ki_match.calendar import queries as calendar_queries
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db, limiter
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import redirect_to, render
from ki_match.offers import queries as offer_queries
from ki_match.orgs.queries import current_ki
from ki_match.privacy import services
from ki_match.privacy.forms import DeleteAccountForm
from ki_match.privacy.queries import json_default, personal_data

# The core blueprint's /privacy is the privacy notice; this is the person's own data.
bp = Blueprint("privacy", __name__, url_prefix="/my-data")

# What each part of the export is, in words (tests/privacy: every table the export holds has its words).
TABLE_LABELS = {
    "user_account": _l("Konto: Name, E-Mail-Adresse, Sprache, Anmeldezeiten"),
    "helper_profile": _l("Profil: Wohnort, Telefon, Entfernung, Art der Mitarbeit, Einwilligung, Nachweise"),
    "helper_language": _l("Sprachen mit Niveau"),
    "helper_town": _l("Orte, in denen Sie helfen"),
    "helper_topic": _l("Themen"),
    "availability_slot": _l("Zeiten in der Woche"),
    "absence": _l("Abwesenheiten"),
    "offer": _l("Anfragen an Sie und Ihre Antworten"),
    "assignment": _l("Einsätze mit Dauer, Kilometern und Notiz"),
    "request_status_change": _l("Änderungen an Anfragen, die Sie ausgelöst haben"),
    "user_session": _l("Anmeldungen: Zeit, IP-Adresse, Browser"),
    "account_token": _l("Links aus E-Mails (Bestätigung, Passwort): wann erstellt und benutzt"),
    "audit_event": _l("Protokoll: was Sie oder das Integrationszentrum mit Ihren Daten getan haben"),
    "outbox_message": _l("E-Mails an Sie: Betreff und Datum"),
    "notification_preference": _l("Benachrichtigungen, die Sie nicht per E-Mail bekommen wollen"),
    "standby_day": _l("Tage in Bereitschaft"),
    "training_signup": _l("Anmeldungen zu Kursen"),
    "training_attendance": _l("Teilnahme an Kursterminen"),
    "contact_share": _l("Weitergabe Ihres Kontakts an anfragende Organisationen"),
    "coordinator_task": _l("Aufgaben der Koordination zu Ihnen, zum Beispiel ein Rückruf"),
    "assignment_feedback": _l("Ihre Rückmeldungen zu Einsätzen"),
    "assignment_signoff": _l("Bestätigungen der Anfragenden, dass ein Einsatz stattfand"),
    "day_before_check": _l("„Kommen Sie morgen?“ und Ihre Antworten"),
    "request_comment": _l("Kommentare zu Anfragen, die Sie geschrieben haben"),
    "request_series": _l("Terminserien, die Sie angelegt haben"),
    "training_course": _l("Kurse, die Sie angelegt haben"),
    "allowance_rate": _l("Sätze der Aufwandsentschädigung, die Sie festgelegt haben"),
}


def _delete_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


@bp.route("")
@roles(Role.HELPER)
def index():
    get_profile()
    data = personal_data(current_user._get_current_object())
    parts = [(TABLE_LABELS.get(name, name), len(rows)) for name, rows in data["tables"].items()]
    return render("privacy/index.html", parts=parts)


@bp.route("/export.json")
@roles(Role.HELPER)
def export():
    get_profile()
    user = current_user._get_current_object()
    return data_download(user, actor=user, name="ki-match-meine-daten")


def data_download(user: User, *, actor: User, name: str):
    """Everything stored about ``user`` as a JSON file (``name``-<day>.json), audited as seen by
    ``actor``: the helper herself, or her KI for a helper it manages (``desk.managed_privacy``)."""
    body = json.dumps(personal_data(user), default=json_default, ensure_ascii=False, indent=2)
    record("privacy.exported", actor=actor, subject=user)
    db.session.commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    day = utcnow().astimezone(BERLIN).date().isoformat()
    response.headers.set("Content-Disposition", "attachment", filename=f"{name}-{day}.json")
    return response


@bp.route("/delete", methods=["GET", "POST"])
@roles(Role.HELPER)
@limiter.limit(_delete_limit, methods=["POST"])
def delete():
    profile = get_profile()
    user = current_user._get_current_object()
    form = DeleteAccountForm(user)
    if form.validate_on_submit():
        services.delete_helper_account(user)
        logout_user()
        session.clear()
        return redirect_to(url_for("privacy.goodbye"))
    if form.is_submitted() and form.password.data and form.password.errors:
        record("account.delete_refused", actor=user, subject=user)
        db.session.commit()
    return render(
        "privacy/delete.html",
        status=422 if form.errors else 200,
        form=form,
        upcoming=calendar_queries.upcoming_confirmed(current_ki(), profile),
        pending_offers=offer_queries.pending_offer_count(profile),
    )


@bp.route("/goodbye")
@public
def goodbye():
    """Where a deleted account lands, logged out; it says nothing about anyone."""
    return render("privacy/goodbye.html")
