"""What happens between an organisation and the coordinators (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.accounts.models import User
from ki_match.helpers.models import HelperProfile
from ki_match.initiatives.models import RequestComment
from ki_match.requests.models import HelpRequest


@dataclass(frozen=True)
class QuestionAsked:
    """A coordinator asks the organisation back about a submitted request."""

    request: HelpRequest
    comment: RequestComment
    actor: User


@dataclass(frozen=True)
class QuestionAnswered:
    """The organisation answers (or adds to) the conversation."""

    request: HelpRequest
    comment: RequestComment


@dataclass(frozen=True)
class ContactShared:
    """The organisation may now see who helps and how to reach them."""

    request: HelpRequest
    actor: User
    helpers: list[HelperProfile]
