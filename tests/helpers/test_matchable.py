"""The one rule of who may be matched (asked, accept, be confirmed): ``helpers.services.unmatchable``."""

from __future__ import annotations

import pytest

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.services import Unmatchable, is_matchable, unmatchable


def _deleted(profile):
    profile.user.deleted_at = utcnow()


def _inactive(profile):
    profile.user.active = False


def _unverified(profile):
    profile.user.email_verified_at = None


def _unapproved(profile):
    profile.approved_at = None


def _no_consent(profile):
    profile.consent_given_at = None


@pytest.mark.parametrize(
    "change, reason",
    [
        (_deleted, Unmatchable.DELETED),
        (_inactive, Unmatchable.INACTIVE),
        (_unverified, Unmatchable.UNVERIFIED),
        (_unapproved, Unmatchable.UNAPPROVED),
        (_no_consent, Unmatchable.NO_CONSENT),
    ],
)
def test_each_missing_condition_is_named(app, create_helper, change, reason):
    profile = create_helper(consented=True)
    assert unmatchable(profile) is None and is_matchable(profile)
    change(profile)
    db.session.commit()
    assert unmatchable(profile) == reason
    assert not is_matchable(profile)


def test_the_account_reason_comes_before_the_profile_reason(app, create_helper):
    """A deactivated helper without consent is first of all deactivated: that is what a coordinator can undo."""
    profile = create_helper(consented=False, active=False)
    assert unmatchable(profile) == Unmatchable.INACTIVE
