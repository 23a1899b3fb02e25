"""What happens between an organisation and the coordinators (see ``ki_match.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.helpers.models import HelperProfile
from ki_match.initiatives.models import RequestComment
from ki_match.requests.events import RequestEvent


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(RequestEvent):
    """A coordinator asks the organisation back about a submitted request."""

    comment: RequestComment


@dataclass(frozen=True, kw_only=True)
class QuestionAnswered(RequestEvent):
    """The organisation answers (or adds to) the conversation."""

    comment: RequestComment


@dataclass(frozen=True, kw_only=True)
class ContactShared(RequestEvent):
    """The organisation may now see who helps and how to reach them."""

    helpers: list[HelperProfile]
