"""Rules for requests that organisations send in, the conversation about them, and the organisations.

An initiative member submits; the request waits as ``submitted`` until a coordinator
takes it over into matching, asks back, or declines it with a reason — status
changes that ``requests.lifecycle`` makes. Here live the organisation's side of it
(who may submit, the conversation, taking a request back) and the organisations
themselves; whose contact the organisation sees is in ``contacts``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from ki_match.accounts.models import Role, User
from ki_match.audit.services import record
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.initiatives.models import RequestComment
from ki_match.orgs.models import Ki, Organisation, OrganisationKind
from ki_match.requests import lifecycle
from ki_match.requests.data import RequestData
from ki_match.requests.events import ClientDataPurged, QuestionAnswered, QuestionAsked
from ki_match.requests.models import HOLDING_STATES, HelpRequest, RequestStatus

S = RequestStatus

# What an organisation may still take back itself: nobody is confirmed yet.
WITHDRAWABLE = frozenset({S.SUBMITTED, S.OPEN, S.OFFERED})
# Once a helper is confirmed, the coordinator may tell the organisation who it is.
HELPER_CONFIRMED = frozenset({S.FILLED, S.COMPLETED})
COMMENT_MAX = 2000


class InitiativeError(lifecycle.RequestError):
    """The step cannot happen (any more); the message says why in plain words."""


def can_submit(member: User) -> bool:
    organisation = member.organisation
    return (
        member.role == Role.INITIATIVE
        and member.active
        and organisation is not None
        and organisation.active
        and organisation.ki_id == member.ki_id
    )


def submit_request(ki: Ki, data: RequestData, member: User, *, urgent: bool, urgent_reason: str | None):
    """A member's request, waiting for the coordinators as ``submitted``; they are mailed.

    The organisation is checked here because it can be deactivated while the form is open.
    """
    if not can_submit(member):
        raise InitiativeError(
            _l("Ihre Organisation ist deaktiviert. Bitte wenden Sie sich an das Integrationszentrum.")
        )
    return lifecycle.submit(ki, data, member, urgent=urgent, urgent_reason=urgent_reason)


# --- the conversation and the confirmed helpers ----------------------------------------------


def _comment(request: HelpRequest, author: User, body: str, *, from_ki: bool) -> RequestComment:
    body = (body or "").strip()
    if not body:
        raise InitiativeError(_l("Bitte schreiben Sie eine Nachricht."))
    if len(body) > COMMENT_MAX:
        raise InitiativeError(_l("Bitte fassen Sie sich kürzer (höchstens 2000 Zeichen)."))
    comment = RequestComment(request_id=request.id, author_id=author.id, from_ki=from_ki, body=body)
    db.session.add(comment)
    db.session.flush()
    record("request.comment", actor=author, subject=request, from_ki=from_ki)
    return comment


def ask_back(request_id: int, coordinator: User, question: str) -> RequestComment:
    """A coordinator's question; the request stays submitted and the organisation is mailed."""
    request = lifecycle.locked_submitted(request_id)
    comment = _comment(request, coordinator, question, from_ki=True)
    publish(QuestionAsked(request=request, actor=coordinator, comment_id=comment.id, text=comment.body))
    db.session.commit()
    return comment


def confirmed_helpers(request: HelpRequest):
    """The helpers holding a seat of the request (confirmed or already done)."""
    return [a.helper for a in request.assignments if a.status.value in HOLDING_STATES]


# --- the organisation's own steps ---------------------------------------------------------------


def answer_question(request: HelpRequest, member: User, answer: str) -> RequestComment:
    """The organisation answers (or adds to) the conversation; the coordinators are mailed."""
    if request.status in (S.COMPLETED, S.CANCELLED, S.DECLINED, S.UNFILLED):
        raise InitiativeError(_l("Diese Anfrage ist abgeschlossen."))
    comment = _comment(request, member, answer, from_ki=False)
    publish(QuestionAnswered(request=request, actor=member, comment_id=comment.id, text=comment.body))
    db.session.commit()
    return comment


def forget_conversation(event: ClientDataPurged) -> None:
    """The retention purge: the conversation about a long finished request is deleted.

    It is free text (organisations name the client and the place in it) and nothing
    counts it; who sent the request in stays on the request."""
    db.session.execute(
        delete(RequestComment)
        .where(RequestComment.request_id.in_(event.request_ids))
        .execution_options(synchronize_session=False)
    )


HANDLERS = {ClientDataPurged: forget_conversation}


def can_withdraw(request: HelpRequest) -> bool:
    return request.status in WITHDRAWABLE and lifecycle.can_transition(request.status, S.CANCELLED)


def withdraw_request(request: HelpRequest, member: User, reason: str) -> HelpRequest:
    """The organisation takes its request back while nobody is confirmed yet.

    It goes through the request's cancel rule, so offers already out are withdrawn
    and the helpers asked are told; the coordinators hear about it.
    """
    if not can_withdraw(request):
        raise InitiativeError(
            _l(
                "Die Anfrage kann nicht mehr zurückgezogen werden. Bitte rufen Sie das Integrationszentrum an."
            )
        )
    try:
        return lifecycle.cancel(request.id, member, reason)
    except lifecycle.RequestError as error:
        raise InitiativeError(str(error)) from error


# --- organisations --------------------------------------------------------------------------


def save_organisation(
    ki: Ki, organisation: Organisation | None, *, name: str, kind: OrganisationKind, town_id, actor
):
    created = organisation is None
    if created:
        organisation = Organisation(ki_id=ki.id)
        db.session.add(organisation)
    organisation.name = name.strip()
    organisation.kind = kind
    organisation.town_id = town_id or None
    db.session.flush()
    record("organisation.created" if created else "organisation.updated", actor=actor, subject=organisation)
    return organisation


def set_organisation_active(organisation: Organisation, active: bool, actor) -> None:
    """A deactivated organisation keeps its history; its members can no longer send requests in."""
    _switched(organisation, "active", active, actor, "organisation.activated", "organisation.deactivated")


def _switched(row, flag: str, on: bool, actor, switched_on: str, switched_off: str) -> bool:
    """Set ``row.<flag>`` to ``on`` and audit the change; False when it already was."""
    if getattr(row, flag) == on:
        return False
    setattr(row, flag, on)
    record(switched_on if on else switched_off, actor=actor, subject=row)
    return True


def can_answer(request: HelpRequest) -> bool:
    return request.status not in (S.COMPLETED, S.CANCELLED, S.DECLINED, S.UNFILLED)
