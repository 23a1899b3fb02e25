"""What each kind of audit event is called on the audit page, grouped as an admin asks for them.

An action missing here is shown by its code; ``tests/audit`` checks every ``record("…")`` in the
code has a label, so a new one gets its words when it is written."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

# group key → (label, {action: label}); the filter's select lists the groups in this order.
GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    "seen": (
        _l("Daten angesehen oder heruntergeladen"),
        {
            "helper.viewed": _l("Helfende*n angesehen"),
            "helper.list_viewed": _l("Liste der Helfenden angesehen"),
            "request.viewed": _l("Anfrage angesehen"),
            "request.list_viewed": _l("Liste der Anfragen angesehen"),
            "request.edit_viewed": _l("Anfrage zum Bearbeiten geöffnet"),
            "request.why_not": _l("„Warum nicht?“ angesehen"),
            "assignment.viewed": _l("Einsatz angesehen"),
            "statement.viewed": _l("Jahresübersicht angesehen"),
            "statement.exported": _l("Jahresübersicht heruntergeladen"),
            "account.list_viewed": _l("Konten angesehen"),
            "organisation.members_viewed": _l("Mitglieder einer Organisation angesehen"),
            "contact.viewed": _l("Geteilten Kontakt angesehen"),
            "pool.candidates_viewed": _l("Kandidat*innen aus dem geteilten Pool angesehen"),
            "pool.helpers_viewed": _l("Helfende im geteilten Pool angesehen"),
            "directory.searched": _l("Im Verzeichnis gesucht"),
            "outbox.viewed": _l("Benachrichtigungen angesehen"),
            "tasks.viewed": _l("Aufgaben angesehen"),
            "calendar.feed_fetched": _l("Kalender abgerufen"),
            "privacy.exported": _l("Eigene Daten heruntergeladen"),
            "report.allowance_viewed": _l("Aufwandsentschädigung angesehen"),
            "report.allowance_exported": _l("Aufwandsentschädigung exportiert"),
            "report.statement_viewed": _l("Einsatznachweis angesehen"),
            "report.statement_exported": _l("Einsatznachweis exportiert"),
            "state_figures.viewed": _l("Landeszahlen angesehen"),
            "state_figures.exported": _l("Landeszahlen exportiert"),
            "helper.pool_import_previewed": _l("Import der Helfenden geprüft"),
            "audit.viewed": _l("Protokoll angesehen"),
            "audit.exported": _l("Protokoll exportiert"),
        },
    ),
    "helpers": (
        _l("Helfende und ihre Daten geändert"),
        {
            "helper.approved": _l("Helfende*n freigegeben"),
            "helper.checks_updated": _l("Nachweise eingetragen"),
            "helper.allowance_limit_changed": _l("Steuerfreie Pauschale gewählt"),
            "helper.note_changed": _l("Notiz geändert"),
            "helper.managed_created": _l("Verwaltete*n Helfende*n angelegt"),
            "helper.managed_updated": _l("Verwaltete*n Helfende*n geändert"),
            "helper.pool_imported": _l("Helfende importiert"),
            "profile.changed": _l("Profil geändert"),
            "language.offered": _l("Sprache angeboten"),
            "language.removed": _l("Sprache entfernt"),
            "consent.given": _l("Einwilligung gegeben"),
            "consent.recorded_on_paper": _l("Einwilligung auf Papier eingetragen"),
            "consent.withdrawn": _l("Einwilligung widerrufen"),
            "directory.opted_in": _l("Ins Verzeichnis aufgenommen"),
            "directory.opted_out": _l("Aus dem Verzeichnis genommen"),
            "pool.consent_changed": _l("Zustimmung zum geteilten Pool geändert"),
            "calendar.feed_created": _l("Kalender-Adresse angelegt"),
            "calendar.feed_reset": _l("Kalender-Adresse erneuert"),
            "calendar.feed_deleted": _l("Kalender-Adresse gelöscht"),
            "notifications.preferences_changed": _l("Benachrichtigungen eingestellt"),
            "contact.shared": _l("Kontakt geteilt"),
            "contact.share_ended": _l("Geteilten Kontakt beendet"),
            "contact.unshared": _l("Kontakt nicht mehr geteilt"),
            "task.done": _l("Aufgabe erledigt"),
            "standby.added": _l("Tag auf Abruf eingetragen"),
            "standby.removed": _l("Tag auf Abruf entfernt"),
        },
    ),
    "training": (
        _l("Kurse (Qualifizierung)"),
        {
            "training.signed_up": _l("Zum Kurs angemeldet"),
            "training.withdrawn": _l("Vom Kurs abgemeldet"),
            "training.moved_up": _l("Von der Warteliste nachgerückt"),
            "training.course_created": _l("Kurs angelegt"),
            "training.course_updated": _l("Kurs geändert"),
            "training.course_cancelled": _l("Kurs abgesagt"),
            "training.attendance_recorded": _l("Anwesenheit eingetragen"),
        },
    ),
    "requests": (
        _l("Anfragen, Angebote und Einsätze"),
        {
            "request.created": _l("Anfrage angelegt"),
            "request.submitted": _l("Anfrage eingereicht"),
            "request.updated": _l("Anfrage geändert"),
            "request.status": _l("Stand der Anfrage geändert"),
            "request.rescheduled": _l("Anfrage verlegt"),
            "request.cancelled": _l("Anfrage abgesagt"),
            "request.unfilled": _l("Anfrage unbesetzt"),
            "request.comment": _l("Nachricht zur Anfrage"),
            "request.followed_up": _l("Anfrage nachgefasst"),
            "series.created": _l("Serie angelegt"),
            "series.viewed": _l("Serie angesehen"),
            "series.date_moved": _l("Termin einer Serie verschoben"),
            "series.date_cancelled": _l("Termin einer Serie abgesagt"),
            "series.following_retimed": _l("Uhrzeit eines Termins und aller folgenden geändert"),
            "series.following_cancelled": _l("Termin und alle folgenden abgesagt"),
            "series.submitted": _l("Serie eingereicht"),
            "series.restaffed": _l("Termine einer Serie neu besetzt"),
            "request.late_refill": _l("Nach kurzfristiger Absage automatisch nachgefragt"),
            "requests.client_data_purged": _l("Daten zu Klient*innen gelöscht"),
            "offer.sent": _l("Anfrage an Helfende*n geschickt"),
            "offer.accepted": _l("Zusage"),
            "offer.declined": _l("Absage"),
            "offer.retracted": _l("Zusage zurückgenommen"),
            "offer.taken_back": _l("Anfrage zurückgenommen"),
            "offer.withdrawn": _l("Anfrage zurückgezogen"),
            "offer.booked_directly": _l("Direkt eingeteilt"),
            "offers.expired": _l("Anfragen abgelaufen"),
            "assignment.confirmed": _l("Einsatz bestätigt"),
            "assignment.cancelled": _l("Einsatz abgesagt"),
            "assignment.withdrawn": _l("Einsatz zurückgegeben"),
            "assignment.reported": _l("Stunden gemeldet"),
            "assignment.approved": _l("Stunden bestätigt"),
            "assignment.completed": _l("Einsatz abgeschlossen"),
            "assignment.no_show": _l("Nicht erschienen"),
            "assignment.coming_confirmed": _l("Kommt morgen – bestätigt"),
            "assignment.signed_off": _l("Einsatz von den Anfragenden bestätigt"),
            "assignment.absence_handled": _l("„Nicht gekommen“ erledigt"),
            "assignment.feedback": _l("Rückmeldung zum Einsatz"),
        },
    ),
    "accounts": (
        _l("Konten und Anmeldung"),
        {
            "login.success": _l("Angemeldet"),
            "login.failure": _l("Anmeldung fehlgeschlagen"),
            "login.refused_ki_inactive": _l("Anmeldung abgelehnt (KI geschlossen)"),
            "logout": _l("Abgemeldet"),
            "account.registered": _l("Registriert"),
            "account.register_existing": _l("Registrierung mit vorhandener Adresse"),
            "account.register_elsewhere": _l("Registrierung bei einem anderen KI"),
            "account.verified": _l("E-Mail-Adresse bestätigt"),
            "account.invited": _l("Eingeladen"),
            "account.invited_elsewhere": _l("Einladung einer Adresse eines anderen KI"),
            "account.invitation_accepted": _l("Einladung angenommen"),
            "account.activated": _l("Konto aktiviert"),
            "account.deactivated": _l("Konto deaktiviert"),
            "account.managed_taken_over": _l("Verwaltetes Konto übernommen"),
            "account.deleted": _l("Konto gelöscht"),
            "account.delete_refused": _l("Löschen abgelehnt"),
            "password.changed": _l("Passwort geändert"),
            "password.change_failed": _l("Passwortänderung fehlgeschlagen"),
            "password.reset_requested": _l("Neues Passwort angefordert"),
            "password.reset_unknown": _l("Neues Passwort für unbekannte Adresse angefordert"),
            "password.reset": _l("Passwort neu gesetzt"),
        },
    ),
    "ki": (
        _l("KI, Organisationen und Stammdaten"),
        {
            "ki.created": _l("KI angelegt"),
            "ki.reactivated": _l("KI wieder geöffnet"),
            "ki.deactivated": _l("KI geschlossen"),
            "ki.settings_changed": _l("Einstellungen geändert"),
            "ki.pool_sharing_changed": _l("Teilnahme am geteilten Pool geändert"),
            "organisation.created": _l("Organisation angelegt"),
            "organisation.updated": _l("Organisation geändert"),
            "organisation.activated": _l("Organisation aktiviert"),
            "organisation.deactivated": _l("Organisation deaktiviert"),
            "town.added": _l("Ort hinzugefügt"),
            "town.changed": _l("Ort geändert"),
            "town.deleted": _l("Ort gelöscht"),
            "topic.added": _l("Thema hinzugefügt"),
            "topic.renamed": _l("Thema umbenannt"),
            "topic.activated": _l("Thema aktiviert"),
            "topic.deactivated": _l("Thema deaktiviert"),
            "allowance_rate.created": _l("Satz der Aufwandsentschädigung angelegt"),
            "allowance_rate.deleted": _l("Satz der Aufwandsentschädigung gelöscht"),
            "outbox.marked_sent": _l("Benachrichtigung als gesendet markiert"),
            "outbox.sent_again": _l("Benachrichtigung erneut gesendet"),
            "audit.addresses_forgotten": _l("Netzwerkadressen gelöscht"),
            "audit.purged": _l("Alte Protokolleinträge gelöscht"),
        },
    ),
}

ACTION_LABELS: dict[str, str] = {
    action: label for _, actions in GROUPS.values() for action, label in actions.items()
}


def action_label(action: str) -> str:
    """The words for an action; an action without words is shown by its code."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def group_actions(group: str) -> list[str]:
    return sorted(GROUPS[group][1])


# Keys of an event's detail shown on the page and in the export: counts, states and kinds, never
# free text or addresses. A number or a yes/no is shown under any key.
SHOWN_TEXT_KEYS = frozenset(
    {
        "status",
        "from_status",
        "to_status",
        "kind",
        "mode",
        "channel",
        "via",
        "override",
        "setting",
        "format",
        "group",
    }
)


def harmless_detail(detail: dict | None) -> list[tuple[str, str]]:
    """The detail's keys that hold no personal data, as (key, value) in key order."""
    shown = []
    for key, value in sorted((detail or {}).items()):
        if isinstance(value, bool) or (isinstance(value, int | float) and not key.endswith("_id")):
            shown.append((key, str(value)))
        elif key in SHOWN_TEXT_KEYS and isinstance(value, str) and len(value) <= 40:
            shown.append((key, value))
    return shown


EventGroup = enum.StrEnum("EventGroup", {key.upper(): key for key in GROUPS})
