"""What the operator's list of KIs counts: per KI, one GROUP BY each, and no one's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.clock import local_midnight
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki
from ki_match.requests.models import HelpRequest, RequestStatus


@dataclass(frozen=True)
class KiSummary:
    ki: Ki
    helpers: int
    staff: int  # coordinators and admins
    requests_this_year: int


def _per_ki(query) -> dict[int, int]:
    return {ki_id: int(count) for ki_id, count in db.session.execute(query).all()}


def ki_summaries(today: date) -> list[KiSummary]:
    """Every KI with its number of helpers, of coordinators and admins, and of this year's requests
    (made since 1 January, Berlin time; drafts are not requests yet, as in the reports)."""
    kis = db.session.scalars(select(Ki).order_by(Ki.name, Ki.id)).all()
    helpers = _per_ki(
        select(HelperProfile.ki_id, func.count())
        .join(User, User.id == HelperProfile.user_id)
        .where(User.deleted_at.is_(None))
        .group_by(HelperProfile.ki_id)
    )
    staff = _per_ki(
        select(User.ki_id, func.count())
        .where(User.role.in_((Role.COORDINATOR, Role.ADMIN)), User.deleted_at.is_(None))
        .group_by(User.ki_id)
    )
    requests = _per_ki(
        select(HelpRequest.ki_id, func.count())
        .where(
            HelpRequest.created_at >= local_midnight(date(today.year, 1, 1)),
            HelpRequest.status != RequestStatus.DRAFT,
        )
        .group_by(HelpRequest.ki_id)
    )
    return [KiSummary(ki, helpers.get(ki.id, 0), staff.get(ki.id, 0), requests.get(ki.id, 0)) for ki in kis]
