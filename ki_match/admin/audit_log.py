"""The audit log as an admin reads it: one page of a KI's events with the filters, and the rows
of the export. Every row is read by one statement (plus one count): who acted, and what the event
is about, joined in, each only when it belongs to the KI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from ki_match.accounts.models import User
from ki_match.audit.labels import group_actions
from ki_match.audit.models import AuditEvent
from ki_match.clock import local_midnight
from ki_match.db import Page, page_number
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki, Organisation
from ki_match.requests.models import Assignment, HelpRequest, Offer

PAGE_SIZE = 50
# The export is one file; more rows than this are a question for the database, not a spreadsheet.
EXPORT_LIMIT = 20_000


@dataclass(frozen=True)
class AuditFilters:
    who: str | None = None  # part of the actor's name
    helper: HelperProfile | None = None
    request_id: int | None = None
    organisation_id: int | None = None
    group: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    def args(self) -> dict:
        """The filters as the address writes them (the page links, the export, the filter form)."""
        given = {
            "who": self.who,
            "helper": self.helper.id if self.helper else None,
            "request": self.request_id,
            "organisation": self.organisation_id,
            "group": self.group,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }
        return {key: value for key, value in given.items() if value is not None}

    def summary(self) -> dict:
        """The filters as the audit event of a view keeps them: ids, days and the group, never the
        name typed (only that one was)."""
        summary = self.args()
        if summary.pop("who", None):
            summary["who_given"] = True
        return summary


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    action: str
    actor_name: str | None
    detail: dict | None
    helper_id: int | None
    helper_name: str | None
    helper_deleted: bool  # her page is gone with her account: her name (as erased) without a link
    request_id: int | None
    organisation_id: int | None
    organisation_name: str | None


def _is(subject_type: str, column):
    return and_(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == column)


def _about_helper(helper: HelperProfile):
    """Her profile, her account, and the offers and seats she was asked for or given."""
    offers = select(Offer.id).where(Offer.helper_id == helper.id)
    seats = select(Assignment.id).where(Assignment.helper_id == helper.id)
    return or_(
        _is("helper_profile", helper.id),
        _is("user_account", helper.user_id),
        and_(AuditEvent.subject_type == "offer", AuditEvent.subject_id.in_(offers)),
        and_(AuditEvent.subject_type == "assignment", AuditEvent.subject_id.in_(seats)),
    )


def _conditions(ki: Ki, filters: AuditFilters, actor) -> list:
    conditions = [AuditEvent.ki_id == ki.id]
    if filters.who:
        conditions.append(actor.display_name.ilike(f"%{_escaped(filters.who)}%", escape="\\"))
    if filters.helper is not None:
        conditions.append(_about_helper(filters.helper))
    if filters.request_id is not None:
        offers = select(Offer.id).where(Offer.request_id == filters.request_id)
        seats = select(Assignment.id).where(Assignment.request_id == filters.request_id)
        conditions.append(
            or_(
                _is("help_request", filters.request_id),
                and_(AuditEvent.subject_type == "offer", AuditEvent.subject_id.in_(offers)),
                and_(AuditEvent.subject_type == "assignment", AuditEvent.subject_id.in_(seats)),
            )
        )
    if filters.organisation_id is not None:
        conditions.append(_is("organisation", filters.organisation_id))
    if filters.group:
        conditions.append(AuditEvent.action.in_(group_actions(filters.group)))
    if filters.since:
        conditions.append(AuditEvent.at >= local_midnight(filters.since))
    if filters.until:
        conditions.append(AuditEvent.at < local_midnight(filters.until + timedelta(days=1)))
    return conditions


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _rows_statement(ki: Ki, filters: AuditFilters):
    actor, profile, profile_user = aliased(User), aliased(HelperProfile), aliased(User)
    offer, seat, request, organisation = (
        aliased(Offer),
        aliased(Assignment),
        aliased(HelpRequest),
        Organisation,
    )
    kind, subject_id = AuditEvent.subject_type, AuditEvent.subject_id
    # Which helper and which request an event is about, through whatever row it names.
    helper_id = case(
        (kind == "helper_profile", subject_id), (kind == "offer", offer.helper_id), else_=seat.helper_id
    )
    request_id = case(
        (kind == "help_request", subject_id), (kind == "offer", offer.request_id), else_=seat.request_id
    )
    return (
        select(
            AuditEvent.at,
            AuditEvent.action,
            actor.display_name,
            AuditEvent.detail,
            profile.id,
            profile_user.display_name,
            profile_user.deleted_at.is_not(None),
            request.id,
            organisation.id,
            organisation.name,
        )
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(offer, _is("offer", offer.id))
        .outerjoin(seat, _is("assignment", seat.id))
        .outerjoin(
            profile,
            and_(
                or_(profile.id == helper_id, and_(kind == "user_account", profile.user_id == subject_id)),
                profile.ki_id == ki.id,
            ),
        )
        .outerjoin(profile_user, profile_user.id == profile.user_id)
        .outerjoin(request, and_(request.id == request_id, request.ki_id == ki.id))
        .outerjoin(organisation, and_(_is("organisation", organisation.id), organisation.ki_id == ki.id))
        .where(*_conditions(ki, filters, actor))
    ), actor


def events_page(ki: Ki, filters: AuditFilters) -> Page:
    """One page of the KI's events that pass the filters, newest first."""
    statement, actor = _rows_statement(ki, filters)
    counted = select(func.count()).select_from(AuditEvent)
    if filters.who:
        counted = counted.join(actor, actor.id == AuditEvent.actor_id)
    total = db.session.scalar(counted.where(*_conditions(ki, filters, actor)))
    page, pages = page_number(total, filters.page, PAGE_SIZE)
    rows = db.session.execute(
        statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page([AuditRow(*row) for row in rows], total, page, pages)


def export_rows(ki: Ki, filters: AuditFilters) -> list[AuditRow]:
    """Every event that passes the filters (up to EXPORT_LIMIT), newest first."""
    statement, _ = _rows_statement(ki, filters)
    rows = db.session.execute(
        statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(EXPORT_LIMIT)
    )
    return [AuditRow(*row) for row in rows]


@dataclass(frozen=True)
class Kept:
    count: int
    since: datetime | None


def kept(ki: Ki) -> Kept:
    """How many of the KI's events the log holds, and the oldest one's time."""
    count, since = db.session.execute(
        select(func.count(), func.min(AuditEvent.at)).where(AuditEvent.ki_id == ki.id)
    ).one()
    return Kept(count, since)
