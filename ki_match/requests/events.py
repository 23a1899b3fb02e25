"""Everything that can happen to a request, as its rules publish it (see ``ki_match.events``).

Each event is a ``RequestEvent``: the request, who did it, and what those told
about it need to know; the rows are those of the publishing transaction. The
lifecycle (``requests.lifecycle``), the offers (``offers``), the assignments
(``assignments``) and an organisation's conversation (``initiatives``) publish these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from ki_match.accounts.models import User
from ki_match.helpers.models import HelperProfile
from ki_match.requests.models import Assignment, HelpRequest, Offer


class Schedule(NamedTuple):
    """When a request happens: a start and a duration, or a due date for a written translation."""

    starts_at: datetime | None
    duration_minutes: int | None
    due_on: date | None


@dataclass(frozen=True, kw_only=True)
class RequestEvent:
    request: HelpRequest
    actor: User | None  # None: the system (the unfilled run)


@dataclass(frozen=True, kw_only=True)
class Submitted(RequestEvent):
    """An initiative member sent a request in. ``whole_series``: one date of a series sent in (or
    decided) at once, whose own event (``initiatives.events``) tells who must hear of it."""

    whole_series: bool = False


@dataclass(frozen=True, kw_only=True)
class TakenOver(RequestEvent):
    """A coordinator took an initiative's request into matching."""

    whole_series: bool = False


@dataclass(frozen=True, kw_only=True)
class SubmittedDeclined(RequestEvent):
    reason: str
    whole_series: bool = False


@dataclass(frozen=True, kw_only=True)
class Rescheduled(RequestEvent):
    old: Schedule
    offers: list[Offer]  # still waiting for an answer (or a confirmation)
    asked_again: frozenset[int]  # offers whose yes was for the old time and goes back to waiting
    assignments: list[Assignment]  # confirmed, moved with the request
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Cancelled(RequestEvent):
    """Called off by a coordinator, or withdrawn by the initiative member who sent it."""

    reason: str
    offers: list[Offer]  # withdrawn with the request
    assignments: list[Assignment]  # cancelled with the request
    whole_series: bool = False


@dataclass(frozen=True, kw_only=True)
class Completed(RequestEvent):
    assignments: list[Assignment]  # now completed; their helpers are asked for their hours


@dataclass(frozen=True, kw_only=True)
class Unfilled(RequestEvent):
    """The request's time passed with seats still free."""

    at: datetime


@dataclass(frozen=True, kw_only=True)
class NoShow(RequestEvent):
    assignment: Assignment


# --- offers -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OffersSent(RequestEvent):
    offers: list[Offer]


@dataclass(frozen=True, kw_only=True)
class SeriesOffered(RequestEvent):
    """One helper asked for several dates of a series at once (``request``: the first of them):
    one mail lists them all instead of one mail per date."""

    offers: list[Offer]
    open_dates: int  # how many open dates the series had


@dataclass(frozen=True, kw_only=True)
class SeriesAccepted(RequestEvent):
    """A helper said yes to several dates of a series at once ("Alle annehmen"; ``request``: the
    first of them): the coordinators get one mail instead of one per date."""

    offers: list[Offer]


@dataclass(frozen=True, kw_only=True)
class OfferAccepted(RequestEvent):
    """A yes that waits for the coordinators' confirmation."""

    offer: Offer


@dataclass(frozen=True, kw_only=True)
class OfferDeclined(RequestEvent):
    """A no: the first answer, or a yes taken back before it was confirmed (``retracted``)."""

    offer: Offer
    retracted: bool = False


@dataclass(frozen=True, kw_only=True)
class OfferWithdrawn(RequestEvent):
    """A coordinator no longer asks this helper."""

    offer: Offer


@dataclass(frozen=True, kw_only=True)
class AssignmentConfirmed(RequestEvent):
    """An offer became an assignment; ``filled`` when it took the request's last seat, and then
    ``withdrawn`` are the other offers that ended with it."""

    assignment: Assignment
    filled: bool = False
    withdrawn: list[Offer] = field(default_factory=list)
    # False when the helper hears of it together with other dates (``SeriesConfirmed``).
    tell_helper: bool = True


@dataclass(frozen=True, kw_only=True)
class SeriesConfirmed(RequestEvent):
    """One helper confirmed for several dates of a series at once (``request``: the first of them):
    one mail lists them all instead of one mail per date."""

    assignments: list[Assignment]


# --- assignments after confirmation --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AssignmentWithdrawn(RequestEvent):
    """A confirmed helper gave the seat back (by themselves, or deactivated); ``late``: with
    less than the KI's ``late_cancel_hours`` to go (``assignments.services.is_late``).
    ``released``: a coordinator took her off to give the date to someone else (a series
    re-staffed): not a cancellation by the helper, so nobody is alerted and nobody asked
    automatically; she hears of it once for all her dates (``HelperReleased``)."""

    assignment: Assignment
    late: bool = False
    released: bool = False


@dataclass(frozen=True, kw_only=True)
class HelperReleased(RequestEvent):
    """A coordinator gave one or more dates of a series that ``assignments`` (all the same
    helper's) held to someone else, or opened them again (``request``: the first of them): one
    mail to the helper lists them all."""

    assignments: list[Assignment]


@dataclass(frozen=True, kw_only=True)
class HoursReported(RequestEvent):
    """Hours and kilometres reported (or changed): by the helper, or for a helper the KI manages
    by a coordinator (``actor``)."""

    assignment: Assignment


@dataclass(frozen=True, kw_only=True)
class HoursApproved(RequestEvent):
    assignment: Assignment


@dataclass(frozen=True, kw_only=True)
class DayBeforeAnswered(RequestEvent):
    """ "Kommen Sie morgen?" about the start ``starts_at`` is answered (``tomorrow.services``): by
    the helper, or by a coordinator (``actor``) who reached her by phone."""

    assignment: Assignment
    starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class AbsenceReported(RequestEvent):
    """The requester says the helper did not come ("Helfer*in ist nicht gekommen",
    ``assignments.signoff``): every coordinator of the KI is alerted at once. ``at``: when it
    was said (saying it again after a change of mind is a new alert)."""

    assignment: Assignment
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CallbackAsked(RequestEvent):
    """Feedback on an assignment asks the coordinators to call back: ``actor`` wrote it
    (``assignments.feedback``), the helper ("Belastender Einsatz – bitte Rückruf") or, with
    ``by_requester``, whoever asked for the assignment ("Bitte rufen Sie uns an")."""

    assignment: Assignment
    feedback_id: int
    by_requester: bool = False


# --- between an organisation and the coordinators -----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Message(RequestEvent):
    """A message of the conversation about a request (``text``, stored as comment ``comment_id``)."""

    comment_id: int
    text: str


class QuestionAsked(Message):
    """A coordinator asks the organisation back about a submitted request."""


class QuestionAnswered(Message):
    """The organisation answers (or adds to) the conversation."""


@dataclass(frozen=True, kw_only=True)
class ContactShared(RequestEvent):
    """The organisation may now see who helps and how to reach them."""

    helpers: list[HelperProfile]


@dataclass(frozen=True)
class ClientDataPurged:
    """The retention purge (``requests.retention``) emptied these long finished requests:
    whatever a layer above keeps about them in free text goes too, in the same transaction."""

    request_ids: tuple[int, ...]
