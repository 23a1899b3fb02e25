"""Who hears about a request, and a mail to each of them in their own language.

Four kinds of recipient: a helper; the coordinators responsible for a request;
the organisation that sent a request in; and all of a KI's coordinators, when
an organisation acts. Each function writes outbox rows in the caller's
transaction (``outbox.queue.queue_mail``). ``recipients`` decides which change
goes to whom.
"""

from __future__ import annotations

import enum

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.initiatives.queries import shared_helper_ids
from ki_match.notifications.tasks import queue_task
from ki_match.outbox.queue import queue_mail
from ki_match.requests.models import HelpRequest
from ki_match.requests.queries import responsible_coordinators
from ki_match.urls import public_url


def request_link(request: HelpRequest) -> str:
    """The request's page, for coordinators."""
    return public_url("requests.show", request_id=request.id)


def to_helper(helper: HelperProfile, *, kind: str, key: str, subject, template: str, **context) -> None:
    """One mail to a helper, in their own interface language: many read German as a second language.

    To a helper the KI manages (``helpers.managed``) nothing is mailed: the coordinators get a
    task to call her instead ("Ahmad R. anrufen: Angebot für …"), once per ``key`` as a mail.
    """
    if helper.user.is_managed:
        request = context.get("request")
        queue_task(helper, kind=kind, key=key, request_id=getattr(request, "id", None))
        return
    link = context.pop("link", None) or public_url("home.index")
    with force_locale(helper.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        queue_mail(
            kind=kind,
            to=helper.user.email,
            subject=subject,
            template=template,
            key=key,
            ki_id=helper.ki_id,
            recipient=helper.user,
            link=link,
            **context,
        )


def to_coordinators(
    request: HelpRequest, *, kind: str, key: str, subject, template: str, everyone: bool = False, **context
) -> None:
    """One mail to each coordinator responsible for ``request`` (its creator, or every
    coordinator); with ``everyone``, to every coordinator of its KI (something urgent)."""
    link = context.pop("link", None) or request_link(request)
    for coordinator in all_coordinators(request) if everyone else responsible_coordinators(request):
        queue_mail(
            kind=kind,
            to=coordinator.email,
            subject=subject,
            template=template,
            key=f"{key}:{coordinator.id}",
            ki_id=request.ki_id,
            recipient=coordinator,
            request=request,
            link=link,
            **context,
        )


# --- organisations that sent a request in ---------------------------------------------------------


class Change(enum.StrEnum):
    RECEIVED = "received"
    QUESTION = "question"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    FILLED = "filled"
    CONTACT_SHARED = "contact_shared"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    UNFILLED = "unfilled"
    # The organisation's own steps, told to the coordinators.
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


SUBJECTS = {
    Change.RECEIVED: _l("Ihre Anfrage ist eingegangen"),
    Change.QUESTION: _l("Rückfrage zu Ihrer Anfrage"),
    Change.ACCEPTED: _l("Ihre Anfrage ist in Bearbeitung"),
    Change.DECLINED: _l("Ihre Anfrage wurde abgelehnt"),
    Change.FILLED: _l("Helfer*in gefunden"),
    Change.CONTACT_SHARED: _l("Kontakt zur Helfer*in"),
    Change.RESCHEDULED: _l("Neuer Termin für Ihre Anfrage"),
    Change.CANCELLED: _l("Ihre Anfrage wurde abgesagt"),
    Change.COMPLETED: _l("Ihre Anfrage ist erledigt"),
    Change.UNFILLED: _l("Für Ihre Anfrage wurde niemand gefunden"),
}


def _ki_subject(change: Change, request_id: int):
    subjects = {
        Change.RECEIVED: _l("Neue Anfrage eingereicht (#%(id)s)", id=request_id),
        Change.ANSWERED: _l("Antwort auf Ihre Rückfrage (#%(id)s)", id=request_id),
        Change.WITHDRAWN: _l("Anfrage zurückgezogen (#%(id)s)", id=request_id),
    }
    return subjects[change]


# Kinds the outbox already knew before initiatives had their own mails.
_KINDS = {Change.CANCELLED: "request_cancelled"}


def _reachable(user: User | None) -> bool:
    return user is not None and user.active and user.deleted_at is None


def requesters(request: HelpRequest) -> list[User]:
    """Who hears about a request sent in by an organisation: the member who sent it, or,
    once they have left, the organisation's other active members."""
    if request.requested_by_id is None:
        return []
    member = db.session.get(User, request.requested_by_id)
    if _reachable(member) and member.organisation_id == request.organisation_id:
        return [member]
    if request.organisation_id is None:
        return [member] if _reachable(member) else []
    return _reachable_users(User.organisation_id == request.organisation_id, User.role == Role.INITIATIVE)


def all_coordinators(request: HelpRequest) -> list[User]:
    return ki_coordinators(request.ki_id)


def ki_coordinators(ki_id: int) -> list[User]:
    return _reachable_users(User.ki_id == ki_id, User.role == Role.COORDINATOR)


def _reachable_users(*conditions) -> list[User]:
    """The active, not deleted users that meet ``conditions``."""
    return list(
        db.session.scalars(select(User).where(*conditions, User.active.is_(True), User.deleted_at.is_(None)))
    )


def _queue(recipients: list[User], request: HelpRequest, change: Change, *, key: str, **mail) -> int:
    """One mail per recipient, in the recipient's language (``queue_mail`` chooses it)."""
    for recipient in recipients:
        queue_mail(
            key=f"{key}:{recipient.id}",
            ki_id=request.ki_id,
            to=recipient.email,
            recipient=recipient,
            request=request,
            change=change.value,
            **mail,
        )
    return len(recipients)


def to_requester(
    request: HelpRequest,
    change: Change,
    *,
    actor=None,
    key: str | None = None,
    subject=None,
    link: str | None = None,
    **context,
) -> int:
    """Mail the requesting organisation about ``change``; the number of mails queued.

    Nothing for requests nobody sent in through KI-Match, and nothing to the person
    who made the change themselves. ``key`` tells repeated changes of one kind apart
    (a second question, a second new time); without it the moment is the key.
    Of ``helpers`` (confirmed helpers' profiles), the mail names only those whose contact a
    coordinator shared for this request and who still hold their seat. ``subject`` and ``link``
    replace the change's own (a mail about a whole series).
    """
    shared = shared_helper_ids(request)
    helpers = [helper for helper in context.pop("helpers", None) or () if helper.id in shared]
    if helpers:
        context["helpers"] = helpers
    return _queue(
        [user for user in requesters(request) if getattr(actor, "id", None) != user.id],
        request,
        change,
        key=f"{change.value}:{request.id}:{key or utcnow().isoformat()}",
        kind=_KINDS.get(change, f"initiative_{change.value}"),
        subject=subject or SUBJECTS[change],
        template="emails/initiative_update",
        link=link or public_url("initiatives.request", request_id=request.id),
        **context,
    )


def to_ki(
    request: HelpRequest,
    change: Change,
    *,
    key: str | None = None,
    subject=None,
    link: str | None = None,
    **context,
) -> int:
    """Mail the KI's coordinators that an organisation sent in, answered or withdrew a request
    (``subject`` and ``link`` replace the change's own: a mail about a whole series)."""
    return _queue(
        all_coordinators(request),
        request,
        change,
        key=f"{change.value}:ki:{request.id}:{key or utcnow().isoformat()}",
        kind=f"initiative_{change.value}_ki",
        subject=subject or _ki_subject(change, request.id),
        template="emails/initiative_to_ki",
        link=link or request_link(request),
        **context,
    )
