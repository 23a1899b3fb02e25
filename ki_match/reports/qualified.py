"""The reports' count of qualified Sprachlots*innen per language they speak: how many the KI can
send where a request needs one (``Ki``'s helpers as they stand today, not a period's figure).

A SELECT of its own, apart from ``queries.py``: it counts helpers, not requests or assignments,
and shares none of the period's conditions."""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from ki_match.accounts.models import User
from ki_match.extensions import db
from ki_match.helpers.models import HelperLanguage, HelperProfile
from ki_match.helpers.queries import qualified_condition


def _qualified(ki_id: int, language_id: int | None):
    """The KI's qualified Sprachlots*innen who may work: approved, the account active, not deleted."""
    conditions = [
        HelperProfile.ki_id == ki_id,
        HelperProfile.approved_at.is_not(None),
        User.active.is_(True),
        User.deleted_at.is_(None),
        qualified_condition(),
    ]
    if language_id is not None:
        conditions.append(HelperLanguage.language_id == language_id)
    return (
        select(HelperLanguage.language_id, HelperLanguage.helper_id)
        .join(HelperProfile, HelperProfile.id == HelperLanguage.helper_id)
        .join(User, User.id == HelperProfile.user_id)
        .where(*conditions)
        .subquery()
    )


def qualified_by_language(ki_id: int, language_id: int | None = None) -> tuple[dict[str, int], int]:
    """(language id as text → how many speak it, how many people in all, each once); with
    ``language_id`` (the report's language filter) only that language."""
    found = _qualified(ki_id, language_id)
    per_language = db.session.execute(
        select(found.c.language_id, func.count(distinct(found.c.helper_id))).group_by(found.c.language_id)
    ).all()
    people = db.session.scalar(select(func.count(distinct(found.c.helper_id))))
    return {str(language): int(count) for language, count in per_language}, int(people or 0)
