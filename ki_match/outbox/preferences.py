"""Which notifications a user wants by e-mail.

Every mail kind that may be switched off belongs to one category here, the
only place that says so. Offers and changes to confirmed assignments are
categories too, but mandatory: a helper who missed them would miss an
appointment. Account mails (verification, reset, invitation) belong to no
category, so they are never optional and not listed on the settings page.

Only switched-off categories are stored; a missing row means "yes, by e-mail",
so a new category starts switched on for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ki_match.clock import utcnow
from ki_match.extensions import db

# Role names as ``accounts.models.Role`` spells them (a StrEnum, so ``user.role in roles`` holds);
# the outbox sits below accounts and does not import it.
HELPER = frozenset({"helper"})
STAFF = frozenset({"coordinator", "admin"})
INITIATIVE = frozenset({"initiative"})


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str
    roles: frozenset[str]
    kinds: frozenset[str]
    mandatory: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category(
        "offers",
        _l("Anfragen, ob Sie helfen können"),
        _l("Mit den Links zum Zusagen und Absagen."),
        HELPER,
        frozenset({"offer"}),
        mandatory=True,
    ),
    Category(
        "assignment_changes",
        _l("Änderungen an bestätigten Einsätzen"),
        _l("Bestätigt, verschoben, abgesagt, zurückgezogen."),
        HELPER | STAFF | INITIATIVE,
        frozenset(
            {
                "assignment_confirmed",
                "assignment_withdrawn",
                "assignment_released",
                "absence_reported",
                "offer_withdrawn",
                "request_rescheduled",
                "request_cancelled",
                "initiative_rescheduled",
                "initiative_cancelled",
            }
        ),
        mandatory=True,
    ),
    Category(
        "reminders",
        _l("Erinnerung vor einem Einsatz"),
        _l("Am Tag vorher, mit Zeit und Ort, und die Frage „Kommen Sie morgen?“."),
        HELPER,
        # Without the question nobody is flagged for her either (``tomorrow.queries.not_yet_asked``).
        frozenset({"assignment_reminder", "day_before"}),
    ),
    Category(
        "hours",
        _l("Stunden melden und bestätigte Stunden"),
        _l("Die Bitte, Stunden und Fahrtkilometer zu melden, und die Nachricht, wenn sie bestätigt sind."),
        HELPER,
        frozenset({"report_hours", "report_approved"}),
    ),
    Category(
        "offer_answers",
        _l("Antworten auf Anfragen"),
        _l("Wenn jemand zusagt oder absagt."),
        STAFF,
        frozenset({"offer_accepted", "offer_declined"}),
    ),
    Category(
        "unanswered_offers",
        _l("Erinnerung an unbeantwortete Anfragen"),
        _l("Wenn Helfende auf eine Anfrage länger nicht antworten."),
        STAFF,
        frozenset({"offer_unanswered"}),
    ),
    Category(
        "initiative_requests",
        _l("Anfragen von Initiativen"),
        _l("Neue Anfragen, Antworten und Rückzüge von Initiativen und Organisationen."),
        STAFF,
        frozenset({"initiative_received_ki", "initiative_answered_ki", "initiative_withdrawn_ki"}),
    ),
    Category(
        "request_updates",
        _l("Neuigkeiten zu Anfragen"),
        _l("Zum Beispiel: eine Anfrage ist besetzt, erledigt oder blieb unbesetzt."),
        STAFF | INITIATIVE,
        frozenset(
            {
                "request_unfilled",
                "initiative_received",
                "initiative_question",
                "initiative_accepted",
                "initiative_declined",
                "initiative_filled",
                "initiative_contact_shared",
                "initiative_completed",
                "initiative_unfilled",
            }
        ),
    ),
)

MANDATORY_REASON = _l(
    "Diese E-Mails brauchen Sie, um keinen Einsatz zu verpassen. Sie lassen sich nicht abschalten."
)

_BY_KEY = {category.key: category for category in CATEGORIES}
_BY_KIND = {kind: category for category in CATEGORIES for kind in category.kinds}


class NotificationPreference(db.Model):
    """A category a user does not want by e-mail (only "off" is stored)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def category_of(kind: str) -> Category | None:
    return _BY_KIND.get(kind)


def categories_for(user) -> list[Category]:
    """The categories shown to this user, mandatory ones first."""
    return sorted(
        (category for category in CATEGORIES if user.role in category.roles),
        key=lambda category: not category.mandatory,
    )


def switched_off(user) -> set[str]:
    return set(
        db.session.scalars(
            select(NotificationPreference.category).where(
                NotificationPreference.user_id == user.id, NotificationPreference.email.is_(False)
            )
        )
    )


def wants_mail(user, kind: str) -> bool:
    """False only when ``kind`` is optional and the user switched its category off."""
    category = category_of(kind)
    if category is None or category.mandatory or getattr(user, "id", None) is None:
        return True
    by_email = db.session.scalar(
        select(NotificationPreference.email).where(
            NotificationPreference.user_id == user.id, NotificationPreference.category == category.key
        )
    )
    return by_email is None or by_email


def save_preferences(user, wanted: set[str]) -> list[str]:
    """Store which optional categories of this user go out by e-mail; the keys that changed.

    Mandatory categories and categories not meant for the user's role are ignored.
    """
    optional = {category.key for category in categories_for(user) if not category.mandatory}
    before = switched_off(user) & optional
    after = optional - set(wanted)
    db.session.execute(
        delete(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.category.in_(optional)
        )
    )
    for key in sorted(after):
        db.session.add(NotificationPreference(user_id=user.id, category=key, email=False))
    return sorted(before ^ after)
