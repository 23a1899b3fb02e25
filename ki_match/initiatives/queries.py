"""Every SELECT of the initiatives domain: an organisation's requests, the conversation, members,
whose contact is shared."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ki_match.accounts.models import Role, User
from ki_match.db import Page, page_number
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.initiatives.labels import STATUS_GROUPS
from ki_match.initiatives.models import ContactShare, RequestComment
from ki_match.orgs.models import Ki, Organisation
from ki_match.requests.models import HOLDING_STATES, Assignment, HelpRequest, RequestStatus

PAGE_SIZE = 25


def organisation_requests(
    ki: Ki, organisation_id: int, statuses: tuple[RequestStatus, ...] | None = None, page: int = 1
) -> Page:
    """One page of the organisation's requests, newest first."""
    conditions = [HelpRequest.ki_id == ki.id, HelpRequest.organisation_id == organisation_id]
    if statuses:
        conditions.append(HelpRequest.status.in_(statuses))
    total = db.session.scalar(select(func.count()).select_from(HelpRequest).where(*conditions))
    page, pages = page_number(total, page, PAGE_SIZE)
    requests = db.session.scalars(
        select(HelpRequest)
        .where(*conditions)
        .options(selectinload(HelpRequest.language), selectinload(HelpRequest.town))
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page(list(requests), total, page, pages)


def organisation_status_counts(ki: Ki, organisation_id: int) -> dict[RequestStatus, int]:
    rows = db.session.execute(
        select(HelpRequest.status, func.count())
        .where(HelpRequest.ki_id == ki.id, HelpRequest.organisation_id == organisation_id)
        .group_by(HelpRequest.status)
    )
    counts = dict.fromkeys(RequestStatus, 0)
    counts.update(dict(rows.all()))
    return counts


def comments(request: HelpRequest) -> list[RequestComment]:
    return db.session.scalars(
        select(RequestComment)
        .where(RequestComment.request_id == request.id)
        .options(selectinload(RequestComment.author))
        .order_by(RequestComment.created_at, RequestComment.id)
    ).all()


def organisation_in_ki(ki: Ki, organisation_id: int) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(Organisation.id == organisation_id, Organisation.ki_id == ki.id)
    )


def organisations_with_counts(ki: Ki) -> list[tuple[Organisation, int]]:
    """Every organisation of the KI with its number of active members."""
    members = (
        select(func.count())
        .where(User.organisation_id == Organisation.id, User.role == Role.INITIATIVE, User.active.is_(True))
        .correlate(Organisation)
        .scalar_subquery()
    )
    return list(
        db.session.execute(
            select(Organisation, members)
            .where(Organisation.ki_id == ki.id)
            .options(selectinload(Organisation.town))
            .order_by(Organisation.active.desc(), Organisation.name)
        ).all()
    )


def members(organisation: Organisation) -> list[User]:
    return db.session.scalars(
        select(User)
        .where(
            User.organisation_id == organisation.id,
            User.ki_id == organisation.ki_id,
            User.deleted_at.is_(None),
        )
        .order_by(User.active.desc(), User.display_name)
    ).all()


def step_counts(ki: Ki, organisation_id: int) -> dict[str, int]:
    """How many of the organisation's requests are at each step as the organisation sees it."""
    counts = organisation_status_counts(ki, organisation_id)
    return {step: sum(counts[status] for status in statuses) for step, statuses in STATUS_GROUPS.items()}


# --- whose contact the organisation sees ----------------------------------------------------------


def live_shares(request_id: int) -> list[ContactShare]:
    """The request's shares not ended, whatever became of the assignments (to end them)."""
    return db.session.scalars(
        select(ContactShare)
        .where(ContactShare.request_id == request_id, ContactShare.ended_at.is_(None))
        .order_by(ContactShare.id)
    ).all()


def seat_holder(request_id: int, helper_id: int) -> HelperProfile | None:
    """The helper, if they hold a seat of the request (confirmed or done)."""
    return db.session.scalar(
        select(HelperProfile)
        .join(Assignment, Assignment.helper_id == HelperProfile.id)
        .where(
            Assignment.request_id == request_id,
            Assignment.helper_id == helper_id,
            Assignment.status.in_(HOLDING_STATES),
        )
    )


def shared_helper_ids(request: HelpRequest) -> set[int]:
    """The helpers whose contact the organisation may see for ``request``: shared for them, not
    ended, and they still hold their seat. The seat is checked here too, so a share can never
    outlive the assignment it was given for, even if ending it was missed."""
    return set(
        db.session.scalars(
            select(ContactShare.helper_id)
            .join(
                Assignment,
                and_(
                    Assignment.request_id == ContactShare.request_id,
                    Assignment.helper_id == ContactShare.helper_id,
                ),
            )
            .where(
                ContactShare.request_id == request.id,
                ContactShare.ended_at.is_(None),
                Assignment.status.in_(HOLDING_STATES),
            )
        )
    )
