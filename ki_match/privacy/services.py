"""Erasing a helper's account (GDPR Art. 17) while statistics stay correct.

The person's rows are not deleted but emptied: assignments keep their hours,
kilometres and status, offers keep their answer, and both keep pointing at
the same — now nameless — profile, so counts per month, language or town do
not change. What identifies the person (name, address, phone, what they
typed) is erased; what only made sense while they took part (languages,
towns, times, absences, sessions, tokens) is deleted.

``RETENTION`` decides this for every table that refers to a person, and
tests/privacy/test_privacy.py fails when a table is added without a decision.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import and_, delete, exists, func, or_, select, update

from ki_match.accounts.models import Role, User
from ki_match.accounts.sessions import end_all_sessions
from ki_match.assignments.services import withdraw_assignment
from ki_match.audit.services import record
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.offers.answers import decline_offer, retract_acceptance
from ki_match.outbox.models import OutboxMessage
from ki_match.privacy.queries import Person, referencing_columns
from ki_match.requests.lifecycle import RequestError
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatusChange,
    TravelTicket,
)
from ki_match.tomorrow.models import DayBeforeCheck

# Stored in place of the name: history pages then read "Gelöschte Person".
DELETED_NAME = "Gelöschte Person"


class Keep(enum.StrEnum):
    ERASE = "erase"  # the rows are deleted
    ANONYMISE = "anonymise"  # the rows stay; this module clears what identifies the person
    KEEP = "keep"  # the rows stay as they are: they hold ids only


@dataclass(frozen=True)
class Retention:
    keep: Keep
    reason: str


RETENTION: dict[str, Retention] = {
    "user_account": Retention(
        Keep.ANONYMISE, "history refers to the row; name, address, password are cleared"
    ),
    "helper_profile": Retention(
        Keep.ANONYMISE, "offers and assignments refer to it; its details are cleared"
    ),
    "helper_language": Retention(Keep.ERASE, "only needed for matching a person who is gone"),
    "helper_town": Retention(Keep.ERASE, "only needed for matching"),
    "helper_topic": Retention(Keep.ERASE, "only needed for matching"),
    "availability_slot": Retention(Keep.ERASE, "only needed for matching"),
    "absence": Retention(Keep.ERASE, "only needed for matching; notes are free text"),
    "user_session": Retention(Keep.ERASE, "ended at deletion; addresses and browsers serve nothing after"),
    "account_token": Retention(Keep.ERASE, "an unused token must not revive the account"),
    "notification_preference": Retention(Keep.ERASE, "mail settings of a person who is gone"),
    "offer": Retention(Keep.ANONYMISE, "answers count in statistics; the typed decline reason is cleared"),
    "assignment": Retention(
        Keep.ANONYMISE, "hours, km and status are the statistics; typed reasons and notes are cleared"
    ),
    "contact_share": Retention(
        Keep.ERASE,
        "whose contact an organisation may see; nothing to show once the person is gone "
        "(the audit log keeps that it was shared, by ids)",
    ),
    "audit_event": Retention(Keep.KEEP, "the security log keeps ids only, never personal data in detail"),
    "request_status_change": Retention(
        Keep.KEEP,
        "who moved a request, by id; notes are fixed texts, or name a helper asked for the request "
        "(a phone answer, a booking), whose name is replaced when she is deleted",
    ),
    "help_request": Retention(Keep.KEEP, "points at coordinators and initiatives, never at a helper"),
    "request_series": Retention(Keep.KEEP, "made by a coordinator, by id; never points at a helper"),
    "request_comment": Retention(
        Keep.KEEP, "written by coordinators and initiative members, never by a helper; the author by id"
    ),
    "coordinator_task": Retention(
        Keep.ERASE, "a call to make to a person who is gone; who did which task is in the audit log"
    ),
    "allowance_rate": Retention(Keep.KEEP, "who set a rate, by id; only coordinators and admins set rates"),
    "training_course": Retention(Keep.KEEP, "made by a coordinator, by id; never points at a helper"),
    "training_signup": Retention(
        Keep.ERASE, "which courses a person who is gone signed up for; the audit log keeps it by ids"
    ),
    "training_attendance": Retention(
        Keep.ERASE, "the dates she attended; her qualification date goes with her profile's details"
    ),
    "standby_day": Retention(Keep.ERASE, "only needed for asking a person who is gone at short notice"),
    "assignment_signoff": Retention(
        Keep.KEEP, "the requester's word that an assignment took place, by ids; no typed text"
    ),
    "day_before_check": Retention(
        Keep.ERASE,
        'her answers to "Kommen Sie morgen?" (found through her assignments, not this column, '
        "which names the coordinator who took an answer by phone); they count in no statistic",
    ),
    "assignment_feedback": Retention(
        Keep.ERASE, "what she wrote about her assignments; the coordinators' call back is done or moot"
    ),
}


class PrivacyError(Exception):
    """The account cannot be deleted this way; the message says why."""


def placeholder_email(user_id: int) -> str:
    """Unique (the column is) and undeliverable: .invalid is reserved (RFC 2606)."""
    return f"deleted-{user_id}@deleted.invalid"


@dataclass(frozen=True)
class Released:
    declined_offers: int
    withdrawn_assignments: int


def _today():
    return utcnow().astimezone(BERLIN).date()


def release_commitments(user: User, profile: HelperProfile) -> Released:
    """Free everything still ahead through the offer rules, so requests reopen and
    coordinators are told. Each step is its own transaction there; one that has
    meanwhile become impossible (the assignment began) is simply kept."""
    now = utcnow()
    pending = db.session.scalars(
        select(Offer.id).where(Offer.helper_id == profile.id, Offer.status == OfferStatus.PENDING)
    ).all()
    accepted = db.session.scalars(
        select(Offer.id).where(
            Offer.helper_id == profile.id,
            Offer.status == OfferStatus.ACCEPTED,
            ~exists().where(Assignment.offer_id == Offer.id),
        )
    ).all()
    ahead = db.session.scalars(
        select(Assignment.id)
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(
            Assignment.helper_id == profile.id,
            Assignment.status == AssignmentStatus.CONFIRMED,
            or_(
                Assignment.starts_at > now,
                and_(
                    Assignment.starts_at.is_(None),
                    or_(HelpRequest.due_on.is_(None), HelpRequest.due_on >= _today()),
                ),
            ),
        )
    ).all()
    declined = withdrawn = 0
    for offer_id in pending:
        try:
            decline_offer(offer_id, user)
            declined += 1
        except RequestError:
            pass
    for offer_id in accepted:
        try:
            retract_acceptance(offer_id, user)
            declined += 1
        except RequestError:
            pass
    reason = str(_l("Die Person hat ihr Konto gelöscht."))
    for assignment_id in ahead:
        try:
            withdraw_assignment(assignment_id, user, reason)
            withdrawn += 1
        except RequestError:
            pass
    return Released(declined_offers=declined, withdrawn_assignments=withdrawn)


def delete_managed_helper(profile: HelperProfile, coordinator: User) -> Released:
    """A helper the KI manages (``helpers.managed``) asked the KI to erase her data: she has no
    login to do it herself. The same erasure as her own (``delete_helper_account``), the
    coordinator recorded as the one who did it; only by a coordinator or admin of her KI."""
    if not profile.user.is_managed:
        raise PrivacyError(_l("Nur Profile, die das KI verwaltet, löscht das KI selbst."))
    if coordinator.role not in (Role.COORDINATOR, Role.ADMIN) or coordinator.ki_id != profile.ki_id:
        raise PrivacyError(_l("Nur das eigene KI kann dieses Profil löschen."))
    return delete_helper_account(profile.user, actor=coordinator)


def delete_helper_account(user: User, *, actor: User | None = None) -> Released:
    """Erase the helper's personal data and switch the account off for good.

    First the future is released (see ``release_commitments``); then, in one
    transaction, everything that identifies the person goes. If that second
    part fails, the account is still whole and active and can be deleted again.
    ``actor``: who did it, if not she herself (``delete_managed_helper``).
    """
    if user.role != Role.HELPER:
        raise PrivacyError(_l("Nur Helfende können ihr Konto hier löschen."))
    if user.deleted_at is not None:
        return Released(0, 0)
    user_id = user.id
    actor_id = actor.id if actor is not None else user_id
    profile = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user_id))
    released = release_commitments(user, profile) if profile else Released(0, 0)

    user = db.session.get(User, user_id)
    profile = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user_id))
    # A helper the KI manages may have no address (``helpers.managed``).
    former = [user.display_name] + [value for value in (user.email, profile and profile.phone) if value]
    former_email = user.email
    person = Person(user.id, profile.id if profile else None)

    end_all_sessions(user)
    _erase_rows(person)
    if profile is not None:
        db.session.expire(profile)
        _anonymise_profile(profile)
        _clear_typed_text(profile)
        _erase_day_before_checks(profile)
        _forget_in_history(profile, former)
    _anonymise_user(user)
    _forget_mail(former_email, placeholder_email(user.id), former)
    event = record(
        "account.deleted",
        actor=db.session.get(User, actor_id),
        subject=user,
        declined_offers=released.declined_offers,
        withdrawn_assignments=released.withdrawn_assignments,
    )
    event.ip = None  # the event itself must not carry personal data
    db.session.commit()
    return released


def _erase_rows(person: Person) -> None:
    for table_name, columns in referencing_columns(db.metadata).items():
        if RETENTION[table_name].keep != Keep.ERASE:
            continue
        conditions = []
        for column in columns:
            own_id = person.id_for(next(iter(column.foreign_keys)).column.table.name)
            if own_id is not None:
                conditions.append(column == own_id)
        if conditions:
            db.session.execute(delete(db.metadata.tables[table_name]).where(or_(*conditions)))


def _anonymise_user(user: User) -> None:
    user.display_name = DELETED_NAME
    user.email = placeholder_email(user.id)
    user.password_hash = None
    user.locale = None
    user.email_verified_at = None
    user.last_login_at = None
    user.active = False
    user.deleted_at = utcnow()


# What a deleted helper's profile keeps of each field: nothing that could point to the person.
ERASED_PROFILE = {
    "phone": None,
    "gender": None,
    "home_town_id": None,
    "max_travel_km": None,
    "remote_ok": False,
    "directory_opt_in": False,
    "consent_given_at": None,
    "consent_version": None,
    "calendar_token_hash": None,
    "qualification_completed_on": None,
    "confidentiality_signed_on": None,
    "police_certificate_seen_on": None,
    # Who saw them says nothing once the dates are gone.
    "confidentiality_seen_by_id": None,
    "qualification_seen_by_id": None,
    "police_certificate_seen_by_id": None,
    "note": None,
}


def _anonymise_profile(profile: HelperProfile) -> None:
    """Only ``kind`` and the monthly cap stay: they describe no one once the name is gone."""
    for name, value in ERASED_PROFILE.items():
        setattr(profile, name, value)


def _clear_typed_text(profile: HelperProfile) -> None:
    db.session.execute(update(Offer).where(Offer.helper_id == profile.id).values(decline_reason=None))
    db.session.execute(
        update(Assignment)
        .where(Assignment.helper_id == profile.id)
        .values(withdraw_reason=None, report_note=None)
    )
    mine = select(Assignment.id).where(Assignment.helper_id == profile.id)
    db.session.execute(update(TravelTicket).where(TravelTicket.assignment_id.in_(mine)).values(note=None))


def _erase_day_before_checks(profile: HelperProfile) -> None:
    """Her "Kommen Sie morgen?" questions point at her assignments, not at her (``RETENTION``)."""
    mine = select(Assignment.id).where(Assignment.helper_id == profile.id)
    db.session.execute(delete(DayBeforeCheck).where(DayBeforeCheck.assignment_id.in_(mine)))


def _terms(former: list[str]) -> list[str]:
    """The person's former name, address and phone as they may stand in a text (also as HTML
    escapes them), longest first; none too short to look for."""
    return sorted(
        {form for term in former if len(term.strip()) >= 2 for form in (term, str(escape(term)))},
        key=len,
        reverse=True,
    )


def _mentions(terms: list[str]) -> re.Pattern:
    """Any of ``terms`` as a whole word."""
    return re.compile("|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in terms), re.IGNORECASE)


def _forget_in_history(profile: HelperProfile, former: list[str]) -> None:
    """The history of a request she was asked for may name her (an answer a coordinator took by
    phone, a direct booking: ``requests.lifecycle.remark``): her name gives way there too."""
    terms = _terms(former)
    if not terms:
        return
    pattern = _mentions(terms)
    asked = select(Offer.request_id).where(Offer.helper_id == profile.id)
    for change in db.session.scalars(
        select(RequestStatusChange).where(
            RequestStatusChange.request_id.in_(asked), RequestStatusChange.note.is_not(None)
        )
    ):
        change.note = pattern.sub(DELETED_NAME, change.note)


def _forget_mail(address: str, placeholder: str, former: list[str]) -> None:
    """Unsent mail to the person is dropped; sent mail keeps only kind, subject and
    dates; and where other mails name them ("… hat abgesagt"), the name is replaced."""
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.to_address == address, OutboxMessage.sent_at.is_(None))
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.to_address == address)
        .values(
            to_address=placeholder,
            body_text="",
            body_html=None,
            last_error=None,
            body_purged_at=func.coalesce(OutboxMessage.body_purged_at, utcnow()),
        )
    )
    terms = _terms(former)
    if not terms:
        return
    pattern = _mentions(terms)
    columns = (
        OutboxMessage.subject,
        OutboxMessage.body_text,
        OutboxMessage.body_html,
        OutboxMessage.last_error,
    )
    mentions = db.session.scalars(
        select(OutboxMessage).where(
            or_(*(column.icontains(term, autoescape=True) for column in columns for term in terms))
        )
    )
    for message in mentions:
        for column in columns:
            value = getattr(message, column.key)
            if value:
                setattr(message, column.key, pattern.sub(DELETED_NAME, value))
