"""What a mail is about, in words, for the outbox status page (the stored ``kind`` is a code)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "verify_email": _l("E-Mail-Adresse bestätigen"),
    "account_exists": _l("Hinweis: Konto besteht schon"),
    "reset_password": _l("Passwort zurücksetzen"),
    "invitation": _l("Einladung"),
    "invitation_elsewhere": _l("Hinweis: Einladung eines anderen KI"),
    "registration_elsewhere": _l("Hinweis: Registrierung bei einem anderen KI"),
    "helper_approved": _l("Profil freigegeben"),
    "offer": _l("Anfrage an Helfende"),
    "offer_accepted": _l("Zusage einer Helfer*in"),
    "offer_declined": _l("Absage einer Helfer*in"),
    "offer_withdrawn": _l("Anfrage an Helfende zurückgezogen"),
    "offer_unanswered": _l("Erinnerung: Anfragen ohne Antwort"),
    "assignment_confirmed": _l("Einsatz bestätigt"),
    "assignment_withdrawn": _l("Einsatz abgesagt"),
    "assignment_released": _l("Termine einer anderen Person gegeben"),
    "assignment_no_show": _l("Nicht erschienen"),
    "absence_reported": _l("Nicht erschienen – gemeldet von den Anfragenden"),
    "assignment_reminder": _l("Erinnerung an einen Einsatz"),
    "day_before": _l("Kommen Sie morgen? (Frage am Vortag)"),
    "report_hours": _l("Stunden gemeldet"),
    "report_approved": _l("Stunden bestätigt"),
    "request_rescheduled": _l("Neuer Termin"),
    "request_cancelled": _l("Anfrage abgesagt"),
    "request_unfilled": _l("Anfrage blieb unbesetzt"),
    "course_moved_up": _l("Platz im Kurs (von der Warteliste)"),
    "certificate_reminder": _l("Erinnerung: Führungszeugnis läuft ab"),
    "checks_digest": _l("Wochenübersicht: Nachweise"),
    "course_cancelled": _l("Kurs abgesagt"),
}

# Mails about a request sent in by an initiative: "initiative_<change>" to the organisation,
# "initiative_<change>_ki" to the coordinators (ki_match.notifications.mailing).
TO_ORGANISATION = _l("An die Initiative: Stand ihrer Anfrage")
TO_COORDINATORS = _l("An die Koordination: Anfrage einer Initiative")


def kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    if kind.startswith("initiative_"):
        return str(TO_COORDINATORS if kind.endswith("_ki") else TO_ORGANISATION)
    return kind  # a kind added without a label still shows something a person can report
