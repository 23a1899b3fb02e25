"""Imports every model so that metadata (and Alembic) sees the whole schema."""

from ki_match.accounts.models import AccountToken, Role, TokenPurpose, User, UserSession
from ki_match.audit.models import AuditEvent
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    Gender,
    HelperKind,
    HelperLanguage,
    HelperProfile,
)
from ki_match.initiatives.models import RequestComment
from ki_match.notifications.reminders import ReminderLog
from ki_match.offers.escalation import EscalationStep
from ki_match.orgs.models import Ki, Organisation, OrganisationKind
from ki_match.outbox.models import OutboxMessage
from ki_match.outbox.preferences import NotificationPreference
from ki_match.reference.models import Language, Level, Topic, Town
from ki_match.reports.models import AllowanceRate
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    FillMode,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
    RequestStatusChange,
)

__all__ = [
    "Absence",
    "AccountToken",
    "AllowanceRate",
    "Assignment",
    "AssignmentStatus",
    "AuditEvent",
    "AvailabilitySlot",
    "EscalationStep",
    "FillMode",
    "Gender",
    "HelpRequest",
    "HelperKind",
    "HelperLanguage",
    "HelperProfile",
    "Ki",
    "Language",
    "Level",
    "NotificationPreference",
    "Offer",
    "OfferStatus",
    "Organisation",
    "OrganisationKind",
    "OutboxMessage",
    "ReminderLog",
    "RequestComment",
    "RequestKind",
    "RequestStatus",
    "RequestStatusChange",
    "Role",
    "Topic",
    "TokenPurpose",
    "Town",
    "User",
    "UserSession",
]
