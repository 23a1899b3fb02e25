"""Imports every model module, so that the metadata (and Alembic) sees the whole schema."""

import ki_match.accounts.models
import ki_match.assignments.models
import ki_match.audit.models
import ki_match.helpers.models
import ki_match.initiatives.models
import ki_match.notifications.reminders  # ReminderLog
import ki_match.notifications.tasks  # CoordinatorTask
import ki_match.offers.escalation  # EscalationStep
import ki_match.orgs.models
import ki_match.outbox.models
import ki_match.outbox.preferences  # NotificationPreference
import ki_match.reference.models
import ki_match.reports.models
import ki_match.requests.models
import ki_match.standby.models
import ki_match.tomorrow.models  # DayBeforeCheck
import ki_match.training.models  # noqa: F401
